//! Raw condition trees → typed [`Condition`]s, running DynamoDB's checks in
//! DynamoDB's order so the first error a user sees is the one DynamoDB
//! would report:
//!
//! 1. redundant parentheses (`((a))`),
//! 2. unknown function names (names are case-sensitive),
//! 3. functions used in the wrong place (`size(a)` as a condition,
//!    `contains(...)` as an operand),
//! 4. reserved words used as bare attribute names,
//! 5. then each leaf condition in textual order: undefined `#name`/`:value`,
//!    operand counts, identical operands (`a = a`), operand types.
//!
//! Passes 1–4 look at the whole expression before any leaf is checked; that
//! is why `:a < abort` reports the reserved word, not the undefined `:a`.

use super::ast::{Condition, DocumentPath, Operand, PathElement, ATTRIBUTE_TYPES};
use super::names::{undefined_name, undefined_value, ExpressionContext};
use super::parse::{RawCondition, RawElement, RawFunction, RawOperand, RawPath};
use super::reserved::is_reserved;
use super::eval::compare_values;
use crate::model::value::AttributeValue;
use std::cmp::Ordering;

/// The largest `IN` list DynamoDB accepts.
pub const MAX_IN_OPERANDS: usize = 100;

const CONDITION_FUNCTIONS: [&str; 6] =
    ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size"];

/// Runs every check and builds the typed condition. Errors are returned
/// without the `Invalid <Kind>: ` prefix, which the caller adds.
pub(crate) fn build_condition(raw: &RawCondition<'_>, ctx: &mut ExpressionContext<'_>) -> Result<Condition, String> {
    if has_redundant_parens(raw) {
        return Err("The expression has redundant parentheses;".to_string());
    }
    let mut functions = Vec::new();
    collect_functions(raw, &mut functions);
    if let Some((f, _)) = functions.iter().find(|(f, _)| !CONDITION_FUNCTIONS.contains(&f.name)) {
        return Err(format!("Invalid function name; function: {}", f.name));
    }
    if let Some((f, _)) = functions
        .iter()
        .find(|(f, as_operand)| (*as_operand && f.name != "size") || (!*as_operand && f.name == "size"))
    {
        return Err(format!(
            "The function is not allowed to be used this way in an expression; function: {}",
            f.name
        ));
    }
    let mut paths = Vec::new();
    collect_condition_paths(raw, &mut paths);
    check_reserved(&paths)?;
    build(raw, ctx)
}

fn has_redundant_parens(raw: &RawCondition<'_>) -> bool {
    match raw {
        RawCondition::Paren(inner) => matches!(**inner, RawCondition::Paren(_)) || has_redundant_parens(inner),
        RawCondition::Not(inner) => has_redundant_parens(inner),
        RawCondition::And(terms) | RawCondition::Or(terms) => terms.iter().any(has_redundant_parens),
        RawCondition::Compare(_, a, b) => operand_redundant(a) || operand_redundant(b),
        RawCondition::Between(a, b, c) => [a, b, c].iter().any(|o| operand_redundant(o)),
        RawCondition::In(a, list) => operand_redundant(a) || list.iter().any(operand_redundant),
        RawCondition::Function(f) => f.args.iter().any(operand_redundant),
    }
}

pub(crate) fn operand_redundant(op: &RawOperand<'_>) -> bool {
    match op {
        RawOperand::Paren(inner) => matches!(**inner, RawOperand::Paren(_)) || operand_redundant(inner),
        RawOperand::Function(f) => f.args.iter().any(operand_redundant),
        _ => false,
    }
}

/// Every function call in textual order, flagged `true` when it is used as
/// an operand rather than as a condition.
fn collect_functions<'r, 's>(raw: &'r RawCondition<'s>, out: &mut Vec<(&'r RawFunction<'s>, bool)>) {
    match raw {
        RawCondition::Paren(inner) | RawCondition::Not(inner) => collect_functions(inner, out),
        RawCondition::And(terms) | RawCondition::Or(terms) => terms.iter().for_each(|t| collect_functions(t, out)),
        RawCondition::Compare(_, a, b) => [a, b].iter().for_each(|o| operand_functions(o, out)),
        RawCondition::Between(a, b, c) => [a, b, c].iter().for_each(|o| operand_functions(o, out)),
        RawCondition::In(a, list) => {
            operand_functions(a, out);
            list.iter().for_each(|o| operand_functions(o, out));
        }
        RawCondition::Function(f) => {
            out.push((f, false));
            f.args.iter().for_each(|o| operand_functions(o, out));
        }
    }
}

