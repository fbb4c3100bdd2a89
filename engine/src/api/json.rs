//! Reading DynamoDB JSON requests: typed field access with DynamoDB's
//! serialization errors, and the "N validation errors detected" collector.
//!
//! DynamoDB checks a request in three passes, and so do we:
//! 1. shape — a field of the wrong JSON type is a `SerializationException`
//!    (e.g. `NUMBER_VALUE cannot be converted to String`); `null` counts as
//!    absent;
//! 2. required parameters and table names, each failing at once
//!    (`The parameter 'TableName' is required but was not present in the request`);
//! 3. member constraints (length, pattern, enum, range), collected — at most
//!    ten — into one `ValidationException`:
//!    `2 validation errors detected: Value 'x' at 'tableName' failed to satisfy
//!    constraint: ...; ...`,
//!
//! followed by the operation's own semantic checks. Keeping the passes apart
//! keeps the order of errors the same as DynamoDB's for multi-fault requests.

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn serialization(msg: impl Into<String>) -> Error {
    Error::Serialization(msg.into())
}

/// What a value of the wrong type looks like to DynamoDB's deserializer.
fn scalar_token(value: &Value) -> &'static str {
    match value {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_i64() || n.is_u64() => "NUMBER_VALUE",
        Value::Number(_) => "DECIMAL_VALUE",
        Value::String(_) => "STRING_VALUE",
        _ => "VALUE",
    }
}

/// Objects up to this many members are searched by name comparison.
const SCAN_MEMBERS: usize = 16;

