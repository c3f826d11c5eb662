//! DynamoDB's `N` type. (Skeleton: the signatures are the contract other crates code
//! against; bodies are being filled in.)

use std::cmp::Ordering;

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
    /// Not a number at all.
    #[error("A value provided cannot be converted into a number")]
    NotANumber,
    /// More than 38 significant digits.
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooPrecise,
    /// Magnitude >= 1E+126.
    #[error("Number overflow. Attempting to store a number with magnitude larger than supported range")]
    Overflow,
    /// Magnitude < 1E-130 (and not zero).
    #[error("Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    Underflow,
}

impl Number {
    /// Parses DynamoDB number text (Java BigDecimal syntax: sign, digits, '.', exponent)
    /// and checks the precision and range limits.
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let _ = s;
        todo!()
    }

    /// Zero.
    pub fn zero() -> Number {
        Number { neg: false, digits: "".into(), exp: 0 }
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Exact sum, checked against the limits.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        let _ = other;
        todo!()
    }

    /// Exact difference, checked against the limits.
    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        let _ = other;
        todo!()
    }

    /// Appends an order-preserving, self-delimiting encoding (memcmp order == numeric order).
    pub fn encode_key(&self, out: &mut Vec<u8>) {
        let _ = out;
        todo!()
    }

    /// Decodes [`Number::encode_key`] output; returns the number and bytes consumed.
    pub fn decode_key(bytes: &[u8]) -> Option<(Number, usize)> {
        let _ = bytes;
        todo!()
    }

    /// Number of significant digits (0 for zero); used by item-size accounting.
    pub fn significant_digits(&self) -> usize {
        self.digits.len()
    }
}

impl std::fmt::Display for Number {
    /// DynamoDB's canonical output text (plain notation, no trailing zeros).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let _ = f;
        todo!()
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let _ = other;
        todo!()
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
