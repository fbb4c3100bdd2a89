//! Typed operation requests: what the DynamoDB JSON decoder (`api`) and the
//! PartiQL translator (`partiql`) both produce, and what `api` executes.
//!
//! Requests are plain data. Expressions stay as text with their
//! `ExpressionAttributeNames`/`Values` maps, because DynamoDB's validation
//! (unused names and values, reserved words, syntax errors with positions)
//! is defined on the text; the executor parses them once per request. A
//! translator that builds a condition therefore writes it as expression text
//! with `#n`/`:v` placeholders, never as a half-built tree.

use crate::model::schema::{BillingMode, IndexProjection, KeyAttribute, KeySchema, Throughput};
use crate::model::value::{AttributeValue, Item};
use std::collections::BTreeMap;

/// `ExpressionAttributeNames`: `#alias` → attribute name.
pub type Names = BTreeMap<String, String>;
/// `ExpressionAttributeValues`: `:placeholder` → value.
pub type Values = BTreeMap<String, AttributeValue>;

/// `ReturnValues` of PutItem, UpdateItem and DeleteItem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnValues {
    #[default]
    None,
    AllOld,
    UpdatedOld,
    AllNew,
    UpdatedNew,
}

impl ReturnValues {
    pub fn parse(text: &str) -> Option<ReturnValues> {
        Some(match text {
            "NONE" => ReturnValues::None,
            "ALL_OLD" => ReturnValues::AllOld,
            "UPDATED_OLD" => ReturnValues::UpdatedOld,
            "ALL_NEW" => ReturnValues::AllNew,
            "UPDATED_NEW" => ReturnValues::UpdatedNew,
            _ => return None,
        })
    }
}

/// `Select` of Query and Scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    AllAttributes,
    AllProjectedAttributes,
    SpecificAttributes,
    Count,
}

/// The expression text of a request and its substitution maps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expressions {
    pub names: Option<Names>,
    pub values: Option<Values>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PutItemRequest {
    pub table_name: String,
    pub item: Item,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: ReturnValues,
    /// `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
    pub return_old_on_condition_failure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GetItemRequest {
    pub table_name: String,
    pub key: Item,
    pub projection_expression: Option<String>,
    pub expressions: Expressions,
    pub consistent_read: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeleteItemRequest {
    pub table_name: String,
    pub key: Item,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: ReturnValues,
    pub return_old_on_condition_failure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpdateItemRequest {
    pub table_name: String,
    pub key: Item,
    /// `None`: the item is created (or left) with just its key.
    pub update_expression: Option<String>,
    pub condition_expression: Option<String>,
    pub expressions: Expressions,
    pub return_values: ReturnValues,
    pub return_old_on_condition_failure: bool,
}

/// A ConditionCheck action of TransactWriteItems.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionCheckRequest {
    pub table_name: String,
    pub key: Item,
    pub condition_expression: String,
    pub expressions: Expressions,
    pub return_old_on_condition_failure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryRequest {
    pub table_name: String,
    pub index_name: Option<String>,
    pub key_condition_expression: String,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expressions: Expressions,
    pub select: Option<Select>,
    pub scan_index_forward: bool,
    pub limit: Option<usize>,
    pub exclusive_start_key: Option<Item>,
    pub consistent_read: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScanRequest {
    pub table_name: String,
    pub index_name: Option<String>,
    pub filter_expression: Option<String>,
    pub projection_expression: Option<String>,
    pub expressions: Expressions,
    pub select: Option<Select>,
    pub limit: Option<usize>,
    pub exclusive_start_key: Option<Item>,
    /// `(Segment, TotalSegments)` of a parallel scan.
    pub segment: Option<(u32, u32)>,
    pub consistent_read: bool,
}

/// The keys and read options of one table in BatchGetItem.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysAndAttributes {
    pub keys: Vec<Item>,
    pub projection_expression: Option<String>,
    pub expressions: Expressions,
    pub consistent_read: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchGetItemRequest {
    /// Tables in request order.
    pub tables: Vec<(String, KeysAndAttributes)>,
}

/// One PutRequest or DeleteRequest of BatchWriteItem.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteRequest {
    Put(Item),
    Delete(Item),
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchWriteItemRequest {
    pub tables: Vec<(String, Vec<WriteRequest>)>,
}

/// One action of TransactWriteItems.
#[derive(Debug, Clone, PartialEq)]
pub enum TransactWriteItem {
    Put(PutItemRequest),
    Update(UpdateItemRequest),
    Delete(DeleteItemRequest),
    ConditionCheck(ConditionCheckRequest),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransactWriteItemsRequest {
    pub items: Vec<TransactWriteItem>,
    pub client_request_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TransactGetItemsRequest {
    pub items: Vec<GetItemRequest>,
}

/// A secondary index as CreateTable/UpdateTable asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub name: String,
    pub key_schema: KeySchema,
    pub projection: IndexProjection,
    pub throughput: Option<Throughput>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateTableRequest {
    pub table_name: String,
    pub key_schema: KeySchema,
    pub attribute_definitions: Vec<KeyAttribute>,
    pub local_indexes: Vec<IndexSpec>,
    pub global_indexes: Vec<IndexSpec>,
    pub billing_mode: BillingMode,
    pub throughput: Option<Throughput>,
    pub deletion_protection: bool,
    /// The `KeystoneSchema` extension.
    pub attribute_schema: Option<crate::model::validation::AttributeSchema>,
}
