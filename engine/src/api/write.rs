//! The write path shared by PutItem, UpdateItem, DeleteItem, BatchWriteItem
//! and TransactWriteItems.
//!
//! A write runs in three steps:
//! 1. **plan** ([`plan_put`] & co.): everything that needs only the request
//!    and the table definition — key checks, expression parsing, size limits
//!    of a put. A transaction plans all its actions before reading anything,
//!    so a malformed action rejects the whole request with a
//!    ValidationException, as DynamoDB does.
//! 2. **evaluate** ([`evaluate`]): read the current item, check the
//!    condition, compute the new image; nothing is written yet.
//! 3. **stage** ([`stage_write`]): add the effect to the request's single
//!    [`WriteBatch`]. This is the one place that sees both images of every
//!    written item; secondary-index entries, TTL queue entries and stream
//!    records are added here so they commit atomically with the item.

use super::keys::{key_of_item, key_of_key};
use super::prepared::{condition_holds, prepare, Texts};
use super::values;
use crate::error::{Error, Result};
use crate::expr::{Condition, UpdateExpression, UpdatedPaths};
use crate::lsm::{Tree, WriteBatch};
use crate::model::request::{
    ConditionCheckRequest, DeleteItemRequest, PutItemRequest, ReturnValues, UpdateItemRequest,
};
use crate::model::schema::{Catalog, TableDef};
use crate::model::value::Item;
use std::sync::Arc;

/// The table named by an item request, or DynamoDB's not-found error.
pub fn resolve_table(catalog: &Catalog, name: &str) -> Result<Arc<TableDef>> {
    catalog.get(name).cloned().ok_or_else(|| Error::ResourceNotFound("Requested resource not found".into()))
}

/// What a planned write will do once the current item is known.
#[derive(Debug)]
pub enum PlanKind {
    Put(Item),
    Delete,
    Update(Option<UpdateExpression>),
    ConditionCheck,
}

/// A checked write, ready to be evaluated against stored data.
#[derive(Debug)]
pub struct PlannedWrite {
    pub def: Arc<TableDef>,
    /// The tree key of the item.
    pub key: Vec<u8>,
    /// The key attributes as given (an update starts from these); empty for
    /// a put, whose item carries them.
    pub key_item: Item,
    pub kind: PlanKind,
    pub condition: Option<Condition>,
    pub return_values: ReturnValues,
    pub return_old_on_condition_failure: bool,
}

/// The result of evaluating a write: both images and what to answer.
#[derive(Debug)]
pub struct Effect {
    pub def: Arc<TableDef>,
    pub key: Vec<u8>,
    pub old: Option<Item>,
    /// `None` for a delete; equal to `old` for a condition check.
    pub new: Option<Item>,
    /// Whether the tree must change (false for condition checks).
    pub writes: bool,
    /// The `Attributes` of the response, per `ReturnValues`.
    pub attributes: Option<Item>,
}

fn check_put_item_size(item: &Item) -> Result<()> {
    if values::item_size(item) > values::MAX_ITEM_BYTES {
        return Err(Error::Validation("Item size has exceeded the maximum allowed size".into()));
    }
    Ok(())
}

pub fn plan_put(catalog: &Catalog, req: &PutItemRequest) -> Result<PlannedWrite> {
    let mut plan = check_put(catalog, req)?;
    plan.kind = PlanKind::Put(req.item.clone());
    Ok(plan)
}

/// [`plan_put`] of a request the caller gives away: the item moves into the
/// plan instead of being copied (PutItem's own path).
pub fn plan_put_owned(catalog: &Catalog, req: PutItemRequest) -> Result<PlannedWrite> {
    let mut plan = check_put(catalog, &req)?;
    plan.kind = PlanKind::Put(req.item);
    Ok(plan)
}

