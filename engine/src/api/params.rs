//! Request parameters shared by the item operations: the expression maps,
//! `ReturnValues` and friends, the capacity/metrics enums that are accepted
//! and ignored, and the check that legacy parameters are not mixed in.

use super::json::{Constraints, Fields};
use super::values;
use crate::error::{Error, Result};
use crate::model::request::{Expressions, ReturnValues};
use crate::model::value::Item;
use serde_json::Value;

/// The pre-expression parameters DynamoDB still accepts. KeystoneDB answers
/// them with a clear ValidationException (see the crate docs: a deviation).
const LEGACY_PARAMETERS: [&str; 8] = [
    "Expected",
    "AttributesToGet",
    "AttributeUpdates",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "ScanFilter",
];

/// Reject legacy parameters, naming the expression that replaces them.
pub fn reject_legacy(f: &Fields) -> Result<()> {
    for p in LEGACY_PARAMETERS {
        if f.has(p) {
            let replacement = match p {
                "Expected" | "ConditionalOperator" => "ConditionExpression",
                "AttributesToGet" => "ProjectionExpression",
                "AttributeUpdates" => "UpdateExpression",
                "KeyConditions" => "KeyConditionExpression",
                _ => "FilterExpression",
            };
            return Err(Error::Validation(format!(
                "The legacy parameter {p} is not supported by KeystoneDB; use {replacement} instead"
            )));
        }
    }
    Ok(())
}

/// `ExpressionAttributeNames` and `ExpressionAttributeValues`.
pub fn read_expressions(f: &Fields) -> Result<Expressions> {
    let names = f.string_map("ExpressionAttributeNames")?;
    let values = match f.map("ExpressionAttributeValues", "com.amazonaws.dynamodb.v20120810.AttributeValue")? {
        None => None,
        Some(map) => Some(values::values_from_json(map)?),
    };
    Ok(Expressions { names, values })
}

/// DynamoDB's checks of which expression maps may appear with which
/// expressions, run before any expression is parsed.
///
/// `present` lists the expression parameters of the operation that the
/// request gives; `value_users` says whether any of them can use values
/// (ProjectionExpression alone cannot).
pub fn check_expression_maps(
    f: &Fields,
    expression_params: &[&str],
) -> Result<()> {
    if f.has("ExpressionAttributeNames") && !expression_params.iter().any(|p| f.has(p)) {
        return Err(Error::Validation("ExpressionAttributeNames can only be specified when using expressions".into()));
    }
    let uses_values = |p: &&str| *p != "ProjectionExpression";
    let mut value_exprs = expression_params.iter().copied().filter(uses_values);
    if f.has("ExpressionAttributeValues")
        && value_exprs.clone().next().is_some()
        && !value_exprs.any(|p| f.has(p))
    {
        let value_exprs: Vec<&str> = expression_params.iter().copied().filter(uses_values).collect();
        let verb = if value_exprs.len() > 1 { "are" } else { "is" };
        return Err(Error::Validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {verb} null",
            value_exprs.join(" and ")
        )));
    }
    if let Some(names) = f.raw("ExpressionAttributeNames").and_then(Value::as_object) {
        if names.is_empty() {
            return Err(Error::Validation("ExpressionAttributeNames must not be empty".into()));
        }
    }
    if let Some(vals) = f.raw("ExpressionAttributeValues").and_then(Value::as_object) {
        if vals.is_empty() {
            return Err(Error::Validation("ExpressionAttributeValues must not be empty".into()));
        }
    }
    Ok(())
}

/// Check the enums every write operation accepts; returns `ReturnValues` and
/// whether `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`.
pub fn write_enums(f: &Fields, c: &mut Constraints) -> Result<(ReturnValues, bool)> {
    let rv = f.str("ReturnValues")?;
    let rvccf = f.str("ReturnValuesOnConditionCheckFailure")?;
    common_enums(f, c)?;
    c.one_of(rv, &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"], "returnValues");
    c.one_of(rvccf, &["ALL_OLD", "NONE"], "returnValuesOnConditionCheckFailure");
    let metrics = f.str("ReturnItemCollectionMetrics")?;
    c.one_of(metrics, &["SIZE", "NONE"], "returnItemCollectionMetrics");
    Ok((rv.and_then(ReturnValues::parse).unwrap_or_default(), rvccf == Some("ALL_OLD")))
}

/// `ReturnConsumedCapacity`: accepted and checked; capacity is not metered.
pub fn common_enums(f: &Fields, c: &mut Constraints) -> Result<()> {
    let rcc = f.str("ReturnConsumedCapacity")?;
    c.one_of(rcc, &["INDEXES", "TOTAL", "NONE"], "returnConsumedCapacity");
    Ok(())
}

/// A required item-valued parameter (`Item`, `Key`), checked for presence.
pub fn required_item(f: &Fields, field: &str, path: &str, c: &mut Constraints) -> Result<Option<Item>> {
    match f.map(field, "com.amazonaws.dynamodb.v20120810.AttributeValue")? {
        None => {
            c.not_null(false, path);
            Ok(None)
        }
        Some(map) => Ok(Some(values::item_from_map(map)?)),
    }
}

/// An optional string parameter holding an expression.
pub fn expression_text<'a>(f: &Fields<'a>, field: &str) -> Result<Option<String>> {
    Ok(f.str(field)?.map(str::to_string))
}
