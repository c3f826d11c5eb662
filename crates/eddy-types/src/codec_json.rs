//! Stored item bytes (see [`crate::codec`]) straight to wire JSON, without building an
//! [`Item`](crate::Item) first.
//!
//! GetItem and Query/Scan pages without a filter or projection return stored items as
//! they are. Decoding each into a map of owned strings and values only to serialize it
//! again was the largest share of their CPU after the kernel's; this walks the bytes
//! once, writing JSON and adding up DynamoDB's item size (the rules of
//! [`crate::size`]) as it goes. The output is byte-for-byte what `serde_json` writes for
//! the decoded item (a property test below checks it on random items), and malformed
//! input is a [`CodecError`] just as in [`crate::codec::decode_item`].

use crate::codec::{CodecError, MAX_DEPTH, Reader, T_B, T_BS, T_FALSE, T_L, T_M, T_N, T_NS};
use crate::codec::{T_NULL, T_S, T_SS, T_TRUE, VERSION};
use crate::number::{MAX_DIGITS, write_canonical};
use crate::size::number_size_of;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Appends the wire JSON object of the encoded item `bytes` to `out`; returns the item's
/// DynamoDB size (names included), as [`crate::size::item_size`] would.
pub fn item_json(bytes: &[u8], out: &mut Vec<u8>) -> Result<usize, CodecError> {
    let mut r = Reader::new(bytes);
    match r.byte()? {
        VERSION => {}
        other => return Err(CodecError::UnsupportedVersion(other)),
    }
    let size = entries(&mut r, out, 0, false)?;
    if r.is_empty() {
        Ok(size)
    } else {
        Err(CodecError::TrailingBytes)
    }
}

/// `{"name":value,...}`; the size is the sum of name lengths and value sizes (plus, in a
/// map, 3 and one byte per entry).
fn entries(
    r: &mut Reader<'_>,
    out: &mut Vec<u8>,
    depth: usize,
    map: bool,
) -> Result<usize, CodecError> {
    let n = r.count()?;
    let mut size = if map { 3 } else { 0 };
    out.push(b'{');
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        let name = r.str()?;
        string(out, name);
        out.push(b':');
        size += name.len() + value(r, out, depth + 1)? + usize::from(map);
    }
    out.push(b'}');
    Ok(size)
}

/// One `{"<tag>":...}` value; returns its size.
fn value(r: &mut Reader<'_>, out: &mut Vec<u8>, depth: usize) -> Result<usize, CodecError> {
    if depth > MAX_DEPTH {
        return Err(CodecError::TooDeep);
    }
    let tag = r.byte()?;
    let label: &[u8] = match tag {
        T_S => b"{\"S\":",
        T_N => b"{\"N\":",
        T_B => b"{\"B\":",
        T_SS => b"{\"SS\":[",
        T_NS => b"{\"NS\":[",
        T_BS => b"{\"BS\":[",
        T_M => b"{\"M\":",
        T_L => b"{\"L\":[",
        T_NULL => b"{\"NULL\":true}",
        T_FALSE => b"{\"BOOL\":false}",
        T_TRUE => b"{\"BOOL\":true}",
        other => return Err(CodecError::InvalidTag(other)),
    };
    out.extend_from_slice(label);
    let size = match tag {
        T_S => {
            let s = r.str()?;
            string(out, s);
            s.len()
        }
        T_N => number(r, out)?,
        T_B => binary(out, r.bytes()?),
        T_SS | T_NS | T_BS => {
            let n = r.count()?;
            if n == 0 {
                return Err(CodecError::Corrupt("empty set"));
            }
            let mut size = 0;
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                size += match tag {
                    T_SS => {
                        let s = r.str()?;
                        string(out, s);
                        s.len()
                    }
                    T_NS => number(r, out)?,
                    _ => binary(out, r.bytes()?),
                };
            }
            out.extend_from_slice(b"]}");
            return Ok(size);
        }
        T_M => entries(r, out, depth, true)?,
        T_L => {
            let n = r.count()?;
            let mut size = 3;
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                size += 1 + value(r, out, depth + 1)?;
            }
            out.extend_from_slice(b"]}");
            return Ok(size);
        }
        // NULL and BOOL: the label was the whole value.
        _ => return Ok(1),
    };
    out.push(b'}');
    Ok(size)
}

/// A JSON string with serde_json's escaping.
fn string(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A base64 JSON string; returns the binary's size.
fn binary(out: &mut Vec<u8>, b: &[u8]) -> usize {
    out.push(b'"');
    let mut text = String::new();
    STANDARD.encode_string(b, &mut text);
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    b.len()
}

/// A number as its canonical text in quotes (as `Number`'s `Display`); returns its size
/// (as `size::number_size`).
fn number(r: &mut Reader<'_>, out: &mut Vec<u8>) -> Result<usize, CodecError> {
    let Some(p) = r.number_parts()? else {
        out.extend_from_slice(b"\"0\"");
        return Ok(1);
    };
    let mut ascii = [0u8; MAX_DIGITS];
    let ascii = &mut ascii[..p.digits().len()];
    for (a, d) in ascii.iter_mut().zip(p.digits()) {
        *a = b'0' + d;
    }
    // Only ASCII digits were written above.
    let d = std::str::from_utf8(ascii).map_err(|_| CodecError::InvalidNumber)?;
    out.push(b'"');
    let _ = write_canonical(&mut VecWriter(out), p.neg, d, p.exp);
    out.push(b'"');
    Ok(number_size_of(d.len(), p.exp, p.neg))
}

/// `fmt::Write` into a byte vector (which cannot fail).
struct VecWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_item;
    use crate::codec::tests::arb_item;
    use crate::size::item_size;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn json_and_size_equal_decoding_then_serializing(item in arb_item()) {
            let mut bytes = Vec::new();
            encode_item(&item, &mut bytes);
            let mut out = Vec::new();
            let size = item_json(&bytes, &mut out).expect("valid encoding");
            prop_assert_eq!(String::from_utf8(out).expect("utf8"), serde_json::to_string(&item).expect("json"));
            prop_assert_eq!(size, item_size(&item));
        }

        #[test]
        fn corrupt_input_is_an_error_never_a_panic(item in arb_item(), cut in any::<prop::sample::Index>(), flip in any::<u8>()) {
            let mut bytes = Vec::new();
            encode_item(&item, &mut bytes);
            let mut out = Vec::new();
            let _ = item_json(&bytes[..cut.index(bytes.len())], &mut out);
            let i = cut.index(bytes.len());
            bytes[i] ^= flip | 1;
            let _ = item_json(&bytes, &mut out);
        }

        #[test]
        fn a_number_is_rejected_exactly_when_decoding_rejects_it(
            sign in 0u8..4, exp in any::<u8>(), len in 0u8..41, packed in proptest::collection::vec(any::<u8>(), 21),
        ) {
            // Item {"n": N} with an arbitrary number body: sign, biased exponent, digit
            // count, packed digits.
            let mut bytes = vec![crate::codec::VERSION, 1, 1, b'n', T_N, sign, exp, len];
            bytes.extend_from_slice(&packed[..usize::from(len).div_ceil(2)]);
            let decoded = crate::codec::decode_item(&bytes);
            let transcoded = item_json(&bytes, &mut Vec::new());
            prop_assert_eq!(decoded.is_ok(), transcoded.is_ok());
        }
    }
}
