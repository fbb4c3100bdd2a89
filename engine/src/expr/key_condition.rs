//! KeyConditionExpression: the partition-key equality and optional sort-key
//! condition of a Query, as a typed [`KeyCondition`] the query planner turns
//! into a key range.
//!
//! The text is parsed and checked as a condition first (so syntax, names,
//! values and function operands get the usual messages), then its shape is
//! checked the way DynamoDB does, in DynamoDB's order: operators other than
//! `=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with` and `AND`; per
//! condition, the key attribute as first operand of BETWEEN/begins_with, one
//! attribute name, no nested path, no `size()`; one condition per key; at
//! most two conditions; value types against the key schema; and finally the
//! schema itself (the partition key with `=`, the sort key for the other).

use super::ast::{Comparator, Condition, Operand};
use super::condition::build_condition;
use super::eval::{begins_with, compare_values};
use super::names::ExpressionContext;
use super::parse::parse_condition;
use super::invalid;
use crate::error::{Error, Result};
use crate::model::value::AttributeValue;
use crate::validation;
use std::cmp::Ordering;

/// A key attribute of the table or index being queried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttribute<'a> {
    pub name: &'a str,
    /// The key's scalar type: `"S"`, `"N"` or `"B"`.
    pub type_name: &'a str,
}

/// The condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKeyCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl SortKeyCondition {
    /// True when a sort-key value satisfies the condition.
    pub fn matches(&self, value: &AttributeValue) -> bool {
        let cmp = |bound: &AttributeValue| compare_values(value, bound);
        match self {
            SortKeyCondition::Eq(v) => cmp(v) == Some(Ordering::Equal),
            SortKeyCondition::Lt(v) => cmp(v) == Some(Ordering::Less),
            SortKeyCondition::Le(v) => matches!(cmp(v), Some(Ordering::Less | Ordering::Equal)),
            SortKeyCondition::Gt(v) => cmp(v) == Some(Ordering::Greater),
            SortKeyCondition::Ge(v) => matches!(cmp(v), Some(Ordering::Greater | Ordering::Equal)),
            SortKeyCondition::Between(lo, hi) => {
                matches!(cmp(lo), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(hi), Some(Ordering::Less | Ordering::Equal))
            }
            SortKeyCondition::BeginsWith(prefix) => begins_with(value, prefix),
        }
    }
}

/// A Query's key condition: the partition key value and, optionally, a
/// condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    pub partition: AttributeValue,
    pub sort: Option<SortKeyCondition>,
}

/// One `attribute <op> values` condition, with the attribute on the left.
struct KeyTerm {
    attribute: String,
    op: SortKeyCondition,
}

fn unsupported_operator(name: &str) -> Error {
    validation!("Invalid operator used in KeyConditionExpression: {name}")
}

fn invalid_condition(detail: &str) -> Error {
    validation!("Invalid condition in KeyConditionExpression: {detail}")
}

/// The first operator in the tree a key condition cannot use.
fn check_operators(condition: &Condition) -> Result<()> {
    match condition {
        Condition::And(terms) => terms.iter().try_for_each(check_operators),
        Condition::Or(_) => Err(unsupported_operator("OR")),
        Condition::Not(_) => Err(unsupported_operator("NOT")),
        Condition::In { .. } => Err(unsupported_operator("IN")),
        Condition::Compare(Comparator::Ne, ..) => Err(unsupported_operator("<>")),
        Condition::AttributeExists(_) => Err(unsupported_operator("attribute_exists")),
        Condition::AttributeNotExists(_) => Err(unsupported_operator("attribute_not_exists")),
        Condition::AttributeType(..) => Err(unsupported_operator("attribute_type")),
        Condition::Contains(..) => Err(unsupported_operator("contains")),
        Condition::Compare(..) | Condition::Between { .. } | Condition::BeginsWith(..) => Ok(()),
    }
}

fn flatten<'c>(condition: &'c Condition, out: &mut Vec<&'c Condition>) {
    match condition {
        Condition::And(terms) => terms.iter().for_each(|t| flatten(t, out)),
        leaf => out.push(leaf),
    }
}

/// Checks the operands of one condition: exactly one top-level attribute
/// name, the rest constant values. Returns the attribute's position.
fn key_operand_position(operands: &[&Operand]) -> Result<usize> {
    let mut attribute = None;
    for (i, operand) in operands.iter().enumerate() {
        match operand {
            Operand::Path(path) => {
                if attribute.is_some() {
                    return Err(invalid_condition("Multiple attribute names used in one condition"));
                }
                if !path.is_top_level() {
                    return Err(validation!("KeyConditionExpressions cannot have conditions on nested attributes"));
                }
                attribute = Some(i);
            }
            Operand::Size(_) => return Err(validation!("KeyConditionExpressions cannot contain nested operations")),
            Operand::Value(_) => {}
        }
    }
    attribute.ok_or_else(|| invalid_condition("No key attribute specified"))
}

