//! DynamoDB numbers: up to 38 significant decimal digits, magnitudes from
//! 1E-130 to 9.9999999999999999999999999999999999999E+125 (and zero), with
//! exact decimal arithmetic.
//!
//! A [`Number`] is kept normalized as `sign × mantissa × 10^exponent` where the
//! mantissa is a `u128` without trailing decimal zeros (38 digits always fit:
//! `u128::MAX` ≈ 3.4 × 10^38). Because the form is unique, equality and hashing
//! are plain field comparisons and `1.0 == 1`; ordering compares the sign, then
//! the decimal magnitude (the exponent of the leading digit), then the digits.
//!
//! Text follows DynamoDB: [`Number::parse`] accepts what DynamoDB accepts (an
//! optional sign, leading zeros, a decimal point, an `e`/`E` exponent) and
//! rejects the rest with DynamoDB's messages; `Display` prints the canonical
//! plain form DynamoDB returns (`"1.50"` → `"1.5"`, `"1e3"` → `"1000"`,
//! `"-0"` → `"0"`), never scientific notation.
//!
//! Addition and subtraction are exact. Operands can be up to 255 decimal orders
//! apart, more than any fixed-width integer holds, so the sum is formed on a
//! small array of decimal digits and then normalized through the same checks
//! as parsing: a result needing more than 38 significant digits, or outside
//! the range, is an error, as in DynamoDB.

use std::cmp::Ordering;
use std::fmt;

/// Most significant digits a DynamoDB number may have.
pub const MAX_DIGITS: usize = 38;
/// Largest allowed exponent of the leading digit (`9.99…E+125`).
pub const MAX_LEADING_EXPONENT: i64 = 125;
/// Smallest allowed exponent of the leading digit (`1E-130`).
pub const MIN_LEADING_EXPONENT: i64 = -130;

/// A DynamoDB number in normalized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// No trailing decimal zeros; zero only for the number zero.
    mantissa: u128,
    /// Zero for the number zero.
    exponent: i32,
}

/// Why a text or a computation is not a DynamoDB number. The `Display` text is
/// DynamoDB's `ValidationException` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("The parameter cannot be converted to a numeric value")]
    Empty,
    #[error("The parameter cannot be converted to a numeric value: {0}")]
    NotNumeric(String),
    #[error("Number overflow. Attempting to store a number with magnitude larger than supported range")]
    Overflow,
    #[error("Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    Underflow,
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooManyDigits,
}

impl From<NumberError> for crate::error::Error {
    fn from(err: NumberError) -> Self {
        crate::error::Error::Validation(err.to_string())
    }
}

fn digit_count(mantissa: u128) -> u32 {
    if mantissa == 0 {
        1
    } else {
        mantissa.ilog10() + 1
    }
}

impl Number {
    /// The number zero.
    pub const ZERO: Number = Number { negative: false, mantissa: 0, exponent: 0 };

