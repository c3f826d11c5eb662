//! DynamoDB's `N` type: an exact decimal with at most 38 significant digits and a
//! magnitude in [1E-130, 1E+126), or zero.
//!
//! The representation is normalised (`0.DIGITS x 10^exp`, no leading or trailing zeros),
//! so equality, hashing, ordering, the canonical text and the key encoding all fall out of
//! the three fields without any arithmetic.
//!
//! Where DynamoDB Local and AWS disagree, this module follows AWS (evidence in the
//! comments: the dynalite test-suite, ScyllaDB Alternator's AWS-run tests and the
//! paritysuite conformance captures from real AWS):
//! - invalid text: AWS says `The parameter cannot be converted to a numeric value`
//!   (and the attribute decoder appends `: <text>`); Local says
//!   `A value provided cannot be converted into a number`.
//! - too many digits: AWS says `Attempting to store more than 38 significant digits in a
//!   Number`; Local says `DynamoDB only supports precision up to 38 digits`.
//! - the exponent is read as a 64-bit integer: `1e2147483648` is an overflow on AWS,
//!   while Local (Java `BigDecimal`) cannot convert it; an exponent past `i64` cannot be
//!   converted on either.
//! - zero is range-checked by the exponent it is written with (`0e126` overflows,
//!   `0e-131` underflows, `0e125` is `0`); Local accepts `0e1000`.
//! - Local accepts non-ASCII Unicode digits (`"١"` is 1, Java `Character.digit`); we
//!   accept ASCII digits only.

use std::cmp::Ordering;

mod arith;
mod key;

/// Largest allowed `exp` (value < 1E+126 means `0.D x 10^126` at most).
pub(crate) const MAX_EXP: i64 = 126;
/// Smallest allowed `exp` (1E-130 is `0.1 x 10^-129`).
pub(crate) const MIN_EXP: i64 = -129;
/// DynamoDB's precision limit.
pub(crate) const MAX_DIGITS: usize = 38;

/// A DynamoDB number: at most 38 significant digits, magnitude in [1E-130, 1E+126),
/// or zero. Always normalised (no leading/trailing zeros), so derived equality is
/// numeric equality (`1` == `1.0` == `10E-1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    /// True for negative numbers; never true for zero.
    neg: bool,
    /// Significant digits as ASCII, no leading or trailing zeros; empty for zero.
    digits: Box<str>,
    /// Value = 0.DIGITS x 10^exp.
    exp: i32,
}

/// Why a string or an arithmetic result is not a valid DynamoDB number. `Display` is the
/// exact DynamoDB `ValidationException` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a number at all. AWS's text; when decoding an attribute value AWS appends
    /// `: <the text sent>` (see `attr.rs`).
    #[error("The parameter cannot be converted to a numeric value")]
    NotANumber,
    /// More than 38 significant digits (text and arithmetic results alike; see
    /// [`Number::add`] for the wording AWS uses on the arithmetic path).
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooPrecise,
    /// Magnitude >= 1E+126.
    #[error(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )]
    Overflow,
    /// Magnitude < 1E-130 (and not zero).
    #[error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )]
    Underflow,
}