/// Every check of a put; the plan's item is filled in by the caller.
fn check_put(catalog: &Catalog, req: &PutItemRequest) -> Result<PlannedWrite> {
    if !matches!(req.return_values, ReturnValues::None | ReturnValues::AllOld) {
        return Err(Error::Validation("ReturnValues can only be ALL_OLD or NONE".into()));
    }
    check_put_item_size(&req.item)?;
    let prepared = prepare(&req.expressions, Texts { condition: req.condition_expression.as_deref(), ..Default::default() })?;
    let def = resolve_table(catalog, &req.table_name)?;
    let key = key_of_item(&def, &req.item)?;
    super::validation::check_item(&def, &req.item)?;
    Ok(PlannedWrite {
        def,
        key,
        key_item: Item::new(),
        kind: PlanKind::Put(Item::new()),
        condition: prepared.condition,
        return_values: req.return_values,
        return_old_on_condition_failure: req.return_old_on_condition_failure,
    })
}

pub fn plan_delete(catalog: &Catalog, req: &DeleteItemRequest) -> Result<PlannedWrite> {
    if !matches!(req.return_values, ReturnValues::None | ReturnValues::AllOld) {
        return Err(Error::Validation("ReturnValues can only be ALL_OLD or NONE".into()));
    }
    let prepared = prepare(&req.expressions, Texts { condition: req.condition_expression.as_deref(), ..Default::default() })?;
    let def = resolve_table(catalog, &req.table_name)?;
    let key = key_of_key(&def, &req.key)?;
    Ok(PlannedWrite {
        def,
        key,
        key_item: req.key.clone(),
        kind: PlanKind::Delete,
        condition: prepared.condition,
        return_values: req.return_values,
        return_old_on_condition_failure: req.return_old_on_condition_failure,
    })
}

pub fn plan_update(catalog: &Catalog, req: &UpdateItemRequest) -> Result<PlannedWrite> {
    let prepared = prepare(
        &req.expressions,
        Texts {
            update: req.update_expression.as_deref(),
            condition: req.condition_expression.as_deref(),
            ..Default::default()
        },
    )?;
    let def = resolve_table(catalog, &req.table_name)?;
    let key = key_of_key(&def, &req.key)?;
    if let Some(update) = &prepared.update {
        for path in update.target_paths() {
            let top = path.top_level();
            if def.key_schema.is_key_attribute(top) {
                return Err(Error::Validation(if path.is_top_level() {
                    format!("One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key")
                } else {
                    format!("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {top}")
                }));
            }
        }
    }
    Ok(PlannedWrite {
        def,
        key,
        key_item: req.key.clone(),
        kind: PlanKind::Update(prepared.update),
        condition: prepared.condition,
        return_values: req.return_values,
        return_old_on_condition_failure: req.return_old_on_condition_failure,
    })
}

pub fn plan_condition_check(catalog: &Catalog, req: &ConditionCheckRequest) -> Result<PlannedWrite> {
    let prepared = prepare(&req.expressions, Texts { condition: Some(&req.condition_expression), ..Default::default() })?;
    let def = resolve_table(catalog, &req.table_name)?;
    let key = key_of_key(&def, &req.key)?;
    Ok(PlannedWrite {
        def,
        key,
        key_item: req.key.clone(),
        kind: PlanKind::ConditionCheck,
        condition: prepared.condition,
        return_values: ReturnValues::None,
        return_old_on_condition_failure: req.return_old_on_condition_failure,
    })
}

/// Read the stored item at `key`.
pub fn read_item(tree: &Tree, key: &[u8]) -> Result<Option<Item>> {
    match tree.get(key)? {
        Some(bytes) => Ok(Some(values::decode_item(&bytes)?)),
        None => Ok(None),
    }
}

/// Whether evaluating `plan` needs the stored item. A plain put (no
/// condition, no `ReturnValues`, no index entries to replace) overwrites
/// whatever is there, so it skips the read: a point lookup and a decode
/// under the write lock, on the hottest write path.
fn needs_old_image(plan: &PlannedWrite) -> bool {
    let plain_put = matches!(plan.kind, PlanKind::Put(_))
        && plan.condition.is_none()
        && plan.return_values == ReturnValues::None
        && plan.def.local_indexes.is_empty()
        && plan.def.global_indexes.is_empty();
    !plain_put
}

