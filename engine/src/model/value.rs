//! `AttributeValue`: one DynamoDB value, and `Item`: a map of them.
//!
//! Sets are kept as vectors in the order they were given (DynamoDB does not
//! promise an order); their elements are unique, and equality between two sets
//! ignores order.

use super::number::Number;
use std::collections::BTreeMap;

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttributeValue>;

/// One DynamoDB attribute value.
#[derive(Debug, Clone)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
    L(Vec<AttributeValue>),
    M(BTreeMap<String, AttributeValue>),
}

impl AttributeValue {
    /// The DynamoDB type descriptor: `"S"`, `"N"`, `"B"`, `"BOOL"`, `"NULL"`,
    /// `"SS"`, `"NS"`, `"BS"`, `"L"` or `"M"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
            AttributeValue::L(_) => "L",
            AttributeValue::M(_) => "M",
        }
    }
}

impl PartialEq for AttributeValue {
    fn eq(&self, other: &Self) -> bool {
        use AttributeValue::*;
        fn same_set<T: PartialEq>(a: &[T], b: &[T]) -> bool {
            a.len() == b.len() && a.iter().all(|x| b.contains(x))
        }
        match (self, other) {
            (S(a), S(b)) => a == b,
            (N(a), N(b)) => a == b,
            (B(a), B(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Null, Null) => true,
            (Ss(a), Ss(b)) => same_set(a, b),
            (Ns(a), Ns(b)) => same_set(a, b),
            (Bs(a), Bs(b)) => same_set(a, b),
            (L(a), L(b)) => a == b,
            (M(a), M(b)) => a == b,
            _ => false,
        }
    }
}

/// Plain Rust values as attribute values, for builders that take
/// `impl Into<AttributeValue>` (expression values, key values): strings are
/// `S`, integers and [`Number`]s `N`, byte vectors `B`, booleans `BOOL`.
impl From<&str> for AttributeValue {
    fn from(s: &str) -> Self {
        AttributeValue::S(s.to_string())
    }
}

impl From<String> for AttributeValue {
    fn from(s: String) -> Self {
        AttributeValue::S(s)
    }
}

impl From<bool> for AttributeValue {
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}

impl From<Number> for AttributeValue {
    fn from(n: Number) -> Self {
        AttributeValue::N(n)
    }
}

impl From<Vec<u8>> for AttributeValue {
    fn from(b: Vec<u8>) -> Self {
        AttributeValue::B(b)
    }
}

macro_rules! integer_values {
    ($($t:ty),*) => {
        $(impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                AttributeValue::N(super::builder::ToNumber::to_number(v))
            }
        })*
    };
}
integer_values!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
