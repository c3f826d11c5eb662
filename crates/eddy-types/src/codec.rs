//! Compact binary encoding of items for storage.
//!
//! This is an on-disk format: changing it needs a new version byte and a decoder for
//! the old one. Version 1, byte by byte:
//!
//! ```text
//! item    := 0x01 (version) varint(entry count) entry*      -- entries in name order
//! entry   := varint(name length) name-bytes (UTF-8) value
//! value   := tag payload
//!   0x01 S     varint(length) UTF-8 bytes
//!   0x02 N     number
//!   0x03 B     varint(length) bytes
//!   0x04 SS    varint(count) { varint(length) UTF-8 bytes }*     -- count >= 1
//!   0x05 NS    varint(count) number*                             -- count >= 1
//!   0x06 BS    varint(count) { varint(length) bytes }*           -- count >= 1
//!   0x07 M     varint(count) entry*
//!   0x08 L     varint(count) value*
//!   0x09 NULL  (no payload)
//!   0x0A BOOL false, 0x0B BOOL true (no payload)
//! number  := 0x00                                   -- zero
//!          | sign exponent count packed-digits      -- sign 0x01 positive, 0x02 negative
//!   exponent: one byte, exp + 129 where value = 0.DIGITS x 10^exp (exp in -129..=126)
//!   count:    one byte, 1..=38 significant digits
//!   packed:   ceil(count / 2) bytes, two digits per byte, high nibble first; an odd
//!             count leaves the last low nibble 0. The first and last digit are non-zero.
//! varint  := unsigned LEB128, at most 10 bytes, no overflow past 64 bits
//! ```
//!
//! Decoding never trusts a length or count: every length is checked against the bytes
//! that remain before anything is sliced or allocated, capacities are capped by the
//! remaining input, nesting is bounded, and any inconsistency is a [`CodecError`].

use crate::attr::{AttributeValue, Item};
use crate::number::{MAX_DIGITS, Number};

/// Format version written first.
pub(crate) const VERSION: u8 = 0x01;
/// Deepest nesting the decoder follows; valid items stop at 32 levels.
pub(crate) const MAX_DEPTH: usize = 64;

pub(crate) const T_S: u8 = 0x01;
pub(crate) const T_N: u8 = 0x02;
pub(crate) const T_B: u8 = 0x03;
pub(crate) const T_SS: u8 = 0x04;
pub(crate) const T_NS: u8 = 0x05;
pub(crate) const T_BS: u8 = 0x06;
pub(crate) const T_M: u8 = 0x07;
pub(crate) const T_L: u8 = 0x08;
pub(crate) const T_NULL: u8 = 0x09;
pub(crate) const T_FALSE: u8 = 0x0A;
pub(crate) const T_TRUE: u8 = 0x0B;

/// Why stored bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The first byte is not a version this build can read.
    #[error("unsupported item encoding version {0}")]
    UnsupportedVersion(u8),
    /// The input ends in the middle of a value.
    #[error("truncated item encoding")]
    Truncated,
    /// An unknown type tag.
    #[error("unknown value tag {0:#04x}")]
    InvalidTag(u8),
    /// A length prefix is malformed or larger than the input.
    #[error("invalid length")]
    InvalidLength,
    /// A string or name is not UTF-8.
    #[error("invalid UTF-8 in string or name")]
    InvalidUtf8,
    /// A number is not normalised or out of range.
    #[error("invalid number encoding")]
    InvalidNumber,
    /// Empty set, duplicate name, or other structural inconsistency.
    #[error("corrupt item encoding: {0}")]
    Corrupt(&'static str),
    /// Nested deeper than any valid item.
    #[error("item nested too deeply")]
    TooDeep,
    /// Bytes left over after the item.
    #[error("trailing bytes after item")]
    TrailingBytes,
}

/// Appends the encoding of `item` to `out`.
pub fn encode_item(item: &Item, out: &mut Vec<u8>) {
    out.push(VERSION);
    encode_entries(item, out);
}

fn encode_entries(item: &Item, out: &mut Vec<u8>) {
    put_varint(out, item.len() as u64);
    for (name, value) in item {
        put_bytes(out, name.as_bytes());
        encode_value(value, out);
    }
}

