//! The order-preserving key encoding of numbers.
//!
//! Keys are compared with memcmp by the storage layer, and the engine concatenates the
//! hash-key and sort-key encodings, so the encoding must sort like the numbers and must
//! know where it ends.

use super::{MIN_EXP, Number};

/// Key-encoding tags; their order is the numeric order of the three classes.
const TAG_NEG: u8 = 0x01;
const TAG_ZERO: u8 = 0x02;
const TAG_POS: u8 = 0x03;

impl Number {
    /// Appends an order-preserving, self-delimiting encoding (memcmp order == numeric order).
    ///
    /// Layout: a tag (0x01 negative, 0x02 zero, 0x03 positive); zero ends there.
    /// Positive: `exp + 129` (0..=255), then each digit as `d + 1` (1..=10), then 0x00.
    /// Negative: `126 - exp`, each digit as `0xFE - d`, then 0xFF, so a larger magnitude
    /// sorts first and a shorter digit string (smaller magnitude) sorts last.
    pub fn encode_key(&self, out: &mut Vec<u8>) {
        if self.is_zero() {
            out.push(TAG_ZERO);
            return;
        }
        let biased = i64::from(self.exp) - MIN_EXP; // 0..=255
        if self.neg {
            out.push(TAG_NEG);
            out.push((255 - biased) as u8);
            out.extend(self.digits.bytes().map(|c| 0xFE - (c - b'0')));
            out.push(0xFF);
        } else {
            out.push(TAG_POS);
            out.push(biased as u8);
            out.extend(self.digits.bytes().map(|c| c - b'0' + 1));
            out.push(0x00);
        }
    }

    /// Decodes [`Number::encode_key`] output; returns the number and bytes consumed.
    pub fn decode_key(bytes: &[u8]) -> Option<(Number, usize)> {
        let (&tag, rest) = bytes.split_first()?;
        let neg = match tag {
            TAG_ZERO => return Some((Number::zero(), 1)),
            TAG_NEG => true,
            TAG_POS => false,
            _ => return None,
        };
        let (&exp_byte, rest) = rest.split_first()?;
        let biased = if neg {
            255 - i64::from(exp_byte)
        } else {
            i64::from(exp_byte)
        };
        let terminator = if neg { 0xFF } else { 0x00 };
        let end = rest.iter().position(|&c| c == terminator)?;
        let mut digits = Vec::with_capacity(end);
        for &c in &rest[..end] {
            let d = if neg {
                0xFEu8.checked_sub(c)?
            } else {
                c.checked_sub(1)?
            };
            if d > 9 {
                return None;
            }
            digits.push(d);
        }
        let n = Number::from_digit_values(neg, &digits, biased + MIN_EXP)?;
        Some((n, 2 + end + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::tests::{arb_number, big, n};
    use proptest::prelude::*;

    #[test]
    fn key_encoding_is_self_delimiting() {
        let mut buf = Vec::new();
        n("-12.5").encode_key(&mut buf);
        let first = buf.len();
        Number::zero().encode_key(&mut buf);
        n("3").encode_key(&mut buf);
        buf.extend_from_slice(b"tail");
        let (a, used) = Number::decode_key(&buf).expect("first");
        assert_eq!((a, used), (n("-12.5"), first));
        let (b, used2) = Number::decode_key(&buf[first..]).expect("second");
        assert_eq!((b, used2), (Number::zero(), 1));
        let (c, _) = Number::decode_key(&buf[first + 1..]).expect("third");
        assert_eq!(c, n("3"));
        for bad in [
            &[][..],
            &[0x00],
            &[0x03],
            &[0x03, 130],
            &[0x03, 130, 1, 0],
            &[0x03, 130, 11, 0],
            &[0x01, 10, 0xFF],
        ] {
            assert_eq!(Number::decode_key(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn key_order_is_numeric_order(a in arb_number(), b in arb_number()) {
            let (mut ea, mut eb) = (Vec::new(), Vec::new());
            a.encode_key(&mut ea);
            b.encode_key(&mut eb);
            prop_assert_eq!(a.cmp(&b), ea.cmp(&eb));
            prop_assert_eq!(a.cmp(&b), big(&a).cmp(&big(&b)));
            ea.push(0x42);
            prop_assert_eq!(Number::decode_key(&ea), Some((a.clone(), ea.len() - 1)));
        }
    }
}
