//! UpdateExpression: parsing, DynamoDB's checks, and applying it to an item.
//!
//! Checks run in the order DynamoDB reports them: syntax, unknown function
//! names, reserved words, a clause kind used twice, undefined `#name` /
//! `:value`, the operand types of ADD and DELETE, overlapping and
//! conflicting paths, and finally each SET action's functions (operand
//! counts, `if_not_exists` needing a path, constant operand types).
//!
//! Applying follows DynamoDB's semantics: every right-hand side is computed
//! from the item as it was before the update; targets whose parent is
//! missing (or is not a map/list as the path needs) fail with "The document
//! path provided in the update expression is invalid for update"; `SET l[i]`
//! past the end appends; `REMOVE` of list elements removes from the highest
//! index down, so several removals from one list all refer to the original
//! positions; `ADD` creates a missing attribute, adds numbers and unions
//! sets; `DELETE` subtracts sets and removes the attribute when it becomes
//! empty.

use super::ast::{DocumentPath, PathElement};
use super::condition::{check_reserved, operand_functions, operand_paths, resolve_operand, resolve_path, Resolved};
use super::eval::resolve_path as lookup;
use super::names::{undefined_value, ExpressionContext};
use super::parse::{parse_update, RawClause, RawPath, RawSetValue};
use super::projection::{check_overlaps, Projection};
use crate::error::{Error, Result};
use crate::validation;
use crate::model::value::{AttributeValue, Item};

