//! The MD5 digests SQS returns with every sent and received message.
//!
//! SDKs may verify them, so they follow the published algorithm exactly:
//! `MD5OfMessageBody` is the MD5 of the body's UTF-8 bytes; `MD5OfMessageAttributes` is
//! the MD5 over the attributes sorted by name, each encoded as the name, the data type
//! (each as a 4-byte big-endian length and the UTF-8 bytes), one transport byte (1 for
//! `String`/`Number` types, 2 for `Binary`), and the length-prefixed value.

use crate::MessageAttribute;
use md5::{Digest, Md5};

/// Hex MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

/// `MD5OfMessageAttributes` for `attributes` (in any order), or `None` when empty.
pub fn attributes_md5<'a>(
    attributes: impl IntoIterator<Item = (&'a str, &'a MessageAttribute)>,
) -> Option<String> {
    let mut sorted: Vec<_> = attributes.into_iter().collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut h = Md5::new();
    for (name, attr) in sorted {
        length_prefixed(&mut h, name.as_bytes());
        length_prefixed(&mut h, attr.data_type.as_bytes());
        if let Some(bin) = &attr.binary_value
            && attr.data_type.starts_with("Binary")
        {
            h.update([2u8]);
            length_prefixed(&mut h, bin);
        } else {
            h.update([1u8]);
            length_prefixed(
                &mut h,
                attr.string_value.as_deref().unwrap_or("").as_bytes(),
            );
        }
    }
    Some(hex(&h.finalize()))
}

fn length_prefixed(h: &mut Md5, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str, v: &str) -> MessageAttribute {
        MessageAttribute {
            data_type: t.into(),
            string_value: Some(v.into()),
            binary_value: None,
        }
    }

    #[test]
    fn body_md5_is_plain_md5() {
        assert_eq!(md5_hex(b"hello world"), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    #[test]
    fn attribute_md5_matches_known_values() {
        // Value computed by an independent implementation (moto's) for the same input.
        let a = s("String", "Amazon.com");
        assert_eq!(
            attributes_md5([("store", &a)]).as_deref(),
            Some("d7fd1937a78c0989cbb021a446c375d2")
        );
        // Mixed types, a custom type label and non-ASCII text; order of input is
        // irrelevant (names are sorted by their bytes).
        let n = s("Number", "42");
        let b = MessageAttribute {
            data_type: "Binary".into(),
            string_value: None,
            binary_value: Some(vec![0, 1, 2]),
        };
        let c = s("String.custom", "héllo");
        let expected = Some("9f72c41ac9b8823e2ec3f95bb1608704");
        assert_eq!(
            attributes_md5([("count", &n), ("bin", &b), ("a.b", &c)]).as_deref(),
            expected
        );
        assert_eq!(
            attributes_md5([("a.b", &c), ("count", &n), ("bin", &b)]).as_deref(),
            expected
        );
        assert_eq!(attributes_md5([]), None);
    }
}
