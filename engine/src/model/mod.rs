//! DynamoDB's data model: attribute values, numbers, keys and items, and the
//! binary encodings the storage layer keeps them in.

pub mod number;
pub mod value;
