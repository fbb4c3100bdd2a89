//! The seed's convenience API on the `Database` handle: items addressed by
//! plain Rust keys, on the same typed requests and code path as the DynamoDB
//! operations (no second implementation): every call here builds the typed
//! request that the JSON door would have decoded and runs the same function.
//!
//! The default table is named `default`, with hash key `pk` of type S; it is
//! created on first use. Its keys are byte strings that must be UTF-8 (they
//! become the `pk` string). Any other table is reached through
//! [`Database::table`], whose methods take a [`Key`]: a byte string or value
//! for the hash key of a hash-only table, or an item holding every key
//! attribute.
//!
//! - single items: `put`, `get`, `delete`, `update`, `put_if_not_exists` (here);
//! - [`query`]: the [`Query`] and [`Scan`] builders and their page;
//! - [`batch`]: [`BatchGet`] and [`BatchWrite`];
//! - [`transact`]: [`TransactGet`] and [`TransactWrite`].
//!
//! ```
//! use kstone_engine::Database;
//! use kstone_engine::model::builder::ItemBuilder;
//! let db = Database::in_memory().unwrap();
//! db.put(b"user#123", ItemBuilder::new().string("name", "Alice").number("age", 30).build()).unwrap();
//! assert_eq!(db.get(b"user#123").unwrap().unwrap()["name"], kstone_engine::AttributeValue::S("Alice".into()));
//! assert!(db.put_if_not_exists(b"user#123", Default::default()).is_err());
//! ```

pub mod batch;
pub mod query;
pub mod transact;

pub use batch::{BatchGet, BatchGetResponse, BatchWrite};
pub use query::{Query, QueryResponse, Scan, ScanBuilder, ScanResponse};
pub use transact::{TransactGet, TransactWrite};

use super::item::{delete_item, get_item, put_item_owned, update_item};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::request::{
    CreateTableRequest, DeleteItemRequest, Expressions, GetItemRequest, PutItemRequest, ReturnValues, UpdateItemRequest,
    Values,
};
use crate::model::schema::{BillingMode, KeyAttribute, KeySchema, ScalarType, TableDef};
use crate::model::value::{AttributeValue, Item};
use std::sync::Arc;

/// The table the convenience API uses.
pub const DEFAULT_TABLE: &str = "default";
/// Its hash key attribute.
pub const DEFAULT_KEY: &str = "pk";

fn key_string(pk: &[u8]) -> Result<String> {
    String::from_utf8(pk.to_vec()).map_err(|_| Error::Validation("Convenience-API keys must be UTF-8".into()))
}

fn key_item(pk: &[u8]) -> Result<Item> {
    Ok([(DEFAULT_KEY.to_string(), AttributeValue::S(key_string(pk)?))].into())
}

/// The key of one item for the builders and [`Table`] methods.
///
/// A byte string (UTF-8) or a value names the hash key of a table without a
/// sort key; an [`Item`] holds every key attribute by name. A key that does
/// not match the table's key schema fails as the DynamoDB operation does
/// (`The provided key element does not match the schema`).
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Bytes(Vec<u8>),
    Value(AttributeValue),
    Item(Item),
}

impl From<&[u8]> for Key {
    fn from(b: &[u8]) -> Self {
        Key::Bytes(b.to_vec())
    }
}
impl<const N: usize> From<&[u8; N]> for Key {
    fn from(b: &[u8; N]) -> Self {
        Key::Bytes(b.to_vec())
    }
}
impl From<Vec<u8>> for Key {
    fn from(b: Vec<u8>) -> Self {
        Key::Bytes(b)
    }
}
impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Value(AttributeValue::S(s.to_string()))
    }
}
impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Value(AttributeValue::S(s))
    }
}
impl From<AttributeValue> for Key {
    fn from(v: AttributeValue) -> Self {
        Key::Value(v)
    }
}
impl From<Item> for Key {
    fn from(item: Item) -> Self {
        Key::Item(item)
    }
}

impl Key {
    /// The `Key` parameter this names in a table keyed by `schema`.
    pub(crate) fn into_item(self, schema: &KeySchema) -> Result<Item> {
        Ok(match self {
            Key::Bytes(b) => [(schema.hash.name.clone(), AttributeValue::S(key_string(&b)?))].into(),
            Key::Value(v) => [(schema.hash.name.clone(), v)].into(),
            Key::Item(item) => item,
        })
    }

    /// The partition key value alone (for a Query).
    pub(crate) fn into_partition_value(self, hash_name: &str) -> Result<AttributeValue> {
        match self {
            Key::Bytes(b) => Ok(AttributeValue::S(key_string(&b)?)),
            Key::Value(v) => Ok(v),
            Key::Item(mut item) => item
                .remove(hash_name)
                .ok_or_else(|| Error::Validation(format!("Query condition missed key schema element: {hash_name}"))),
        }
    }
}

