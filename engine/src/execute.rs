//! The one door: a DynamoDB operation name and its request in DynamoDB JSON
//! in, the response in DynamoDB JSON out. The CLI, the HTTP server and the
//! JavaScript package all call [`crate::Database::execute`], so behaviour is
//! identical through every binding.

use crate::api;
use crate::api::values::{Form, Reply};
use crate::db::Database;
use crate::error::{Error, Result, StorageError};
use serde_json::Value;

/// The operations that write. A read-only database refuses them here, before
/// any validation or condition check runs, so every write (PartiQL ones too:
/// they run as these operations) fails the same way whatever its request.
const WRITES: &[&str] = &[
    "CreateTable",
    "DeleteTable",
    "UpdateTable",
    "PutItem",
    "DeleteItem",
    "UpdateItem",
    "BatchWriteItem",
    "TransactWriteItems",
];

/// The text door's shortcut: a PutItem or GetItem in its plain form runs
/// from its text without a JSON tree ([`api::direct`]); `None` sends the
/// request the usual way, through the tree and [`execute_as`].
pub(crate) fn execute_text(db: &Database, operation: &str, text: &str) -> Option<Result<String>> {
    if db.read_only && WRITES.contains(&operation) {
        return None;
    }
    Some(match operation {
        "PutItem" => match api::direct::put_item_text(db, text)? {
            api::direct::PutText::Stored(answer) => answer,
            api::direct::PutText::Request(request) => api::item::put_item_owned(db, request).map(|answer| answer.to_string()),
        },
        "GetItem" => api::item::get_item_as(db, &api::direct::get_item(text)?, Form::Text).map(Reply::into_text),
        _ => return None,
    })
}

/// Dispatch `operation` to its handler.
pub(crate) fn execute(db: &Database, operation: &str, request: &Value) -> Result<Value> {
    execute_as(db, operation, request, Form::Tree)?.into_tree()
}

/// [`execute`] answering in `form` where the handler can write that form
/// directly (see [`Reply`]).
pub(crate) fn execute_as(db: &Database, operation: &str, request: &Value, form: Form) -> Result<Reply> {
    if db.read_only && WRITES.contains(&operation) {
        return Err(StorageError::ReadOnly.into());
    }
    let tree = match operation {
        // These two can write their answer as text without building a tree.
        "GetItem" => return api::item::get_item_as(db, &api::item::parse_get_item(request)?, form),
        "Query" => return api::query_scan::query_as(db, &api::query_scan::parse_query(request)?, form),
        "CreateTable" => api::table::handle_create_table(db, request),
        "DescribeTable" => api::table::handle_describe_table(db, request),
        "ListTables" => api::table::handle_list_tables(db, request),
        "DeleteTable" => api::table::handle_delete_table(db, request),
        "UpdateTable" => api::table::handle_update_table(db, request),
        "ExecuteStatement" => api::statement::execute_statement(db, request),
        "BatchExecuteStatement" => api::statement::batch_execute_statement(db, request),
        "ExecuteTransaction" => api::statement::execute_transaction(db, request),
        "PutItem" => api::item::handle_put_item(db, request),
        "DeleteItem" => api::item::handle_delete_item(db, request),
        "UpdateItem" => api::item::handle_update_item(db, request),
        "Scan" => api::query_scan::handle_scan(db, request),
        "BatchGetItem" => api::batch::handle_batch_get(db, request),
        "BatchWriteItem" => api::batch::handle_batch_write(db, request),
        "TransactWriteItems" => api::transact::handle_transact_write(db, request),
        "TransactGetItems" => api::transact::handle_transact_get(db, request),
        _ => Err(Error::UnknownOperation(format!("Unknown operation: {operation}"))),
    };
    tree.map(Reply::Tree)
}
