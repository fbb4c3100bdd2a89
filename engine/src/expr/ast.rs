//! The typed trees the expression parsers produce, with every `#name` and
//! `:value` already substituted, so evaluating a filter against each scanned
//! item never looks a name up or re-parses text.
//!
//! A [`DocumentPath`] is a top-level attribute name followed by map keys and
//! list indexes (`a.b[3].c`). Operands are paths, literal values (from
//! `ExpressionAttributeValues`) or `size(...)`. Conditions keep DynamoDB's
//! shape: comparisons, `BETWEEN`, `IN`, the boolean functions, and
//! `AND`/`OR`/`NOT`, with chains of `AND`/`OR` flattened into vectors.

use crate::model::value::AttributeValue;
use std::fmt;

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathElement {
    /// A top-level attribute name or a map key.
    Attribute(String),
    /// A list index, `[n]`.
    Index(usize),
}

/// A document path: `elements[0]` is always an [`PathElement::Attribute`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentPath {
    pub elements: Vec<PathElement>,
}

impl DocumentPath {
    /// A path naming one top-level attribute.
    pub fn attribute(name: impl Into<String>) -> Self {
        DocumentPath { elements: vec![PathElement::Attribute(name.into())] }
    }

    /// The top-level attribute this path starts at.
    pub fn top_level(&self) -> &str {
        match self.elements.first() {
            Some(PathElement::Attribute(name)) => name,
            // Parsers only build paths that start with a name; an index-first
            // path can only come from a caller, and names nothing.
            _ => "",
        }
    }

    /// True when the path is just a top-level attribute name.
    pub fn is_top_level(&self) -> bool {
        self.elements.len() == 1
    }

    /// DynamoDB's rendering in error messages: `[a, b, [3]]`.
    pub fn bracketed(&self) -> String {
        let parts: Vec<String> = self
            .elements
            .iter()
            .map(|e| match e {
                PathElement::Attribute(name) => name.clone(),
                PathElement::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

impl fmt::Display for DocumentPath {
    /// `a.b[3]` (names are shown raw, without aliasing).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, element) in self.elements.iter().enumerate() {
            match element {
                PathElement::Attribute(name) if i == 0 => f.write_str(name)?,
                PathElement::Attribute(name) => write!(f, ".{name}")?,
                PathElement::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A value-producing operand of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(DocumentPath),
    Value(AttributeValue),
    /// `size(operand)`: the length of a string, binary, set, list or map.
    Size(Box<Operand>),
}

/// The six comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    /// The operator as written in an expression.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }

    pub(crate) fn from_symbol(symbol: &str) -> Option<Comparator> {
        Some(match symbol {
            "=" => Comparator::Eq,
            "<>" => Comparator::Ne,
            "<" => Comparator::Lt,
            "<=" => Comparator::Le,
            ">" => Comparator::Gt,
            ">=" => Comparator::Ge,
            _ => return None,
        })
    }

    /// The comparator that gives the same answer with its operands swapped.
    pub fn flipped(self) -> Comparator {
        match self {
            Comparator::Lt => Comparator::Gt,
            Comparator::Le => Comparator::Ge,
            Comparator::Gt => Comparator::Lt,
            Comparator::Ge => Comparator::Le,
            other => other,
        }
    }
}

/// A parsed, name-resolved condition (ConditionExpression, FilterExpression).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(Comparator, Operand, Operand),
    Between { value: Operand, lower: Operand, upper: Operand },
    In { value: Operand, list: Vec<Operand> },
    AttributeExists(DocumentPath),
    AttributeNotExists(DocumentPath),
    /// `attribute_type(path, :t)`; the type descriptor is checked at parse time.
    AttributeType(DocumentPath, &'static str),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

/// The ten type descriptors `attribute_type` accepts, in the order DynamoDB
/// lists them in its error message.
pub const ATTRIBUTE_TYPES: [&str; 10] = ["B", "NULL", "SS", "BOOL", "L", "BS", "N", "NS", "S", "M"];
