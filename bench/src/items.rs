//! The item-level cases: PutItem, GetItem and Query of realistic DynamoDB
//! items (10 attributes, about 300 bytes), in DynamoDB's JSON.
//!
//! Requests and responses are JSON text, as they cross every real door (an
//! HTTP body, a CLI argument, a string from JavaScript). KeystoneDB runs
//! them through its text door, `Database::execute_json`, the one its HTTP
//! server, CLI and JavaScript package call; Dynoxide through its embedded
//! API, with the typed request decoded from the text and the response
//! encoded back to text (the work its HTTP layer would do); the raw stores
//! hold each item as its DynamoDB JSON text under the key `pk 0x00 sk`,
//! reading only the key from a request and answering with the stored text
//! as it is. Every store gets the same requests, built before the clock
//! starts (a chunk at a time), so the figures time the stores and not the
//! bench's own JSON building, for every store alike.
//!
//! Items are grouped ten to a partition key, so a Query of one partition
//! returns ten items. Partition keys are hashes, so puts arrive in random key
//! order.

use crate::stores::{Mode, Res, Store};
use crate::workload::{mix, probe, Sizes};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::borrow::Cow;
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

/// A store that answers DynamoDB requests in DynamoDB JSON text.
pub trait ItemStore {
    fn execute(&mut self, operation: &str, request: &str) -> Res<String>;
}

/// Requests built ahead of the clock at a time: enough to make the timer's
/// own cost negligible, few enough that a large run never holds them all.
const CHUNK: u64 = 1000;

/// The seconds `run` takes over requests `build(0..n)` (each a request text
/// and what its answer must contain), which are built in chunks outside the
/// timed stretches.
fn timed(
    n: u64,
    build: impl Fn(u64) -> (String, String),
    mut run: impl FnMut(&str, &str) -> Res<()>,
) -> Res<f64> {
    let mut elapsed = 0.0;
    let mut chunk = Vec::with_capacity(CHUNK as usize);
    for start in (0..n).step_by(CHUNK as usize) {
        chunk.clear();
        chunk.extend((start..n.min(start + CHUNK)).map(&build));
        let started = Instant::now();
        for (request, expected) in &chunk {
            run(request, expected)?;
        }
        elapsed += started.elapsed().as_secs_f64();
    }
    Ok(elapsed)
}

/// `operation`'s answer to `request`, which must contain `expected`.
fn checked(store: &mut dyn ItemStore, operation: &str, request: &str, expected: &str) -> Res<()> {
    let response = store.execute(operation, request)?;
    if !response.contains(expected) {
        return Err(format!("{operation} {request}: expected {expected} in the response {response}"));
    }
    Ok(())
}

/// Run PutItem, GetItem and Query against `store`, checking every answer.
pub fn run_items(store: &mut dyn ItemStore, sizes: &Sizes) -> Res<()> {
    let n = (sizes.items / ITEMS_PER_PARTITION).max(1) * ITEMS_PER_PARTITION;
    store.execute("CreateTable", &create_table_request().to_string())?;

    let build = |i| (put_request(i).to_string(), "{".to_string());
    let seconds = timed(n, build, |request, expected| checked(store, "PutItem", request, expected))?;
    crate::cases::result("put_item", n as f64 / seconds);

    let build = |r| {
        let i = probe(r, n);
        (get_request(i).to_string(), format!("\"sk\":{}", json!({"S": sk(i)})))
    };
    let seconds = timed(n, build, |request, expected| checked(store, "GetItem", request, expected))?;
    crate::cases::result("get_item", n as f64 / seconds);

    let partitions = n / ITEMS_PER_PARTITION;
    let build = |r| (query_request(probe(r, partitions)).to_string(), format!("\"Count\":{ITEMS_PER_PARTITION}"));
    let seconds = timed(partitions, build, |request, expected| checked(store, "Query", request, expected))?;
    crate::cases::result("query_item", partitions as f64 / seconds);
    Ok(())
}

