//! Attribute schemas: an optional, per-table set of rules on attributes —
//! a KeystoneDB extension to DynamoDB, which has none.
//!
//! A rule names one top-level attribute and may require it, fix its type,
//! bound a number (`min`/`max`), bound the length of a string, binary, set,
//! list or map (`min_length`/`max_length`), restrict it to listed values
//! (`enum`), or match a string against a regular expression (`pattern`, the
//! `regex-lite` syntax, anchored only if the pattern anchors itself).
//!
//! Every write path checks the item it is about to store (PutItem, the
//! result of UpdateItem, BatchWriteItem, TransactWriteItems, PartiQL): a
//! violation is a `ValidationException` naming the attribute and the rule,
//! and nothing is written. The schema travels in CreateTable/UpdateTable as
//! the extension field `KeystoneSchema`:
//!
//! ```json
//! "KeystoneSchema": {
//!   "Attributes": {
//!     "age":    {"Type": "N", "Required": true, "Min": "0", "Max": "150"},
//!     "email":  {"Type": "S", "Pattern": "^[^@]+@[^@]+$", "MaxLength": 254},
//!     "status": {"Enum": [{"S": "active"}, {"S": "banned"}]}
//!   }
//! }
//! ```
//!
//! Rules are stored in the catalog with the table definition (as JSON). The
//! compiled patterns are rebuilt on use; patterns are checked to compile when
//! the schema is set.

use crate::model::number::Number;
use crate::model::value::{AttributeValue, Item};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The rules of one attribute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttributeRule {
    /// A DynamoDB type descriptor: `S`, `N`, `B`, `BOOL`, `NULL`, `SS`, `NS`, `BS`, `L`, `M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Canonical number text (exact 38-digit bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Allowed values, in DynamoDB JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// A table's attribute schema: attribute name → rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttributeSchema {
    pub attributes: BTreeMap<String, AttributeRule>,
}

/// Builds an [`AttributeSchema`] in Rust:
///
/// ```
/// use kstone_engine::model::validation::SchemaBuilder;
/// let schema = SchemaBuilder::new()
///     .attribute("age", |r| r.number().required().min(0).max(150))
///     .attribute("email", |r| r.string().pattern("^[^@]+@[^@]+$").max_length(254))
///     .build();
/// assert!(schema.attributes["age"].required);
/// ```
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    schema: AttributeSchema,
}

impl SchemaBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn attribute(mut self, name: &str, rule: impl FnOnce(RuleBuilder) -> RuleBuilder) -> Self {
        let built = rule(RuleBuilder::default()).rule;
        self.schema.attributes.insert(name.to_string(), built);
        self
    }
    pub fn build(self) -> AttributeSchema {
        self.schema
    }
}

/// Builds one [`AttributeRule`].
#[derive(Debug, Default)]
pub struct RuleBuilder {
    rule: AttributeRule,
}

impl RuleBuilder {
    pub fn of_type(mut self, descriptor: &str) -> Self {
        self.rule.type_name = Some(descriptor.to_string());
        self
    }
    pub fn string(self) -> Self {
        self.of_type("S")
    }
    pub fn number(self) -> Self {
        self.of_type("N")
    }
    pub fn binary(self) -> Self {
        self.of_type("B")
    }
    pub fn boolean(self) -> Self {
        self.of_type("BOOL")
    }
    pub fn required(mut self) -> Self {
        self.rule.required = true;
        self
    }
    pub fn min(mut self, n: i64) -> Self {
        self.rule.min = Some(Number::from_i64(n).to_string());
        self
    }
    pub fn max(mut self, n: i64) -> Self {
        self.rule.max = Some(Number::from_i64(n).to_string());
        self
    }
    pub fn min_length(mut self, n: u64) -> Self {
        self.rule.min_length = Some(n);
        self
    }
    pub fn max_length(mut self, n: u64) -> Self {
        self.rule.max_length = Some(n);
        self
    }
    pub fn pattern(mut self, regex: &str) -> Self {
        self.rule.pattern = Some(regex.to_string());
        self
    }
    /// Allowed string values.
    pub fn one_of_strings(mut self, values: &[&str]) -> Self {
        self.rule.allowed = Some(values.iter().map(|v| serde_json::json!({ "S": v })).collect());
        self
    }
}

