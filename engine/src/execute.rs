//! The one door: a DynamoDB operation name and its request in DynamoDB JSON
//! in, the response in DynamoDB JSON out. The CLI, the HTTP server and the
//! JavaScript package all call [`crate::Database::execute`], so behaviour is
//! identical through every binding.

use crate::db::Database;
use crate::error::{Error, Result};
use serde_json::Value;

/// Dispatch `operation` to its handler.
pub(crate) fn execute(_db: &Database, operation: &str, _request: &Value) -> Result<Value> {
    Err(Error::UnknownOperation(format!("Unknown operation: {operation}")))
}