impl Number {
    /// Parses DynamoDB number text (Java BigDecimal syntax: sign, digits, '.', exponent)
    /// and checks the precision and range limits.
    ///
    /// The range is checked before the precision (dynalite's order; Local checks the
    /// precision first, which only matters for text that breaks both limits).
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &b[int_start..i];
        let mut frac_part: &[u8] = &[];
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &b[start..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(NumberError::NotANumber);
        }
        let mut exp10: i64 = 0;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exp_neg = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                let d = i64::from(b[i] - b'0');
                // Accumulate towards the sign so that i64::MIN itself is representable.
                exp10 = exp10
                    .checked_mul(10)
                    .and_then(|e| {
                        if exp_neg {
                            e.checked_sub(d)
                        } else {
                            e.checked_add(d)
                        }
                    })
                    .ok_or(NumberError::NotANumber)?;
                i += 1;
            }
            if i == start {
                return Err(NumberError::NotANumber);
            }
        }
        if i != b.len() {
            return Err(NumberError::NotANumber);
        }

        let all = int_part.iter().chain(frac_part);
        let leading = all.clone().take_while(|&&c| c == b'0').count();
        let total = int_part.len() + frac_part.len();
        if leading == total {
            // Zero: AWS range-checks it as BigDecimal would see it (precision 1, scale
            // = fraction digits - exponent), so `0e126` overflows and `0e-131` underflows.
            let adjusted = 1 - frac_part.len() as i128 + i128::from(exp10);
            return check_range(adjusted).map(|()| Number::zero());
        }
        let trailing = all.clone().rev().take_while(|&&c| c == b'0').count();
        let exp = int_part.len() as i128 - leading as i128 + i128::from(exp10);
        check_range(exp)?;
        let count = total - leading - trailing;
        if count > MAX_DIGITS {
            return Err(NumberError::TooPrecise);
        }
        let digits: String = all
            .skip(leading)
            .take(count)
            .map(|&c| char::from(c))
            .collect();
        Ok(Number {
            neg,
            digits: digits.into_boxed_str(),
            // check_range bounds exp to [-129, 126].
            exp: exp as i32,
        })
    }

    /// Zero.
    pub fn zero() -> Number {
        Number {
            neg: false,
            digits: "".into(),
            exp: 0,
        }
    }

    /// An integer; every `i64` is within DynamoDB's limits (at most 19 digits).
    pub fn from_i64(v: i64) -> Number {
        let text = v.to_string();
        Number::parse(&text).unwrap_or_else(|_| Number::zero())
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// True for numbers below zero.
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// Number of significant digits (0 for zero); used by item-size accounting.
    pub fn significant_digits(&self) -> usize {
        self.digits.len()
    }

    /// The decimal exponent: value = 0.DIGITS x 10^exp (0 for zero).
    pub(crate) fn exponent(&self) -> i32 {
        self.exp
    }

    /// The significant digits as ASCII (empty for zero).
    pub(crate) fn digit_str(&self) -> &str {
        &self.digits
    }

    /// Whether [`Number::from_digit_values`] accepts these parts, without building the
    /// number (the stored-bytes-to-JSON transcoder checks numbers it never allocates).
    pub(crate) fn digit_values_valid(neg: bool, digits: &[u8], exp: i64) -> bool {
        if digits.is_empty() {
            return !neg && exp == 0;
        }
        digits.len() <= MAX_DIGITS
            && digits.iter().all(|&d| d <= 9)
            && digits.first() != Some(&0)
            && digits.last() != Some(&0)
            && (MIN_EXP..=MAX_EXP).contains(&exp)
    }

    /// Builds a number from digit values (0..=9) that must already be normalised and
    /// within the limits; `None` otherwise. Used by the decoders, which must not trust
    /// their input.
    pub(crate) fn from_digit_values(neg: bool, digits: &[u8], exp: i64) -> Option<Number> {
        if !Number::digit_values_valid(neg, digits, exp) {
            return None;
        }
        if digits.is_empty() {
            return Some(Number::zero());
        }
        let text: String = digits.iter().map(|&d| char::from(b'0' + d)).collect();
        Some(Number {
            neg,
            digits: text.into_boxed_str(),
            exp: exp as i32,
        })
    }
}

/// Checks a normalised exponent against DynamoDB's range.
pub(crate) fn check_range(exp: i128) -> Result<(), NumberError> {
    if exp > i128::from(MAX_EXP) {
        Err(NumberError::Overflow)
    } else if exp < i128::from(MIN_EXP) {
        Err(NumberError::Underflow)
    } else {
        Ok(())
    }
}

