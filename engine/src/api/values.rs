//! The item API's door to the data model's codecs: DynamoDB JSON values in
//! and out ([`crate::model::json`]), key encoding ([`crate::model::key`]),
//! and how an item is stored as a tree value.
//!
//! Stored item values use the versioned binary item codec of
//! [`crate::model::item`]; item sizes follow DynamoDB's rules as that module
//! measures them.

use crate::error::Result;
use crate::model::json::{attribute_value_from_json, item_from_json, item_to_json, StoredItemJson};
use crate::model::request::Values;
use crate::model::value::{AttributeValue, Item};
use serde_json::{Map, Value};

/// The form a caller wants its response in: `Database::execute` answers
/// with a JSON tree, `Database::execute_json` (and so every binding that
/// speaks text) with JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Tree,
    Text,
}

/// A response in DynamoDB JSON. Most operations build a tree; GetItem and
/// Query asked for text write their items straight from the stored bytes
/// ([`StoredItemJson`]), which skips building both the item and the tree.
#[derive(Debug)]
pub enum Reply {
    Tree(Value),
    Text(String),
}

impl Reply {
    /// The response as a tree.
    pub fn into_tree(self) -> Result<Value> {
        match self {
            Reply::Tree(v) => Ok(v),
            Reply::Text(t) => serde_json::from_str(&t)
                .map_err(|e| crate::error::StorageError::corrupted(format!("response text: {e}"), 0).into()),
        }
    }

    /// The response as compact JSON text.
    pub fn into_text(self) -> String {
        match self {
            Reply::Tree(v) => v.to_string(),
            Reply::Text(t) => t,
        }
    }
}

/// `{"<key>": <stored item>}` in `form`, written straight from the item's
/// stored bytes.
pub fn reply_with_stored_item(key: &str, bytes: &[u8], form: Form) -> Result<Reply> {
    let item = StoredItemJson::new(bytes);
    Ok(match form {
        Form::Tree => Reply::Tree(object_with(key, item.to_value()?)),
        Form::Text => {
            let mut out = Vec::with_capacity(bytes.len() * 2 + key.len() + 8);
            out.extend_from_slice(b"{\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            item.write_to(&mut out)?;
            out.push(b'}');
            Reply::Text(text_of(out)?)
        }
    })
}

/// JSON text serde wrote (always UTF-8) as a `String`.
pub(crate) fn text_of(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| crate::error::StorageError::corrupted("response text is not UTF-8", 0).into())
}

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

/// A stored item's DynamoDB size and the attributes `names` of it, without
/// building the rest ([`crate::model::item::stored_size_and_attributes`]).
pub fn stored_size_and_attributes(bytes: &[u8], names: &[&str]) -> Result<(usize, Item)> {
    Ok(crate::model::item::stored_size_and_attributes(bytes, names)?)
}

/// The DynamoDB size of a stored item value.
pub fn stored_item_size(bytes: &[u8]) -> Result<usize> {
    Ok(item_size(&decode_item(bytes)?))
}

/// DynamoDB's size of an item.
pub fn item_size(item: &Item) -> usize {
    crate::model::item::item_size(item)
}
