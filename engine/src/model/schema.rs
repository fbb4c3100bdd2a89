//! Table definitions and the catalog that keeps them.
//!
//! A [`TableDef`] is everything `CreateTable`/`UpdateTable` said about a
//! table: its key schema (hash key, optional range key, each of type S, N or
//! B), the attribute definitions, local and global secondary index definitions
//! (validated and stored now, maintained by the index layer), billing
//! settings and the optional attribute schema (a KeystoneDB extension, see
//! [`crate::model::validation`]).
//!
//! The [`Catalog`] is the in-memory map from table name to definition. It is
//! persisted in the same [`crate::lsm::Tree`] as the data, under the reserved
//! table id 0, so a table's definition and its first items can commit in one
//! atomic write batch and the catalog needs no file of its own:
//!
//! ```text
//! catalog entry:  [0u32 BE][0x01][table name, UTF-8]   -> TableDef as JSON
//! id counter:     [0u32 BE][0x02]                      -> next table id, u32 BE
//! ```
//!
//! Definitions are stored as JSON (serde) rather than a binary codec: they are
//! read once at open, written only by table operations, and JSON lets a later
//! version add fields with defaults without a format break. Table ids are never
//! reused, so keys of a deleted table can never be mistaken for a new table's.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::model::key::ScalarType;

// The catalog stores key types as their descriptors ("S", "N", "B").
impl Serialize for ScalarType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ScalarType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ScalarType::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not a key type: {text}")))
    }
}

/// One key attribute: its name and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttribute {
    pub name: String,
    pub key_type: ScalarType,
}

/// A table's or an index's primary key: a hash key and an optional range key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

impl KeySchema {
    /// The key attributes, hash first.
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.hash).chain(self.range.iter())
    }
    pub fn is_key_attribute(&self, name: &str) -> bool {
        self.attributes().any(|a| a.name == name)
    }
}

/// Which attributes an index copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectionType {
    All,
    KeysOnly,
    Include,
}

impl ProjectionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectionType::All => "ALL",
            ProjectionType::KeysOnly => "KEYS_ONLY",
            ProjectionType::Include => "INCLUDE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexProjection {
    pub projection_type: ProjectionType,
    pub non_key_attributes: Vec<String>,
}

/// Provisioned read and write capacity (accepted and reported, never enforced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throughput {
    pub read: u64,
    pub write: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

/// A local or global secondary index definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDef {
    pub name: String,
    /// The index id in the keyspace (1..=255; 0 is the base table).
    pub id: u8,
    pub key_schema: KeySchema,
    pub projection: IndexProjection,
    /// Global indexes only, in PROVISIONED mode.
    pub throughput: Option<Throughput>,
    /// Whether every base item already has its entry in this index. False
    /// while UpdateTable backfills a new global index (a crash mid-way makes
    /// the next open finish the job), and for definitions written before the
    /// index layer maintained entries, which are backfilled at open.
    #[serde(default)]
    pub populated: bool,
}

/// Everything known about one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    /// Prefix of every key of this table in the tree (never 0, never reused).
    pub id: u32,
    /// DynamoDB's `TableId`: a UUID-shaped identifier.
    pub uuid: String,
    pub key_schema: KeySchema,
    /// `AttributeDefinitions` in the order they were given.
    pub attribute_definitions: Vec<KeyAttribute>,
    pub local_indexes: Vec<IndexDef>,
    pub global_indexes: Vec<IndexDef>,
    pub billing_mode: BillingMode,
    pub throughput: Option<Throughput>,
    /// Creation time, seconds since the Unix epoch (fractional).
    pub created_at: f64,
    #[serde(default)]
    pub deletion_protection: bool,
    /// The KeystoneDB attribute schema extension ([`crate::model::validation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_schema: Option<crate::model::validation::AttributeSchema>,
    /// Ids of deleted global indexes whose entries are still being removed
    /// (finished at the next open after a crash).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropping_indexes: Vec<u8>,
    /// The next free index id; ids are never reused within a table, so a
    /// leftover entry of a deleted index can never pass for a new index's.
    /// 0 in definitions written before this field existed.
    #[serde(default)]
    pub next_index_id: u8,
}

impl TableDef {
    /// DynamoDB's ARN shape, with a fixed local region and account.
    pub fn arn(&self) -> String {
        format!("arn:aws:dynamodb:local:000000000000:table/{}", self.name)
    }

    /// The largest index id in use (0 when the table has no index).
    pub fn max_index_id(&self) -> u8 {
        self.local_indexes.iter().chain(self.global_indexes.iter()).map(|i| i.id).max().unwrap_or(0)
    }

    /// The id a new index takes, or `None` when the id space is used up.
    pub fn free_index_id(&self, max: u8) -> Option<u8> {
        let used = self.dropping_indexes.iter().copied().max().unwrap_or(0).max(self.max_index_id());
        let next = self.next_index_id.max(used.checked_add(1)?);
        (next <= max).then_some(next)
    }

