//! Item size as DynamoDB computes it (for the 400 KB limit and consumed capacity).
//!
//! Rules (AWS developer guide, refined by dynalite's `valSize` in `db/index.js` and the
//! paritysuite byte-exact captures from AWS; every rule below was also checked against
//! DynamoDB Local with items of exactly 409,600 bytes, accepted, and 409,601, refused
//! with `Item size has exceeded the maximum allowed size`):
//!
//! - attribute name: its UTF-8 length;
//! - `S`: UTF-8 length; `B`: raw byte length;
//! - `N`: DynamoDB stores numbers base-100 (two digits per byte, pairs aligned on the
//!   decimal point) plus an exponent byte, and a negative number carries one more byte.
//!   So the size is 1 + the number of base-100 digit pairs + 1 if negative: for `n`
//!   significant digits that is `ceil(n/2)`, plus one when `n` is even and the pairs
//!   straddle the alignment (`0.DIGITS x 10^exp` with `exp` odd). Zero is 1 byte.
//!   Examples verified on Local: `12`→2, `1.5`→3, `123456`→4, `3.14159`→5, `-1`→3,
//!   `1E125`→2, 38 nines→20, `1.2345678901234567890123456789012345678`→21.
//!   (The developer guide's "1 byte per two significant digits plus 1" is a
//!   simplification that is wrong for `1.5` and `3.14159`.)
//! - `NULL`, `BOOL`: 1;
//! - `L`: 3 + per element (1 + element size); `M`: 3 + per entry (1 + name length +
//!   value size);
//! - sets: the sum of the member sizes.

use crate::attr::{AttributeValue, Item};
use crate::number::Number;

/// DynamoDB's maximum item size, 400 KB, names included.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size DynamoDB charges for one value (without its attribute name).
pub fn attribute_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(number_size).sum(),
        AttributeValue::Bs(v) => v.iter().map(Vec::len).sum(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + attribute_size(v))
                .sum::<usize>()
        }
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + attribute_size(v)).sum::<usize>(),
        AttributeValue::Null | AttributeValue::Bool(_) => 1,
    }
}

/// The size of a whole item: every attribute name plus its value.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + attribute_size(v)).sum()
}

/// A number's stored size (see the module doc).
pub fn number_size(n: &Number) -> usize {
    number_size_of(
        n.significant_digits(),
        i64::from(n.exponent()),
        n.is_negative(),
    )
}

/// [`number_size`] from a number's parts: `digits` significant digits, value
/// `0.DIGITS x 10^exp` (also used by `codec_json`, which never builds a `Number`).
pub(crate) fn number_size_of(digits: usize, exp: i64, neg: bool) -> usize {
    if digits == 0 {
        return 1;
    }
    let straddles = digits.is_multiple_of(2) && exp % 2 != 0;
    1 + digits.div_ceil(2) + usize::from(straddles) + usize::from(neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(s).expect("valid number"))
    }

    #[test]
    fn scalar_sizes() {
        assert_eq!(attribute_size(&AttributeValue::S("héllo".into())), 6);
        assert_eq!(attribute_size(&AttributeValue::S(String::new())), 0);
        assert_eq!(attribute_size(&AttributeValue::B(vec![1, 2, 3])), 3);
        assert_eq!(attribute_size(&AttributeValue::Null), 1);
        assert_eq!(attribute_size(&AttributeValue::Bool(false)), 1);
    }

    #[test]
    fn number_sizes_match_dynamodb() {
        // Each figure was confirmed on DynamoDB Local at the 409,600-byte boundary.
        let cases = [
            ("0", 1),
            ("1", 2),
            ("12", 2),
            ("15", 2),
            ("1.5", 3),
            ("1234", 3),
            ("123456", 4),
            ("3.14159", 5),
            ("1001000", 4),
            ("10.01", 3),
            ("100.5", 4),
            ("0.001", 2),
            ("0.0012", 2),
            ("-1", 3),
            ("-12.5", 4),
            ("1E125", 2),
            ("1e-130", 2),
            ("-1e-130", 3),
            ("11e-130", 2),
            ("123456789012", 7),
            ("12345678901234567890", 11),
            ("123456789012345678901", 12),
            ("1234567890123456789012", 12),
            ("-1234567890123456789012", 13),
            ("99999999999999999999999999999999999999", 20),
            ("12345678901234567890123456789012345678", 20),
            ("1234567890123456789012345678901234567.8", 21),
            ("1.2345678901234567890123456789012345678", 21),
            ("0.12345678901234567890123456789012345678", 20),
            ("-12345678901234567890123456789012345678", 21),
        ];
        for (text, size) in cases {
            assert_eq!(attribute_size(&n(text)), size, "{text}");
        }
    }

    #[test]
    fn sets_lists_and_maps() {
        let ss = AttributeValue::Ss(vec!["a".into(), "bcd".into(), "é".into()]);
        assert_eq!(attribute_size(&ss), 6);
        let ns = AttributeValue::Ns(
            ["1", "22", "-3.5"]
                .iter()
                .map(|s| Number::parse(s).expect("ok"))
                .collect(),
        );
        assert_eq!(attribute_size(&ns), 2 + 2 + 4);
        assert_eq!(
            attribute_size(&AttributeValue::Bs(vec![vec![1], vec![2, 3]])),
            3
        );
        assert_eq!(attribute_size(&AttributeValue::L(vec![])), 3);
        assert_eq!(attribute_size(&AttributeValue::M(Item::new())), 3);
        let list = AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(false)]);
        assert_eq!(attribute_size(&list), 3 + 2 + 2);
        let mut m = Item::new();
        m.insert("a".into(), AttributeValue::S("xy".into()));
        m.insert("bb".into(), n("12"));
        m.insert("c".into(), list);
        // 3 + (1+1+2) + (1+2+2) + (1+1+7)
        assert_eq!(attribute_size(&AttributeValue::M(m)), 21);
    }

    /// The exact items DynamoDB Local accepted at 409,600 bytes and refused one byte
    /// later with `Item size has exceeded the maximum allowed size`.
    #[test]
    fn boundary_items_checked_on_dynamodb_local() {
        let build = |extra: (&str, AttributeValue), pad: usize| {
            let mut item = Item::new();
            item.insert("pk".into(), AttributeValue::S("k".into()));
            item.insert(extra.0.into(), extra.1);
            item.insert("p".into(), AttributeValue::S("x".repeat(pad)));
            item
        };
        let mut m = Item::new();
        m.insert("a".into(), AttributeValue::S("xy".into()));
        m.insert("bb".into(), n("12"));
        m.insert(
            "c".into(),
            AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(false)]),
        );
        for (extra, pad) in [
            (("n", n("3.14159")), 409_590),
            (("n", n("-12.5")), 409_591),
            (("m", AttributeValue::M(m)), 409_574),
        ] {
            assert_eq!(item_size(&build(extra.clone(), pad)), MAX_ITEM_SIZE);
            assert_eq!(item_size(&build(extra, pad + 1)), MAX_ITEM_SIZE + 1);
        }
    }

    #[test]
    fn item_size_counts_names_in_utf8() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("k".into()));
        item.insert("é名".into(), AttributeValue::S("ü".into()));
        assert_eq!(item_size(&item), 2 + 1 + 5 + 2);
        assert_eq!(MAX_ITEM_SIZE, 409_600);
    }
}