/// A raw key-value store holding items as DynamoDB JSON text: the least an
/// item API must do on top of a store, with no validation and no
/// expressions. A request is read only as far as its key; an item is stored
/// as the text it came in, and answered with as it is.
pub struct RawItems<S: Store> {
    pub store: S,
}

#[derive(Deserialize)]
struct StringValue<'a> {
    #[serde(borrow, rename = "S")]
    s: Cow<'a, str>,
}

#[derive(Deserialize)]
struct KeyAttributes<'a> {
    #[serde(borrow)]
    pk: StringValue<'a>,
    #[serde(borrow)]
    sk: StringValue<'a>,
}

#[derive(Deserialize)]
struct PutRequest<'a> {
    #[serde(borrow, rename = "Item")]
    item: &'a RawValue,
}

#[derive(Deserialize)]
struct GetRequest<'a> {
    #[serde(borrow, rename = "Key")]
    key: KeyAttributes<'a>,
}

#[derive(Deserialize)]
struct QueryValues<'a> {
    #[serde(borrow, rename = ":p")]
    p: StringValue<'a>,
}

#[derive(Deserialize)]
struct QueryRequest<'a> {
    #[serde(borrow, rename = "ExpressionAttributeValues")]
    values: QueryValues<'a>,
}

fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Res<T> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn key_bytes(key: &KeyAttributes) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.pk.s.len() + key.sk.s.len() + 1);
    out.extend_from_slice(key.pk.s.as_bytes());
    out.push(0);
    out.extend_from_slice(key.sk.s.as_bytes());
    out
}

fn utf8(bytes: &[u8]) -> Res<&str> {
    std::str::from_utf8(bytes).map_err(|e| e.to_string())
}

impl<S: Store> ItemStore for RawItems<S> {
    fn execute(&mut self, operation: &str, request: &str) -> Res<String> {
        match operation {
            "CreateTable" => Ok("{}".into()),
            "PutItem" => {
                let item = parse::<PutRequest>(request)?.item.get();
                let key = key_bytes(&parse::<KeyAttributes>(item)?);
                self.store.write(vec![(key, item.as_bytes().to_vec())])?;
                Ok("{}".into())
            }
            "GetItem" => {
                let key = key_bytes(&parse::<GetRequest>(request)?.key);
                let mut answer = "{}".to_string();
                self.store.get_with(&key, &mut |v| {
                    answer = format!("{{\"Item\":{}}}", utf8(v)?);
                    Ok(())
                })?;
                Ok(answer)
            }
            "Query" => {
                let query = parse::<QueryRequest>(request)?;
                let mut prefix = query.values.p.s.as_bytes().to_vec();
                prefix.push(0);
                let mut answer = String::from("{\"Items\":[");
                let count = self.store.scan_prefix(&prefix, &mut |v| {
                    if !answer.ends_with('[') {
                        answer.push(',');
                    }
                    answer.push_str(utf8(v)?);
                    Ok(())
                })?;
                answer.push_str(&format!("],\"Count\":{count},\"ScannedCount\":{count}}}"));
                Ok(answer)
            }
            other => Err(format!("raw item store: no operation {other}")),
        }
    }
}

/// KeystoneDB's item API through its text door, `Database::execute_json`.
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
    fn execute(&mut self, operation: &str, request: &str) -> Res<String> {
        self.db.execute_json(operation, request).map_err(|e| format!("{operation}: {}: {e}", e.name()))
    }
}

pub fn kstone_settings() -> String {
    format!("Database::execute_json, {:?}", kstone_engine::DatabaseConfig::default().durability)
}

/// The item cases against raw store `S` in `dir`.
pub fn run_raw<S: Store>(dir: &Path, sizes: &Sizes) -> Res<()> {
    let mut items = RawItems { store: S::open(dir, Mode::Relaxed)? };
    run_items(&mut items, sizes)?;
    items.store.close()
}
