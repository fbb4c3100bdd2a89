//! TransactWriteItems and TransactGetItems.
//!
//! A write transaction plans every action (validation errors reject the whole
//! request), then — holding the tree's write lock, so nothing interleaves —
//! evaluates every condition. If any fails, nothing is written and the answer
//! is `TransactionCanceledException` with one reason per action, in order
//! (`ConditionalCheckFailed` or `None`). Otherwise all effects go into one
//! write batch: one WAL record, so after a crash either every action is
//! visible or none is.
//!
//! `ClientRequestToken` makes a write transaction idempotent for ten minutes:
//! the same token with the same request answers as the first call did without
//! running again; with a different request it is an
//! `IdempotentParameterMismatchException`. Tokens live in memory only (a
//! reopened database forgets them), which is enough for client retries.

use super::item::{check_semantics, parse_delete_fields, parse_put_fields, parse_update_fields};
use super::json::{Constraints, Fields};
use super::keys::key_of_key;
use super::params::{common_enums, expression_text, read_expressions, reject_legacy};
use super::prepared::{prepare, project, Texts};
use super::values::item_json;
use super::write::{evaluate, plan_condition_check, plan_delete, plan_put, plan_update, read_item, resolve_table, stage_write};
use crate::db::Database;
use crate::error::{CancellationReason, Error, Result};
use crate::lsm::WriteBatch;
use crate::model::request::{
    ConditionCheckRequest, GetItemRequest, TransactGetItemsRequest, TransactWriteItem, TransactWriteItemsRequest,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// DynamoDB's limit on actions per transaction.
pub const MAX_TRANSACT_ITEMS: usize = 100;
/// How long a `ClientRequestToken` is remembered, in seconds.
pub const TOKEN_LIFETIME_SECONDS: f64 = 600.0;

fn invalid(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

/// Remembered client request tokens: token → (time, request, response).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: BTreeMap<String, (f64, Value, Value)>,
}

impl TokenCache {
    fn expire(&mut self, now: f64) {
        self.entries.retain(|_, (at, _, _)| now - *at < TOKEN_LIFETIME_SECONDS);
    }
}

fn transact_items<'a>(f: &Fields<'a>, c: &mut Constraints) -> Result<&'a [Value]> {
    match f.list("TransactItems")? {
        None => {
            c.not_null(false, "transactItems");
            Ok(&[])
        }
        Some(list) => {
            if list.is_empty() {
                c.fail(Some("[]"), "transactItems", "Member must have length greater than or equal to 1");
            }
            if list.len() > MAX_TRANSACT_ITEMS {
                c.fail(None, "transactItems", "Member must have length less than or equal to 100");
            }
            Ok(list)
        }
    }
}

pub fn parse_transact_write(request: &Value) -> Result<TransactWriteItemsRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let list = transact_items(&f, &mut c)?;
    let token = f.str("ClientRequestToken")?;
    if let Some(t) = token {
        let len = t.chars().count();
        c.check((1..=36).contains(&len), Some(t), "clientRequestToken", "Member must have length less than or equal to 36");
    }
    common_enums(&f, &mut c)?;
    let metrics = f.str("ReturnItemCollectionMetrics")?;
    c.one_of(metrics, &["SIZE", "NONE"], "returnItemCollectionMetrics");
    let mut items = Vec::with_capacity(list.len());
    let mut bodies = Vec::with_capacity(list.len());
    for v in list {
        let t = Fields::of_struct(v, "TransactWriteItem")?;
        let kinds = ["ConditionCheck", "Put", "Delete", "Update"];
        let present: Vec<&str> = kinds.iter().copied().filter(|k| t.has(k)).collect();
        if present.len() != 1 {
            return Err(invalid(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            ));
        }
        let body = t.structure(present[0], present[0])?.unwrap_or(t);
        bodies.push((body, present[0]));
        let item = match present[0] {
            "Put" => TransactWriteItem::Put(parse_put_fields(&body, &mut c)?),
            "Delete" => TransactWriteItem::Delete(parse_delete_fields(&body, &mut c)?),
            "Update" => TransactWriteItem::Update(parse_update_fields(&body, &mut c)?),
            _ => {
                let key = super::params::required_item(&body, "Key", "key", &mut c)?;
                let name = super::json::table_name(&body, &mut c)?;
                let condition = expression_text(&body, "ConditionExpression")?;
                let rvccf = body.str("ReturnValuesOnConditionCheckFailure")?;
                c.one_of(rvccf, &["ALL_OLD", "NONE"], "returnValuesOnConditionCheckFailure");
                let Some(condition_expression) = condition else {
                    c.not_null(false, "transactItems.member.conditionCheck.conditionExpression");
                    continue;
                };
                TransactWriteItem::ConditionCheck(ConditionCheckRequest {
                    table_name: name.to_string(),
                    key: key.unwrap_or_default(),
                    condition_expression,
                    expressions: read_expressions(&body)?,
                    return_old_on_condition_failure: rvccf == Some("ALL_OLD"),
                })
            }
        };
        items.push(item);
    }
    c.finish()?;
    for (body, kind) in bodies {
        let params: &[&str] = match kind {
            "Update" => &["UpdateExpression", "ConditionExpression"],
            _ => &["ConditionExpression"],
        };
        check_semantics(&body, params)?;
    }
    Ok(TransactWriteItemsRequest { items, client_request_token: token.map(str::to_string) })
}

