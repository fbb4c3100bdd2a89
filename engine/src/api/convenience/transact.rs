//! The [`TransactGet`] and [`TransactWrite`] builders: a consistent snapshot
//! of several items, and several writes that commit together or not at all.
//!
//! Each becomes the typed TransactGetItems/TransactWriteItems request the
//! JSON door decodes and runs through [`crate::api::transact`]: one WAL
//! commit, conditions checked before anything is written, a failed one
//! cancelling the whole transaction with `TransactionCanceledException`.
//! Actions start in the builder's table; [`TransactWrite::table`] and
//! [`TransactGet::table`] switch the table for the actions that follow.
//!
//! ```
//! use kstone_engine::{Database, ItemBuilder};
//! let db = Database::in_memory().unwrap();
//! db.put(b"from", ItemBuilder::new().number("balance", 10).build()).unwrap();
//! db.put(b"to", ItemBuilder::new().number("balance", 0).build()).unwrap();
//! let transfer = |amount: i64| {
//!     db.transact_write()
//!         .update(b"from", "SET balance = balance - :a", Some("balance >= :a"))
//!         .value(":a", amount)
//!         .update(b"to", "SET balance = balance + :a", None)
//!         .value(":a", amount)
//!         .execute()
//! };
//! transfer(7).unwrap();
//! assert!(transfer(7).is_err()); // only 3 left: nothing changes
//! let both = db.transact_get().add_get(b"from").add_get(b"to").execute().unwrap();
//! assert_eq!(both[1].as_ref().unwrap()["balance"], kstone_engine::AttributeValue::N(7.into()));
//! ```

use super::{Key, Target};
use crate::api::transact::MAX_TRANSACT_ITEMS;
use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::json::item_from_json;
use crate::model::request::{
    ConditionCheckRequest, DeleteItemRequest, Expressions, GetItemRequest, PutItemRequest, ReturnValues,
    TransactGetItemsRequest, TransactWriteItem, TransactWriteItemsRequest, UpdateItemRequest, Values,
};
use crate::model::value::{AttributeValue, Item};
use serde_json::Value;
use std::collections::BTreeMap;

fn too_many(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Validation(
            "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
        ));
    }
    if n > MAX_TRANSACT_ITEMS {
        return Err(Error::Validation(
            "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100".into(),
        ));
    }
    Ok(())
}

/// The tables' definitions, each resolved once.
struct Tables<'a> {
    db: &'a Database,
    defs: BTreeMap<Target, std::sync::Arc<crate::model::schema::TableDef>>,
}

impl Tables<'_> {
    fn key(&mut self, target: &Target, key: Key) -> Result<Item> {
        if !self.defs.contains_key(target) {
            let def = target.resolve(self.db)?;
            self.defs.insert(target.clone(), def);
        }
        key.into_item(&self.defs[target].key_schema)
    }
}

/// A TransactGetItems; see [`crate::Database::transact_get`].
#[must_use = "a transaction does nothing until execute()"]
pub struct TransactGet<'db> {
    db: &'db Database,
    target: Target,
    gets: Vec<(Target, Key)>,
}

impl<'db> TransactGet<'db> {
    pub(crate) fn new(db: &'db Database, target: Target) -> Self {
        TransactGet { db, target, gets: Vec::new() }
    }

    /// Later gets read table `name`.
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.target = Target::Named(name.into());
        self
    }

    /// Read the item under `key`.
    pub fn add_get(mut self, key: impl Into<Key>) -> Self {
        self.gets.push((self.target.clone(), key.into()));
        self
    }

    /// The items, in the order of the gets (`None`: no such item).
    pub fn execute(self) -> Result<Vec<Option<Item>>> {
        too_many(self.gets.len())?;
        let mut tables = Tables { db: self.db, defs: BTreeMap::new() };
        let mut items = Vec::with_capacity(self.gets.len());
        for (target, key) in self.gets {
            items.push(GetItemRequest {
                table_name: target.name().to_string(),
                key: tables.key(&target, key)?,
                projection_expression: None,
                expressions: Expressions::default(),
                consistent_read: true,
            });
        }
        let out = crate::api::transact::transact_get(self.db, &TransactGetItemsRequest { items })?;
        let responses = out.get("Responses").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
        responses.iter().map(|r| r.get("Item").map(item_from_json).transpose()).collect()
    }
}

enum Action {
    Put { key: Option<Key>, item: Item, condition: Option<String> },
    Update { key: Key, update: String, condition: Option<String> },
    Delete { key: Key, condition: Option<String> },
    Check { key: Key, condition: String },
}

/// A TransactWriteItems; see [`crate::Database::transact_write`].
#[must_use = "a transaction does nothing until execute()"]
pub struct TransactWrite<'db> {
    db: &'db Database,
    target: Target,
    actions: Vec<(Target, Action, Values)>,
    token: Option<String>,
}

