//! Helpers shared by the item API tests: a replayable generator, opening a
//! database over an in-memory file, and the plain tables most tests start
//! from.
#![allow(dead_code)]

use kstone_engine::io::MemoryFile;
use kstone_engine::{Database, DatabaseConfig};
use serde_json::{json, Value};

/// A small deterministic generator (xorshift64*), so failures replay.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A database over `file` with the default configuration; a clone of the
/// same `MemoryFile` reopens the same bytes.
pub fn open(file: &MemoryFile) -> Database {
    Database::open_file(Box::new(file.clone()), DatabaseConfig::default()).unwrap()
}

/// Create an on-demand table keyed by `hash` (name, type) and, if given,
/// `range`.
pub fn create_table(db: &Database, name: &str, hash: (&str, &str), range: Option<(&str, &str)>) {
    let mut key_schema = vec![json!({"AttributeName": hash.0, "KeyType": "HASH"})];
    let mut definitions = vec![json!({"AttributeName": hash.0, "AttributeType": hash.1})];
    if let Some((attribute, kind)) = range {
        key_schema.push(json!({"AttributeName": attribute, "KeyType": "RANGE"}));
        definitions.push(json!({"AttributeName": attribute, "AttributeType": kind}));
    }
    let request: Value = json!({
        "TableName": name,
        "KeySchema": key_schema,
        "AttributeDefinitions": definitions,
        "BillingMode": "PAY_PER_REQUEST"
    });
    db.execute("CreateTable", &request).unwrap();
}
