//! DynamoDB's data model: attribute values, numbers, keys and items, and the
//! binary encodings the storage layer keeps them in.

pub mod json;
pub mod key;
pub mod number;
pub mod request;
pub mod schema;
pub mod value;