/// A JSON object of a request (the request itself or a nested structure).
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The top level of a request: it must be a JSON object.
    pub fn of_request(value: &'a Value) -> Result<Fields<'a>> {
        match value {
            Value::Object(obj) => Ok(Fields { obj }),
            _ => Err(serialization("Start of structure or map found where not expected")),
        }
    }

    /// A nested structure (e.g. `ProvisionedThroughput`).
    pub fn of_struct(value: &'a Value, type_name: &str) -> Result<Fields<'a>> {
        match value {
            Value::Object(obj) => Ok(Fields { obj }),
            Value::Array(_) => Err(serialization(format!(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{type_name}"
            ))),
            _ => Err(serialization("Unexpected value type in payload")),
        }
    }

    /// The raw value of `field`, `None` when absent or `null`.
    ///
    /// A request has a handful of members and each operation asks for a
    /// dozen or more names (most of them absent), so a small object is
    /// searched by comparing names: cheaper than hashing every name asked
    /// for, and the same answer (an object's names are unique).
    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        let found = if self.obj.len() <= SCAN_MEMBERS {
            self.obj.iter().find(|(name, _)| name.as_str() == field).map(|(_, v)| v)
        } else {
            self.obj.get(field)
        };
        found.filter(|v| !v.is_null())
    }

    pub fn has(&self, field: &str) -> bool {
        self.raw(field).is_some()
    }

    pub fn str(&self, field: &str) -> Result<Option<&'a str>> {
        match self.raw(field) {
            None => Ok(None),
            Some(v) => as_str(v).map(Some),
        }
    }

    pub fn bool(&self, field: &str) -> Result<Option<bool>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.to_ascii_uppercase().as_str() {
                "TRUE" | "1" | "YES" => Ok(Some(true)),
                "FALSE" | "0" | "NO" => Ok(Some(false)),
                _ => Err(serialization("Unexpected token received from parser")),
            },
            Some(v @ Value::Number(_)) => {
                Err(serialization(format!("{} cannot be converted to Boolean", scalar_token(v))))
            }
            Some(Value::Array(_)) => Err(serialization("Unrecognized collection type class java.lang.Boolean")),
            Some(_) => Err(serialization("Start of structure or map found where not expected")),
        }
    }

    /// An integer field (`Limit`, `Segment`, capacity units): fractions are
    /// truncated as DynamoDB's deserializer does.
    pub fn int(&self, field: &str) -> Result<Option<i64>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(match n.as_i64() {
                Some(i) => i,
                None => n.as_f64().map(|f| f.floor()).unwrap_or(0.0).clamp(i64::MIN as f64, i64::MAX as f64) as i64,
            })),
            Some(v @ (Value::Bool(_) | Value::String(_))) => {
                Err(serialization(format!("{} cannot be converted to Long", scalar_token(v))))
            }
            Some(Value::Array(_)) => Err(serialization("Unrecognized collection type class java.lang.Long")),
            Some(_) => Err(serialization("Start of structure or map found where not expected")),
        }
    }

    pub fn list(&self, field: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(Value::Object(_)) => Err(serialization("Start of structure or map found where not expected")),
            Some(_) => Err(serialization("Unexpected field type")),
        }
    }

    pub fn structure(&self, field: &str, type_name: &str) -> Result<Option<Fields<'a>>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Object(obj)) => Ok(Some(Fields { obj })),
            Some(Value::Array(_)) => Err(serialization(format!(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{type_name}"
            ))),
            Some(_) => Err(serialization("Unexpected field type")),
        }
    }

    /// A JSON object used as a map (e.g. `ExpressionAttributeValues`).
    pub fn map(&self, field: &str, value_type: &str) -> Result<Option<&'a Map<String, Value>>> {
        match self.raw(field) {
            None => Ok(None),
            Some(Value::Object(obj)) => Ok(Some(obj)),
            Some(Value::Array(_)) => Err(serialization(format!(
                "Unrecognized collection type java.util.Map<java.lang.String, {value_type}>"
            ))),
            Some(_) => Err(serialization("Unexpected field type")),
        }
    }

    /// A map of strings (`ExpressionAttributeNames`).
    pub fn string_map(&self, field: &str) -> Result<Option<BTreeMap<String, String>>> {
        let Some(obj) = self.map(field, "java.lang.String")? else { return Ok(None) };
        let mut out = BTreeMap::new();
        for (k, v) in obj {
            if v.is_null() {
                continue;
            }
            out.insert(k.clone(), as_str(v)?.to_string());
        }
        Ok(Some(out))
    }

    /// A list of strings (`AttributesToGet`, `NonKeyAttributes`).
    pub fn string_list(&self, field: &str) -> Result<Option<Vec<String>>> {
        let Some(list) = self.list(field)? else { return Ok(None) };
        list.iter().map(|v| as_str(v).map(str::to_string)).collect::<Result<Vec<_>>>().map(Some)
    }
}

/// A string value, or DynamoDB's serialization error for the type found.
pub(crate) fn as_str(value: &Value) -> Result<&str> {
    match value {
        Value::String(s) => Ok(s),
        Value::Bool(_) | Value::Number(_) => {
            Err(serialization(format!("{} cannot be converted to String", scalar_token(value))))
        }
        Value::Array(_) => Err(serialization("Unrecognized collection type class java.lang.String")),
        _ => Err(serialization("Start of structure or map found where not expected")),
    }
}

/// Member-constraint failures, reported together as DynamoDB does.
#[derive(Default)]
pub(crate) struct Constraints {
    errors: Vec<String>,
}

/// The most constraint failures DynamoDB lists in one message.
const MAX_LISTED_ERRORS: usize = 10;

