//! `kstone request DB Operation`: the engine's door on the command line.
//!
//! The request is DynamoDB JSON exactly as an AWS SDK would send it; the
//! response is printed as one line of JSON. Errors the operation raises are
//! printed on stdout in DynamoDB's error shape, `{"__type": "...#Name",
//! "message": "..."}` (plus `Item` when a failed condition returns the item,
//! and `CancellationReasons` for cancelled transactions),
//! and the exit code is 1, so a script can always parse stdout. Problems
//! before the request reaches the engine (no such file, locked database) are
//! ordinary `error:` lines on stderr.

use crate::commands::query;
use crate::session::{io_message, one_line, CliError, CliResult, Session};
use kstone_engine::model::json::item_to_json;
use kstone_engine::Error;
use serde_json::{json, Map, Value};
use std::path::Path;

/// The outcome: the line for stdout and whether the operation succeeded.
pub struct Outcome {
    pub stdout: String,
    pub ok: bool,
}

pub fn read_request(input: Option<&Path>) -> CliResult<String> {
    match input {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::new(format!("{}: {}", path.display(), io_message(&e)))),
        None => crate::commands::items::read_stdin(),
    }
}

/// The operations that only read, whatever their request.
const READS: &[&str] = &["GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "TransactGetItems"];
/// The PartiQL operations: they only read when every statement is a SELECT.
const STATEMENTS: &[&str] = &["ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"];

/// True if only the request's text can tell whether `operation` writes.
pub fn depends_on_request(operation: &str) -> bool {
    STATEMENTS.contains(&operation)
}

/// True if `operation` with the request `text` (when it was read) only reads,
/// so a read-only database gives the same answer. Anything in doubt (unknown
/// operations, JSON or statements that do not parse) counts as a write, which
/// opens the file as before and fails the same way.
pub fn only_reads(operation: &str, text: Option<&str>) -> bool {
    if READS.contains(&operation) {
        return true;
    }
    let Some(request) = text.and_then(|t| serde_json::from_str::<Value>(t).ok()) else { return false };
    let statements = |field: &str| {
        let Some(list) = request.get(field).and_then(Value::as_array) else { return false };
        !list.is_empty() && list.iter().all(|entry| entry["Statement"].as_str().is_some_and(query::only_reads))
    };
    match operation {
        "ExecuteStatement" => request["Statement"].as_str().is_some_and(query::only_reads),
        "BatchExecuteStatement" => statements("Statements"),
        "ExecuteTransaction" => statements("TransactStatements"),
        _ => false,
    }
}

pub fn request(session: &Session, operation: &str, text: &str) -> Outcome {
    let result = serde_json::from_str::<Value>(text)
        .map_err(|e| Error::Serialization(format!("The request is not valid JSON: {e}")))
        .and_then(|request| session.call(operation, request));
    match result {
        Ok(response) => Outcome { stdout: format!("{response}\n"), ok: true },
        Err(err) => Outcome { stdout: format!("{}\n", error_body(&err)), ok: false },
    }
}

/// DynamoDB's JSON error body for `err`.
pub fn error_body(err: &Error) -> Value {
    let mut body = Map::new();
    body.insert("__type".into(), json!(err.wire_type()));
    body.insert("message".into(), json!(one_line(&err.to_string())));
    if let Error::ConditionalCheckFailed { item: Some(item), .. } = err {
        body.insert("Item".into(), item_to_json(item));
    }
    if let Error::TransactionCanceled { reasons, .. } = err {
        let reasons: Vec<Value> = reasons
            .iter()
            .map(|r| {
                let mut reason = Map::new();
                reason.insert("Code".into(), json!(r.code.as_deref().unwrap_or("None")));
                if let Some(message) = &r.message {
                    reason.insert("Message".into(), json!(message));
                }
                if let Some(item) = &r.item {
                    reason.insert("Item".into(), item_to_json(item));
                }
                Value::Object(reason)
            })
            .collect();
        body.insert("CancellationReasons".into(), Value::Array(reasons));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kstone_engine::error::CancellationReason;

    #[test]
    fn error_bodies_have_dynamodb_shape() {
        let body = error_body(&Error::ResourceNotFound("Requested resource not found".into()));
        assert_eq!(
            body.to_string(),
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
        );
        let cancelled = Error::TransactionCanceled {
            message: "Transaction cancelled".into(),
            reasons: vec![
                CancellationReason { code: None, message: None, item: None },
                CancellationReason { code: Some("ConditionalCheckFailed".into()), message: Some("The conditional request failed".into()), item: None },
            ],
        };
        assert_eq!(
            error_body(&cancelled)["CancellationReasons"],
            json!([{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}])
        );
    }
}