fn encode_value(v: &AttributeValue, out: &mut Vec<u8>) {
    match v {
        AttributeValue::S(s) => {
            out.push(T_S);
            put_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(T_N);
            encode_number(n, out);
        }
        AttributeValue::B(b) => {
            out.push(T_B);
            put_bytes(out, b);
        }
        AttributeValue::Ss(v) => {
            out.push(T_SS);
            put_varint(out, v.len() as u64);
            v.iter().for_each(|s| put_bytes(out, s.as_bytes()));
        }
        AttributeValue::Ns(v) => {
            out.push(T_NS);
            put_varint(out, v.len() as u64);
            v.iter().for_each(|n| encode_number(n, out));
        }
        AttributeValue::Bs(v) => {
            out.push(T_BS);
            put_varint(out, v.len() as u64);
            v.iter().for_each(|b| put_bytes(out, b));
        }
        AttributeValue::M(m) => {
            out.push(T_M);
            encode_entries(m, out);
        }
        AttributeValue::L(l) => {
            out.push(T_L);
            put_varint(out, l.len() as u64);
            l.iter().for_each(|v| encode_value(v, out));
        }
        AttributeValue::Null => out.push(T_NULL),
        AttributeValue::Bool(b) => out.push(if *b { T_TRUE } else { T_FALSE }),
    }
}

fn encode_number(n: &Number, out: &mut Vec<u8>) {
    if n.is_zero() {
        out.push(0x00);
        return;
    }
    out.push(if n.is_negative() { 0x02 } else { 0x01 });
    // A valid number's exponent is in -129..=126 and it has 1..=38 digits.
    out.push((n.exponent() + 129) as u8);
    let digits = n.digit_str().as_bytes();
    out.push(digits.len() as u8);
    for pair in digits.chunks(2) {
        let hi = pair[0] - b'0';
        let lo = pair.get(1).map_or(0, |c| c - b'0');
        out.push(hi << 4 | lo);
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Decodes bytes written by [`encode_item`].
pub fn decode_item(bytes: &[u8]) -> Result<Item, CodecError> {
    let mut r = Reader { buf: bytes };
    match r.byte()? {
        VERSION => {}
        other => return Err(CodecError::UnsupportedVersion(other)),
    }
    let item = r.entries(0)?;
    if r.buf.is_empty() {
        Ok(item)
    } else {
        Err(CodecError::TrailingBytes)
    }
}

/// A cursor over the remaining input.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// A length-prefixed UTF-8 string, borrowed.
    pub(crate) fn str(&mut self) -> Result<&'a str, CodecError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| CodecError::InvalidUtf8)
    }

    pub(crate) fn byte(&mut self) -> Result<u8, CodecError> {
        let (&b, rest) = self.buf.split_first().ok_or(CodecError::Truncated)?;
        self.buf = rest;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if n > self.buf.len() {
            return Err(CodecError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn varint(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7F);
            if shift == 63 && bits > 1 {
                return Err(CodecError::InvalidLength);
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CodecError::InvalidLength)
    }

    /// A length or count that cannot exceed the remaining bytes (every element takes at
    /// least one byte), so no allocation is ever sized from a corrupt prefix.
    pub(crate) fn count(&mut self) -> Result<usize, CodecError> {
        let n = usize::try_from(self.varint()?).map_err(|_| CodecError::InvalidLength)?;
        if n > self.buf.len() {
            Err(CodecError::InvalidLength)
        } else {
            Ok(n)
        }
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.count()?;
        self.take(n)
    }

    fn string(&mut self) -> Result<String, CodecError> {
        let b = self.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| CodecError::InvalidUtf8)
    }

    fn entries(&mut self, depth: usize) -> Result<Item, CodecError> {
        let n = self.count()?;
        let mut item = Item::new();
        for _ in 0..n {
            let name = self.string()?;
            let value = self.value(depth + 1)?;
            if item.insert(name, value).is_some() {
                return Err(CodecError::Corrupt("duplicate attribute name"));
            }
        }
        Ok(item)
    }

    fn value(&mut self, depth: usize) -> Result<AttributeValue, CodecError> {
        if depth > MAX_DEPTH {
            return Err(CodecError::TooDeep);
        }
        Ok(match self.byte()? {
            T_S => AttributeValue::S(self.string()?),
            T_N => AttributeValue::N(self.number()?),
            T_B => AttributeValue::B(self.bytes()?.to_vec()),
            T_SS => AttributeValue::Ss(self.set(Self::string)?),
            T_NS => AttributeValue::Ns(self.set(Self::number)?),
            T_BS => AttributeValue::Bs(self.set(|r| r.bytes().map(<[u8]>::to_vec))?),
            T_M => AttributeValue::M(self.entries(depth)?),
            T_L => {
                let n = self.count()?;
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(self.value(depth + 1)?);
                }
                AttributeValue::L(list)
            }
            T_NULL => AttributeValue::Null,
            T_FALSE => AttributeValue::Bool(false),
            T_TRUE => AttributeValue::Bool(true),
            other => return Err(CodecError::InvalidTag(other)),
        })
    }

    fn set<T>(
        &mut self,
        mut member: impl FnMut(&mut Self) -> Result<T, CodecError>,
    ) -> Result<Vec<T>, CodecError> {
        let n = self.count()?;
        if n == 0 {
            return Err(CodecError::Corrupt("empty set"));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(member(self)?);
        }
        Ok(out)
    }

    fn number(&mut self) -> Result<Number, CodecError> {
        match self.number_parts()? {
            None => Ok(Number::zero()),
            Some(p) => {
                Number::from_digit_values(p.neg, p.digits(), p.exp).ok_or(CodecError::InvalidNumber)
            }
        }
    }

    /// A stored number (see [`encode_number`]) as its parts, checked as
    /// [`Number::from_digit_values`] checks them (and the padding nibble of an odd digit
    /// count must be 0); `None` for zero. Shared by the decoder and the JSON transcoder,
    /// which must reject exactly the same bytes.
    pub(crate) fn number_parts(&mut self) -> Result<Option<NumberParts>, CodecError> {
        let neg = match self.byte()? {
            0x00 => return Ok(None),
            0x01 => false,
            0x02 => true,
            _ => return Err(CodecError::InvalidNumber),
        };
        let exp = i64::from(self.byte()?) - 129;
        let len = usize::from(self.byte()?);
        let packed = self.take(len.div_ceil(2))?;
        if len == 0 || len > MAX_DIGITS || (len % 2 == 1 && packed[len / 2] & 0x0F != 0) {
            return Err(CodecError::InvalidNumber);
        }
        let mut digits = [0u8; MAX_DIGITS];
        for (i, d) in digits.iter_mut().take(len).enumerate() {
            let b = packed[i / 2];
            *d = if i % 2 == 0 { b >> 4 } else { b & 0x0F };
        }
        if !Number::digit_values_valid(neg, &digits[..len], exp) {
            return Err(CodecError::InvalidNumber);
        }
        Ok(Some(NumberParts {
            neg,
            exp,
            digits,
            len,
        }))
    }
}

