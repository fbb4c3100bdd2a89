//! The [`BatchGet`] and [`BatchWrite`] builders: several keys read, or
//! several puts and deletes written, in one request to one table.
//!
//! Each becomes the typed BatchGetItem/BatchWriteItem request the JSON door
//! decodes and runs through [`crate::api::batch`], with DynamoDB's limits
//! (100 keys, 25 writes, no duplicate keys) and messages.
//!
//! ```
//! use kstone_engine::{Database, ItemBuilder};
//! let db = Database::in_memory().unwrap();
//! db.batch_write()
//!     .put(b"user#1", ItemBuilder::new().string("name", "Ann").build())
//!     .put(b"user#2", ItemBuilder::new().string("name", "Bob").build())
//!     .execute()
//!     .unwrap();
//! let got = db.batch_get().add_key(b"user#1").add_key(b"user#2").projection("#n").expression_name("#n", "name").execute().unwrap();
//! assert_eq!(got.items.len(), 2);
//! assert!(got.items.iter().all(|i| i.len() == 1));
//! ```

use super::{Key, Target};
use crate::api::batch::{MAX_BATCH_GET_KEYS, MAX_BATCH_WRITE_REQUESTS};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::json::item_from_json;
use crate::model::request::{BatchGetItemRequest, BatchWriteItemRequest, Expressions, KeysAndAttributes, Names, WriteRequest};
use crate::model::value::Item;
use serde_json::Value;

/// A BatchGetItem of keys of one table; see [`crate::Database::batch_get`].
#[must_use = "a batch does nothing until execute()"]
pub struct BatchGet<'db> {
    db: &'db Database,
    target: Target,
    keys: Vec<Key>,
    projection: Option<String>,
    names: Names,
    consistent: bool,
}

/// What a [`BatchGet`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchGetResponse {
    /// The items found, in no particular order (as in DynamoDB).
    pub items: Vec<Item>,
    /// Keys not read because the response reached 16 MB: ask again.
    pub unprocessed_keys: Vec<Item>,
}

impl<'db> BatchGet<'db> {
    pub(crate) fn new(db: &'db Database, target: Target) -> Self {
        BatchGet { db, target, keys: Vec::new(), projection: None, names: Names::new(), consistent: false }
    }

    /// Read the item with this key.
    pub fn add_key(mut self, key: impl Into<Key>) -> Self {
        self.keys.push(key.into());
        self
    }

    /// A ProjectionExpression for every item.
    pub fn projection(mut self, expression: impl Into<String>) -> Self {
        self.projection = Some(expression.into());
        self
    }

    /// Bind `#alias` to an attribute name in the projection.
    pub fn expression_name(mut self, alias: impl Into<String>, name: impl Into<String>) -> Self {
        self.names.insert(alias.into(), name.into());
        self
    }

    /// Ask for strongly consistent reads (every read here is).
    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent = consistent;
        self
    }

    pub fn execute(self) -> Result<BatchGetResponse> {
        if self.keys.is_empty() {
            return Err(Error::Validation(
                "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
            ));
        }
        if self.keys.len() > MAX_BATCH_GET_KEYS {
            return Err(Error::Validation("Too many items requested for the BatchGetItem call".into()));
        }
        let def = self.target.resolve(self.db)?;
        let keys = self.keys.into_iter().map(|k| k.into_item(&def.key_schema)).collect::<Result<Vec<_>>>()?;
        let name = self.target.name().to_string();
        let spec = KeysAndAttributes {
            keys,
            projection_expression: self.projection,
            expressions: Expressions { names: (!self.names.is_empty()).then_some(self.names), values: None },
            consistent_read: self.consistent,
        };
        let out = crate::api::batch::batch_get(self.db, &BatchGetItemRequest { tables: vec![(name.clone(), spec)] })?;
        let items_of = |v: Option<&Value>| -> Result<Vec<Item>> {
            match v.and_then(Value::as_array) {
                Some(list) => Ok(list.iter().map(item_from_json).collect::<Result<Vec<_>, _>>()?),
                None => Ok(Vec::new()),
            }
        };
        Ok(BatchGetResponse {
            items: items_of(out["Responses"].get(&name))?,
            unprocessed_keys: items_of(out["UnprocessedKeys"].get(&name).and_then(|t| t.get("Keys")))?,
        })
    }
}

/// A BatchWriteItem of puts and deletes in one table; see
/// [`crate::Database::batch_write`]. Unlike a transaction the writes carry
/// no conditions; like one, they commit in a single batch.
#[must_use = "a batch does nothing until execute()"]
pub struct BatchWrite<'db> {
    db: &'db Database,
    target: Target,
    ops: Vec<Write>,
}

enum Write {
    /// The item, with the key to add to it (`None`: it holds its key).
    Put(Option<Key>, Item),
    Delete(Key),
}

impl<'db> BatchWrite<'db> {
    pub(crate) fn new(db: &'db Database, target: Target) -> Self {
        BatchWrite { db, target, ops: Vec::new() }
    }

    /// Put `item` under `key` (the key attributes are added to the item).
    pub fn put(mut self, key: impl Into<Key>, item: Item) -> Self {
        self.ops.push(Write::Put(Some(key.into()), item));
        self
    }

    /// Put `item`, which holds its own key attributes.
    pub fn put_item(mut self, item: Item) -> Self {
        self.ops.push(Write::Put(None, item));
        self
    }

    /// Delete the item under `key`.
    pub fn delete(mut self, key: impl Into<Key>) -> Self {
        self.ops.push(Write::Delete(key.into()));
        self
    }

    pub fn execute(self) -> Result<()> {
        if self.ops.is_empty() {
            return Err(Error::Validation(
                "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
            ));
        }
        if self.ops.len() > MAX_BATCH_WRITE_REQUESTS {
            return Err(Error::Validation("Too many items requested for the BatchWriteItem call".into()));
        }
        let def = self.target.resolve(self.db)?;
        let mut requests = Vec::with_capacity(self.ops.len());
        for op in self.ops {
            requests.push(match op {
                Write::Put(key, mut item) => {
                    if let Some(k) = key {
                        item.extend(k.into_item(&def.key_schema)?);
                    }
                    WriteRequest::Put(item)
                }
                Write::Delete(k) => WriteRequest::Delete(k.into_item(&def.key_schema)?),
            });
        }
        let req = BatchWriteItemRequest { tables: vec![(self.target.name().to_string(), requests)] };
        crate::api::batch::batch_write(self.db, &req).map(|_| ())
    }
}
