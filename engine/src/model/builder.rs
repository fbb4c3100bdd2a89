//! [`ItemBuilder`]: a fluent way to write items in Rust code.
//!
//! ```
//! use kstone_engine::{AttributeValue, ItemBuilder};
//! let item = ItemBuilder::new()
//!     .string("name", "Alice")
//!     .number("age", 30)
//!     .bool("active", true)
//!     .string_set("tags", ["a", "b"])
//!     .build();
//! assert_eq!(item["age"], AttributeValue::N(30.into()));
//! ```
//!
//! The builder only assembles values; DynamoDB's rules (non-empty sets without
//! duplicates, key types, item size) are checked when the item is written, on
//! the same path as a PutItem request.

use super::number::{Number, NumberError};
use super::value::{AttributeValue, Item};

/// Values that convert to a [`Number`] without loss or failure.
pub trait ToNumber {
    fn to_number(self) -> Number;
}

impl ToNumber for Number {
    fn to_number(self) -> Number {
        self
    }
}

macro_rules! signed_to_number {
    ($($t:ty),*) => { $(impl ToNumber for $t { fn to_number(self) -> Number { Number::from_i64(self as i64) } })* };
}
macro_rules! unsigned_to_number {
    ($($t:ty),*) => { $(impl ToNumber for $t { fn to_number(self) -> Number { Number::from_u64(self as u64) } })* };
}
signed_to_number!(i8, i16, i32, i64, isize);
unsigned_to_number!(u8, u16, u32, u64, usize);

/// Builds an [`Item`] attribute by attribute; a later value for the same name
/// replaces the earlier one.
#[derive(Debug, Clone, Default)]
pub struct ItemBuilder {
    item: Item,
}

impl ItemBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set any attribute value.
    pub fn attribute(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.item.insert(name.into(), value);
        self
    }

    pub fn string(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attribute(name, AttributeValue::S(value.into()))
    }

    /// An integer (or an already-parsed [`Number`]).
    pub fn number(self, name: impl Into<String>, value: impl ToNumber) -> Self {
        self.attribute(name, AttributeValue::N(value.to_number()))
    }

    /// A number given as DynamoDB text (`"12.50"`, `"1e-3"`); fails like DynamoDB does.
    pub fn decimal(self, name: impl Into<String>, text: &str) -> Result<Self, NumberError> {
        Ok(self.attribute(name, AttributeValue::N(Number::parse(text)?)))
    }

    pub fn bool(self, name: impl Into<String>, value: bool) -> Self {
        self.attribute(name, AttributeValue::Bool(value))
    }

    pub fn binary(self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.attribute(name, AttributeValue::B(value.into()))
    }

    pub fn null(self, name: impl Into<String>) -> Self {
        self.attribute(name, AttributeValue::Null)
    }

    pub fn list(self, name: impl Into<String>, values: impl IntoIterator<Item = AttributeValue>) -> Self {
        self.attribute(name, AttributeValue::L(values.into_iter().collect()))
    }

    pub fn map(self, name: impl Into<String>, value: Item) -> Self {
        self.attribute(name, AttributeValue::M(value))
    }

    pub fn string_set<S: Into<String>>(self, name: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        self.attribute(name, AttributeValue::Ss(values.into_iter().map(Into::into).collect()))
    }

    pub fn number_set<N: ToNumber>(self, name: impl Into<String>, values: impl IntoIterator<Item = N>) -> Self {
        self.attribute(name, AttributeValue::Ns(values.into_iter().map(ToNumber::to_number).collect()))
    }

    pub fn binary_set<B: Into<Vec<u8>>>(self, name: impl Into<String>, values: impl IntoIterator<Item = B>) -> Self {
        self.attribute(name, AttributeValue::Bs(values.into_iter().map(Into::into).collect()))
    }

    pub fn build(self) -> Item {
        self.item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_every_type() {
        let item = ItemBuilder::new()
            .string("s", "x")
            .number("n", -5i32)
            .decimal("d", "1.50")
            .unwrap()
            .bool("b", false)
            .binary("bin", vec![1, 2])
            .null("z")
            .list("l", [AttributeValue::Null])
            .map("m", ItemBuilder::new().string("k", "v").build())
            .string_set("ss", ["a"])
            .number_set("ns", [1u64, 2])
            .binary_set("bs", [vec![0u8]])
            .build();
        assert_eq!(item.len(), 11);
        assert_eq!(item["d"], AttributeValue::N(Number::parse("1.5").unwrap()));
        assert_eq!(item["n"], AttributeValue::N(Number::from_i64(-5)));
        assert!(ItemBuilder::new().decimal("d", "NaN").is_err());
    }
}
