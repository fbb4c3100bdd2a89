//! `TableDescription`: a table definition rendered in DynamoDB's wire shape,
//! and the exact item count and size figures it reports.

use super::keyspace;
use crate::error::Result;
use crate::lsm::Tree;
use crate::model::schema::{BillingMode, IndexDef, KeySchema, TableDef, Throughput};
use serde_json::{json, Value};
use std::ops::Bound;

/// Item count and total item size (DynamoDB's measure) of a table or index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableStats {
    pub item_count: u64,
    pub size_bytes: u64,
    /// Per secondary index (by index id): entry count and projected size.
    pub indexes: Vec<(u8, u64, u64)>,
}

fn range_stats(tree: &Tree, table_id: u32, index_id: u8) -> Result<(u64, u64)> {
    let (start, end) = keyspace::index_range(table_id, index_id);
    let (mut count, mut size) = (0u64, 0u64);
    for entry in tree.range(Bound::Included(&start), Bound::Excluded(&end), false) {
        let (_, value) = entry?;
        count += 1;
        size += super::values::stored_item_size(&value)? as u64;
    }
    Ok((count, size))
}

/// Count the items of `def` and of each of its indexes and add up their
/// DynamoDB sizes.
pub fn table_stats(tree: &Tree, def: &TableDef) -> Result<TableStats> {
    let (item_count, size_bytes) = range_stats(tree, def.id, keyspace::BASE_TABLE)?;
    let mut indexes = Vec::new();
    for (index, _) in def.indexes() {
        let (count, size) = range_stats(tree, def.id, index.id)?;
        indexes.push((index.id, count, size));
    }
    Ok(TableStats { item_count, size_bytes, indexes })
}

fn key_schema_json(ks: &KeySchema) -> Value {
    let mut out = vec![json!({"AttributeName": ks.hash.name, "KeyType": "HASH"})];
    if let Some(r) = &ks.range {
        out.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
    }
    Value::Array(out)
}

fn throughput_json(t: Option<Throughput>) -> Value {
    let t = t.unwrap_or(Throughput { read: 0, write: 0 });
    json!({
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": t.read,
        "WriteCapacityUnits": t.write,
    })
}

fn index_json(def: &TableDef, index: &IndexDef, global: bool, stats: &TableStats) -> Value {
    let (count, size) =
        stats.indexes.iter().find(|(id, _, _)| *id == index.id).map(|(_, c, s)| (*c, *s)).unwrap_or((0, 0));
    let mut projection = json!({"ProjectionType": index.projection.projection_type.as_str()});
    if !index.projection.non_key_attributes.is_empty() {
        projection["NonKeyAttributes"] = json!(index.projection.non_key_attributes);
    }
    let mut out = json!({
        "IndexName": index.name,
        "KeySchema": key_schema_json(&index.key_schema),
        "Projection": projection,
        "IndexSizeBytes": size,
        "ItemCount": count,
        "IndexArn": format!("{}/index/{}", def.arn(), index.name),
    });
    if global {
        out["IndexStatus"] = json!("ACTIVE");
        out["ProvisionedThroughput"] = throughput_json(index.throughput);
    }
    out
}

/// The `TableDescription` / `Table` object of DescribeTable and friends.
pub fn table_description(def: &TableDef, stats: &TableStats) -> Value {
    let mut out = json!({
        "AttributeDefinitions": def.attribute_definitions.iter().map(|a| json!({
            "AttributeName": a.name, "AttributeType": a.key_type.as_str()
        })).collect::<Vec<_>>(),
        "TableName": def.name,
        "KeySchema": key_schema_json(&def.key_schema),
        "TableStatus": "ACTIVE",
        "CreationDateTime": def.created_at,
        "ProvisionedThroughput": throughput_json(def.throughput),
        "TableSizeBytes": stats.size_bytes,
        "ItemCount": stats.item_count,
        "TableArn": def.arn(),
        "TableId": def.uuid,
        "DeletionProtectionEnabled": def.deletion_protection,
    });
    if def.billing_mode == BillingMode::PayPerRequest {
        out["BillingModeSummary"] = json!({
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": def.created_at,
        });
    }
    if let Some(schema) = &def.attribute_schema {
        out["KeystoneSchema"] = super::validation::schema_json(schema);
    }
    if !def.local_indexes.is_empty() {
        out["LocalSecondaryIndexes"] =
            Value::Array(def.local_indexes.iter().map(|i| index_json(def, i, false, stats)).collect());
    }
    if !def.global_indexes.is_empty() {
        out["GlobalSecondaryIndexes"] =
            Value::Array(def.global_indexes.iter().map(|i| index_json(def, i, true, stats)).collect());
    }
    out
}