/// The table a builder runs against: the default table, or a named one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Target {
    #[default]
    Default,
    Named(String),
}

impl Target {
    pub(crate) fn name(&self) -> &str {
        match self {
            Target::Default => DEFAULT_TABLE,
            Target::Named(n) => n,
        }
    }

    /// The table's definition, creating the default table on first use.
    pub(crate) fn resolve(&self, db: &Database) -> Result<Arc<TableDef>> {
        if *self == Target::Default {
            db.ensure_default_table()?;
        }
        super::write::resolve_table(&db.catalog_read(), self.name())
    }
}

/// A named table of the database, for the convenience calls; see
/// [`Database::table`].
///
/// ```
/// use kstone_engine::{AttributeValue, Database, ItemBuilder};
/// use kstone_engine::api::convenience::Query;
/// let db = Database::in_memory().unwrap();
/// db.execute("CreateTable", &serde_json::json!({
///     "TableName": "orders",
///     "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
///                   {"AttributeName": "order", "KeyType": "RANGE"}],
///     "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"},
///                              {"AttributeName": "order", "AttributeType": "N"}],
///     "BillingMode": "PAY_PER_REQUEST"})).unwrap();
/// let orders = db.table("orders");
/// for n in 1..=3 {
///     orders.put(ItemBuilder::new().string("customer", "c1").number("order", n).build()).unwrap();
/// }
/// let key = ItemBuilder::new().string("customer", "c1").number("order", 2).build();
/// assert!(orders.get(key).unwrap().is_some());
/// let page = orders.query(Query::new().partition_key("c1").sort_key_ge(2).reverse()).unwrap();
/// assert_eq!(page.items[0]["order"], AttributeValue::N(3.into()));
/// assert_eq!(page.count, 2);
/// ```
#[derive(Clone, Copy)]
pub struct Table<'db> {
    db: &'db Database,
    name: &'db str,
}

impl<'db> Table<'db> {
    fn target(&self) -> Target {
        Target::Named(self.name.to_string())
    }

    fn key(&self, key: Key) -> Result<Item> {
        key.into_item(&self.target().resolve(self.db)?.key_schema)
    }

    /// PutItem of `item`, which holds its key attributes.
    pub fn put(&self, item: Item) -> Result<()> {
        let req = PutItemRequest {
            table_name: self.name.to_string(),
            item,
            condition_expression: None,
            expressions: Expressions::default(),
            return_values: ReturnValues::None,
            return_old_on_condition_failure: false,
        };
        put_item_owned(self.db, req).map(|_| ())
    }

    /// GetItem (strongly consistent).
    pub fn get(&self, key: impl Into<Key>) -> Result<Option<Item>> {
        let req = GetItemRequest {
            table_name: self.name.to_string(),
            key: self.key(key.into())?,
            projection_expression: None,
            expressions: Expressions::default(),
            consistent_read: true,
        };
        get_item_typed(self.db, &req)
    }

    /// DeleteItem (deleting a missing item is not an error).
    pub fn delete(&self, key: impl Into<Key>) -> Result<()> {
        let req = DeleteItemRequest {
            table_name: self.name.to_string(),
            key: self.key(key.into())?,
            condition_expression: None,
            expressions: Expressions::default(),
            return_values: ReturnValues::None,
            return_old_on_condition_failure: false,
        };
        delete_item(self.db, &req).map(|_| ())
    }

    /// UpdateItem with `:placeholders` bound from `values`; returns the new item.
    pub fn update(&self, key: impl Into<Key>, update: &str, condition: Option<&str>, values: Values) -> Result<Item> {
        update_typed(self.db, self.name, self.key(key.into())?, update, condition, values)
    }

    /// One page of a Query of this table.
    pub fn query(&self, query: Query) -> Result<QueryResponse> {
        query.run(self.db, &self.target())
    }

    /// One page of a Scan of this table.
    pub fn scan(&self, scan: Scan) -> Result<ScanResponse> {
        scan.run(self.db, &self.target())
    }

    /// A BatchGetItem of keys of this table.
    pub fn batch_get(&self) -> BatchGet<'db> {
        BatchGet::new(self.db, self.target())
    }

    /// A BatchWriteItem of puts and deletes in this table.
    pub fn batch_write(&self) -> BatchWrite<'db> {
        BatchWrite::new(self.db, self.target())
    }

    /// A TransactGetItems starting in this table.
    pub fn transact_get(&self) -> TransactGet<'db> {
        TransactGet::new(self.db, self.target())
    }

    /// A TransactWriteItems starting in this table.
    pub fn transact_write(&self) -> TransactWrite<'db> {
        TransactWrite::new(self.db, self.target())
    }
}

