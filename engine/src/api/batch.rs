//! BatchGetItem and BatchWriteItem.
//!
//! BatchWriteItem plans every request first (so a bad one rejects the whole
//! call, as DynamoDB does), then commits all puts and deletes in one write
//! batch. DynamoDB does not promise atomicity here; KeystoneDB gives it for
//! free. Nothing is ever throttled, so `UnprocessedItems` is always empty;
//! BatchGetItem reports keys beyond DynamoDB's 16 MB response limit in
//! `UnprocessedKeys`, in the request's shape, for the caller to retry.

use super::json::{is_resource_name, Constraints, Fields};
use super::keys::key_of_key;
use super::params::{check_expression_maps, common_enums, expression_text, read_expressions, reject_legacy};
use super::prepared::{prepare, project, Texts};
use super::values::{self, item_json};
use super::write::{evaluate, plan_delete, plan_put, read_item, resolve_table, stage_write};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::lsm::WriteBatch;
use crate::model::request::{
    BatchGetItemRequest, BatchWriteItemRequest, DeleteItemRequest, KeysAndAttributes, PutItemRequest, ReturnValues,
    WriteRequest,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// DynamoDB's limits.
pub const MAX_BATCH_GET_KEYS: usize = 100;
pub const MAX_BATCH_WRITE_REQUESTS: usize = 25;
/// BatchGetItem answers at most this many bytes of items.
pub const MAX_BATCH_GET_BYTES: usize = 16 * 1024 * 1024;

fn invalid(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

/// The `RequestItems` map with DynamoDB's checks of its keys.
fn request_items<'a>(f: &Fields<'a>, value_type: &str, c: &mut Constraints) -> Result<Option<&'a Map<String, Value>>> {
    let items = f.map("RequestItems", value_type)?;
    match items {
        None => c.not_null(false, "requestItems"),
        Some(m) if m.is_empty() => c.fail(Some("{}"), "requestItems", "Member must have length greater than or equal to 1"),
        Some(m) => {
            for name in m.keys() {
                let len = name.chars().count();
                if !is_resource_name(name) || !(3..=255).contains(&len) {
                    c.fail(
                        Some(&Value::Object(m.clone()).to_string()),
                        "requestItems",
                        "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]",
                    );
                    break;
                }
            }
        }
    }
    Ok(items)
}

pub fn parse_batch_get(request: &Value) -> Result<BatchGetItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let items = request_items(&f, "com.amazonaws.dynamodb.v20120810.KeysAndAttributes", &mut c)?;
    let mut tables = Vec::new();
    if let Some(items) = items {
        for (table, spec) in items {
            let t = Fields::of_struct(spec, "KeysAndAttributes")?;
            let keys = t.list("Keys")?;
            let path = format!("requestItems.{table}.member.keys");
            let mut parsed = Vec::new();
            match keys {
                None => c.not_null(false, &path),
                Some(list) => {
                    if list.is_empty() {
                        c.fail(Some("[]"), &path, "Member must have length greater than or equal to 1");
                    }
                    if list.len() > MAX_BATCH_GET_KEYS {
                        c.fail(None, &path, "Member must have length less than or equal to 100");
                    }
                    for k in list {
                        let m = match k {
                            Value::Object(m) => m,
                            _ => return Err(Error::Serialization("Unexpected field type".into())),
                        };
                        parsed.push(values::item_from_map(m)?);
                    }
                }
            }
            reject_legacy(&t)?;
            tables.push((
                table.clone(),
                KeysAndAttributes {
                    keys: parsed,
                    projection_expression: expression_text(&t, "ProjectionExpression")?,
                    expressions: read_expressions(&t)?,
                    consistent_read: t.bool("ConsistentRead")?.unwrap_or(false),
                },
            ));
            check_expression_maps(&t, &["ProjectionExpression"])?;
        }
    }
    common_enums(&f, &mut c)?;
    c.finish()?;
    let total: usize = tables.iter().map(|(_, t)| t.keys.len()).sum();
    if total > MAX_BATCH_GET_KEYS {
        return Err(invalid("Too many items requested for the BatchGetItem call"));
    }
    Ok(BatchGetItemRequest { tables })
}

pub fn batch_get(db: &Database, req: &BatchGetItemRequest) -> Result<Value> {
    let catalog = db.catalog_read();
    // Plan: every table, key and expression checked before reading.
    let mut plans = Vec::new();
    for (table, spec) in &req.tables {
        let prepared = prepare(&spec.expressions, Texts { projection: spec.projection_expression.as_deref(), ..Default::default() })?;
        let def = resolve_table(&catalog, table)?;
        let mut seen = BTreeSet::new();
        let mut keys = Vec::new();
        for k in &spec.keys {
            let key = key_of_key(&def, k)?;
            if !seen.insert(key.clone()) {
                return Err(invalid("Provided list of item keys contains duplicates"));
            }
            keys.push((key, k));
        }
        plans.push((table, spec, prepared, keys));
    }
    let tree = db.tree_read();
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut bytes = 0usize;
    for (table, spec, prepared, keys) in plans {
        let mut found = Vec::new();
        let mut left = Vec::new();
        for (key, key_item) in keys {
            if bytes >= MAX_BATCH_GET_BYTES {
                left.push(item_json(key_item));
                continue;
            }
            if let Some(item) = read_item(&tree, &key)? {
                bytes += values::item_size(&item);
                found.push(item_json(&project(prepared.projection.as_ref(), item)));
            }
        }
        responses.insert(table.clone(), Value::Array(found));
        if !left.is_empty() {
            let mut spec_json = json!({ "Keys": left });
            if let Some(p) = &spec.projection_expression {
                spec_json["ProjectionExpression"] = json!(p);
            }
            if let Some(n) = &spec.expressions.names {
                spec_json["ExpressionAttributeNames"] = json!(n);
            }
            if spec.consistent_read {
                spec_json["ConsistentRead"] = json!(true);
            }
            unprocessed.insert(table.clone(), spec_json);
        }
    }
    let mut out = Map::with_capacity(2);
    out.insert("Responses".into(), Value::Object(responses));
    out.insert("UnprocessedKeys".into(), Value::Object(unprocessed));
    Ok(Value::Object(out))
}

