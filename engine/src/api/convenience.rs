//! The seed's convenience API on the `Database` handle: items addressed by a
//! byte-string partition key in a default table, on the same typed requests
//! and write path as the DynamoDB operations (no second implementation).
//!
//! The default table is named `default`, with hash key `pk` of type S; it is
//! created on first use. Keys must be UTF-8 (they become the `pk` string).
//!
//! ```
//! use kstone_engine::Database;
//! use kstone_engine::model::builder::ItemBuilder;
//! let db = Database::in_memory().unwrap();
//! db.put(b"user#123", ItemBuilder::new().string("name", "Alice").number("age", 30).build()).unwrap();
//! assert_eq!(db.get(b"user#123").unwrap().unwrap()["name"], kstone_engine::AttributeValue::S("Alice".into()));
//! assert!(db.put_if_not_exists(b"user#123", Default::default()).is_err());
//! ```

use super::item::{delete_item, get_item, put_item, update_item};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::model::request::{
    CreateTableRequest, DeleteItemRequest, Expressions, GetItemRequest, PutItemRequest, ReturnValues, UpdateItemRequest,
    Values,
};
use crate::model::schema::{BillingMode, KeyAttribute, KeySchema, ScalarType};
use crate::model::value::{AttributeValue, Item};

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

impl Database {
    /// Create the default table unless it exists.
    fn ensure_default_table(&self) -> Result<()> {
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
        put_item(self, &req).map(|_| ())
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
        let out = get_item(self, &req)?;
        match out.get("Item") {
            Some(v) => Ok(Some(crate::model::json::item_from_json(v)?)),
            None => Ok(None),
        }
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
        let req = UpdateItemRequest {
            table_name: DEFAULT_TABLE.into(),
            key: key_item(pk)?,
            update_expression: Some(update.to_string()),
            condition_expression: condition.map(str::to_string),
            expressions: Expressions { names: None, values: if values.is_empty() { None } else { Some(values) } },
            return_values: ReturnValues::AllNew,
            return_old_on_condition_failure: false,
        };
        let out = update_item(self, &req)?;
        match out.get("Attributes") {
            Some(v) => Ok(crate::model::json::item_from_json(v)?),
            None => Ok(Item::new()),
        }
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