/// GetItem through the typed request, answering with the item itself.
fn get_item_typed(db: &Database, req: &GetItemRequest) -> Result<Option<Item>> {
    let out = get_item(db, req)?;
    match out.get("Item") {
        Some(v) => Ok(Some(crate::model::json::item_from_json(v)?)),
        None => Ok(None),
    }
}

fn update_typed(db: &Database, table: &str, key: Item, update: &str, condition: Option<&str>, values: Values) -> Result<Item> {
    let req = UpdateItemRequest {
        table_name: table.to_string(),
        key,
        update_expression: Some(update.to_string()),
        condition_expression: condition.map(str::to_string),
        expressions: Expressions { names: None, values: if values.is_empty() { None } else { Some(values) } },
        return_values: ReturnValues::AllNew,
        return_old_on_condition_failure: false,
    };
    let out = update_item(db, &req)?;
    match out.get("Attributes") {
        Some(v) => Ok(crate::model::json::item_from_json(v)?),
        None => Ok(Item::new()),
    }
}

impl Database {
    /// The table `name`, for convenience calls on it.
    pub fn table<'db>(&'db self, name: &'db str) -> Table<'db> {
        Table { db: self, name }
    }

    /// One page of a Query of the default table.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// use kstone_engine::api::convenience::Query;
    /// let db = Database::in_memory().unwrap();
    /// db.put(b"user#1", ItemBuilder::new().number("age", 30).build()).unwrap();
    /// let page = db.query(Query::new().partition_key(b"user#1").limit(10)).unwrap();
    /// assert_eq!(page.count, 1);
    /// ```
    pub fn query(&self, query: Query) -> Result<QueryResponse> {
        query.run(self, &Target::Default)
    }

    /// One page of a Scan of the default table.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// use kstone_engine::api::convenience::ScanBuilder;
    /// let db = Database::in_memory().unwrap();
    /// for (pk, age) in [(&b"a"[..], 20), (b"b", 30), (b"c", 40)] {
    ///     db.put(pk, ItemBuilder::new().number("age", age).build()).unwrap();
    /// }
    /// let scan = ScanBuilder::new().filter_expression("age > :min").expression_value(":min", 25).build();
    /// assert_eq!(db.scan(scan).unwrap().count, 2);
    /// ```
    pub fn scan(&self, scan: Scan) -> Result<ScanResponse> {
        scan.run(self, &Target::Default)
    }