    /// Parse DynamoDB's textual number form.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        if text.is_empty() {
            return Err(NumberError::Empty);
        }
        let not_numeric = || NumberError::NotNumeric(text.to_string());
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        if let Some(&sign) = bytes.first() {
            if sign == b'+' || sign == b'-' {
                negative = sign == b'-';
                pos = 1;
            }
        }
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &bytes[int_start..pos];
        let mut frac_digits: &[u8] = &[];
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &bytes[frac_start..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(not_numeric());
        }
        let mut exponent: i64 = 0;
        if pos < bytes.len() && (bytes[pos] == b'e' || bytes[pos] == b'E') {
            pos += 1;
            let mut exp_negative = false;
            if pos < bytes.len() && (bytes[pos] == b'+' || bytes[pos] == b'-') {
                exp_negative = bytes[pos] == b'-';
                pos += 1;
            }
            let exp_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                // Saturate: any exponent this large is out of range anyway
                // (unless the mantissa is zero, where it does not matter).
                exponent = (exponent * 10 + i64::from(bytes[pos] - b'0')).min(1 << 40);
                pos += 1;
            }
            if pos == exp_start {
                return Err(not_numeric());
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return Err(not_numeric());
        }
        let digits = int_digits.iter().chain(frac_digits).map(|d| d - b'0');
        Number::from_digit_iter(negative, digits, exponent - frac_digits.len() as i64)
    }

    /// Build a number from big-endian decimal digits (each 0–9) times
    /// `10^exponent`, applying DynamoDB's range and precision checks in
    /// DynamoDB's order: overflow, underflow, then significant digits.
    fn from_digit_iter(
        negative: bool,
        digits: impl Iterator<Item = u8> + Clone,
        exponent: i64,
    ) -> Result<Number, NumberError> {
        let total = digits.clone().count();
        let leading_zeros = digits.clone().take_while(|&d| d == 0).count();
        if leading_zeros == total {
            return Ok(Number::ZERO);
        }
        let trailing_zeros = {
            let mut last_nonzero = 0;
            for (i, d) in digits.clone().enumerate() {
                if d != 0 {
                    last_nonzero = i;
                }
            }
            total - 1 - last_nonzero
        };
        let significant = total - leading_zeros - trailing_zeros;
        let low_exponent = exponent + trailing_zeros as i64;
        let leading_exponent = low_exponent + significant as i64 - 1;
        if leading_exponent > MAX_LEADING_EXPONENT {
            return Err(NumberError::Overflow);
        }
        if leading_exponent < MIN_LEADING_EXPONENT {
            return Err(NumberError::Underflow);
        }
        if significant > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        let mantissa = digits
            .skip(leading_zeros)
            .take(significant)
            .fold(0u128, |m, d| m * 10 + u128::from(d));
        // The range checks above bound the exponent to [-167, 125].
        Ok(Number { negative, mantissa, exponent: low_exponent as i32 })
    }

    /// Build a number from its parts, normalizing trailing zeros and checking
    /// range and precision. `value = (-1)^negative × mantissa × 10^exponent`.
    pub fn from_parts(negative: bool, mantissa: u128, exponent: i64) -> Result<Number, NumberError> {
        if mantissa == 0 {
            return Ok(Number::ZERO);
        }
        let mut mantissa = mantissa;
        let mut exponent = exponent;
        // u128 division is a slow library call; most mantissas fit a u64.
        if let Ok(mut small) = u64::try_from(mantissa) {
            while small % 10 == 0 {
                small /= 10;
                exponent += 1;
            }
            mantissa = u128::from(small);
        } else {
            while mantissa % 10 == 0 {
                mantissa /= 10;
                exponent += 1;
            }
        }
        let digits = i64::from(digit_count(mantissa));
        let leading = exponent.saturating_add(digits - 1);
        if leading > MAX_LEADING_EXPONENT {
            return Err(NumberError::Overflow);
        }
        if leading < MIN_LEADING_EXPONENT {
            return Err(NumberError::Underflow);
        }
        if digits as usize > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        Ok(Number { negative, mantissa, exponent: exponent as i32 })
    }

    /// The parts of the normalized form: (negative, mantissa without trailing
    /// zeros, exponent). Zero is `(false, 0, 0)`.
    pub fn parts(&self) -> (bool, u128, i32) {
        (self.negative, self.mantissa, self.exponent)
    }

    pub fn from_i64(value: i64) -> Number {
        let mut n = Number::from_u64(value.unsigned_abs());
        n.negative = value < 0;
        n
    }

    pub fn from_u64(value: u64) -> Number {
        // A u64 has at most 20 digits and a leading exponent of at most 19.
        Number::from_parts(false, u128::from(value), 0).unwrap_or(Number::ZERO)
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    pub fn is_integer(&self) -> bool {
        self.exponent >= 0
    }

    /// Count of significant digits (1 for zero).
    pub fn significant_digits(&self) -> u32 {
        digit_count(self.mantissa)
    }

    /// The exponent of the leading digit in scientific notation (0 for zero):
    /// `123.4` → 2, `0.05` → -2.
    pub fn leading_exponent(&self) -> i32 {
        if self.is_zero() {
            0
        } else {
            self.exponent + digit_count(self.mantissa) as i32 - 1
        }
    }

    pub fn neg(&self) -> Number {
        Number { negative: !self.negative && !self.is_zero(), ..*self }
    }

    pub fn abs(&self) -> Number {
        Number { negative: false, ..*self }
    }

    /// The value as an `i64` if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        let scale = 10u128.checked_pow(self.exponent as u32)?;
        let magnitude = self.mantissa.checked_mul(scale)?;
        if self.negative {
            if magnitude <= i64::MAX as u128 + 1 {
                Some((magnitude as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// The nearest `f64` (correctly rounded).
    pub fn to_f64(&self) -> f64 {
        let text = format!(
            "{}{}e{}",
            if self.negative { "-" } else { "" },
            self.mantissa,
            self.exponent
        );
        // The text is a well-formed float literal by construction.
        text.parse::<f64>().unwrap_or(f64::NAN)
    }

    /// Exact sum; an error when the result has more than 38 significant digits
    /// or leaves DynamoDB's range.
    pub fn checked_add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(*other);
        }
        if other.is_zero() {
            return Ok(*self);
        }
        // Fast path: both fit i128 after alignment.
        let low = self.exponent.min(other.exponent);
        let a = aligned(self, low);
        let b = aligned(other, low);
        if let (Some(a), Some(b)) = (a, b) {
            if let Some(sum) = a.checked_add(b) {
                return Number::from_parts(sum < 0, sum.unsigned_abs(), i64::from(low));
            }
        }
        add_by_digits(self, other)
    }

    /// Exact difference; errors as for [`Number::checked_add`].
    pub fn checked_sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.checked_add(&other.neg())
    }
}

/// `n` scaled to `10^low` as a signed integer, if it fits.
fn aligned(n: &Number, low: i32) -> Option<i128> {
    let shift = u32::try_from(n.exponent - low).ok()?;
    let scaled = n.mantissa.checked_mul(10u128.checked_pow(shift)?)?;
    let signed = i128::try_from(scaled).ok()?;
    Some(if n.negative { -signed } else { signed })
}

/// Little-endian decimal digits of `n.mantissa × 10^(n.exponent - low)`.
fn digits_at(n: &Number, low: i32, width: usize) -> Vec<u8> {
    let mut out = vec![0u8; width];
    let mut m = n.mantissa;
    let mut i = (n.exponent - low) as usize;
    while m > 0 {
        out[i] = (m % 10) as u8;
        m /= 10;
        i += 1;
    }
    out
}

/// Exact signed addition on decimal digit arrays (operands up to ~300 orders apart).
fn add_by_digits(x: &Number, y: &Number) -> Result<Number, NumberError> {
    let low = x.exponent.min(y.exponent);
    let width = (x.leading_exponent().max(y.leading_exponent()) - low) as usize + 2;
    let a = digits_at(x, low, width);
    let b = digits_at(y, low, width);
    let mut out = vec![0u8; width];
    let negative;
    if x.negative == y.negative {
        let mut carry = 0;
        for i in 0..width {
            let s = a[i] + b[i] + carry;
            out[i] = s % 10;
            carry = s / 10;
        }
        negative = x.negative;
    } else {
        // Subtract the smaller magnitude from the larger.
        let (big, small, big_negative) = match x.abs().cmp(&y.abs()) {
            Ordering::Less => (&b, &a, y.negative),
            Ordering::Greater => (&a, &b, x.negative),
            Ordering::Equal => return Ok(Number::ZERO),
        };
        let mut borrow = 0i8;
        for i in 0..width {
            let mut d = big[i] as i8 - small[i] as i8 - borrow;
            borrow = 0;
            if d < 0 {
                d += 10;
                borrow = 1;
            }
            out[i] = d as u8;
        }
        negative = big_negative;
    }
    Number::from_digit_iter(negative, out.iter().rev().copied(), i64::from(low))
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| if n.is_zero() { 0 } else if n.negative { -1 } else { 1 };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        if self.is_zero() {
            return Ordering::Equal;
        }
        let magnitude = self
            .leading_exponent()
            .cmp(&other.leading_exponent())
            .then_with(|| {
                // Left-align both mantissas to 38 digits; they then fit a u128.
                let pad = |n: &Number| n.mantissa * 10u128.pow(MAX_DIGITS as u32 - digit_count(n.mantissa));
                pad(self).cmp(&pad(other))
            });
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::str::FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Number::parse(s)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::from_i64(v)
    }
}

