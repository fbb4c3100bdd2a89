//! The item-level cases: PutItem, GetItem and Query of realistic DynamoDB
//! items (10 attributes, about 300 bytes), in DynamoDB's JSON.
//!
//! KeystoneDB runs them through its one door, `Database::execute`; Dynoxide
//! through its embedded API, with the typed request decoded from the same
//! JSON and the response encoded back to JSON (the work its HTTP layer would
//! do); the raw stores hold each item as its DynamoDB JSON text under the key
//! `pk 0x00 sk`, encoding it on put and parsing it back on get. Every store
//! gets the same requests, built before the clock starts (a chunk at a
//! time), so the figures time the stores and not the bench's own JSON
//! building, for every store alike.
//!
//! Items are grouped ten to a partition key, so a Query of one partition
//! returns ten items. Partition keys are hashes, so puts arrive in random key
//! order.

use crate::stores::{Mode, Res, Store};
use crate::workload::{mix, probe, Sizes};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

pub const TABLE: &str = "bench";
pub const ITEMS_PER_PARTITION: u64 = 10;

fn pk(i: u64) -> String {
    format!("user#{:016x}", mix(i / ITEMS_PER_PARTITION))
}

fn sk(i: u64) -> String {
    format!("order#{:06}", i % ITEMS_PER_PARTITION)
}

/// Item `i`: 10 attributes of the usual kinds, about 300 bytes as DynamoDB
/// counts them (attribute names plus values).
pub fn item(i: u64) -> Value {
    let h = mix(i);
    json!({
        "pk": {"S": pk(i)},
        "sk": {"S": sk(i)},
        "name": {"S": format!("Customer {:08}", h % 100_000_000)},
        "email": {"S": format!("customer.{:08}@example.com", h % 100_000_000)},
        "age": {"N": format!("{}", 18 + h % 70)},
        "balance": {"N": format!("{}.{:02}", h % 100_000, h % 100)},
        "active": {"BOOL": h % 2 == 0},
        "tags": {"SS": ["new", "priority", format!("region-{}", h % 8)]},
        "address": {"M": {
            "street": {"S": format!("{} Main Street", h % 9999)},
            "city": {"S": "Springfield"},
            "zip": {"S": format!("{:05}", h % 100_000)}
        }},
        "notes": {"S": "Prefers email contact; ships to the office address on weekdays, home otherwise."}
    })
}

pub fn create_table_request() -> Value {
    json!({
        "TableName": TABLE,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"}
        ],
        "BillingMode": "PAY_PER_REQUEST"
    })
}

pub fn put_request(i: u64) -> Value {
    json!({"TableName": TABLE, "Item": item(i)})
}

pub fn get_request(i: u64) -> Value {
    json!({"TableName": TABLE, "Key": {"pk": {"S": pk(i)}, "sk": {"S": sk(i)}}})
}

pub fn query_request(partition: u64) -> Value {
    json!({
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": pk(partition * ITEMS_PER_PARTITION)}}
    })
}

/// A store that answers DynamoDB requests in DynamoDB JSON.
pub trait ItemStore {
    fn execute(&mut self, operation: &str, request: &Value) -> Res<Value>;
}

/// Requests built ahead of the clock at a time: enough to make the timer's
/// own cost negligible, few enough that a large run never holds them all.
const CHUNK: u64 = 1000;

/// The seconds `run` takes over requests `build(0..n)`, which are built in
/// chunks outside the timed stretches.
fn timed(n: u64, build: impl Fn(u64) -> Value, mut run: impl FnMut(&Value) -> Res<()>) -> Res<f64> {
    let mut elapsed = 0.0;
    let mut chunk = Vec::with_capacity(CHUNK as usize);
    for start in (0..n).step_by(CHUNK as usize) {
        chunk.clear();
        chunk.extend((start..n.min(start + CHUNK)).map(&build));
        let started = Instant::now();
        for request in &chunk {
            run(request)?;
        }
        elapsed += started.elapsed().as_secs_f64();
    }
    Ok(elapsed)
}