impl Constraints {
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a failure of `path` (e.g. `tableName`, `keySchema.1.member.keyType`).
    /// `shown` is the offending value as DynamoDB prints it (`None` prints `null`).
    pub fn fail(&mut self, shown: Option<&str>, path: &str, constraint: &str) {
        if self.errors.len() >= MAX_LISTED_ERRORS {
            return;
        }
        let shown = match shown {
            Some(s) => format!("'{s}'"),
            None => "null".to_string(),
        };
        self.errors.push(format!("Value {shown} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    pub fn check(&mut self, ok: bool, shown: Option<&str>, path: &str, constraint: &str) {
        if !ok {
            self.fail(shown, path, constraint);
        }
    }

    /// A `Member must not be null` check.
    pub fn not_null(&mut self, present: bool, path: &str) {
        self.check(present, None, path, "Member must not be null");
    }

    /// Enum membership for an optional string field.
    pub fn one_of(&mut self, value: Option<&str>, allowed: &[&str], path: &str) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.fail(
                    Some(v),
                    path,
                    &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
                );
            }
        }
    }

    /// A name matching `[a-zA-Z0-9_.-]+` with a length in `min..=max`.
    pub fn resource_name(&mut self, value: Option<&str>, path: &str, min: usize, max: usize) {
        let Some(v) = value else { return };
        if !is_resource_name(v) {
            self.fail(Some(v), path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
        let len = v.chars().count();
        if len < min {
            self.fail(Some(v), path, &format!("Member must have length greater than or equal to {min}"));
        }
        if len > max {
            self.fail(Some(v), path, &format!("Member must have length less than or equal to {max}"));
        }
    }

    /// `Ok` when nothing failed, else the combined `ValidationException`.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let n = self.errors.len();
        let plural = if n > 1 { "s" } else { "" };
        Err(Error::Validation(format!("{n} validation error{plural} detected: {}", self.errors.join("; "))))
    }
}

/// DynamoDB's pattern for table and index names.
pub(crate) fn is_resource_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The `TableName` checks every operation on one table makes, in DynamoDB's
/// order: present, then 3–255 characters, then the pattern (collected).
pub(crate) fn table_name<'a>(fields: &Fields<'a>, constraints: &mut Constraints) -> Result<&'a str> {
    let name = fields
        .str("TableName")?
        .ok_or_else(|| Error::Validation("The parameter 'TableName' is required but was not present in the request".into()))?;
    check_table_name_length(name)?;
    constraints.resource_name(Some(name), "tableName", 3, 255);
    Ok(name)
}

/// `TableName must be at least 3 characters long and at most 255 characters long`.
pub(crate) fn check_table_name_length(name: &str) -> Result<()> {
    let len = name.chars().count();
    if !(3..=255).contains(&len) {
        return Err(Error::Validation(
            "TableName must be at least 3 characters long and at most 255 characters long".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_json_types_are_serialization_errors() {
        let req = json!({"TableName": 5, "Limit": "x", "ConsistentRead": 1, "KeySchema": {}});
        let f = Fields::of_request(&req).unwrap();
        assert_eq!(f.str("TableName").unwrap_err().to_string(), "NUMBER_VALUE cannot be converted to String");
        assert_eq!(f.int("Limit").unwrap_err().to_string(), "STRING_VALUE cannot be converted to Long");
        assert_eq!(f.bool("ConsistentRead").unwrap_err().to_string(), "NUMBER_VALUE cannot be converted to Boolean");
        assert_eq!(
            f.list("KeySchema").unwrap_err().to_string(),
            "Start of structure or map found where not expected"
        );
        assert_eq!(f.str("Missing").unwrap(), None);
    }

    #[test]
    fn constraints_are_counted_and_joined() {
        let mut c = Constraints::new();
        c.resource_name(Some("a b"), "tableName", 3, 255);
        c.not_null(false, "keySchema");
        let err = c.finish().unwrap_err().to_string();
        assert_eq!(
            err,
            "2 validation errors detected: Value 'a b' at 'tableName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; \
             Value null at 'keySchema' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn table_name_is_required_then_sized() {
        let mut c = Constraints::new();
        let req = json!({});
        let err = table_name(&Fields::of_request(&req).unwrap(), &mut c).unwrap_err();
        assert_eq!(err.to_string(), "The parameter 'TableName' is required but was not present in the request");
        let req = json!({"TableName": "ab"});
        let err = table_name(&Fields::of_request(&req).unwrap(), &mut c).unwrap_err();
        assert!(err.to_string().starts_with("TableName must be at least 3 characters long"));
    }
}