impl<'db> TransactWrite<'db> {
    pub(crate) fn new(db: &'db Database, target: Target) -> Self {
        TransactWrite { db, target, actions: Vec::new(), token: None }
    }

    fn push(mut self, action: Action) -> Self {
        self.actions.push((self.target.clone(), action, Values::new()));
        self
    }

    /// Later actions write table `name`.
    pub fn table(mut self, name: impl Into<String>) -> Self {
        self.target = Target::Named(name.into());
        self
    }

    /// Put `item` under `key` (the key attributes are added to the item).
    pub fn put(self, key: impl Into<Key>, item: Item) -> Self {
        self.push(Action::Put { key: Some(key.into()), item, condition: None })
    }

    /// Put `item`, which holds its own key attributes.
    pub fn put_item(self, item: Item) -> Self {
        self.push(Action::Put { key: None, item, condition: None })
    }

    /// Put `item` under `key` only if `condition` holds for the stored item.
    pub fn put_if(self, key: impl Into<Key>, item: Item, condition: &str) -> Self {
        self.push(Action::Put { key: Some(key.into()), item, condition: Some(condition.to_string()) })
    }

    /// Apply an UpdateExpression to the item under `key`.
    pub fn update(self, key: impl Into<Key>, update: &str, condition: Option<&str>) -> Self {
        self.push(Action::Update { key: key.into(), update: update.to_string(), condition: condition.map(str::to_string) })
    }

    /// Delete the item under `key`.
    pub fn delete(self, key: impl Into<Key>) -> Self {
        self.push(Action::Delete { key: key.into(), condition: None })
    }

    /// Delete the item under `key` only if `condition` holds.
    pub fn delete_if(self, key: impl Into<Key>, condition: &str) -> Self {
        self.push(Action::Delete { key: key.into(), condition: Some(condition.to_string()) })
    }

    /// Write nothing, but cancel the transaction unless `condition` holds
    /// for the item under `key`.
    pub fn condition_check(self, key: impl Into<Key>, condition: &str) -> Self {
        self.push(Action::Check { key: key.into(), condition: condition.to_string() })
    }

    /// Bind `:placeholder` in the expressions of the action just added.
    pub fn value(mut self, placeholder: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        if let Some((_, _, values)) = self.actions.last_mut() {
            values.insert(placeholder.into(), value.into());
        }
        self
    }

    /// A `ClientRequestToken`: a retry with the same token and actions within
    /// ten minutes succeeds without writing again.
    pub fn client_request_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn execute(self) -> Result<()> {
        too_many(self.actions.len())?;
        let mut tables = Tables { db: self.db, defs: BTreeMap::new() };
        let mut items = Vec::with_capacity(self.actions.len());
        for (target, action, values) in self.actions {
            let table_name = target.name().to_string();
            let expressions = Expressions { names: None, values: (!values.is_empty()).then_some(values) };
            items.push(match action {
                Action::Put { key, mut item, condition } => {
                    if let Some(k) = key {
                        let key = tables.key(&target, k)?;
                        item.extend(key);
                    }
                    TransactWriteItem::Put(PutItemRequest {
                        table_name,
                        item,
                        condition_expression: condition,
                        expressions,
                        return_values: ReturnValues::None,
                        return_old_on_condition_failure: false,
                    })
                }
                Action::Update { key, update, condition } => TransactWriteItem::Update(UpdateItemRequest {
                    table_name,
                    key: tables.key(&target, key)?,
                    update_expression: Some(update),
                    condition_expression: condition,
                    expressions,
                    return_values: ReturnValues::None,
                    return_old_on_condition_failure: false,
                }),
                Action::Delete { key, condition } => TransactWriteItem::Delete(DeleteItemRequest {
                    table_name,
                    key: tables.key(&target, key)?,
                    condition_expression: condition,
                    expressions,
                    return_values: ReturnValues::None,
                    return_old_on_condition_failure: false,
                }),
                Action::Check { key, condition } => TransactWriteItem::ConditionCheck(ConditionCheckRequest {
                    table_name,
                    key: tables.key(&target, key)?,
                    condition_expression: condition,
                    expressions,
                    return_old_on_condition_failure: false,
                }),
            });
        }
        let req = TransactWriteItemsRequest { items, client_request_token: self.token };
        // Idempotency compares requests as DynamoDB JSON; a typed request
        // with a token is compared by its debug rendering instead.
        let raw = req.client_request_token.as_ref().map(|_| Value::String(format!("{:?}", req.items)));
        crate::api::transact::transact_write(self.db, &req, raw.as_ref()).map(|_| ())
    }
}