impl std::fmt::Display for Number {
    /// DynamoDB's canonical output text (plain notation, no trailing zeros).
    ///
    /// Checked against DynamoDB Local: `1.50`→`1.5`, `0100`→`100`, `1E2`→`100`,
    /// `1e-2`→`0.01`, `-0`→`0`, `12345.6789e-3`→`12.3456789`, `1E+125`→1 and 125 zeros,
    /// `-1e-130`→`-0.` 129 zeros `1`. One difference: Local renders an arithmetic zero
    /// such as `1.5 - 1.5` as `0.0` (and keeps trailing zeros of other arithmetic
    /// results), and returns numbers nested inside `M` or `L` exactly as they were sent
    /// (`1.50`); we always print the canonical form. Top-level `N` and `NS` values match
    /// Local on 400 random inputs, and random nested items match up to that difference.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_canonical(f, self.neg, &self.digits, i64::from(self.exp))
    }
}

/// DynamoDB's canonical text of `±0.DIGITS x 10^exp` (plain notation, no trailing zeros;
/// `digits` empty for zero). Shared by [`Number`]'s `Display` and the stored-bytes-to-JSON
/// transcoder (`codec_json`), which formats numbers without building a `Number`.
pub(crate) fn write_canonical(
    f: &mut impl std::fmt::Write,
    neg: bool,
    digits: &str,
    exp: i64,
) -> std::fmt::Result {
    if digits.is_empty() {
        return f.write_char('0');
    }
    if neg {
        f.write_char('-')?;
    }
    let d = digits;
    if exp <= 0 {
        f.write_str("0.")?;
        write_zeros(f, exp.unsigned_abs() as usize)?;
        f.write_str(d)
    } else if (exp as usize) < d.len() {
        let (int, frac) = d.split_at(exp as usize);
        f.write_str(int)?;
        f.write_char('.')?;
        f.write_str(frac)
    } else {
        f.write_str(d)?;
        write_zeros(f, exp as usize - d.len())
    }
}

/// Writes `n` zeros without allocating.
fn write_zeros(f: &mut impl std::fmt::Write, mut n: usize) -> std::fmt::Result {
    const ZEROS: &str = "00000000000000000000000000000000";
    while n > 0 {
        let k = n.min(ZEROS.len());
        f.write_str(&ZEROS[..k])?;
        n -= k;
    }
    Ok(())
}

impl std::str::FromStr for Number {
    type Err = NumberError;