/// Read the current item, check the condition and compute the new image.
/// A failed condition is `ConditionalCheckFailedException`, carrying the
/// old item when `ReturnValuesOnConditionCheckFailure` asked for it.
pub fn evaluate(tree: &Tree, plan: PlannedWrite) -> Result<Effect> {
    let is_check = matches!(plan.kind, PlanKind::ConditionCheck);
    let old = if needs_old_image(&plan) { read_item(tree, &plan.key)? } else { None };
    if !condition_holds(plan.condition.as_ref(), old.as_ref()) {
        let item = if plan.return_old_on_condition_failure { old.map(Box::new) } else { None };
        return Err(Error::ConditionalCheckFailed { message: "The conditional request failed".into(), item });
    }
    let (new, updated): (Option<Item>, Option<UpdatedPaths>) = match plan.kind {
        PlanKind::Put(item) => (Some(item), None),
        PlanKind::Delete => (None, None),
        PlanKind::ConditionCheck => (old.clone(), None),
        PlanKind::Update(update) => {
            let base = old.clone().unwrap_or_else(|| plan.key_item.clone());
            match update {
                None => (Some(base), None),
                Some(u) => {
                    let (mut new, paths) = u.apply(&base)?;
                    // An update never removes the key (checked at plan time),
                    // but keep the given key authoritative.
                    for (k, v) in &plan.key_item {
                        new.insert(k.clone(), v.clone());
                    }
                    if values::item_size(&new) > values::MAX_ITEM_BYTES {
                        return Err(Error::Validation("Item size to update has exceeded the maximum allowed size".into()));
                    }
                    super::keys::key_of_item(&plan.def, &new)?;
                    super::validation::check_item(&plan.def, &new)?;
                    (Some(new), Some(paths))
                }
            }
        }
    };
    if !plan.def.local_indexes.is_empty() && new.is_some() && !is_check {
        super::index::check_collection_size(tree, &plan.def, old.as_ref(), new.as_ref())?;
    }
    let attributes = match plan.return_values {
        ReturnValues::None => None,
        ReturnValues::AllOld => old.clone(),
        ReturnValues::AllNew => new.clone(),
        ReturnValues::UpdatedOld => match (&updated, &old) {
            (Some(p), Some(o)) => Some(p.project(o)),
            _ => None,
        },
        ReturnValues::UpdatedNew => match (&updated, &new) {
            (Some(p), Some(n)) => Some(p.project(n)),
            _ => None,
        },
    };
    let attributes = attributes.filter(|a| !a.is_empty());
    Ok(Effect { def: plan.def, key: plan.key, old, new, writes: !is_check, attributes })
}

/// Add an evaluated write to the request's batch, with its secondary-index
/// entries ([`super::index::stage_entries`]).
pub fn stage_write(batch: &mut WriteBatch, effect: &Effect) -> Result<()> {
    if !effect.writes {
        return Ok(());
    }
    if !effect.def.local_indexes.is_empty() || !effect.def.global_indexes.is_empty() {
        super::index::stage_entries(batch, &effect.def, effect.old.as_ref(), effect.new.as_ref())?;
    }
    match &effect.new {
        Some(item) => batch.put(effect.key.clone(), values::encode_item(item)?),
        None => {
            if effect.old.is_some() {
                batch.delete(effect.key.clone());
            }
        }
    }
    Ok(())
}

/// Commit a request's batch: append under the tree's write lock, then
/// release the lock before waiting for the sync the durability mode asks
/// for, so concurrent writers share one sync (group commit).
pub fn commit(mut tree: std::sync::RwLockWriteGuard<'_, Tree>, batch: WriteBatch) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let pending = tree.commit(batch)?;
    drop(tree);
    pending.wait()?;
    Ok(())
}