pub fn transact_write(db: &Database, req: &TransactWriteItemsRequest, raw: Option<&Value>) -> Result<Value> {
    let catalog = db.catalog_read();
    let mut plans = Vec::with_capacity(req.items.len());
    let mut seen = BTreeSet::new();
    for item in &req.items {
        let plan = match item {
            TransactWriteItem::Put(r) => plan_put(&catalog, r)?,
            TransactWriteItem::Delete(r) => plan_delete(&catalog, r)?,
            TransactWriteItem::Update(r) => plan_update(&catalog, r)?,
            TransactWriteItem::ConditionCheck(r) => plan_condition_check(&catalog, r)?,
        };
        if !seen.insert((plan.def.id, plan.key.clone())) {
            return Err(invalid("Transaction request cannot include multiple operations on one item"));
        }
        plans.push(plan);
    }
    let tree = db.tree_write();
    // Idempotency: checked under the write lock so two retries cannot both run.
    let now = super::now_seconds();
    if let (Some(token), Some(raw)) = (&req.client_request_token, raw) {
        let mut state = db.api_state.lock().unwrap_or_else(|e| e.into_inner());
        state.tokens.expire(now);
        if let Some((_, seen_request, response)) = state.tokens.entries.get(token) {
            if seen_request == raw {
                return Ok(response.clone());
            }
            return Err(Error::IdempotentParameterMismatch(
                "The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.".into(),
            ));
        }
    }
    let mut effects = Vec::with_capacity(plans.len());
    let mut reasons = Vec::with_capacity(plans.len());
    let mut failed = false;
    for plan in plans {
        match evaluate(&tree, plan) {
            Ok(effect) => {
                reasons.push(CancellationReason { code: None, message: None, item: None });
                effects.push(effect);
            }
            Err(Error::ConditionalCheckFailed { message, item }) => {
                failed = true;
                reasons.push(CancellationReason {
                    code: Some("ConditionalCheckFailed".into()),
                    message: Some(message),
                    item: item.map(|b| *b),
                });
            }
            Err(Error::Validation(message)) => {
                failed = true;
                reasons.push(CancellationReason { code: Some("ValidationError".into()), message: Some(message), item: None });
            }
            Err(Error::ItemCollectionSizeLimitExceeded(message)) => {
                failed = true;
                reasons.push(CancellationReason {
                    code: Some("ItemCollectionSizeLimitExceeded".into()),
                    message: Some(message),
                    item: None,
                });
            }
            Err(other) => return Err(other),
        }
    }
    if failed {
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_deref().unwrap_or("None")).collect();
        return Err(Error::TransactionCanceled {
            message: format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                codes.join(", ")
            ),
            reasons,
        });
    }
    let mut batch = WriteBatch::new();
    for effect in &effects {
        stage_write(&mut batch, effect)?;
    }
    let response = json!({});
    if let (Some(token), Some(raw)) = (&req.client_request_token, raw) {
        let mut state = db.api_state.lock().unwrap_or_else(|e| e.into_inner());
        state.tokens.entries.insert(token.clone(), (now, raw.clone(), response.clone()));
    }
    // The token is recorded before the lock is released (so a concurrent
    // retry cannot run the transaction twice) and forgotten if the commit fails.
    if let Err(e) = super::write::commit(tree, batch) {
        if let Some(token) = &req.client_request_token {
            db.api_state.lock().unwrap_or_else(|e| e.into_inner()).tokens.entries.remove(token);
        }
        return Err(e);
    }
    Ok(response)
}

pub fn parse_transact_get(request: &Value) -> Result<TransactGetItemsRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let list = transact_items(&f, &mut c)?;
    common_enums(&f, &mut c)?;
    let mut items = Vec::with_capacity(list.len());
    for v in list {
        let t = Fields::of_struct(v, "TransactGetItem")?;
        let Some(g) = t.structure("Get", "Get")? else {
            c.not_null(false, "transactItems.member.get");
            continue;
        };
        let key = super::params::required_item(&g, "Key", "key", &mut c)?;
        let name = super::json::table_name(&g, &mut c)?;
        reject_legacy(&g)?;
        super::params::check_expression_maps(&g, &["ProjectionExpression"])?;
        items.push(GetItemRequest {
            table_name: name.to_string(),
            key: key.unwrap_or_default(),
            projection_expression: expression_text(&g, "ProjectionExpression")?,
            expressions: read_expressions(&g)?,
            consistent_read: true,
        });
    }
    c.finish()?;
    Ok(TransactGetItemsRequest { items })
}

pub fn transact_get(db: &Database, req: &TransactGetItemsRequest) -> Result<Value> {
    let catalog = db.catalog_read();
    let mut plans = Vec::new();
    let mut seen = BTreeSet::new();
    for g in &req.items {
        let prepared = prepare(&g.expressions, Texts { projection: g.projection_expression.as_deref(), ..Default::default() })?;
        let def = resolve_table(&catalog, &g.table_name)?;
        let key = key_of_key(&def, &g.key)?;
        if !seen.insert((def.id, key.clone())) {
            return Err(invalid("Transaction request cannot include multiple operations on one item"));
        }
        plans.push((key, prepared));
    }
    // One read lock over every get: a consistent snapshot.
    let tree = db.tree_read();
    let mut responses = Vec::with_capacity(plans.len());
    for (key, prepared) in plans {
        responses.push(match read_item(&tree, &key)? {
            Some(item) => super::values::object_with("Item", item_json(&project(prepared.projection.as_ref(), item))),
            None => json!({}),
        });
    }
    Ok(super::values::object_with("Responses", Value::Array(responses)))
}

pub fn handle_transact_write(db: &Database, request: &Value) -> Result<Value> {
    transact_write(db, &parse_transact_write(request)?, Some(request))
}

pub fn handle_transact_get(db: &Database, request: &Value) -> Result<Value> {
    transact_get(db, &parse_transact_get(request)?)
}