/// A value-producing operand of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOperand {
    Path(DocumentPath),
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`.
    IfNotExists(DocumentPath, Box<UpdateOperand>),
    /// `list_append(a, b)`.
    ListAppend(Box<UpdateOperand>, Box<UpdateOperand>),
}

/// The right-hand side of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    Operand(UpdateOperand),
    Plus(UpdateOperand, UpdateOperand),
    Minus(UpdateOperand, UpdateOperand),
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(DocumentPath, SetValue),
    Remove(DocumentPath),
    Add(DocumentPath, AttributeValue),
    Delete(DocumentPath, AttributeValue),
}

impl UpdateAction {
    /// The path this action writes.
    pub fn target(&self) -> &DocumentPath {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}

/// A parsed, checked update expression.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateExpression {
    actions: Vec<UpdateAction>,
}

/// The paths an update wrote, for `ReturnValues` `UPDATED_OLD` and
/// `UPDATED_NEW`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedPaths {
    projection: Projection,
}

impl UpdatedPaths {
    /// The written paths.
    pub fn paths(&self) -> &[DocumentPath] {
        self.projection.paths()
    }

    /// The parts of `item` the update wrote: apply it to the old item for
    /// `UPDATED_OLD`, to the new one for `UPDATED_NEW`.
    pub fn project(&self, item: &Item) -> Item {
        self.projection.apply(item)
    }
}

fn invalid_path() -> Error {
    validation!("The document path provided in the update expression is invalid for update")
}

fn incorrect_data_type() -> Error {
    validation!("An operand in the update expression has an incorrect data type")
}

impl UpdateExpression {
    /// The actions in the order written.
    pub fn actions(&self) -> &[UpdateAction] {
        &self.actions
    }

    /// Every path the expression writes (SET, REMOVE, ADD and DELETE targets).
    pub fn target_paths(&self) -> impl Iterator<Item = &DocumentPath> {
        self.actions.iter().map(UpdateAction::target)
    }

    /// Applies the update to `item` (pass an empty item when none exists):
    /// the new item, and the paths that were written.
    pub fn apply(&self, item: &Item) -> Result<(Item, UpdatedPaths)> {
        for action in &self.actions {
            check_parent(item, action.target())?;
        }
        let mut set_values = Vec::new();
        for action in &self.actions {
            if let UpdateAction::Set(_, value) = action {
                set_values.push(evaluate_set_value(value, item)?);
            }
        }
        let mut new_item = item.clone();
        let mut set_values = set_values.into_iter();
        let mut removals: Vec<&DocumentPath> = Vec::new();
        for action in &self.actions {
            match action {
                UpdateAction::Set(path, _) => {
                    // One value was computed per SET action above.
                    let value = set_values.next().ok_or_else(incorrect_data_type)?;
                    write_path(&mut new_item, path, value)?;
                }
                UpdateAction::Remove(path) => removals.push(path),
                UpdateAction::Add(path, value) => {
                    let updated = match lookup(path, &new_item) {
                        None => value.clone(),
                        Some(current) => add_values(current, value)?,
                    };
                    write_path(&mut new_item, path, updated)?;
                }
                UpdateAction::Delete(path, value) => {
                    if let Some(current) = lookup(path, &new_item) {
                        match subtract_sets(current, value)? {
                            Some(rest) => write_path(&mut new_item, path, rest)?,
                            None => remove_path(&mut new_item, path),
                        }
                    }
                }
            }
        }
        // Highest list index first, so earlier positions stay valid.
        removals.sort_by(|a, b| b.cmp(a));
        for path in removals {
            remove_path(&mut new_item, path);
        }
        let updated = UpdatedPaths { projection: Projection::from_paths(self.target_paths().cloned().collect()) };
        Ok((new_item, updated))
    }
}

/// The parent of a nested target must exist and be a map (for a key) or a
/// list (for an index).
fn check_parent(item: &Item, path: &DocumentPath) -> Result<()> {
    let Some((last, parent)) = path.elements.split_last() else { return Err(invalid_path()) };
    if parent.is_empty() {
        return match last {
            PathElement::Attribute(_) => Ok(()),
            PathElement::Index(_) => Err(invalid_path()),
        };
    }
    let parent_path = DocumentPath { elements: parent.to_vec() };
    match (lookup(&parent_path, item), last) {
        (Some(AttributeValue::M(_)), PathElement::Attribute(_)) => Ok(()),
        (Some(AttributeValue::L(_)), PathElement::Index(_)) => Ok(()),
        _ => Err(invalid_path()),
    }
}

fn lookup_mut<'i>(item: &'i mut Item, elements: &[PathElement]) -> Option<&'i mut AttributeValue> {
    let (first, rest) = elements.split_first()?;
    let PathElement::Attribute(name) = first else { return None };
    let mut current = item.get_mut(name)?;
    for element in rest {
        current = match (element, current) {
            (PathElement::Attribute(key), AttributeValue::M(map)) => map.get_mut(key)?,
            (PathElement::Index(i), AttributeValue::L(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn write_path(item: &mut Item, path: &DocumentPath, value: AttributeValue) -> Result<()> {
    let Some((last, parent)) = path.elements.split_last() else { return Err(invalid_path()) };
    if parent.is_empty() {
        let PathElement::Attribute(name) = last else { return Err(invalid_path()) };
        item.insert(name.clone(), value);
        return Ok(());
    }
    match (lookup_mut(item, parent), last) {
        (Some(AttributeValue::M(map)), PathElement::Attribute(key)) => {
            map.insert(key.clone(), value);
            Ok(())
        }
        (Some(AttributeValue::L(list)), PathElement::Index(i)) => {
            if *i < list.len() {
                list[*i] = value;
            } else {
                list.push(value);
            }
            Ok(())
        }
        _ => Err(invalid_path()),
    }
}

fn remove_path(item: &mut Item, path: &DocumentPath) {
    let Some((last, parent)) = path.elements.split_last() else { return };
    if parent.is_empty() {
        if let PathElement::Attribute(name) = last {
            item.remove(name);
        }
        return;
    }
    match (lookup_mut(item, parent), last) {
        (Some(AttributeValue::M(map)), PathElement::Attribute(key)) => {
            map.remove(key);
        }
        (Some(AttributeValue::L(list)), PathElement::Index(i)) if *i < list.len() => {
            list.remove(*i);
        }
        _ => {}
    }
}

fn evaluate_operand(operand: &UpdateOperand, item: &Item) -> Result<AttributeValue> {
    Ok(match operand {
        UpdateOperand::Value(v) => v.clone(),
        UpdateOperand::Path(p) => lookup(p, item).cloned().ok_or_else(|| {
            validation!("The provided expression refers to an attribute that does not exist in the item")
        })?,
        UpdateOperand::IfNotExists(p, fallback) => match lookup(p, item) {
            Some(v) => v.clone(),
            None => evaluate_operand(fallback, item)?,
        },
        UpdateOperand::ListAppend(a, b) => {
            let (AttributeValue::L(mut first), AttributeValue::L(second)) =
                (evaluate_operand(a, item)?, evaluate_operand(b, item)?)
            else {
                return Err(incorrect_data_type());
            };
            first.extend(second);
            AttributeValue::L(first)
        }
    })
}

fn evaluate_set_value(value: &SetValue, item: &Item) -> Result<AttributeValue> {
    let (a, b, plus) = match value {
        SetValue::Operand(op) => return evaluate_operand(op, item),
        SetValue::Plus(a, b) => (a, b, true),
        SetValue::Minus(a, b) => (a, b, false),
    };
    let (AttributeValue::N(x), AttributeValue::N(y)) = (evaluate_operand(a, item)?, evaluate_operand(b, item)?)
    else {
        return Err(incorrect_data_type());
    };
    let result = if plus { x.checked_add(&y) } else { x.checked_sub(&y) };
    Ok(AttributeValue::N(result?))
}

fn union<T: PartialEq + Clone>(current: &[T], added: &[T]) -> Vec<T> {
    let mut out = current.to_vec();
    for element in added {
        if !out.contains(element) {
            out.push(element.clone());
        }
    }
    out
}

fn add_values(current: &AttributeValue, added: &AttributeValue) -> Result<AttributeValue> {
    Ok(match (current, added) {
        (AttributeValue::N(x), AttributeValue::N(y)) => AttributeValue::N(x.checked_add(y)?),
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => AttributeValue::Ss(union(x, y)),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => AttributeValue::Ns(union(x, y)),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => AttributeValue::Bs(union(x, y)),
        _ => return Err(incorrect_data_type()),
    })
}

/// `current` minus `removed`; `None` when nothing is left.
fn subtract_sets(current: &AttributeValue, removed: &AttributeValue) -> Result<Option<AttributeValue>> {
    fn minus<T: PartialEq + Clone>(x: &[T], y: &[T]) -> Vec<T> {
        x.iter().filter(|e| !y.contains(e)).cloned().collect()
    }
    let rest = match (current, removed) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => AttributeValue::Ss(minus(x, y)),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => AttributeValue::Ns(minus(x, y)),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => AttributeValue::Bs(minus(x, y)),
        _ => return Err(incorrect_data_type()),
    };
    let empty = match &rest {
        AttributeValue::Ss(v) => v.is_empty(),
        AttributeValue::Ns(v) => v.is_empty(),
        AttributeValue::Bs(v) => v.is_empty(),
        _ => false,
    };
    Ok((!empty).then_some(rest))
}

// ---------------------------------------------------------------- parsing

const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

fn clause_name(clause: &RawClause<'_>) -> &'static str {
    match clause {
        RawClause::Set(_) => "SET",
        RawClause::Remove(_) => "REMOVE",
        RawClause::Add(_) => "ADD",
        RawClause::Delete(_) => "DELETE",
    }
}

/// ADD and DELETE type names in DynamoDB's messages.
fn long_type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
        AttributeValue::L(_) => "LIST",
        AttributeValue::M(_) => "MAP",
    }
}

/// Parses and checks an update expression (errors without the prefix).
pub(crate) fn build_update(text: &str, ctx: &mut ExpressionContext<'_>) -> Result<UpdateExpression, String> {
    let clauses = parse_update(text)?;
    // Unknown functions, then reserved words, over the whole expression.
    let mut functions = Vec::new();
    let mut paths: Vec<&RawPath<'_>> = Vec::new();
    for clause in &clauses {
        match clause {
            RawClause::Set(actions) => {
                for (target, value) in actions {
                    paths.push(target);
                    for op in set_operands(value) {
                        operand_functions(op, &mut functions);
                        operand_paths(op, &mut paths);
                    }
                }
            }
            RawClause::Remove(targets) => paths.extend(targets.iter()),
            RawClause::Add(actions) | RawClause::Delete(actions) => paths.extend(actions.iter().map(|(p, _)| p)),
        }
    }
    if let Some((f, _)) = functions.iter().find(|(f, _)| !UPDATE_FUNCTIONS.contains(&f.name)) {
        return Err(format!("Invalid function name; function: {}", f.name));
    }
    check_reserved(&paths)?;
    for (i, clause) in clauses.iter().enumerate() {
        let name = clause_name(clause);
        if clauses[..i].iter().any(|c| clause_name(c) == name) {
            return Err(format!("The \"{name}\" section can only be used once in an update expression;"));
        }
    }
    // Resolve every reference in textual order.
    let mut resolved: Vec<ResolvedAction<'_>> = Vec::new();
    for clause in &clauses {
        match clause {
            RawClause::Set(actions) => {
                for (target, value) in actions {
                    let target = resolve_path(target, ctx)?;
                    let value = match value {
                        RawSetValue::Operand(a) => ResolvedSet::Operand(resolve_operand(a, ctx)?),
                        RawSetValue::Plus(a, b) => {
                            ResolvedSet::Arithmetic("+", resolve_operand(a, ctx)?, resolve_operand(b, ctx)?)
                        }
                        RawSetValue::Minus(a, b) => {
                            ResolvedSet::Arithmetic("-", resolve_operand(a, ctx)?, resolve_operand(b, ctx)?)
                        }
                    };
                    resolved.push(ResolvedAction::Set(target, value));
                }
            }
            RawClause::Remove(targets) => {
                for target in targets {
                    resolved.push(ResolvedAction::Remove(resolve_path(target, ctx)?));
                }
            }
            RawClause::Add(actions) | RawClause::Delete(actions) => {
                let is_add = matches!(clause, RawClause::Add(_));
                for (target, placeholder) in actions {
                    let target = resolve_path(target, ctx)?;
                    let value = ctx.resolve_value(placeholder).ok_or_else(|| undefined_value(placeholder))?.clone();
                    resolved.push(if is_add {
                        ResolvedAction::Add(target, value)
                    } else {
                        ResolvedAction::Delete(target, value)
                    });
                }
            }
        }
    }
    for action in &resolved {
        let (operator, value, allowed): (&str, &AttributeValue, &[&str]) = match action {
            ResolvedAction::Add(_, v) => ("ADD", v, &["N", "SS", "NS", "BS"]),
            ResolvedAction::Delete(_, v) => ("DELETE", v, &["SS", "NS", "BS"]),
            _ => continue,
        };
        if !allowed.contains(&value.type_name()) {
            return Err(format!(
                "Incorrect operand type for operator or function; operator: {operator}, operand type: {}",
                long_type_name(value)
            ));
        }
    }
    let targets: Vec<DocumentPath> = resolved.iter().map(|a| a.target().clone()).collect();
    check_overlaps(&targets)?;
    let mut actions = Vec::with_capacity(resolved.len());
    for action in resolved {
        actions.push(match action {
            ResolvedAction::Set(target, value) => UpdateAction::Set(target, typed_set_value(value)?),
            ResolvedAction::Remove(target) => UpdateAction::Remove(target),
            ResolvedAction::Add(target, value) => UpdateAction::Add(target, value),
            ResolvedAction::Delete(target, value) => UpdateAction::Delete(target, value),
        });
    }
    Ok(UpdateExpression { actions })
}

fn set_operands<'r, 's>(value: &'r RawSetValue<'s>) -> Vec<&'r super::parse::RawOperand<'s>> {
    match value {
        RawSetValue::Operand(a) => vec![a],
        RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b) => vec![a, b],
    }
}

enum ResolvedSet<'s> {
    Operand(Resolved<'s>),
    Arithmetic(&'static str, Resolved<'s>, Resolved<'s>),
}

enum ResolvedAction<'s> {
    Set(DocumentPath, ResolvedSet<'s>),
    Remove(DocumentPath),
    Add(DocumentPath, AttributeValue),
    Delete(DocumentPath, AttributeValue),
}

impl ResolvedAction<'_> {
    fn target(&self) -> &DocumentPath {
        match self {
            ResolvedAction::Set(p, _) | ResolvedAction::Remove(p) | ResolvedAction::Add(p, _) | ResolvedAction::Delete(p, _) => p,
        }
    }
}

fn incorrect_operand_type(function: &str, type_name: &str) -> String {
    format!("Incorrect operand type for operator or function; operator or function: {function}, operand type: {type_name}")
}

/// The type a resolved operand is known to have before evaluation.
fn static_type(op: &Resolved<'_>) -> Option<&'static str> {
    match op {
        Resolved::Value(v) => Some(v.type_name()),
        Resolved::Function("list_append", _) => Some("L"),
        _ => None,
    }
}

fn typed_set_value(value: ResolvedSet<'_>) -> Result<SetValue, String> {
    Ok(match value {
        ResolvedSet::Operand(op) => SetValue::Operand(typed_operand(op)?),
        ResolvedSet::Arithmetic(symbol, a, b) => {
            let (a, b) = (typed_operand(a)?, typed_operand(b)?);
            for op in [&a, &b] {
                if let UpdateOperand::Value(v) = op {
                    if v.type_name() != "N" {
                        return Err(incorrect_operand_type(symbol, v.type_name()));
                    }
                }
                if let UpdateOperand::ListAppend(..) = op {
                    return Err(incorrect_operand_type(symbol, "L"));
                }
            }
            if symbol == "+" {
                SetValue::Plus(a, b)
            } else {
                SetValue::Minus(a, b)
            }
        }
    })
}

fn typed_operand(op: Resolved<'_>) -> Result<UpdateOperand, String> {
    Ok(match op {
        Resolved::Path(p) => UpdateOperand::Path(p),
        Resolved::Value(v) => UpdateOperand::Value(v),
        Resolved::Function(name, args) => {
            if args.len() != 2 {
                return Err(format!(
                    "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                    args.len()
                ));
            }
            let mut args = args.into_iter();
            // Invariant: exactly two arguments, checked just above.
            let (first, second) = (args.next().expect("two operands"), args.next().expect("two operands"));
            if name == "if_not_exists" {
                let Resolved::Path(path) = first else {
                    return Err(format!(
                        "Operator or function requires a document path; operator or function: {name}"
                    ));
                };
                UpdateOperand::IfNotExists(path, Box::new(typed_operand(second)?))
            } else {
                for op in [&first, &second] {
                    if let Some(t) = static_type(op) {
                        if t != "L" {
                            return Err(incorrect_operand_type(name, t));
                        }
                    }
                }
                UpdateOperand::ListAppend(Box::new(typed_operand(first)?), Box::new(typed_operand(second)?))
            }
        }
    })
}
