//! The item API's door to the data model's codecs: DynamoDB JSON values in
//! and out ([`crate::model::json`]), key encoding ([`crate::model::key`]),
//! and how an item is stored as a tree value.
//!
//! Stored item values use the versioned binary item codec of
//! [`crate::model::item`]; item sizes follow DynamoDB's rules as that module
//! measures them.

use crate::error::Result;
use crate::model::json::{attribute_value_from_json, item_from_json, item_to_json};
use crate::model::request::Values;
use crate::model::value::{AttributeValue, Item};
use serde_json::{Map, Value};

/// DynamoDB's item size limit: 400 KB.
pub const MAX_ITEM_BYTES: usize = crate::model::limits::MAX_ITEM_SIZE;

/// An item as DynamoDB JSON.
pub fn item_json(item: &Item) -> Value {
    item_to_json(item)
}

/// A response object with one member. (`json!({"k": v})` would serialise
/// `v` into a copy of itself; this moves it.)
pub fn object_with(key: &str, value: Value) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(key.to_string(), value);
    Value::Object(map)
}

/// An `Item`/`Key`-like map of DynamoDB JSON attribute values.
pub fn item_from_map(map: &Map<String, Value>) -> Result<Item> {
    let mut item = Item::new();
    for (k, v) in map {
        item.insert(k.clone(), attribute_value_from_json(v)?);
    }
    Ok(item)
}

/// `ExpressionAttributeValues`, each value checked, errors naming the key as
/// DynamoDB does.
pub fn values_from_json(map: &Map<String, Value>) -> Result<Values> {
    let mut out = Values::new();
    for (k, v) in map {
        let value = attribute_value_from_json(v).map_err(|e| match e {
            crate::error::Error::Validation(m) => crate::error::Error::Validation(format!(
                "ExpressionAttributeValues contains invalid value: {m} for key {k}"
            )),
            other => other,
        })?;
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// Re-exported for callers that hold a whole JSON object.
pub fn item_from_value(value: &Value) -> Result<Item> {
    item_from_json(value)
}

/// The order-preserving, self-delimiting encoding of one key value.
pub fn encode_key_value(value: &AttributeValue) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    // Key values were checked to be S, N or B against the schema first;
    // other types cannot reach here, and would encode as nothing.
    let _ = crate::model::key::encode_key_value(value, &mut out);
    out
}

/// An item as a tree value (the versioned binary codec of [`crate::model::item`]).
pub fn encode_item(item: &Item) -> Result<Vec<u8>> {
    Ok(crate::model::item::encode_item(item))
}

/// A tree value back as an item.
pub fn decode_item(bytes: &[u8]) -> Result<Item> {
    Ok(crate::model::item::decode_item(bytes)?)
}

/// The DynamoDB size of a stored item value.
pub fn stored_item_size(bytes: &[u8]) -> Result<usize> {
    Ok(item_size(&decode_item(bytes)?))
}

/// DynamoDB's size of an item.
pub fn item_size(item: &Item) -> usize {
    crate::model::item::item_size(item)
}