/// The length a length rule measures: characters of a string, bytes of a
/// binary, elements of a set, list or map.
fn length_of(value: &AttributeValue) -> Option<u64> {
    Some(match value {
        AttributeValue::S(s) => s.chars().count() as u64,
        AttributeValue::B(b) => b.len() as u64,
        AttributeValue::Ss(v) => v.len() as u64,
        AttributeValue::Ns(v) => v.len() as u64,
        AttributeValue::Bs(v) => v.len() as u64,
        AttributeValue::L(v) => v.len() as u64,
        AttributeValue::M(v) => v.len() as u64,
        _ => return None,
    })
}

impl AttributeSchema {
    /// Check the schema itself: known types, parseable bounds, compiling patterns.
    pub fn check_definition(&self) -> Result<(), String> {
        const TYPES: [&str; 10] = ["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"];
        for (name, rule) in &self.attributes {
            if let Some(t) = &rule.type_name {
                if !TYPES.contains(&t.as_str()) {
                    return Err(format!("KeystoneSchema: attribute {name}: unknown Type {t}"));
                }
            }
            for bound in [&rule.min, &rule.max].into_iter().flatten() {
                Number::parse(bound).map_err(|e| format!("KeystoneSchema: attribute {name}: bound {bound}: {e}"))?;
            }
            if let Some(p) = &rule.pattern {
                regex_lite::Regex::new(p).map_err(|e| format!("KeystoneSchema: attribute {name}: bad Pattern: {e}"))?;
            }
        }
        Ok(())
    }

    /// The first rule `item` breaks, as a message naming attribute and rule.
    pub fn violation(&self, item: &Item, allowed: impl Fn(&serde_json::Value) -> Option<AttributeValue>) -> Option<String> {
        for (name, rule) in &self.attributes {
            let fail = |what: String| Some(format!("Schema validation failed for attribute {name}: {what}"));
            let Some(value) = item.get(name) else {
                if rule.required {
                    return fail("the attribute is required".into());
                }
                continue;
            };
            if let Some(t) = &rule.type_name {
                if value.type_name() != t {
                    return fail(format!("expected type {t}, found {}", value.type_name()));
                }
            }
            if let AttributeValue::N(n) = value {
                if let Some(min) = rule.min.as_deref().and_then(|m| Number::parse(m).ok()) {
                    if *n < min {
                        return fail(format!("value {n} is less than the minimum {min}"));
                    }
                }
                if let Some(max) = rule.max.as_deref().and_then(|m| Number::parse(m).ok()) {
                    if *n > max {
                        return fail(format!("value {n} is greater than the maximum {max}"));
                    }
                }
            }
            if let Some(len) = length_of(value) {
                if let Some(min) = rule.min_length {
                    if len < min {
                        return fail(format!("length {len} is less than the minimum length {min}"));
                    }
                }
                if let Some(max) = rule.max_length {
                    if len > max {
                        return fail(format!("length {len} is greater than the maximum length {max}"));
                    }
                }
            }
            if let Some(list) = &rule.allowed {
                if !list.iter().filter_map(&allowed).any(|a| &a == value) {
                    return fail("the value is not one of the allowed values".into());
                }
            }
            if let (Some(p), AttributeValue::S(s)) = (&rule.pattern, value) {
                match regex_lite::Regex::new(p) {
                    Ok(re) if re.is_match(s) => {}
                    _ => return fail(format!("the value does not match the pattern {p}")),
                }
            }
        }
        None
    }
}