    /// Every secondary index, local ones first, with whether it is global.
    pub fn indexes(&self) -> impl Iterator<Item = (&IndexDef, bool)> {
        self.local_indexes.iter().map(|i| (i, false)).chain(self.global_indexes.iter().map(|i| (i, true)))
    }

    pub fn index(&self, name: &str) -> Option<(&IndexDef, bool)> {
        self.local_indexes
            .iter()
            .map(|i| (i, false))
            .chain(self.global_indexes.iter().map(|i| (i, true)))
            .find(|(i, _)| i.name == name)
    }
}

/// The reserved table id under which the catalog lives.
pub const SYSTEM_TABLE_ID: u32 = 0;
const CATALOG_ENTRY: u8 = 0x01;
const NEXT_ID_ENTRY: u8 = 0x02;

/// The catalog key of table `name`: `[0u32 BE][0x01][name]`.
pub fn catalog_key(name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(5 + name.len());
    key.extend_from_slice(&SYSTEM_TABLE_ID.to_be_bytes());
    key.push(CATALOG_ENTRY);
    key.extend_from_slice(name.as_bytes());
    key
}

/// The key of the table-id counter: `[0u32 BE][0x02]`.
pub fn next_id_key() -> Vec<u8> {
    let mut key = SYSTEM_TABLE_ID.to_be_bytes().to_vec();
    key.push(NEXT_ID_ENTRY);
    key
}

/// The catalog key range `[start, end)` holding every table definition.
pub fn catalog_range() -> (Vec<u8>, Vec<u8>) {
    let mut start = SYSTEM_TABLE_ID.to_be_bytes().to_vec();
    start.push(CATALOG_ENTRY);
    let mut end = SYSTEM_TABLE_ID.to_be_bytes().to_vec();
    end.push(CATALOG_ENTRY + 1);
    (start, end)
}

/// Table name → definition, plus the next free table id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<TableDef>>,
    next_table_id: u32,
}

impl Catalog {
    /// A catalog from stored definitions and the stored id counter.
    pub fn from_parts(defs: Vec<TableDef>, stored_next_id: Option<u32>) -> Catalog {
        let max_id = defs.iter().map(|d| d.id).max().unwrap_or(0);
        let next_table_id = stored_next_id.unwrap_or(1).max(max_id + 1).max(1);
        let tables = defs.into_iter().map(|d| (d.name.clone(), Arc::new(d))).collect();
        Catalog { tables, next_table_id }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<TableDef>> {
        self.tables.get(name)
    }

    /// Table names in ascending order (ListTables order).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Reserve a table id (the caller persists [`Catalog::next_table_id`]).
    pub fn allocate_id(&mut self) -> u32 {
        let id = self.next_table_id;
        self.next_table_id += 1;
        id
    }

    pub fn next_table_id(&self) -> u32 {
        self.next_table_id
    }

    pub fn insert(&mut self, def: TableDef) {
        self.tables.insert(def.name.clone(), Arc::new(def));
    }

    pub fn remove(&mut self, name: &str) -> Option<Arc<TableDef>> {
        self.tables.remove(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, id: u32) -> TableDef {
        TableDef {
            name: name.into(),
            id,
            uuid: "u".into(),
            key_schema: KeySchema {
                hash: KeyAttribute { name: "pk".into(), key_type: ScalarType::S },
                range: None,
            },
            attribute_definitions: vec![KeyAttribute { name: "pk".into(), key_type: ScalarType::S }],
            local_indexes: vec![],
            global_indexes: vec![],
            billing_mode: BillingMode::PayPerRequest,
            throughput: None,
            created_at: 1.5,
            deletion_protection: false,
            attribute_schema: None,
            dropping_indexes: vec![],
            next_index_id: 0,
        }
    }

    #[test]
    fn table_definitions_round_trip_through_json() {
        let d = def("users", 7);
        let text = serde_json::to_vec(&d).unwrap();
        let back: TableDef = serde_json::from_slice(&text).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn ids_are_never_reused() {
        let mut c = Catalog::from_parts(vec![def("a", 3)], Some(9));
        assert_eq!(c.allocate_id(), 9);
        let c2 = Catalog::from_parts(vec![def("a", 3)], None);
        assert_eq!(c2.next_table_id(), 4);
        c.remove("a");
        assert_eq!(c.allocate_id(), 10);
    }

    #[test]
    fn catalog_keys_sort_inside_their_range_and_before_every_table() {
        let (start, end) = catalog_range();
        let k = catalog_key("zzz");
        assert!(k >= start && k < end);
        assert!(end < 1u32.to_be_bytes().to_vec());
        assert!(next_id_key() >= end);
    }
}
