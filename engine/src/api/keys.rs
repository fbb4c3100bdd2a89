//! Primary keys of items: checking them against a table's key schema with
//! DynamoDB's messages, and turning them into tree keys.
//!
//! Two entry points differ in what they accept, as in DynamoDB:
//! [`key_of_item`] takes a whole item (PutItem, BatchWriteItem puts) and
//! reports a missing or mistyped key attribute; [`key_of_key`] takes a `Key`
//! parameter (GetItem, DeleteItem, UpdateItem, ...) that must hold exactly the
//! key attributes and answers any mismatch with
//! `The provided key element does not match the schema`.

use super::keyspace;
use crate::error::{Error, Result};
use crate::model::schema::{KeyAttribute, KeySchema, ScalarType, TableDef};
use crate::model::value::{AttributeValue, Item};

/// DynamoDB's limits on key attribute sizes (bytes of the value).
pub const MAX_HASH_KEY_BYTES: usize = 2048;
pub const MAX_RANGE_KEY_BYTES: usize = 1024;

fn invalid(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

fn schema_mismatch() -> Error {
    invalid("The provided key element does not match the schema")
}

fn matches_type(value: &AttributeValue, ty: ScalarType) -> bool {
    matches!(
        (value, ty),
        (AttributeValue::S(_), ScalarType::S) | (AttributeValue::N(_), ScalarType::N) | (AttributeValue::B(_), ScalarType::B)
    )
}

/// Empty-value and size checks shared by both entry points.
fn check_key_value(attr: &KeyAttribute, value: &AttributeValue, is_hash: bool, in_item: bool) -> Result<()> {
    let len = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len == 0 {
        let kind = if matches!(value, AttributeValue::S(_)) { "string" } else { "binary" };
        let lead = if in_item { "One or more parameter values are not valid." } else { "One or more parameter values were invalid:" };
        return Err(invalid(format!(
            "{lead} The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {}",
            attr.name
        )));
    }
    if is_hash && len > MAX_HASH_KEY_BYTES {
        return Err(invalid(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if !is_hash && len > MAX_RANGE_KEY_BYTES {
        return Err(invalid(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

/// The tree key of `item` in the base table, checking its key attributes and,
/// for the table's indexes, the types of index key attributes it carries.
pub fn key_of_item(def: &TableDef, item: &Item) -> Result<Vec<u8>> {
    for (attr, is_hash) in key_parts(&def.key_schema) {
        let Some(value) = item.get(&attr.name) else {
            return Err(invalid(format!("One or more parameter values were invalid: Missing the key {} in the item", attr.name)));
        };
        if !matches_type(value, attr.key_type) {
            return Err(invalid(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                attr.name,
                attr.key_type.as_str(),
                value.type_name()
            )));
        }
        check_key_value(attr, value, is_hash, true)?;
    }
    for index in def.local_indexes.iter().chain(def.global_indexes.iter()) {
        for attr in index.key_schema.attributes() {
            if let Some(value) = item.get(&attr.name) {
                if !matches_type(value, attr.key_type) {
                    return Err(invalid(format!(
                        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        attr.name,
                        attr.key_type.as_str(),
                        value.type_name(),
                        index.name
                    )));
                }
                check_key_value(attr, value, attr.name == index.key_schema.hash.name, true)?;
            }
        }
    }
    Ok(encode_primary_key(def, item))
}

/// The tree key named by a `Key` parameter, which must hold exactly the key
/// attributes of the table.
pub fn key_of_key(def: &TableDef, key: &Item) -> Result<Vec<u8>> {
    check_key_shape(&def.key_schema, key)?;
    Ok(encode_primary_key(def, key))
}

/// Check that `key` holds exactly the attributes of `schema`, well typed.
pub fn check_key_shape(schema: &KeySchema, key: &Item) -> Result<()> {
    let expected = 1 + schema.range.is_some() as usize;
    if key.len() != expected {
        return Err(schema_mismatch());
    }
    for (attr, is_hash) in key_parts(schema) {
        match key.get(&attr.name) {
            Some(value) if matches_type(value, attr.key_type) => check_key_value(attr, value, is_hash, false)?,
            _ => return Err(schema_mismatch()),
        }
    }
    Ok(())
}

fn key_parts(schema: &KeySchema) -> impl Iterator<Item = (&KeyAttribute, bool)> {
    std::iter::once((&schema.hash, true)).chain(schema.range.iter().map(|r| (r, false)))
}

/// The base-table tree key of an item whose key attributes were checked.
pub fn encode_primary_key(def: &TableDef, item: &Item) -> Vec<u8> {
    let ks = &def.key_schema;
    let pk = item.get(&ks.hash.name);
    let sk = ks.range.as_ref().and_then(|r| item.get(&r.name));
    // Room for an encoded value: its bytes plus the terminator (a few
    // more only when it holds zero bytes), or a number's at most 21.
    let size = |v: Option<&AttributeValue>| match v {
        Some(AttributeValue::S(s)) => s.len() + 2,
        Some(AttributeValue::B(b)) => b.len() + 2,
        _ => 24,
    };
    let mut key = keyspace::item_key_with(def.id, keyspace::BASE_TABLE, size(pk), |out| {
        // Callers checked that the key attributes are present and of key
        // types, so the encodings cannot fail.
        if let Some(pk) = pk {
            let _ = crate::model::key::encode_key_value(pk, out);
        }
    });
    if let Some(sk) = sk {
        key.reserve(size(Some(sk)));
        let _ = crate::model::key::encode_key_value(sk, &mut key);
    }
    key
}

/// Just the key attributes of `item` (for LastEvaluatedKey and UnprocessedKeys).
pub fn key_attributes(schema: &KeySchema, item: &Item) -> Item {
    schema
        .attributes()
        .filter_map(|a| item.get(&a.name).map(|v| (a.name.clone(), v.clone())))
        .collect()
}
