//! DynamoDB's data model: attribute values, numbers, keys and items, and the
//! binary encodings the storage layer keeps them in.
//!
//! - `value`: [`value::AttributeValue`] and [`value::Item`];
//!   `number`: the 38-digit decimal; `builder`: [`builder::ItemBuilder`].
//! - `json`: DynamoDB wire JSON ⇄ values, with DynamoDB's validation.
//! - `key`: order-preserving, prefix-free bytes for key values (what the LSM sorts by).
//! - `item`: the stored binary form of an item, and DynamoDB's item-size measure.
//! - `limits`: DynamoDB's size limits and the checks the API calls.

pub mod builder;
pub mod item;
pub mod json;
pub(crate) mod json_text;
pub mod key;
pub mod limits;
pub mod number;
pub mod request;
pub mod schema;
pub mod validation;
pub mod value;
