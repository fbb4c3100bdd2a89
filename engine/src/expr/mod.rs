//! DynamoDB expressions: condition/filter, update, projection and key
//! condition, parsed with one hand-written grammar (`parse.rs`) and
//! evaluated against items.
//!
//! # Using it from an operation
//!
//! One [`ExpressionContext`] per request holds the request's
//! `ExpressionAttributeNames` and `ExpressionAttributeValues`. Each
//! expression of the request is parsed through it (which substitutes every
//! `#name` and `:value` once, at parse time), and [`ExpressionContext::finish`]
//! then reports names or values that no expression used:
//!
//! ```
//! use kstone_engine::expr::{ConditionKind, ExpressionContext, ExpressionValues};
//! use kstone_engine::{AttributeValue, Item};
//!
//! let values: ExpressionValues = [(":min".to_string(), AttributeValue::S("b".into()))].into();
//! let mut ctx = ExpressionContext::new(None, Some(&values)).unwrap();
//! let filter = ctx.parse_condition("title >= :min", ConditionKind::Filter).unwrap();
//! let update = ctx.parse_update("REMOVE obsolete").unwrap();
//! ctx.finish().unwrap();
//!
//! let item: Item = [("title".to_string(), AttributeValue::S("carol".into()))].into();
//! assert!(filter.evaluate(&item));
//! let (new_item, _updated) = update.apply(&item).unwrap();
//! assert_eq!(new_item, item);
//! ```
//!
//! Errors are [`Error::Validation`](crate::error::Error::Validation) with
//! DynamoDB's messages, prefixed as DynamoDB prefixes them (`Invalid
//! UpdateExpression: Syntax error; token: "=", near: "SET = 1"`).
//!
//! # Layout
//! - `parse.rs`: the grammar, text → raw trees (with parentheses and
//!   unresolved references), and the syntax-error message.
//! - `condition.rs`: raw condition → [`Condition`], checks in DynamoDB order.
//! - `eval.rs`: [`Condition::evaluate`] and DynamoDB's comparison rules.
//! - `update.rs`: [`UpdateExpression`] and [`UpdateExpression::apply`].
//! - `projection.rs`: [`Projection`] and the path overlap rules.
//! - `key_condition.rs`: [`KeyCondition`] for Query.
//! - `names.rs`: the context and `#name`/`:value` usage tracking.
//! - `reserved.rs`: DynamoDB's reserved words.

mod ast;
mod condition;
mod eval;
mod key_condition;
mod names;
mod parse;
mod projection;
mod reserved;
mod update;

pub use ast::{Comparator, Condition, DocumentPath, Operand, PathElement, ATTRIBUTE_TYPES};
pub use eval::{begins_with, compare_values, resolve_path, size_of};
pub use key_condition::{KeyAttribute, KeyCondition, SortKeyCondition};
pub use names::{ExpressionContext, ExpressionNames, ExpressionValues};
pub use projection::Projection;
pub use reserved::is_reserved;
pub use update::{UpdateAction, UpdateExpression, UpdatedPaths};

use crate::error::{Error, Result};

/// Which request parameter a condition came from; it only changes the
/// wording of errors (`Invalid ConditionExpression: ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionKind {
    Condition,
    Filter,
}

impl ConditionKind {
    /// The request parameter's name.
    pub fn parameter(self) -> &'static str {
        match self {
            ConditionKind::Condition => "ConditionExpression",
            ConditionKind::Filter => "FilterExpression",
        }
    }
}

/// The error DynamoDB gives for a problem in expression parameter `parameter`.
pub(crate) fn invalid(parameter: &str, message: impl std::fmt::Display) -> Error {
    Error::Validation(format!("Invalid {parameter}: {message}"))
}

/// DynamoDB's limit on the length of one expression string, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// The checks DynamoDB makes on an expression's text before parsing it.
fn check_text(parameter: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(invalid(parameter, "The expression can not be empty;"));
    }
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(invalid(
            parameter,
            format_args!("Expression size has exceeded the maximum allowed size; expression size: {}", text.len()),
        ));
    }
    Ok(())
}

impl<'a> ExpressionContext<'a> {
    /// Parses a ConditionExpression or FilterExpression.
    pub fn parse_condition(&mut self, text: &str, kind: ConditionKind) -> Result<Condition> {
        let parameter = kind.parameter();
        check_text(parameter, text)?;
        let raw = parse::parse_condition(text).map_err(|m| invalid(parameter, m))?;
        condition::build_condition(&raw, self).map_err(|m| invalid(parameter, m))
    }

    /// Parses an UpdateExpression.
    pub fn parse_update(&mut self, text: &str) -> Result<UpdateExpression> {
        check_text("UpdateExpression", text)?;
        update::build_update(text, self).map_err(|m| invalid("UpdateExpression", m))
    }

    /// Parses a ProjectionExpression.
    pub fn parse_projection(&mut self, text: &str) -> Result<Projection> {
        check_text("ProjectionExpression", text)?;
        projection::build_projection(text, self).map_err(|m| invalid("ProjectionExpression", m))
    }

    /// Parses a KeyConditionExpression against the key schema of the table
    /// or index being queried.
    pub fn parse_key_condition(
        &mut self,
        text: &str,
        hash_key: KeyAttribute<'_>,
        range_key: Option<KeyAttribute<'_>>,
    ) -> Result<KeyCondition> {
        check_text("KeyConditionExpression", text)?;
        key_condition::build_key_condition(text, self, hash_key, range_key)
    }
}