pub(crate) fn operand_functions<'r, 's>(op: &'r RawOperand<'s>, out: &mut Vec<(&'r RawFunction<'s>, bool)>) {
    match op {
        RawOperand::Function(f) => {
            out.push((f, true));
            f.args.iter().for_each(|o| operand_functions(o, out));
        }
        RawOperand::Paren(inner) => operand_functions(inner, out),
        _ => {}
    }
}

fn collect_condition_paths<'r, 's>(raw: &'r RawCondition<'s>, out: &mut Vec<&'r RawPath<'s>>) {
    match raw {
        RawCondition::Paren(inner) | RawCondition::Not(inner) => collect_condition_paths(inner, out),
        RawCondition::And(terms) | RawCondition::Or(terms) => {
            terms.iter().for_each(|t| collect_condition_paths(t, out))
        }
        RawCondition::Compare(_, a, b) => [a, b].iter().for_each(|o| operand_paths(o, out)),
        RawCondition::Between(a, b, c) => [a, b, c].iter().for_each(|o| operand_paths(o, out)),
        RawCondition::In(a, list) => {
            operand_paths(a, out);
            list.iter().for_each(|o| operand_paths(o, out));
        }
        RawCondition::Function(f) => f.args.iter().for_each(|o| operand_paths(o, out)),
    }
}

pub(crate) fn operand_paths<'r, 's>(op: &'r RawOperand<'s>, out: &mut Vec<&'r RawPath<'s>>) {
    match op {
        RawOperand::Path(p) => out.push(p),
        RawOperand::Function(f) => f.args.iter().for_each(|o| operand_paths(o, out)),
        RawOperand::Paren(inner) => operand_paths(inner, out),
        RawOperand::Value(_) => {}
    }
}

/// The first bare (un-aliased) name that is a reserved word.
pub(crate) fn check_reserved(paths: &[&RawPath<'_>]) -> Result<(), String> {
    for path in paths {
        for element in &path.elements {
            if let RawElement::Name { text, alias: false } = element {
                if is_reserved(text) {
                    return Err(format!("Attribute name is a reserved keyword; reserved keyword: {text}"));
                }
            }
        }
    }
    Ok(())
}

/// Substitutes `#names` in a path.
pub(crate) fn resolve_path(raw: &RawPath<'_>, ctx: &mut ExpressionContext<'_>) -> Result<DocumentPath, String> {
    let mut elements = Vec::with_capacity(raw.elements.len());
    for element in &raw.elements {
        elements.push(match element {
            RawElement::Name { text, alias: false } => PathElement::Attribute((*text).to_string()),
            RawElement::Name { text, alias: true } => {
                PathElement::Attribute(ctx.resolve_name(text).ok_or_else(|| undefined_name(text))?)
            }
            RawElement::Index(i) => PathElement::Index(*i),
        });
    }
    Ok(DocumentPath { elements })
}

/// An operand with its references substituted but its functions not yet
/// checked.
#[derive(Debug, Clone)]
pub(crate) enum Resolved<'s> {
    Path(DocumentPath),
    Value(AttributeValue),
    Function(&'s str, Vec<Resolved<'s>>),
}

impl Resolved<'_> {
    /// The type descriptor this operand is known to have before evaluation:
    /// a value's type, `N` for `size`, unknown for paths and other functions.
    pub(crate) fn static_type(&self) -> Option<&'static str> {
        match self {
            Resolved::Value(v) => Some(v.type_name()),
            Resolved::Function("size", _) => Some("N"),
            _ => None,
        }
    }
}

pub(crate) fn resolve_operand<'s>(
    raw: &RawOperand<'s>,
    ctx: &mut ExpressionContext<'_>,
) -> Result<Resolved<'s>, String> {
    Ok(match raw {
        RawOperand::Path(p) => Resolved::Path(resolve_path(p, ctx)?),
        RawOperand::Value(name) => Resolved::Value(ctx.resolve_value(name).ok_or_else(|| undefined_value(name))?.clone()),
        RawOperand::Paren(inner) => resolve_operand(inner, ctx)?,
        RawOperand::Function(f) => {
            let mut args = Vec::with_capacity(f.args.len());
            for arg in &f.args {
                args.push(resolve_operand(arg, ctx)?);
            }
            Resolved::Function(f.name, args)
        }
    })
}