/// A validated, non-zero stored number: value = (-1 if `neg`) 0.DIGITS x 10^`exp`.
pub(crate) struct NumberParts {
    pub(crate) neg: bool,
    pub(crate) exp: i64,
    digits: [u8; MAX_DIGITS],
    len: usize,
}

impl NumberParts {
    /// The significant digits as values 0..=9, no leading or trailing zero.
    pub(crate) fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::number::tests::arb_number;
    use proptest::collection::{btree_map, hash_set, vec};
    use proptest::prelude::*;

    /// Any valid attribute value, nested at most `depth` containers deep.
    fn arb_value(depth: u32) -> impl Strategy<Value = AttributeValue> {
        let leaf = prop_oneof![
            ".{0,12}".prop_map(AttributeValue::S),
            arb_number().prop_map(AttributeValue::N),
            vec(any::<u8>(), 0..16).prop_map(AttributeValue::B),
            hash_set(".{0,6}", 1..5).prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
            vec(arb_number(), 1..5).prop_map(|v| {
                let mut out: Vec<Number> = Vec::new();
                for n in v {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
                AttributeValue::Ns(out)
            }),
            hash_set(vec(any::<u8>(), 0..6), 1..5)
                .prop_map(|s| AttributeValue::Bs(s.into_iter().collect())),
            Just(AttributeValue::Null),
            any::<bool>().prop_map(AttributeValue::Bool),
        ];
        leaf.prop_recursive(depth, 48, 6, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(AttributeValue::L),
                btree_map(".{0,8}", inner, 0..6).prop_map(AttributeValue::M),
            ]
        })
    }

    /// Any valid item with values nested at most four levels deep.
    pub(crate) fn arb_item() -> impl Strategy<Value = Item> {
        btree_map("[a-z]{1,6}|.{0,10}", arb_value(4), 0..8)
    }

    fn encode(item: &Item) -> Vec<u8> {
        let mut out = Vec::new();
        encode_item(item, &mut out);
        out
    }

    fn num(s: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(s).expect("valid"))
    }

    #[test]
    fn layout_is_as_documented() {
        let mut item = Item::new();
        item.insert("a".into(), AttributeValue::S("hi".into()));
        item.insert("b".into(), num("-12.5"));
        item.insert(
            "c".into(),
            AttributeValue::L(vec![
                AttributeValue::Null,
                AttributeValue::Bool(true),
                num("0"),
            ]),
        );
        let bytes = encode(&item);
        #[rustfmt::skip]
        let want = [
            0x01, 3,
            1, b'a', T_S, 2, b'h', b'i',
            // -12.5 = -0.125 x 10^2: sign 2, exponent 2 + 129, 3 digits, packed 0x12 0x50
            1, b'b', T_N, 0x02, 131, 3, 0x12, 0x50,
            1, b'c', T_L, 3, T_NULL, T_TRUE, T_N, 0x00,
        ];
        assert_eq!(bytes, want);
        assert_eq!(decode_item(&bytes), Ok(item));
    }

    #[test]
    fn empty_item_and_long_lengths() {
        assert_eq!(encode(&Item::new()), [0x01, 0x00]);
        let mut item = Item::new();
        item.insert("k".repeat(300), AttributeValue::B(vec![7; 70_000]));
        assert_eq!(decode_item(&encode(&item)), Ok(item));
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert_eq!(decode_item(&[]), Err(CodecError::Truncated));
        assert_eq!(
            decode_item(&[0x02, 0x00]),
            Err(CodecError::UnsupportedVersion(2))
        );
        assert_eq!(
            decode_item(&[0x01, 0x00, 0x00]),
            Err(CodecError::TrailingBytes)
        );
        assert_eq!(
            decode_item(&[0x01, 1, 1, b'a', 0x7F]),
            Err(CodecError::InvalidTag(0x7F))
        );
        // A length prefix claiming far more than the input never allocates it.
        let huge = [0x01, 1, 1, b'a', T_B, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        assert_eq!(decode_item(&huge), Err(CodecError::InvalidLength));
        let overlong = [
            0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
        ];
        assert_eq!(decode_item(&overlong), Err(CodecError::InvalidLength));
        assert_eq!(
            decode_item(&[0x01, 1, 1, 0xFF, T_NULL]),
            Err(CodecError::InvalidUtf8)
        );
        assert_eq!(
            decode_item(&[0x01, 2, 1, b'a', T_NULL, 1, b'a', T_NULL]),
            Err(CodecError::Corrupt("duplicate attribute name"))
        );
        assert_eq!(
            decode_item(&[0x01, 1, 1, b'a', T_SS, 0]),
            Err(CodecError::Corrupt("empty set"))
        );
        // Numbers: leading zero digit, trailing zero digit, non-zero pad nibble, bad sign.
        for bad in [
            [0x01, 130, 2, 0x01],
            [0x01, 130, 2, 0x10],
            [0x01, 130, 1, 0x11],
            [0x03, 130, 1, 0x10],
        ] {
            let mut bytes = vec![0x01, 1, 1, b'a', T_N];
            bytes.extend_from_slice(&bad);
            assert_eq!(
                decode_item(&bytes),
                Err(CodecError::InvalidNumber),
                "{bad:?}"
            );
        }
        // Deep nesting in corrupt data is bounded.
        let mut deep = vec![0x01, 1, 1, b'a'];
        deep.extend(std::iter::repeat_n([T_L, 1], 10_000).flatten());
        assert_eq!(decode_item(&deep), Err(CodecError::TooDeep));
    }

    proptest! {
        #[test]
        fn round_trip(item in arb_item()) {
            let bytes = encode(&item);
            prop_assert_eq!(decode_item(&bytes), Ok(item));
            // Every strict prefix is refused, never a panic or a partial item.
            for cut in 0..bytes.len() {
                prop_assert!(decode_item(&bytes[..cut]).is_err());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(mut bytes in vec(any::<u8>(), 0..64)) {
            let _ = decode_item(&bytes);
            bytes.insert(0, VERSION);
            let _ = decode_item(&bytes);
        }

        #[test]
        fn flipped_bytes_never_panic(item in arb_item(), pos in any::<usize>(), bit in 0u8..8) {
            let mut bytes = encode(&item);
            if !bytes.is_empty() {
                let i = pos % bytes.len();
                bytes[i] ^= 1 << bit;
                let _ = decode_item(&bytes);
            }
        }
    }
}
