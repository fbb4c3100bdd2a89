//! DynamoDB numbers: up to 38 significant decimal digits, magnitudes from
//! 1E-130 to 9.9999999999999999999999999999999999999E+125, exact arithmetic.

use std::fmt;

/// A DynamoDB number in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    canonical: String,
}

impl Number {
    /// Parse DynamoDB's textual number form.
    pub fn parse(text: &str) -> Result<Number, String> {
        let trimmed = text.trim();
        if trimmed.parse::<f64>().is_err() {
            return Err(format!("The parameter cannot be converted to a numeric value: {text}"));
        }
        Ok(Number { canonical: trimmed.to_string() })
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}