fn build(raw: &RawCondition<'_>, ctx: &mut ExpressionContext<'_>) -> Result<Condition, String> {
    Ok(match raw {
        RawCondition::Paren(inner) => build(inner, ctx)?,
        RawCondition::Not(inner) => Condition::Not(Box::new(build(inner, ctx)?)),
        RawCondition::And(terms) => Condition::And(terms.iter().map(|t| build(t, ctx)).collect::<Result<_, _>>()?),
        RawCondition::Or(terms) => Condition::Or(terms.iter().map(|t| build(t, ctx)).collect::<Result<_, _>>()?),
        leaf => build_leaf(leaf, ctx)?,
    })
}

/// The operator (or function) name and operands of a leaf condition.
fn leaf_parts<'r, 's>(raw: &'r RawCondition<'s>) -> (&'s str, Vec<&'r RawOperand<'s>>) {
    match raw {
        RawCondition::Compare(c, a, b) => (c.symbol(), vec![a, b]),
        RawCondition::Between(a, b, c) => ("BETWEEN", vec![a, b, c]),
        RawCondition::In(a, list) => ("IN", std::iter::once(a).chain(list.iter()).collect()),
        RawCondition::Function(f) => (f.name, f.args.iter().collect()),
        // Invariant: `build` only passes leaves here.
        _ => unreachable!("not a leaf condition"),
    }
}

fn build_leaf(raw: &RawCondition<'_>, ctx: &mut ExpressionContext<'_>) -> Result<Condition, String> {
    let (operator, raw_operands) = leaf_parts(raw);
    let mut operands = Vec::with_capacity(raw_operands.len());
    for op in &raw_operands {
        operands.push(resolve_operand(op, ctx)?);
    }
    // Operand counts: nested functions first, then the leaf itself.
    for op in &operands {
        check_counts(op)?;
    }
    let is_function = matches!(raw, RawCondition::Function(_));
    if is_function {
        check_function_arity(operator, operands.len())?;
    }
    if let RawCondition::In(_, list) = raw {
        if list.len() > MAX_IN_OPERANDS {
            return Err(format!(
                "Incorrect number of operands for operator or function; operator or function: IN, number of operands: {}",
                list.len() + 1
            ));
        }
    }
    // Distinct operands for two-operand operators and functions.
    let distinct_applies = !matches!(raw, RawCondition::Between(..) | RawCondition::In(..));
    if distinct_applies && operands.len() == 2 {
        if let (Resolved::Path(a), Resolved::Path(b)) = (&operands[0], &operands[1]) {
            if a == b {
                return Err(format!(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: {}",
                    a.bracketed()
                ));
            }
        }
    }
    for op in &operands {
        check_types(op)?;
    }
    let mut typed = operands.into_iter().map(into_operand);
    // Invariant for the `expect`s below: the grammar fixes the operand count
    // of comparisons, BETWEEN and IN, and function arity was checked above.
    let mut take = || typed.next().expect("operand count checked");
    let condition = match raw {
        RawCondition::Compare(c, ..) => Condition::Compare(*c, take(), take()),
        RawCondition::Between(..) => {
            let (value, lower, upper) = (take(), take(), take());
            check_between_bounds(&lower, &upper)?;
            Condition::Between { value, lower, upper }
        }
        RawCondition::In(..) => {
            let value = take();
            Condition::In { value, list: typed.collect() }
        }
        RawCondition::Function(f) => {
            let first = take();
            build_function_condition(f.name, first, typed.next())?
        }
        _ => unreachable!("not a leaf condition"),
    };
    Ok(condition)
}

fn into_operand(resolved: Resolved<'_>) -> Operand {
    match resolved {
        Resolved::Path(p) => Operand::Path(p),
        Resolved::Value(v) => Operand::Value(v),
        // Only `size` survives the misuse check as an operand function.
        Resolved::Function(_, mut args) => {
            Operand::Size(Box::new(args.pop().map(into_operand).unwrap_or(Operand::Value(AttributeValue::Null))))
        }
    }
}

fn function_arity(name: &str) -> usize {
    match name {
        "attribute_exists" | "attribute_not_exists" | "size" => 1,
        _ => 2,
    }
}