/// Run PutItem, GetItem and Query against `store`, checking every answer.
pub fn run_items(store: &mut dyn ItemStore, sizes: &Sizes) -> Res<()> {
    let n = (sizes.items / ITEMS_PER_PARTITION).max(1) * ITEMS_PER_PARTITION;
    store.execute("CreateTable", &create_table_request())?;

    let seconds = timed(n, put_request, |request| store.execute("PutItem", request).map(drop))?;
    crate::cases::result("put_item", n as f64 / seconds);

    let seconds = timed(n, |r| get_request(probe(r, n)), |request| {
        let response = store.execute("GetItem", request)?;
        if response["Item"]["sk"] != request["Key"]["sk"] {
            return Err(format!("GetItem {request}: unexpected response {response}"));
        }
        Ok(())
    })?;
    crate::cases::result("get_item", n as f64 / seconds);

    let partitions = n / ITEMS_PER_PARTITION;
    let seconds = timed(partitions, |r| query_request(probe(r, partitions)), |request| {
        let response = store.execute("Query", request)?;
        if response["Count"].as_u64() != Some(ITEMS_PER_PARTITION) {
            return Err(format!("Query: expected {ITEMS_PER_PARTITION} items, got {}", response["Count"]));
        }
        Ok(())
    })?;
    crate::cases::result("query_item", partitions as f64 / seconds);
    Ok(())
}

/// A raw key-value store holding items as DynamoDB JSON text: the least an
/// item API must do on top of a store, with no validation and no expressions.
pub struct RawItems<S: Store> {
    pub store: S,
}

fn key_bytes(item_or_key: &Value) -> Res<Vec<u8>> {
    let pk = item_or_key["pk"]["S"].as_str().ok_or("item without pk")?;
    let sk = item_or_key["sk"]["S"].as_str().ok_or("item without sk")?;
    let mut key = Vec::with_capacity(pk.len() + sk.len() + 1);
    key.extend_from_slice(pk.as_bytes());
    key.push(0);
    key.extend_from_slice(sk.as_bytes());
    Ok(key)
}

impl<S: Store> ItemStore for RawItems<S> {
    fn execute(&mut self, operation: &str, request: &Value) -> Res<Value> {
        match operation {
            "CreateTable" => Ok(json!({})),
            "PutItem" => {
                let item = &request["Item"];
                let value = serde_json::to_vec(item).map_err(|e| e.to_string())?;
                self.store.write(vec![(key_bytes(item)?, value)])?;
                Ok(json!({}))
            }
            "GetItem" => {
                let mut found = None;
                self.store.get_with(&key_bytes(&request["Key"])?, &mut |v| {
                    found = Some(serde_json::from_slice::<Value>(v).map_err(|e| e.to_string())?);
                    Ok(())
                })?;
                Ok(match found {
                    Some(item) => json!({"Item": item}),
                    None => json!({}),
                })
            }
            "Query" => {
                let p = request["ExpressionAttributeValues"][":p"]["S"].as_str().ok_or("query without :p")?;
                let mut prefix = p.as_bytes().to_vec();
                prefix.push(0);
                let mut items = Vec::new();
                let count = self.store.scan_prefix(&prefix, &mut |v| {
                    items.push(serde_json::from_slice::<Value>(v).map_err(|e| e.to_string())?);
                    Ok(())
                })?;
                Ok(json!({"Items": items, "Count": count, "ScannedCount": count}))
            }
            other => Err(format!("raw item store: no operation {other}")),
        }
    }
}

/// KeystoneDB's item API: `Database::execute`, the door every binding uses.
pub struct KstoneItems {
    pub db: kstone_engine::Database,
}

impl KstoneItems {
    pub fn open(dir: &Path) -> Res<KstoneItems> {
        let mut config = kstone_engine::DatabaseConfig::default();
        config.block_cache_bytes = crate::stores::CACHE_BYTES;
        let db = kstone_engine::Database::create_with_config(dir.join("items.kstone"), config)
            .map_err(|e| format!("{}: {e}", e.name()))?;
        Ok(KstoneItems { db })
    }
}

impl ItemStore for KstoneItems {
    fn execute(&mut self, operation: &str, request: &Value) -> Res<Value> {
        self.db.execute(operation, request).map_err(|e| format!("{operation}: {}: {e}", e.name()))
    }
}

pub fn kstone_settings() -> String {
    format!("{:?}", kstone_engine::DatabaseConfig::default().durability)
}

/// The item cases against raw store `S` in `dir`.
pub fn run_raw<S: Store>(dir: &Path, sizes: &Sizes) -> Res<()> {
    let mut items = RawItems { store: S::open(dir, Mode::Relaxed)? };
    run_items(&mut items, sizes)?;
    items.store.close()
}
