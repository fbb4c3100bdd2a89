//! Evaluating conditions against an item, with DynamoDB's semantics:
//!
//! - An operand whose path does not resolve (missing attribute, index past
//!   the end, a key into a non-map) has no value; every comparison involving
//!   it is false, except `<>`, which is true.
//! - Values of different types are never equal and never ordered, so `<`
//!   between a string and a number is false, not an error. `<`, `<=`, `>`,
//!   `>=` and BETWEEN order only numbers (numerically), strings (by UTF-8
//!   bytes) and binaries (by unsigned bytes).
//! - `contains(a, v)`: substring for strings and binaries, membership for
//!   sets (the element type must match) and lists (any equal element).
//! - `begins_with` works on strings and binaries; `size` measures strings
//!   (in UTF-8 bytes), binaries (in bytes), sets,
//!   lists and maps, and has no value for other types.
//!
//! Evaluation borrows from the item and the parsed tree; the only values it
//! builds are `size` results.

use super::ast::{Comparator, Condition, DocumentPath, Operand, PathElement};
use crate::model::number::Number;
use crate::model::value::{AttributeValue, Item};
use std::borrow::Cow;
use std::cmp::Ordering;

impl Condition {
    /// True when `item` satisfies the condition. A missing item is an empty
    /// one: pass `&Item::new()`.
    pub fn evaluate(&self, item: &Item) -> bool {
        match self {
            Condition::Compare(op, a, b) => {
                let (a, b) = (operand_value(a, item), operand_value(b, item));
                match (a, b) {
                    (Some(a), Some(b)) => compare(*op, &a, &b),
                    _ => *op == Comparator::Ne,
                }
            }
            Condition::Between { value, lower, upper } => {
                let (Some(v), Some(lo), Some(hi)) =
                    (operand_value(value, item), operand_value(lower, item), operand_value(upper, item))
                else {
                    return false;
                };
                matches!(compare_values(&v, &lo), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(compare_values(&v, &hi), Some(Ordering::Less | Ordering::Equal))
            }
            Condition::In { value, list } => {
                let Some(v) = operand_value(value, item) else { return false };
                list.iter().any(|candidate| operand_value(candidate, item).is_some_and(|c| *c == *v))
            }
            Condition::AttributeExists(path) => resolve_path(path, item).is_some(),
            Condition::AttributeNotExists(path) => resolve_path(path, item).is_none(),
            Condition::AttributeType(path, type_name) => {
                resolve_path(path, item).is_some_and(|v| v.type_name() == *type_name)
            }
            Condition::BeginsWith(a, b) => match (operand_value(a, item), operand_value(b, item)) {
                (Some(a), Some(b)) => begins_with(&a, &b),
                _ => false,
            },
            Condition::Contains(a, b) => match (operand_value(a, item), operand_value(b, item)) {
                (Some(a), Some(b)) => contains(&a, &b),
                _ => false,
            },
            Condition::And(terms) => terms.iter().all(|t| t.evaluate(item)),
            Condition::Or(terms) => terms.iter().any(|t| t.evaluate(item)),
            Condition::Not(inner) => !inner.evaluate(item),
        }
    }
}

/// The value a document path names in `item`, if any.
pub fn resolve_path<'i>(path: &DocumentPath, item: &'i Item) -> Option<&'i AttributeValue> {
    let mut elements = path.elements.iter();
    let mut current = match elements.next()? {
        PathElement::Attribute(name) => item.get(name)?,
        PathElement::Index(_) => return None,
    };
    for element in elements {
        current = match (element, current) {
            (PathElement::Attribute(key), AttributeValue::M(map)) => map.get(key)?,
            (PathElement::Index(i), AttributeValue::L(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The value of an operand, borrowed where possible.
pub(crate) fn operand_value<'a>(operand: &'a Operand, item: &'a Item) -> Option<Cow<'a, AttributeValue>> {
    match operand {
        Operand::Path(path) => resolve_path(path, item).map(Cow::Borrowed),
        Operand::Value(value) => Some(Cow::Borrowed(value)),
        Operand::Size(inner) => {
            let value = operand_value(inner, item)?;
            size_of(&value).map(|n| Cow::Owned(AttributeValue::N(Number::from_u64(n as u64))))
        }
    }
}

/// `size()`: bytes of a string or binary, elements of a set or list, entries
/// of a map; no value for numbers, booleans and NULL.
pub fn size_of(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(v) => v.len(),
        AttributeValue::Ns(v) => v.len(),
        AttributeValue::Bs(v) => v.len(),
        AttributeValue::L(v) => v.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    })
}

/// Orders two values of the same orderable type (N, S, B); `None` otherwise.
pub fn compare_values(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.as_slice().cmp(y.as_slice())),
        _ => None,
    }
}

fn compare(op: Comparator, a: &AttributeValue, b: &AttributeValue) -> bool {
    match op {
        Comparator::Eq => a == b,
        Comparator::Ne => a != b,
        Comparator::Lt => compare_values(a, b) == Some(Ordering::Less),
        Comparator::Le => matches!(compare_values(a, b), Some(Ordering::Less | Ordering::Equal)),
        Comparator::Gt => compare_values(a, b) == Some(Ordering::Greater),
        Comparator::Ge => matches!(compare_values(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// `begins_with` on two strings or two binaries.
pub fn begins_with(value: &AttributeValue, prefix: &AttributeValue) -> bool {
    match (value, prefix) {
        (AttributeValue::S(v), AttributeValue::S(p)) => v.starts_with(p.as_str()),
        (AttributeValue::B(v), AttributeValue::B(p)) => v.starts_with(p),
        _ => false,
    }
}

fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(h), AttributeValue::S(n)) => h.contains(n.as_str()),
        (AttributeValue::B(h), AttributeValue::B(n)) => {
            n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice())
        }
        (AttributeValue::Ss(h), AttributeValue::S(n)) => h.contains(n),
        (AttributeValue::Ns(h), AttributeValue::N(n)) => h.contains(n),
        (AttributeValue::Bs(h), AttributeValue::B(n)) => h.contains(n),
        (AttributeValue::L(h), n) => h.contains(n),
        _ => false,
    }
}
