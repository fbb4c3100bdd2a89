//! The `KeystoneSchema` extension on the wire: reading it from
//! CreateTable/UpdateTable, showing it in DescribeTable, and checking items
//! against it on every write path. The rules themselves live in
//! [`crate::model::validation`].

use super::json::Fields;
use crate::error::{Error, Result};
use crate::model::json::attribute_value_from_json;
use crate::model::schema::TableDef;
use crate::model::validation::{AttributeRule, AttributeSchema};
use crate::model::value::Item;
use serde_json::{json, Map, Value};

fn bad(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

/// A number bound given as JSON number or string.
fn bound(v: &Value, name: &str, field: &str) -> Result<String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(bad(format!("KeystoneSchema: attribute {name}: {field} must be a number"))),
    };
    crate::model::number::Number::parse(&text)
        .map(|n| n.to_string())
        .map_err(|e| bad(format!("KeystoneSchema: attribute {name}: {field}: {e}")))
}

fn length(v: &Value, name: &str, field: &str) -> Result<u64> {
    v.as_u64().ok_or_else(|| bad(format!("KeystoneSchema: attribute {name}: {field} must be a non-negative integer")))
}

/// Parse the `KeystoneSchema` field (`None` when absent).
pub(crate) fn read_schema(f: &Fields) -> Result<Option<AttributeSchema>> {
    let Some(raw) = f.raw("KeystoneSchema") else { return Ok(None) };
    let Some(attrs) = raw.get("Attributes").and_then(Value::as_object) else {
        return Err(bad("KeystoneSchema must be an object with an \"Attributes\" map"));
    };
    let mut schema = AttributeSchema::default();
    for (name, rule) in attrs {
        let Some(r) = rule.as_object() else {
            return Err(bad(format!("KeystoneSchema: attribute {name}: the rule must be an object")));
        };
        schema.attributes.insert(name.clone(), read_rule(name, r)?);
    }
    schema.check_definition().map_err(bad)?;
    Ok(Some(schema))
}

fn read_rule(name: &str, r: &Map<String, Value>) -> Result<AttributeRule> {
    let mut rule = AttributeRule::default();
    for (field, v) in r {
        match field.as_str() {
            "Type" => rule.type_name = Some(v.as_str().ok_or_else(|| bad(format!("KeystoneSchema: attribute {name}: Type must be a string")))?.to_string()),
            "Required" => rule.required = v.as_bool().ok_or_else(|| bad(format!("KeystoneSchema: attribute {name}: Required must be a boolean")))?,
            "Min" => rule.min = Some(bound(v, name, "Min")?),
            "Max" => rule.max = Some(bound(v, name, "Max")?),
            "MinLength" => rule.min_length = Some(length(v, name, "MinLength")?),
            "MaxLength" => rule.max_length = Some(length(v, name, "MaxLength")?),
            "Pattern" => rule.pattern = Some(v.as_str().ok_or_else(|| bad(format!("KeystoneSchema: attribute {name}: Pattern must be a string")))?.to_string()),
            "Enum" => {
                let list = v.as_array().ok_or_else(|| bad(format!("KeystoneSchema: attribute {name}: Enum must be a list of AttributeValues")))?;
                for item in list {
                    attribute_value_from_json(item)?;
                }
                rule.allowed = Some(list.clone());
            }
            other => return Err(bad(format!("KeystoneSchema: attribute {name}: unknown rule {other}"))),
        }
    }
    Ok(rule)
}

/// The schema as DescribeTable shows it.
pub fn schema_json(schema: &AttributeSchema) -> Value {
    let mut attrs = Map::new();
    for (name, r) in &schema.attributes {
        let mut o = Map::new();
        if let Some(t) = &r.type_name {
            o.insert("Type".into(), json!(t));
        }
        if r.required {
            o.insert("Required".into(), json!(true));
        }
        if let Some(v) = &r.min {
            o.insert("Min".into(), json!(v));
        }
        if let Some(v) = &r.max {
            o.insert("Max".into(), json!(v));
        }
        if let Some(v) = r.min_length {
            o.insert("MinLength".into(), json!(v));
        }
        if let Some(v) = r.max_length {
            o.insert("MaxLength".into(), json!(v));
        }
        if let Some(v) = &r.allowed {
            o.insert("Enum".into(), Value::Array(v.clone()));
        }
        if let Some(v) = &r.pattern {
            o.insert("Pattern".into(), json!(v));
        }
        attrs.insert(name.clone(), Value::Object(o));
    }
    json!({ "Attributes": attrs })
}

/// Check an item about to be stored in `def` against its attribute schema.
pub fn check_item(def: &TableDef, item: &Item) -> Result<()> {
    let Some(schema) = &def.attribute_schema else { return Ok(()) };
    match schema.violation(item, |v| attribute_value_from_json(v).ok()) {
        Some(msg) => Err(Error::Validation(format!("One or more parameter values were invalid: {msg}"))),
        None => Ok(()),
    }
}
