//! `#name` and `:value` substitution, with usage tracking across every
//! expression of one request.
//!
//! DynamoDB rejects a request whose `ExpressionAttributeNames` or
//! `ExpressionAttributeValues` hold an entry that no expression of the request
//! uses, so one [`ExpressionContext`] is shared by all the expressions of a
//! request (condition, update, projection, filter, key condition) and
//! [`ExpressionContext::finish`] reports what is left unused. Names and values
//! are resolved at parse time: the trees the parsers return hold plain
//! attribute names and values.

use crate::error::Result;
use crate::validation;
use crate::model::value::AttributeValue;
use std::collections::{BTreeMap, BTreeSet};

/// `ExpressionAttributeNames`: `#alias` → attribute name.
pub type ExpressionNames = BTreeMap<String, String>;
/// `ExpressionAttributeValues`: `:placeholder` → value.
pub type ExpressionValues = BTreeMap<String, AttributeValue>;

/// The substitution maps of one request, and which of their keys were used.
#[derive(Debug)]
pub struct ExpressionContext<'a> {
    names: Option<&'a ExpressionNames>,
    values: Option<&'a ExpressionValues>,
    used_names: BTreeSet<&'a str>,
    used_values: BTreeSet<&'a str>,
}

impl<'a> ExpressionContext<'a> {
    /// A context over the request's maps. Keys must look like `#name` and
    /// `:value` (letters, digits and `_` after the sigil), as DynamoDB checks
    /// before it parses any expression.
    pub fn new(
        names: Option<&'a ExpressionNames>,
        values: Option<&'a ExpressionValues>,
    ) -> Result<Self> {
        if let Some(names) = names {
            if let Some(bad) = names.keys().find(|k| !valid_key(k, '#')) {
                return Err(validation!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
                ));
            }
        }
        if let Some(values) = values {
            if let Some(bad) = values.keys().find(|k| !valid_key(k, ':')) {
                return Err(validation!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
                ));
            }
        }
        Ok(ExpressionContext { names, values, used_names: BTreeSet::new(), used_values: BTreeSet::new() })
    }

    /// A context with no substitutions (expressions may use neither).
    pub fn empty() -> ExpressionContext<'static> {
        ExpressionContext {
            names: None,
            values: None,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// The attribute name `#alias` stands for, marking it used; `None` when
    /// the request does not define it.
    pub(crate) fn resolve_name(&mut self, alias: &str) -> Option<String> {
        let (key, name) = self.names?.get_key_value(alias)?;
        self.used_names.insert(key.as_str());
        Some(name.clone())
    }

    /// The value `:placeholder` stands for, marking it used.
    pub(crate) fn resolve_value(&mut self, placeholder: &str) -> Option<&'a AttributeValue> {
        let (key, value) = self.values?.get_key_value(placeholder)?;
        self.used_values.insert(key.as_str());
        Some(value)
    }

    /// Call once every expression of the request is parsed: DynamoDB's error
    /// for names or values that no expression used (names are checked first).
    pub fn finish(&self) -> Result<()> {
        if let Some(names) = self.names {
            let unused: Vec<&str> =
                names.keys().map(String::as_str).filter(|k| !self.used_names.contains(k)).collect();
            if !unused.is_empty() {
                return Err(validation!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                ));
            }
        }
        if let Some(values) = self.values {
            let unused: Vec<&str> =
                values.keys().map(String::as_str).filter(|k| !self.used_values.contains(k)).collect();
            if !unused.is_empty() {
                return Err(validation!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    unused.join(", ")
                ));
            }
        }
        Ok(())
    }
}

fn valid_key(key: &str, sigil: char) -> bool {
    let Some(rest) = key.strip_prefix(sigil) else { return false };
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The error for an undefined `#alias`.
pub(crate) fn undefined_name(alias: &str) -> String {
    format!("An expression attribute name used in the document path is not defined; attribute name: {alias}")
}

/// The error for an undefined `:placeholder`.
pub(crate) fn undefined_value(placeholder: &str) -> String {
    format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_badly_formed_keys() {
        let names: ExpressionNames = [("a".to_string(), "a".to_string())].into();
        let err = ExpressionContext::new(Some(&names), None).unwrap_err();
        assert_eq!(err.to_string(), "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
        let values: ExpressionValues = [("b".to_string(), AttributeValue::Null)].into();
        let err = ExpressionContext::new(None, Some(&values)).unwrap_err();
        assert_eq!(err.to_string(), "ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\"");
        let names: ExpressionNames = [("#a-b".to_string(), "a".to_string())].into();
        assert!(ExpressionContext::new(Some(&names), None).is_err());
    }

    #[test]
    fn finish_lists_unused_keys_in_order() {
        let names: ExpressionNames =
            [("#b".to_string(), "b".to_string()), ("#a".to_string(), "a".to_string())].into();
        let values: ExpressionValues =
            [(":x".to_string(), AttributeValue::Null), (":y".to_string(), AttributeValue::Null)].into();
        let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
        assert_eq!(
            ctx.finish().unwrap_err().to_string(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
        );
        ctx.resolve_name("#a");
        ctx.resolve_name("#b");
        ctx.resolve_value(":y");
        assert_eq!(
            ctx.finish().unwrap_err().to_string(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
        );
        ctx.resolve_value(":x");
        ctx.finish().unwrap();
    }
}