    /// A BatchGetItem of keys of the default table.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// let db = Database::in_memory().unwrap();
    /// db.put(b"user#1", ItemBuilder::new().string("name", "Ann").build()).unwrap();
    /// let got = db.batch_get().add_key(b"user#1").add_key(b"user#2").execute().unwrap();
    /// assert_eq!(got.items.len(), 1);
    /// ```
    pub fn batch_get(&self) -> BatchGet<'_> {
        BatchGet::new(self, Target::Default)
    }

    /// A BatchWriteItem of puts and deletes in the default table.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// let db = Database::in_memory().unwrap();
    /// db.put(b"old", Default::default()).unwrap();
    /// db.batch_write().put(b"new", ItemBuilder::new().bool("fresh", true).build()).delete(b"old").execute().unwrap();
    /// assert!(db.get(b"old").unwrap().is_none() && db.get(b"new").unwrap().is_some());
    /// ```
    pub fn batch_write(&self) -> BatchWrite<'_> {
        BatchWrite::new(self, Target::Default)
    }

    /// A TransactGetItems: a consistent snapshot of several items.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// let db = Database::in_memory().unwrap();
    /// db.put(b"a", ItemBuilder::new().number("n", 1).build()).unwrap();
    /// let items = db.transact_get().add_get(b"a").add_get(b"b").execute().unwrap();
    /// assert!(items[0].is_some() && items[1].is_none());
    /// ```
    pub fn transact_get(&self) -> TransactGet<'_> {
        TransactGet::new(self, Target::Default)
    }

    /// A TransactWriteItems: every action commits, or none does.
    ///
    /// ```
    /// use kstone_engine::{Database, ItemBuilder};
    /// let db = Database::in_memory().unwrap();
    /// db.put(b"counter", ItemBuilder::new().number("n", 1).build()).unwrap();
    /// db.put(b"gone", Default::default()).unwrap();
    /// db.transact_write()
    ///     .put(b"new", ItemBuilder::new().string("s", "x").build())
    ///     .update(b"counter", "SET n = n + :one", None)
    ///     .value(":one", 1)
    ///     .delete(b"gone")
    ///     .execute()
    ///     .unwrap();
    /// assert_eq!(db.get(b"counter").unwrap().unwrap()["n"], kstone_engine::AttributeValue::N(2.into()));
    /// // A failed condition cancels the whole transaction.
    /// let err = db.transact_write().delete(b"new").condition_check(b"gone", "attribute_exists(pk)").execute();
    /// assert_eq!(err.unwrap_err().name(), "TransactionCanceledException");
    /// assert!(db.get(b"new").unwrap().is_some());
    /// ```
    pub fn transact_write(&self) -> TransactWrite<'_> {
        TransactWrite::new(self, Target::Default)
    }

    /// Create the default table unless it exists.
    pub(crate) fn ensure_default_table(&self) -> Result<()> {
        if self.catalog_read().get(DEFAULT_TABLE).is_some() {
            return Ok(());
        }
        let hash = KeyAttribute { name: DEFAULT_KEY.into(), key_type: ScalarType::S };
        let req = CreateTableRequest {
            table_name: DEFAULT_TABLE.into(),
            key_schema: KeySchema { hash: hash.clone(), range: None },
            attribute_definitions: vec![hash],
            local_indexes: vec![],
            global_indexes: vec![],
            billing_mode: BillingMode::PayPerRequest,
            throughput: None,
            deletion_protection: false,
            attribute_schema: None,
        };
        match super::table::create_table(self, req) {
            Ok(_) | Err(Error::ResourceInUse(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn put_request(&self, pk: &[u8], mut item: Item, condition: Option<&str>) -> Result<()> {
        self.ensure_default_table()?;
        item.extend(key_item(pk)?);
        let req = PutItemRequest {
            table_name: DEFAULT_TABLE.into(),
            item,
            condition_expression: condition.map(str::to_string),
            expressions: Expressions::default(),
            return_values: ReturnValues::None,
            return_old_on_condition_failure: false,
        };
        put_item_owned(self, req).map(|_| ())
    }

    /// Store `item` under partition key `pk` in the default table.
    pub fn put(&self, pk: &[u8], item: Item) -> Result<()> {
        self.put_request(pk, item, None)
    }

    /// Like [`Database::put`], failing with ConditionalCheckFailed if the key exists.
    pub fn put_if_not_exists(&self, pk: &[u8], item: Item) -> Result<()> {
        self.put_request(pk, item, Some("attribute_not_exists(pk)"))
    }

    /// The item under `pk`, if any.
    pub fn get(&self, pk: &[u8]) -> Result<Option<Item>> {
        self.ensure_default_table()?;
        let req = GetItemRequest {
            table_name: DEFAULT_TABLE.into(),
            key: key_item(pk)?,
            projection_expression: None,
            expressions: Expressions::default(),
            consistent_read: true,
        };
        get_item_typed(self, &req)
    }

    /// Delete the item under `pk` (deleting a missing item is not an error).
    pub fn delete(&self, pk: &[u8]) -> Result<()> {
        self.ensure_default_table()?;
        let req = DeleteItemRequest {
            table_name: DEFAULT_TABLE.into(),
            key: key_item(pk)?,
            condition_expression: None,
            expressions: Expressions::default(),
            return_values: ReturnValues::None,
            return_old_on_condition_failure: false,
        };
        delete_item(self, &req).map(|_| ())
    }

    /// Apply an UpdateExpression (with optional ConditionExpression) to the
    /// item under `pk`, with `:placeholders` bound from `values`; returns the
    /// new item.
    pub fn update(&self, pk: &[u8], update: &str, condition: Option<&str>, values: Values) -> Result<Item> {
        self.ensure_default_table()?;
        update_typed(self, DEFAULT_TABLE, key_item(pk)?, update, condition, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convenience_calls_share_the_item_api() {
        let db = Database::in_memory().unwrap();
        assert_eq!(db.get(b"k").unwrap(), None);
        let item: Item = [("n".to_string(), AttributeValue::N(crate::model::number::Number::from_i64(1)))].into();
        db.put(b"k", item.clone()).unwrap();
        let values: Values = [(":one".to_string(), AttributeValue::N(crate::model::number::Number::from_i64(1)))].into();
        let new = db.update(b"k", "SET n = n + :one", Some("n = :one"), values.clone()).unwrap();
        assert_eq!(new["n"], AttributeValue::N(crate::model::number::Number::from_i64(2)));
        let e = db.update(b"k", "SET n = n + :one", Some("n = :one"), values).unwrap_err();
        assert_eq!(e.name(), "ConditionalCheckFailedException");
        assert_eq!(db.put_if_not_exists(b"k", item).unwrap_err().name(), "ConditionalCheckFailedException");
        db.delete(b"k").unwrap();
        assert_eq!(db.get(b"k").unwrap(), None);
        // The same data is visible through the DynamoDB door.
        let d = db.execute("DescribeTable", &serde_json::json!({"TableName": "default"})).unwrap();
        assert_eq!(d["Table"]["KeySchema"][0]["AttributeName"], "pk");
    }
}