pub fn parse_batch_write(request: &Value) -> Result<BatchWriteItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let items = request_items(&f, "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>", &mut c)?;
    let mut tables = Vec::new();
    if let Some(items) = items {
        for (table, list) in items {
            let list = match list {
                Value::Array(a) => a,
                Value::Object(_) => return Err(Error::Serialization("Start of structure or map found where not expected".into())),
                _ => return Err(Error::Serialization("Unexpected field type".into())),
            };
            if list.is_empty() || list.len() > MAX_BATCH_WRITE_REQUESTS {
                c.fail(
                    Some(&Value::Object(items.clone()).to_string()),
                    "requestItems",
                    "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
                );
            }
            let mut requests = Vec::new();
            for (i, w) in list.iter().enumerate() {
                let w = Fields::of_struct(w, "WriteRequest")?;
                let put = w.structure("PutRequest", "PutRequest")?;
                let del = w.structure("DeleteRequest", "DeleteRequest")?;
                let base = format!("requestItems.{table}.member.{}.member", i + 1);
                match (put, del) {
                    (Some(p), None) => match p.map("Item", "com.amazonaws.dynamodb.v20120810.AttributeValue")? {
                        Some(m) => requests.push(WriteRequest::Put(values::item_from_map(m)?)),
                        None => c.not_null(false, &format!("{base}.putRequest.item")),
                    },
                    (None, Some(d)) => match d.map("Key", "com.amazonaws.dynamodb.v20120810.AttributeValue")? {
                        Some(m) => requests.push(WriteRequest::Delete(values::item_from_map(m)?)),
                        None => c.not_null(false, &format!("{base}.deleteRequest.key")),
                    },
                    _ => {
                        return Err(invalid(
                            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                        ))
                    }
                }
            }
            tables.push((table.clone(), requests));
        }
    }
    common_enums(&f, &mut c)?;
    let metrics = f.str("ReturnItemCollectionMetrics")?;
    c.one_of(metrics, &["SIZE", "NONE"], "returnItemCollectionMetrics");
    c.finish()?;
    let total: usize = tables.iter().map(|(_, r)| r.len()).sum();
    if total > MAX_BATCH_WRITE_REQUESTS {
        return Err(invalid("Too many items requested for the BatchWriteItem call"));
    }
    Ok(BatchWriteItemRequest { tables })
}

pub fn batch_write(db: &Database, req: &BatchWriteItemRequest) -> Result<Value> {
    let catalog = db.catalog_read();
    let mut plans = Vec::new();
    for (table, requests) in &req.tables {
        let mut seen = BTreeSet::new();
        for w in requests {
            let plan = match w {
                WriteRequest::Put(item) => {
                    let r = PutItemRequest {
                        table_name: table.clone(),
                        item: item.clone(),
                        condition_expression: None,
                        expressions: Default::default(),
                        return_values: ReturnValues::None,
                        return_old_on_condition_failure: false,
                    };
                    plan_put(&catalog, &r)
                }
                WriteRequest::Delete(key) => {
                    let r = DeleteItemRequest {
                        table_name: table.clone(),
                        key: key.clone(),
                        condition_expression: None,
                        expressions: Default::default(),
                        return_values: ReturnValues::None,
                        return_old_on_condition_failure: false,
                    };
                    plan_delete(&catalog, &r)
                }
            };
            // DynamoDB answers key problems in a batch with one message.
            let plan = plan.map_err(|e| match e {
                Error::Validation(m) if m.contains("Missing the key") || m.contains("Type mismatch for key") => {
                    invalid("The provided key element does not match the schema")
                }
                other => other,
            })?;
            if !seen.insert(plan.key.clone()) {
                return Err(invalid("Provided list of item keys contains duplicates"));
            }
            plans.push(plan);
        }
    }
    let tree = db.tree_write();
    let mut batch = WriteBatch::new();
    for plan in plans {
        let effect = evaluate(&tree, plan)?;
        stage_write(&mut batch, &effect)?;
    }
    super::write::commit(tree, batch)?;
    Ok(json!({ "UnprocessedItems": {} }))
}

pub fn handle_batch_get(db: &Database, request: &Value) -> Result<Value> {
    batch_get(db, &parse_batch_get(request)?)
}

pub fn handle_batch_write(db: &Database, request: &Value) -> Result<Value> {
    batch_write(db, &parse_batch_write(request)?)
}