fn check_function_arity(name: &str, count: usize) -> Result<(), String> {
    if function_arity(name) != count {
        return Err(format!(
            "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {count}"
        ));
    }
    Ok(())
}

fn check_counts(op: &Resolved<'_>) -> Result<(), String> {
    if let Resolved::Function(name, args) = op {
        for arg in args {
            check_counts(arg)?;
        }
        check_function_arity(name, args.len())?;
    }
    Ok(())
}

fn incorrect_type(function: &str, type_name: &str) -> String {
    format!("Incorrect operand type for operator or function; operator or function: {function}, operand type: {type_name}")
}

/// Type checks for `size` operands (nested ones first).
fn check_types(op: &Resolved<'_>) -> Result<(), String> {
    if let Resolved::Function(name, args) = op {
        for arg in args {
            check_types(arg)?;
        }
        if *name == "size" {
            if let Some(t @ ("N" | "BOOL" | "NULL")) = args.first().and_then(Resolved::static_type) {
                return Err(incorrect_type("size", t));
            }
        }
    }
    Ok(())
}

fn requires_path(function: &str) -> String {
    format!("Operator or function requires a document path; operator or function: {function}")
}

fn build_function_condition(name: &str, first: Operand, second: Option<Operand>) -> Result<Condition, String> {
    let static_type = |op: &Operand| match op {
        Operand::Value(v) => Some(v.type_name()),
        Operand::Size(_) => Some("N"),
        Operand::Path(_) => None,
    };
    Ok(match name {
        "attribute_exists" | "attribute_not_exists" => {
            let Operand::Path(path) = first else { return Err(requires_path(name)) };
            if name == "attribute_exists" {
                Condition::AttributeExists(path)
            } else {
                Condition::AttributeNotExists(path)
            }
        }
        "attribute_type" => {
            let type_name = match second.as_ref().unwrap_or(&first) {
                Operand::Value(AttributeValue::S(s)) => s.as_str(),
                Operand::Path(_) => {
                    return Err(incorrect_type(name, &format!("{{{}}}", ATTRIBUTE_TYPES.join(","))))
                }
                other => return Err(incorrect_type(name, static_type(other).unwrap_or("N"))),
            };
            let Some(known) = ATTRIBUTE_TYPES.iter().find(|t| **t == type_name) else {
                return Err(format!(
                    "Invalid attribute type name found; type: {type_name}, valid types: {{{}}}",
                    ATTRIBUTE_TYPES.join(",")
                ));
            };
            let Operand::Path(path) = first else { return Err(requires_path(name)) };
            Condition::AttributeType(path, known)
        }
        "begins_with" => {
            let Some(second) = second else { return Err(incorrect_type(name, "N")) };
            for op in [&first, &second] {
                if let Some(t) = static_type(op) {
                    if t != "S" && t != "B" {
                        return Err(incorrect_type(name, t));
                    }
                }
            }
            Condition::BeginsWith(first, second)
        }
        "contains" => match second {
            Some(second) => Condition::Contains(first, second),
            None => return Err(incorrect_type(name, "N")),
        },
        // `size` as a condition was rejected by the misuse check.
        other => return Err(format!("The function is not allowed to be used this way in an expression; function: {other}")),
    })
}

/// DynamoDB's rendering of a value in BETWEEN errors: `AttributeValue: {S:a}`.
fn describe_value(value: &AttributeValue) -> String {
    let shown = match value {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::B(b) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(b)
        }
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Null => "true".to_string(),
        _ => "...".to_string(),
    };
    format!("AttributeValue: {{{}:{}}}", value.type_name(), shown)
}

/// Constant BETWEEN bounds must share a type and be in order.
fn check_between_bounds(lower: &Operand, upper: &Operand) -> Result<(), String> {
    let (Operand::Value(lo), Operand::Value(hi)) = (lower, upper) else { return Ok(()) };
    if lo.type_name() != hi.type_name() {
        return Err(format!(
            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {}, upper bound operand: {}",
            describe_value(lo),
            describe_value(hi)
        ));
    }
    if compare_values(lo, hi) == Some(Ordering::Greater) {
        return Err(format!(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {}, upper bound operand: {}",
            describe_value(lo),
            describe_value(hi)
        ));
    }
    Ok(())
}