fn value_of(operand: &Operand) -> AttributeValue {
    match operand {
        Operand::Value(v) => v.clone(),
        // `key_operand_position` accepted only values besides the attribute.
        _ => AttributeValue::Null,
    }
}

fn key_term(leaf: &Condition) -> Result<KeyTerm> {
    let (operands, first_must_be_key): (Vec<&Operand>, Option<&str>) = match leaf {
        Condition::Compare(_, a, b) => (vec![a, b], None),
        Condition::Between { value, lower, upper } => (vec![value, lower, upper], Some("BETWEEN")),
        Condition::BeginsWith(a, b) => (vec![a, b], Some("begins_with")),
        // `check_operators` let only these three through.
        _ => return Err(unsupported_operator("unknown")),
    };
    if let Some(operator) = first_must_be_key {
        if !matches!(operands[0], Operand::Path(_)) {
            return Err(invalid_condition(&format!(
                "{operator} operator must have the key attribute as its first operand"
            )));
        }
    }
    let position = key_operand_position(&operands)?;
    let Operand::Path(path) = operands[position] else { return Err(invalid_condition("No key attribute specified")) };
    let attribute = path.top_level().to_string();
    let op = match leaf {
        Condition::Compare(comparator, a, b) => {
            let (comparator, value) =
                if position == 0 { (*comparator, value_of(b)) } else { (comparator.flipped(), value_of(a)) };
            match comparator {
                Comparator::Eq => SortKeyCondition::Eq(value),
                Comparator::Lt => SortKeyCondition::Lt(value),
                Comparator::Le => SortKeyCondition::Le(value),
                Comparator::Gt => SortKeyCondition::Gt(value),
                Comparator::Ge => SortKeyCondition::Ge(value),
                Comparator::Ne => return Err(unsupported_operator("<>")),
            }
        }
        Condition::Between { lower, upper, .. } => SortKeyCondition::Between(value_of(lower), value_of(upper)),
        Condition::BeginsWith(_, prefix) => SortKeyCondition::BeginsWith(value_of(prefix)),
        _ => return Err(unsupported_operator("unknown")),
    };
    Ok(KeyTerm { attribute, op })
}

fn term_values(op: &SortKeyCondition) -> Vec<&AttributeValue> {
    match op {
        SortKeyCondition::Eq(v)
        | SortKeyCondition::Lt(v)
        | SortKeyCondition::Le(v)
        | SortKeyCondition::Gt(v)
        | SortKeyCondition::Ge(v)
        | SortKeyCondition::BeginsWith(v) => vec![v],
        SortKeyCondition::Between(lo, hi) => vec![lo, hi],
    }
}

pub(crate) fn build_key_condition(
    text: &str,
    ctx: &mut ExpressionContext<'_>,
    hash_key: KeyAttribute<'_>,
    range_key: Option<KeyAttribute<'_>>,
) -> Result<KeyCondition> {
    const PARAMETER: &str = "KeyConditionExpression";
    let raw = parse_condition(text).map_err(|m| invalid(PARAMETER, m))?;
    let condition = build_condition(&raw, ctx).map_err(|m| invalid(PARAMETER, m))?;
    check_operators(&condition)?;
    let mut leaves = Vec::new();
    flatten(&condition, &mut leaves);
    let mut terms: Vec<KeyTerm> = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        let term = key_term(leaf)?;
        if terms.iter().any(|t| t.attribute == term.attribute) {
            return Err(validation!("KeyConditionExpressions must only contain one condition per key"));
        }
        terms.push(term);
    }
    if terms.len() > 2 {
        return Err(validation!("Conditions can be of length 1 or 2 only"));
    }
    for term in &terms {
        let key = [Some(hash_key), range_key].into_iter().flatten().find(|k| k.name == term.attribute);
        if let Some(key) = key {
            if term_values(&term.op).iter().any(|v| v.type_name() != key.type_name) {
                return Err(validation!(
                    "One or more parameter values were invalid: Condition parameter type does not match schema type"
                ));
            }
        }
    }
    let key_count = if range_key.is_some() { 2 } else { 1 };
    if terms.len() > key_count {
        return Err(validation!("Query key condition not supported"));
    }
    let Some(hash_index) = terms.iter().position(|t| t.attribute == hash_key.name) else {
        return Err(validation!("Query condition missed key schema element: {}", hash_key.name));
    };
    let hash_term = terms.remove(hash_index);
    let SortKeyCondition::Eq(partition) = hash_term.op else {
        return Err(validation!("Query key condition not supported"));
    };
    let sort = match (terms.pop(), range_key) {
        (None, _) => None,
        (Some(term), Some(range)) if term.attribute == range.name => Some(term.op),
        (Some(_), Some(range)) => {
            return Err(validation!("Query condition missed key schema element: {}", range.name));
        }
        (Some(_), None) => return Err(validation!("Query key condition not supported")),
    };
    Ok(KeyCondition { partition, sort })
}