impl fmt::Display for Number {
    /// DynamoDB's canonical plain form: no exponent, no trailing fractional
    /// zeros, no leading zeros except the one before a decimal point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(48);
        self.write_canonical(&mut out);
        // Only ASCII digits, '-' and '.' are written.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl Number {
    /// Append the canonical text (as `Display` writes it) to `out`, without
    /// the formatting machinery: stored items written as JSON text call this
    /// for every number.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        if self.is_zero() {
            out.push(b'0');
            return;
        }
        if self.negative {
            out.push(b'-');
        }
        let mut buf = [0u8; 39];
        let digits = decimal_digits(self.mantissa, &mut buf);
        if self.exponent >= 0 {
            out.extend_from_slice(digits);
            out.resize(out.len() + self.exponent as usize, b'0');
        } else {
            let frac = (-self.exponent) as usize;
            if digits.len() > frac {
                let (int, fraction) = digits.split_at(digits.len() - frac);
                out.extend_from_slice(int);
                out.push(b'.');
                out.extend_from_slice(fraction);
            } else {
                out.extend_from_slice(b"0.");
                out.resize(out.len() + frac - digits.len(), b'0');
                out.extend_from_slice(digits);
            }
        }
    }
}

/// The decimal digits of `m` (at most 39), written at the end of `buf`:
/// 128-bit divisions only while `m` does not fit 64 bits.
fn decimal_digits(mut m: u128, buf: &mut [u8; 39]) -> &[u8] {
    let mut i = buf.len();
    while m > u128::from(u64::MAX) {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
    }
    let mut small = m as u64;
    loop {
        i -= 1;
        buf[i] = b'0' + (small % 10) as u8;
        small /= 10;
        if small == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decimal_digits_are_the_digits_of_the_mantissa(m in any::<u128>(), small in any::<u64>()) {
            let mut buf = [0u8; 39];
            let (wide, narrow) = (m.to_string(), small.to_string());
            prop_assert_eq!(decimal_digits(m, &mut buf), wide.as_bytes());
            prop_assert_eq!(decimal_digits(u128::from(small), &mut buf), narrow.as_bytes());
        }
    }

    #[test]
    fn decimal_digits_at_the_edges() {
        let mut buf = [0u8; 39];
        for m in [0u128, 9, 10, u128::from(u64::MAX), u128::from(u64::MAX) + 1, 10u128.pow(38) - 1, u128::MAX] {
            assert_eq!(decimal_digits(m, &mut buf), m.to_string().as_bytes(), "{m}");
        }
    }

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn prints_the_canonical_form() {
        let cases = [
            ("1.50", "1.5"),
            ("01", "1"),
            ("-0", "0"),
            ("+0.000", "0"),
            ("0e999999999999", "0"),
            ("1e3", "1000"),
            ("1E-3", "0.001"),
            ("-12.3400e1", "-123.4"),
            (".5", "0.5"),
            ("5.", "5"),
            ("+7", "7"),
            ("1E+2", "100"),
            ("123456789012345678901234567890.12345678", "123456789012345678901234567890.12345678"),
        ];
        for (input, canonical) in cases {
            assert_eq!(n(input).to_string(), canonical, "input {input}");
        }
        assert_eq!(n("1E-130").to_string(), format!("0.{}1", "0".repeat(129)));
        assert_eq!(n("9.9999999999999999999999999999999999999E+125").to_string().len(), 126);
    }

    #[test]
    fn rejects_what_dynamodb_rejects_with_its_messages() {
        let not_numeric = "The parameter cannot be converted to a numeric value";
        for bad in [" 1", "1 ", "NaN", "Infinity", "-Infinity", "0x10", "1e", "e5", ".", "-", "+", "1.2.3", "1e+-2", "--1", "1,5", "١"] {
            assert_eq!(
                Number::parse(bad).unwrap_err().to_string(),
                format!("{not_numeric}: {bad}"),
                "input {bad:?}"
            );
        }
        assert_eq!(Number::parse("").unwrap_err().to_string(), not_numeric);
        assert_eq!(Number::parse("1E126").unwrap_err(), NumberError::Overflow);
        assert_eq!(Number::parse("-1E126").unwrap_err(), NumberError::Overflow);
        assert_eq!(Number::parse("1E-131").unwrap_err(), NumberError::Underflow);
        assert_eq!(Number::parse("0.1E-130").unwrap_err(), NumberError::Underflow);
        assert_eq!(Number::parse(&"1".repeat(39)).unwrap_err(), NumberError::TooManyDigits);
        assert!(Number::parse(&format!("{}000", "1".repeat(38))).is_ok());
        assert!(Number::parse(&format!("0.000{}", "9".repeat(38))).is_ok());
        assert_eq!(
            NumberError::Overflow.to_string(),
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        );
        assert_eq!(
            NumberError::TooManyDigits.to_string(),
            "Attempting to store more than 38 significant digits in a Number"
        );
        let err: crate::error::Error = NumberError::Underflow.into();
        assert_eq!(err.name(), "ValidationException");
    }

    #[test]
    fn the_range_boundaries_are_inclusive() {
        assert!(Number::parse("9.9999999999999999999999999999999999999E+125").is_ok());
        assert!(Number::parse("-9.9999999999999999999999999999999999999E+125").is_ok());
        assert!(Number::parse("1E-130").is_ok());
        assert!(Number::parse("-1E-130").is_ok());
    }

    #[test]
    fn equal_values_are_equal_and_hash_alike() {
        use std::collections::HashSet;
        assert_eq!(n("1.0"), n("1"));
        assert_eq!(n("100"), n("1e2"));
        assert_eq!(n("-0"), n("0"));
        let set: HashSet<Number> = ["1", "1.0", "10e-1", "2"].iter().map(|s| n(s)).collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn orders_numerically() {
        let sorted = ["-1E125", "-100", "-99.5", "-1", "-0.001", "0", "1E-130", "0.001", "0.5", "1", "1.0001", "9", "10", "1E125"];
        for pair in sorted.windows(2) {
            assert!(n(pair[0]) < n(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn adds_exactly_and_reports_precision_loss() {
        assert_eq!(n("0.1").checked_add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("1E125").checked_sub(&n("1E125")).unwrap(), Number::ZERO);
        assert_eq!(n("-5").checked_add(&n("5")).unwrap().to_string(), "0");
        assert_eq!(n("1E125").checked_add(&n("1E-130")).unwrap_err(), NumberError::TooManyDigits);
        assert_eq!(n("9.9999999999999999999999999999999999999E+125").checked_add(&n("1E+88")).unwrap_err(), NumberError::Overflow);
        assert_eq!(n("1E-129").checked_sub(&n("9.9E-130")).unwrap_err(), NumberError::Underflow);
        // 38 nines + 1 = 1E38 (one significant digit).
        let nines = n(&"9".repeat(38));
        assert_eq!(nines.checked_add(&n("1")).unwrap(), n("1E38"));
        assert_eq!(nines.checked_add(&n("0.1")).unwrap_err(), NumberError::TooManyDigits);
    }

    #[test]
    fn wide_cancellation_is_exact() {
        // (10^37 + 1) − (10^37 − 0.9) = 1.9, computed through the digit path.
        let a = n(&format!("1{}1", "0".repeat(36)));
        let b = n(&format!("{}.1", "9".repeat(37)));
        assert_eq!(a.checked_sub(&b).unwrap(), n("1.9"));
        let c = n("1E100").checked_add(&n("1E63")).unwrap();
        assert_eq!(c.significant_digits(), 38);
        assert_eq!(n("1E100").checked_add(&n("1E62")).unwrap_err(), NumberError::TooManyDigits);
    }

    #[test]
    fn converts_to_and_from_machine_numbers() {
        assert_eq!(Number::from_i64(i64::MIN).to_string(), i64::MIN.to_string());
        assert_eq!(Number::from_i64(i64::MIN).to_i64(), Some(i64::MIN));
        assert_eq!(Number::from_u64(u64::MAX).to_string(), u64::MAX.to_string());
        assert_eq!(Number::from_u64(u64::MAX).to_i64(), None);
        assert_eq!(n("1.5").to_i64(), None);
        assert_eq!(n("1e3").to_i64(), Some(1000));
        assert_eq!(n("0.1").to_f64(), 0.1);
        assert_eq!(n("-2.5e-3").to_f64(), -0.0025);
        assert!(n("3").is_integer() && !n("3.1").is_integer());
        assert_eq!(n("3").neg(), n("-3"));
        assert_eq!(Number::ZERO.neg(), Number::ZERO);
    }

    fn any_number() -> impl Strategy<Value = Number> {
        (any::<bool>(), 0u128..10u128.pow(38), -167i64..=125).prop_filter_map("in range", |(neg, m, e)| {
            Number::from_parts(neg, m, e).ok()
        })
    }

    proptest! {
        #[test]
        fn display_round_trips(x in any_number()) {
            prop_assert_eq!(Number::parse(&x.to_string()).unwrap(), x);
        }

        #[test]
        fn order_agrees_with_exact_f64(a in any::<i32>(), b in any::<i32>(), sa in 0u32..6, sb in 0u32..6) {
            // Small integers over small powers of ten are exact enough in f64
            // to compare (distinct values differ by far more than rounding).
            let x = Number::from_parts(a < 0, a.unsigned_abs() as u128, -(sa as i64)).unwrap();
            let y = Number::from_parts(b < 0, b.unsigned_abs() as u128, -(sb as i64)).unwrap();
            let (fx, fy) = (x.to_f64(), y.to_f64());
            prop_assert_eq!(x.cmp(&y), fx.partial_cmp(&fy).unwrap());
        }

        #[test]
        fn add_and_sub_match_integer_arithmetic(a in any::<i64>(), b in any::<i64>()) {
            let (x, y) = (Number::from_i64(a), Number::from_i64(b));
            prop_assert_eq!(x.checked_add(&y).unwrap().to_string(), (a as i128 + b as i128).to_string());
            prop_assert_eq!(x.checked_sub(&y).unwrap().to_string(), (a as i128 - b as i128).to_string());
        }

        #[test]
        fn fast_and_digit_paths_agree(x in any_number(), y in any_number()) {
            let fast = x.checked_add(&y);
            let slow = if x.is_zero() { Ok(y) } else if y.is_zero() { Ok(x) } else { add_by_digits(&x, &y) };
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn parse_never_panics(s in "[-+0-9.eE ]{0,12}") {
            let _ = Number::parse(&s);
        }
    }
}
