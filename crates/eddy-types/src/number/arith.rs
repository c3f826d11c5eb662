//! Exact addition and subtraction of DynamoDB numbers.
//!
//! DynamoDB rejects rather than rounds. The operands are within the limits, so aligning
//! them never needs more than 126 + 129 + 38 decimal positions: plain digit vectors are
//! enough, no big-number library.

use super::{MAX_DIGITS, Number, NumberError, check_range};
use std::cmp::Ordering;

impl Number {
    /// Exact sum, checked against the limits.
    ///
    /// DynamoDB rejects rather than rounds: an exact result needing more than 38
    /// digits is `TooPrecise`, a result out of range `Overflow`/`Underflow` (range is
    /// checked first). The wording for `TooPrecise` here is the caller's choice, because
    /// the two oracles disagree and neither uses the parse-time text:
    /// - DynamoDB Local answers `SET n = n + :v` with n = 1E+37 and v = 1E-10 (and
    ///   `1e50 + 1`, `1 + 1e-130`) with `DynamoDB only supports precision up to 38 digits`;
    /// - AWS answers `1e50 - 1` with the overflow text, `Number overflow. Attempting to
    ///   store a number with magnitude larger than supported range` (ScyllaDB
    ///   Alternator's AWS-run `test_update_expression_plus_imprecise`). AWS wins, so an
    ///   expression evaluator should render this as `NumberError::Overflow`'s text.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        combine(self, other, false)
    }

    /// Exact difference, checked against the limits (see [`Number::add`]).
    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        combine(self, other, true)
    }
}

/// `a + b` (or `a - b` when `negate_b`), exactly, on aligned digit vectors. Operands are
/// within the limits, so the aligned width is at most 126 + 129 + 38 digits.
fn combine(a: &Number, b: &Number, negate_b: bool) -> Result<Number, NumberError> {
    if b.is_zero() {
        return Ok(a.clone());
    }
    let b_neg = b.neg != negate_b;
    if a.is_zero() {
        return Ok(Number {
            neg: b_neg,
            ..b.clone()
        });
    }
    let low = |n: &Number| i64::from(n.exp) - n.digits.len() as i64;
    let lo = low(a).min(low(b));
    let hi = i64::from(a.exp.max(b.exp)) + 1; // one spare position for a carry
    let width = (hi - lo) as usize;
    let place = |n: &Number| {
        let mut v = vec![0u8; width];
        let start = (hi - i64::from(n.exp)) as usize;
        for (k, c) in n.digits.bytes().enumerate() {
            v[start + k] = c - b'0';
        }
        v
    };
    let (va, vb) = (place(a), place(b));
    let (neg, out) = if a.neg == b_neg {
        (a.neg, add_digits(va, &vb))
    } else {
        // Equal-width digit vectors compare lexicographically as their magnitudes.
        match va.cmp(&vb) {
            Ordering::Equal => return Ok(Number::zero()),
            Ordering::Greater => (a.neg, sub_digits(va, &vb)),
            Ordering::Less => (b_neg, sub_digits(vb, &va)),
        }
    };
    let leading = out.iter().take_while(|&&d| d == 0).count();
    let trailing = out.iter().rev().take_while(|&&d| d == 0).count();
    let exp = hi - leading as i64;
    check_range(i128::from(exp))?;
    let digits = &out[leading..width - trailing];
    if digits.len() > MAX_DIGITS {
        return Err(NumberError::TooPrecise);
    }
    Number::from_digit_values(neg, digits, exp).ok_or(NumberError::TooPrecise)
}

/// `x + y` on equal-width digit vectors; the top position of `x` must be free.
fn add_digits(mut x: Vec<u8>, y: &[u8]) -> Vec<u8> {
    let mut carry = 0;
    for (xd, &yd) in x.iter_mut().zip(y).rev() {
        let s = *xd + yd + carry;
        *xd = s % 10;
        carry = s / 10;
    }
    x
}

/// `x - y` on equal-width digit vectors, `x >= y`.
fn sub_digits(mut x: Vec<u8>, y: &[u8]) -> Vec<u8> {
    let mut borrow = 0;
    for (xd, &yd) in x.iter_mut().zip(y).rev() {
        let sub = yd + borrow;
        if *xd >= sub {
            *xd -= sub;
            borrow = 0;
        } else {
            *xd = *xd + 10 - sub;
            borrow = 1;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::tests::{arb_number, big, n};
    use proptest::prelude::*;

    #[test]
    fn arithmetic_matches_dynamodb() {
        let add = |a: &str, b: &str| n(a).add(&n(b)).map(|r| r.to_string());
        let sub = |a: &str, b: &str| n(a).sub(&n(b)).map(|r| r.to_string());
        assert_eq!(add("0.1", "0.2"), Ok("0.3".into()));
        assert_eq!(sub("1.5", "1.5"), Ok("0".into())); // Local prints "0.0"
        assert_eq!(
            add("99999999999999999999999999999999999999", "1"),
            Ok(format!("1{}", "0".repeat(38)))
        );
        assert_eq!(add("1e125", "9e124"), Ok(format!("19{}", "0".repeat(124))));
        assert_eq!(
            sub("2e-130", "-1e-130"),
            Ok(format!("0.{}3", "0".repeat(129)))
        );
        assert_eq!(
            add("1", "10000000000000000000000"),
            Ok("10000000000000000000001".into())
        );
        assert_eq!(
            sub("10000000000000000000000", "1"),
            Ok("9999999999999999999999".into())
        );
        assert_eq!(add("-5", "3"), Ok("-2".into()));
        assert_eq!(sub("3", "5"), Ok("-2".into()));
        assert_eq!(add("0", "-7"), Ok("-7".into()));
        assert_eq!(sub("0", "-7"), Ok("7".into()));
        assert_eq!(sub("-7", "0"), Ok("-7".into()));
        // Out of range and inexact results are refused, never rounded.
        assert_eq!(add("9e125", "9e125"), Err(NumberError::Overflow));
        assert_eq!(sub("9e125", "-9e125"), Err(NumberError::Overflow));
        assert_eq!(add("1e-129", "-0.99e-129"), Err(NumberError::Underflow));
        assert_eq!(add("1E+37", "1E-10"), Err(NumberError::TooPrecise));
        assert_eq!(sub("1e50", "1"), Err(NumberError::TooPrecise));
        assert_eq!(add("1", "1e-130"), Err(NumberError::TooPrecise));
    }

    proptest! {
        #[test]
        fn arithmetic_is_exact(a in arb_number(), b in arb_number()) {
            for (got, want) in [(a.add(&b), big(&a) + big(&b)), (a.sub(&b), big(&a) - big(&b))] {
                match got {
                    Ok(r) => prop_assert_eq!(big(&r), want),
                    Err(_) => {
                        // Refused only when the exact result breaks a limit.
                        let text = want.normalized().to_string();
                        prop_assert!(Number::parse(&text).is_err(), "refused {}", text);
                    }
                }
            }
        }
    }
}