    /// Same as [`Number::parse`].
    fn from_str(s: &str) -> Result<Number, NumberError> {
        Number::parse(s)
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let class = |n: &Number| {
            if n.is_zero() {
                0
            } else if n.neg {
                -1
            } else {
                1
            }
        };
        match class(self).cmp(&class(other)) {
            Ordering::Equal if self.is_zero() => Ordering::Equal,
            Ordering::Equal => {
                // Normalised digits: same exponent, then digit strings compare as
                // decimal fractions (a proper prefix is the smaller magnitude).
                let magnitude = self
                    .exp
                    .cmp(&other.exp)
                    .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()));
                if self.neg {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
            unequal => unequal,
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bigdecimal::BigDecimal;
    use proptest::prelude::*;
    use std::str::FromStr;

    pub(crate) fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn canonical_text_matches_dynamodb_local() {
        // Outputs observed from DynamoDB Local 3.3.0 (PutItem then GetItem).
        let cases = [
            ("1.50", "1.5"),
            ("0100", "100"),
            ("1E2", "100"),
            ("1e-2", "0.01"),
            ("-0", "0"),
            ("-0.0e-5", "0"),
            ("0.000100", "0.0001"),
            ("+1", "1"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1.e1", "10"),
            ("12345.6789e-3", "12.3456789"),
            ("0.0000001", "0.0000001"),
            (
                "123456789012345678901234567890.12345678",
                "123456789012345678901234567890.12345678",
            ),
            (
                "1234567890123456789012345678901234567800",
                "1234567890123456789012345678901234567800",
            ),
            ("1e0000000000000000000000002", "100"),
            ("0.1E-129", &format!("0.{}1", "0".repeat(129))),
            ("-1e-130", &format!("-0.{}1", "0".repeat(129))),
            ("1E+125", &format!("1{}", "0".repeat(125))),
            (
                "99999999999999999999999999999999999999e88",
                &format!("{}{}", "9".repeat(38), "0".repeat(88)),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(n(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for s in [
            "",
            " 1",
            "1 ",
            "NaN",
            "Infinity",
            "-Infinity",
            "0x10",
            "--1",
            "+-1",
            "1e",
            "1e+",
            "1e+-2",
            ".",
            "+.e1",
            ".e1",
            "e1",
            "1.2.3",
            "1_0",
            "abc",
            "١",
            "1e9223372036854775808",
            "1e-9223372036854775809",
        ] {
            assert_eq!(Number::parse(s), Err(NumberError::NotANumber), "{s:?}");
        }
    }

    #[test]
    fn limits() {
        use NumberError::*;
        assert_eq!(Number::parse(&"1".repeat(39)), Err(TooPrecise));
        assert_eq!(
            Number::parse("-1.23456789012345678901234567890123456789"),
            Err(TooPrecise)
        );
        assert!(Number::parse(&format!("{}000", "1".repeat(38))).is_ok());
        assert!(Number::parse("0.00012345678901234567890123456789012345678").is_ok());
        for (s, e) in [
            ("1e126", Overflow),
            ("-1e126", Overflow),
            ("11e125", Overflow),
            ("1e-131", Underflow),
            ("0.9e-130", Underflow),
            ("-1e-131", Underflow),
            // The exponent is read as 64 bits (AWS), so these are range errors.
            ("1e2147483647", Overflow),
            ("1e2147483648", Overflow),
            ("1e99999999999", Overflow),
            ("-1e99999999999", Overflow),
            ("1e-2147483648", Underflow),
            ("1e-99999999999", Underflow),
            ("1e9223372036854775807", Overflow),
            ("1e-9223372036854775808", Underflow),
            // Zero is range-checked by its written exponent (AWS).
            ("0e126", Overflow),
            ("0e-131", Underflow),
            // Range is checked before precision.
            ("1234567890123456789012345678901234567891e200", Overflow),
        ] {
            assert_eq!(Number::parse(s), Err(e), "{s}");
        }
        for s in [
            "1e125",
            "9.99999999e125",
            "1e-130",
            "-1e-130",
            "0e125",
            "0e-130",
            "0e10",
        ] {
            assert!(Number::parse(s).is_ok(), "{s}");
        }
        assert!(n("0e125").is_zero());
    }

    #[test]
    fn equality_and_order_are_numeric() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10E-1"));
        assert_eq!(n("-0"), Number::zero());
        let sorted = [
            "-1e125", "-100", "-99.5", "-1", "-0.5", "-1e-130", "0", "1e-130", "0.5", "1", "1.05",
            "1.5", "99", "100", "9.9e125",
        ];
        for w in sorted.windows(2) {
            assert!(n(w[0]) < n(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(Number::from_i64(-42), n("-42"));
        assert_eq!(Number::from_i64(i64::MIN).to_string(), i64::MIN.to_string());
    }

    /// Any valid number, from its parts.
    pub(crate) fn arb_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            1 => Just(Number::zero()),
            8 => (any::<bool>(), "[1-9]([0-9]{0,36}[1-9])?", -129i32..=126)
                .prop_map(|(neg, d, exp)| n(&format!("{}0.{d}e{exp}", if neg { "-" } else { "" }))),
            4 => (any::<bool>(), "[1-9][0-9]{0,6}", -6i32..=8)
                .prop_map(|(neg, d, exp)| n(&format!("{}0.{d}e{exp}", if neg { "-" } else { "" }))),
        ]
    }

    pub(crate) fn big(x: &Number) -> BigDecimal {
        BigDecimal::from_str(&x.to_string()).expect("canonical text parses")
    }

    proptest! {
        #[test]
        fn text_round_trips(a in arb_number()) {
            prop_assert_eq!(Number::parse(&a.to_string()), Ok(a));
        }

        #[test]
        fn parse_never_panics(s in "[-+0-9.eE]{0,24}|\\PC{0,12}") {
            let _ = Number::parse(&s);
        }
    }
}
