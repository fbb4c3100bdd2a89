//! ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL run
//! through the item API.
//!
//! Each statement is parsed, its placeholders counted against `Parameters`,
//! the target's key schema read with `DescribeTable`, and the statement
//! translated (see [`crate::partiql::translate`]) into ordinary requests that
//! go through the same [`crate::execute`] door as every other operation.
//!
//! Paging: a SELECT reads at most one underlying page (1 MB, or `Limit`
//! items evaluated) per call and hands back a `NextToken` naming the query it
//! was in and the key it stopped at; the token also carries a hash of the
//! statement and parameters, so replaying it with another statement fails.
//! The LIMIT/OFFSET extensions count matching items across pages. ORDER BY on
//! anything but the sort key of one partition (an extension) reads every
//! match, up to [`MAX_SORT_ITEMS`] items, sorts them in memory and pages
//! through the sorted list by position.

use crate::db::Database;
use crate::error::{CancellationReason, Error, Result};
use crate::execute::execute;
use crate::model::number::Number;
use crate::partiql::ast::{OrderKey, PathStep, Returning, Statement};
use crate::partiql::{parameter_count, parse_statement, translate, KeySchema, Plan, ReadSource, SelectPlan, WriteKind, WritePlan};
use base64::Engine as _;
use serde_json::{json, Map, Value as Json};
use std::cmp::Ordering;

/// The most items an in-memory ORDER BY may sort.
pub const MAX_SORT_ITEMS: usize = 100_000;
/// BatchExecuteStatement's statement limit.
const MAX_BATCH: usize = 25;
/// ExecuteTransaction's statement limit.
const MAX_TRANSACTION: usize = 100;

fn constraint(value: &str, field: &str, rule: &str) -> Error {
    Error::Validation(format!(
        "1 validation error detected: Value {value} at '{field}' failed to satisfy constraint: {rule}"
    ))
}

/// One statement of a request, parsed and planned.
struct Prepared {
    statement: Statement,
    plan: Plan,
}

fn parameters(entry: &Json) -> Result<Vec<Json>> {
    match entry.get("Parameters") {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) if items.is_empty() => Err(constraint(
            "'[]'",
            "parameters",
            "Member must have length greater than or equal to 1",
        )),
        Some(Json::Array(items)) => Ok(items.clone()),
        Some(_) => Err(Error::Serialization("Parameters must be a list of AttributeValues".into())),
    }
}

fn statement_text(entry: &Json) -> Result<&str> {
    match entry.get("Statement") {
        Some(Json::String(s)) if s.chars().count() > crate::partiql::parse::MAX_STATEMENT_LENGTH => Err(constraint(
            "'<statement>'",
            "statement",
            "Member must have length less than or equal to 8192",
        )),
        Some(Json::String(s)) if s.is_empty() => {
            Err(constraint("''", "statement", "Member must have length greater than or equal to 1"))
        }
        Some(Json::String(s)) => Ok(s),
        None | Some(Json::Null) => Err(constraint("null", "statement", "Member must not be null")),
        Some(_) => Err(Error::Serialization("Statement must be a string".into())),
    }
}

/// The key schema of the table, or of the named index (read from the
/// catalog: a statement must not pay for DescribeTable's item counts).
fn key_schema(db: &Database, table: &str, index: Option<&str>) -> Result<KeySchema> {
    let catalog = db.catalog_read();
    let def = catalog.get(table).ok_or_else(|| super::table::table_not_found(table))?;
    let schema = match index {
        None => &def.key_schema,
        Some(name) => match def.index(name) {
            Some((i, _)) => &i.key_schema,
            None => return Err(Error::Validation(format!("The table does not have the specified index: {name}"))),
        },
    };
    Ok(KeySchema { hash: schema.hash.name.clone(), range: schema.range.as_ref().map(|r| r.name.clone()) })
}

fn prepare(db: &Database, text: &str, params: &[Json]) -> Result<Prepared> {
    let statement = parse_statement(text)?;
    if parameter_count(&statement) != params.len() {
        return Err(Error::Validation("Number of parameters in request and statement don't match.".into()));
    }
    let target = statement.target();
    // DynamoDB refuses an index on a write before it looks the table up.
    if !statement.is_read() && target.index.is_some() {
        return Err(Error::Validation("This operation is not supported on an index".into()));
    }
    let keys = key_schema(db, &target.table, target.index.as_deref())?;
    let plan = translate(&statement, params, &keys)?;
    Ok(Prepared { statement, plan })
}

// ---- ExecuteStatement -----------------------------------------------------------

pub(crate) fn execute_statement(db: &Database, request: &Json) -> Result<Json> {
    let text = statement_text(request)?;
    let params = parameters(request)?;
    let consistent = request.get("ConsistentRead").and_then(Json::as_bool).unwrap_or(false);
    let limit = match request.get("Limit") {
        None | Some(Json::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 1 => Some(n as u64),
            _ => return Err(constraint(&format!("'{v}'"), "limit", "Member must have value greater than or equal to 1")),
        },
    };
    let next_token = request.get("NextToken").and_then(Json::as_str);
    let prepared = prepare(db, text, &params)?;
    let on_failure = request.get("ReturnValuesOnConditionCheckFailure").cloned();
    match &prepared.plan {
        Plan::Select(plan) => {
            let fingerprint = fingerprint(text, &params);
            run_select(db, plan, consistent, limit, next_token, fingerprint)
        }
        Plan::Write(_) if next_token.is_some() => {
            Err(Error::Validation("NextToken is only valid on a SELECT statement".into()))
        }
        Plan::Write(w) if w.kind == WriteKind::Check => Err(Error::Validation(
            "EXISTS is only supported as a statement of ExecuteTransaction".into(),
        )),
        Plan::Write(w) => {
            let items = run_write(db, w, on_failure)?;
            Ok(json!({ "Items": items }))
        }
    }
}

/// Run one write; returns the items its RETURNING clause asks for.
fn run_write(db: &Database, w: &WritePlan, on_failure: Option<Json>) -> Result<Vec<Json>> {
    let mut request = w.request.clone();
    if let (Some(v), Some(obj)) = (on_failure, request.as_object_mut()) {
        obj.insert("ReturnValuesOnConditionCheckFailure".into(), v);
    }
    let response = match execute(db, w.operation, &request) {
        Err(Error::ConditionalCheckFailed { .. }) if w.kind == WriteKind::Insert => {
            return Err(Error::DuplicateItem("Duplicate primary key exists in table".into()))
        }
        other => other?,
    };
    Ok(match (w.returning, response.get("Attributes")) {
        (Some(_), Some(attrs)) if attrs.as_object().is_some_and(|o| !o.is_empty()) => vec![attrs.clone()],
        _ => Vec::new(),
    })
}

/// Where a paged SELECT stopped: which query, the key after which to go on,
/// and how much of OFFSET/LIMIT is left.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cursor {
    query: usize,
    start_key: Option<Json>,
    offset_left: u64,
    limit_left: Option<u64>,
    /// For an in-memory sort: position in the sorted result.
    position: usize,
}

fn fingerprint(text: &str, params: &[Json]) -> u64 {
    // FNV-1a over the statement and its parameters: enough to notice a token
    // replayed with a different request.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let params = serde_json::to_string(params).unwrap_or_default();
    for b in text.bytes().chain([0u8]).chain(params.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn encode_token(c: &Cursor, fingerprint: u64) -> String {
    let token = json!({
        "v": 1,
        "f": format!("{fingerprint:016x}"),
        "q": c.query,
        "k": c.start_key,
        "o": c.offset_left,
        "l": c.limit_left,
        "p": c.position,
    });
    base64::engine::general_purpose::STANDARD.encode(token.to_string())
}

fn decode_token(token: &str, fingerprint: u64) -> Result<Cursor> {
    let invalid = || Error::Validation("Invalid NextToken".into());
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).map_err(|_| invalid())?;
    let t: Json = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if t["v"] != 1 || t["f"].as_str() != Some(format!("{fingerprint:016x}").as_str()) {
        return Err(invalid());
    }
    Ok(Cursor {
        query: t["q"].as_u64().ok_or_else(invalid)? as usize,
        start_key: t.get("k").filter(|k| !k.is_null()).cloned(),
        offset_left: t["o"].as_u64().ok_or_else(invalid)?,
        limit_left: t.get("l").and_then(Json::as_u64),
        position: t["p"].as_u64().ok_or_else(invalid)? as usize,
    })
}

fn run_select(
    db: &Database,
    plan: &SelectPlan,
    consistent: bool,
    limit: Option<u64>,
    next_token: Option<&str>,
    fingerprint: u64,
) -> Result<Json> {
    let cursor = match next_token {
        Some(t) => decode_token(t, fingerprint)?,
        None => Cursor { offset_left: plan.offset, limit_left: plan.limit, ..Cursor::default() },
    };
    if !plan.sort.is_empty() {
        return run_sorted_select(db, plan, consistent, limit, cursor, fingerprint);
    }
    let requests: Vec<(&str, &Json)> = match &plan.source {
        ReadSource::Queries(q) => q.iter().map(|r| ("Query", r)).collect(),
        ReadSource::Scan(r) => vec![("Scan", r)],
    };
    let mut c = cursor;
    let mut items = Vec::new();
    let mut budget = limit;
    while c.query < requests.len() && c.limit_left != Some(0) && budget != Some(0) {
        let (op, base) = requests[c.query];
        let mut req = base.clone();
        let obj = req.as_object_mut().expect("plans hold JSON objects");
        if consistent {
            obj.insert("ConsistentRead".into(), Json::Bool(true));
        }
        if let Some(b) = budget {
            obj.insert("Limit".into(), json!(b));
        }
        if let Some(k) = c.start_key.take() {
            obj.insert("ExclusiveStartKey".into(), k);
        }
        let page = execute(db, op, &req)?;
        let scanned = page["ScannedCount"].as_u64().unwrap_or(0);
        budget = budget.map(|b| b.saturating_sub(scanned.max(1)));
        for item in page["Items"].as_array().into_iter().flatten() {
            if c.offset_left > 0 {
                c.offset_left -= 1;
                continue;
            }
            if c.limit_left == Some(0) {
                break;
            }
            items.push(item.clone());
            c.limit_left = c.limit_left.map(|l| l - 1);
        }
        match page.get("LastEvaluatedKey") {
            Some(k) if c.limit_left != Some(0) => {
                // One underlying page per call, as DynamoDB does.
                c.start_key = Some(k.clone());
                return Ok(json!({ "Items": items, "NextToken": encode_token(&c, fingerprint) }));
            }
            _ => {
                c.query += 1;
                c.start_key = None;
            }
        }
    }
    let mut out = json!({ "Items": items });
    if c.query < requests.len() && c.limit_left != Some(0) {
        out["NextToken"] = json!(encode_token(&c, fingerprint));
    }
    Ok(out)
}

fn run_sorted_select(
    db: &Database,
    plan: &SelectPlan,
    consistent: bool,
    limit: Option<u64>,
    cursor: Cursor,
    fingerprint: u64,
) -> Result<Json> {
    let requests: Vec<(&str, &Json)> = match &plan.source {
        ReadSource::Queries(q) => q.iter().map(|r| ("Query", r)).collect(),
        ReadSource::Scan(r) => vec![("Scan", r)],
    };
    let mut all = Vec::new();
    for (op, base) in requests {
        let mut start: Option<Json> = None;
        loop {
            let mut req = base.clone();
            let obj = req.as_object_mut().expect("plans hold JSON objects");
            if consistent {
                obj.insert("ConsistentRead".into(), Json::Bool(true));
            }
            if let Some(k) = start.take() {
                obj.insert("ExclusiveStartKey".into(), k);
            }
            let page = execute(db, op, &req)?;
            all.extend(page["Items"].as_array().into_iter().flatten().cloned());
            if all.len() > MAX_SORT_ITEMS {
                return Err(Error::Validation(format!(
                    "ORDER BY on attributes other than the sort key of one partition sorts in memory and is limited to {MAX_SORT_ITEMS} matching items"
                )));
            }
            match page.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
    }
    all.sort_by(|a, b| compare_items(a, b, &plan.sort));
    let skip = plan.offset as usize;
    let take = plan.limit.map(|l| l as usize).unwrap_or(usize::MAX);
    let result: Vec<Json> = all.into_iter().skip(skip).take(take).collect();
    let from = cursor.position.min(result.len());
    let page_len = limit.map(|l| l as usize).unwrap_or(usize::MAX).min(result.len() - from);
    let page: Vec<Json> = result[from..from + page_len]
        .iter()
        .map(|item| match &plan.projection_after_sort {
            Some(paths) => project(item, paths),
            None => item.clone(),
        })
        .collect();
    let mut out = json!({ "Items": page });
    if from + page_len < result.len() {
        let next = Cursor { position: from + page_len, ..cursor };
        out["NextToken"] = json!(encode_token(&next, fingerprint));
    }
    Ok(out)
}

/// Keep only `paths` of a DynamoDB-JSON item, nested structure included (a
/// list element keeps its place among the selected elements of its list, as
/// ProjectionExpression does).
fn project(item: &Json, paths: &[crate::partiql::ast::Path]) -> Json {
    fn copy(src: &Json, steps: &[PathStep], dst: &mut Json) {
        let Some((first, rest)) = steps.split_first() else { return };
        match first {
            PathStep::Name(n) => {
                let (Some(v), Some(out)) = (src.get(n), dst.as_object_mut()) else { return };
                if rest.is_empty() {
                    out.insert(n.clone(), v.clone());
                    return;
                }
                let kind = if matches!(rest[0], PathStep::Name(_)) { "M" } else { "L" };
                let Some(inner) = v.get(kind) else { return };
                let slot = out.entry(n.clone()).or_insert_with(|| {
                    if kind == "M" { json!({ "M": {} }) } else { json!({ "L": [] }) }
                });
                let container = &mut slot[kind];
                if kind == "M" {
                    copy(inner, rest, container);
                } else {
                    copy_list(inner, rest, container);
                }
            }
            PathStep::Index(_) => {}
        }
    }
    fn copy_list(src: &Json, steps: &[PathStep], dst: &mut Json) {
        let Some((PathStep::Index(ix), rest)) = steps.split_first() else { return };
        let (Some(v), Some(out)) = (src.get(*ix as usize), dst.as_array_mut()) else { return };
        if rest.is_empty() {
            out.push(v.clone());
            return;
        }
        let kind = if matches!(rest[0], PathStep::Name(_)) { "M" } else { "L" };
        if let Some(inner) = v.get(kind) {
            let mut slot = if kind == "M" { json!({}) } else { json!([]) };
            if kind == "M" {
                copy(inner, rest, &mut slot);
            } else {
                copy_list(inner, rest, &mut slot);
            }
            out.push(json!({ kind: slot }));
        }
    }
    let mut out = json!({});
    for p in paths {
        copy(item, &p.0, &mut out);
    }
    out
}

fn lookup<'a>(item: &'a Json, key: &OrderKey) -> Option<&'a Json> {
    let mut cur = item;
    for (i, step) in key.path.0.iter().enumerate() {
        cur = match step {
            PathStep::Name(n) if i == 0 => cur.get(n)?,
            PathStep::Name(n) => cur.get("M")?.get(n)?,
            PathStep::Index(ix) => cur.get("L")?.get(*ix as usize)?,
        };
    }
    Some(cur)
}

/// Ordering for in-memory ORDER BY: missing first, then NULL, BOOL, N, S, B,
/// then other types; numbers numerically, strings and binaries bytewise.
fn compare_items(a: &Json, b: &Json, keys: &[OrderKey]) -> Ordering {
    for k in keys {
        let ord = compare_values(lookup(a, k), lookup(b, k));
        let ord = if k.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn rank(v: Option<&Json>) -> (u8, Option<&Json>) {
    let Some(v) = v else { return (0, None) };
    for (i, t) in ["NULL", "BOOL", "N", "S", "B"].iter().enumerate() {
        if let Some(inner) = v.get(*t) {
            return (i as u8 + 1, Some(inner));
        }
    }
    (6, Some(v))
}

fn compare_values(a: Option<&Json>, b: Option<&Json>) -> Ordering {
    let (ra, va) = rank(a);
    let (rb, vb) = rank(b);
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (ra, va, vb) {
        (2, Some(x), Some(y)) => x.as_bool().cmp(&y.as_bool()),
        (3, Some(x), Some(y)) => {
            match (x.as_str().and_then(|s| Number::parse(s).ok()), y.as_str().and_then(|s| Number::parse(s).ok())) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => Ordering::Equal,
            }
        }
        (4, Some(x), Some(y)) => x.as_str().cmp(&y.as_str()),
        (5, Some(x), Some(y)) => {
            let bytes = |v: &Json| {
                v.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            };
            bytes(x).cmp(&bytes(y))
        }
        _ => Ordering::Equal,
    }
}

// ---- BatchExecuteStatement ----------------------------------------------------------

/// The `Code` of a batch error: the exception name without `Exception`, and
/// `ValidationError` for validation failures, as DynamoDB reports them.
fn batch_code(e: &Error) -> String {
    match e {
        Error::Validation(_) => "ValidationError".into(),
        other => other.name().trim_end_matches("Exception").to_string(),
    }
}

fn statements<'a>(request: &'a Json, field: &str, wire: &str, max: usize) -> Result<&'a Vec<Json>> {
    let list = match request.get(field) {
        Some(Json::Array(list)) => list,
        None | Some(Json::Null) => return Err(constraint("null", wire, "Member must not be null")),
        Some(_) => return Err(Error::Serialization(format!("{field} must be a list"))),
    };
    if list.is_empty() {
        return Err(constraint("'[]'", wire, "Member must have length greater than or equal to 1"));
    }
    if list.len() > max {
        return Err(constraint(
            &format!("'[{} statements]'", list.len()),
            wire,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(list)
}

pub(crate) fn batch_execute_statement(db: &Database, request: &Json) -> Result<Json> {
    let list = statements(request, "Statements", "statements", MAX_BATCH)?;
    let mut kinds = Vec::new();
    let mut prepared = Vec::new();
    for entry in list {
        let p = statement_text(entry).and_then(|text| {
            let params = parameters(entry)?;
            prepare(db, text, &params)
        });
        if let Ok(p) = &p {
            kinds.push(p.statement.is_read());
        }
        prepared.push(p);
    }
    if kinds.iter().any(|r| *r) && kinds.iter().any(|r| !*r) {
        return Err(Error::Validation(
            "The entire batch must consist of either read statements or write statements, you cannot mix both in one batch."
                .into(),
        ));
    }
    // A batch of writes fails as a whole, not statement by statement.
    if db.is_read_only() && kinds.iter().any(|r| !*r) {
        return Err(crate::StorageError::ReadOnly.into());
    }
    let mut responses = Vec::new();
    for (entry, p) in list.iter().zip(prepared) {
        let table = p.as_ref().map(|p| p.statement.target().table.clone()).ok();
        let consistent = entry.get("ConsistentRead").and_then(Json::as_bool).unwrap_or(false);
        let outcome = p.and_then(|p| match &p.plan {
            Plan::Select(s) => {
                let mut get = s.get.clone().ok_or_else(|| {
                    Error::Validation(
                        "Select statements within BatchExecuteStatement must specify an equality condition on all key attributes"
                            .into(),
                    )
                })?;
                if consistent {
                    get["ConsistentRead"] = Json::Bool(true);
                }
                Ok(execute(db, "GetItem", &get)?.get("Item").cloned())
            }
            Plan::Write(w) if w.kind == WriteKind::Check => Err(Error::Validation(
                "EXISTS is only supported as a statement of ExecuteTransaction".into(),
            )),
            Plan::Write(w) => {
                run_write(db, w, entry.get("ReturnValuesOnConditionCheckFailure").cloned())?;
                Ok(None)
            }
        });
        let mut r = Map::new();
        if let Some(t) = table {
            r.insert("TableName".into(), Json::String(t));
        }
        match outcome {
            Ok(Some(item)) => {
                r.insert("Item".into(), item);
            }
            Ok(None) => {}
            Err(e) => {
                let mut err = json!({ "Code": batch_code(&e), "Message": e.to_string() });
                if let Error::ConditionalCheckFailed { item: Some(item), .. } = &e {
                    err["Item"] = crate::model::json::item_to_json(item);
                }
                r.insert("Error".into(), err);
            }
        }
        responses.push(Json::Object(r));
    }
    Ok(json!({ "Responses": responses }))
}

// ---- ExecuteTransaction -----------------------------------------------------------

pub(crate) fn execute_transaction(db: &Database, request: &Json) -> Result<Json> {
    let list = statements(request, "TransactStatements", "transactStatements", MAX_TRANSACTION)?;
    let mut prepared = Vec::with_capacity(list.len());
    for entry in list {
        let text = statement_text(entry)?;
        let params = parameters(entry)?;
        prepared.push(prepare(db, text, &params)?);
    }
    let reads = prepared.iter().filter(|p| p.statement.is_read()).count();
    if reads > 0 && reads < prepared.len() {
        return Err(Error::Validation(
            "A transaction must consist of either read statements or write statements, not both".into(),
        ));
    }
    if reads > 0 {
        let mut gets = Vec::new();
        for p in &prepared {
            let Plan::Select(s) = &p.plan else { unreachable!("all statements are reads") };
            let get = s.get.clone().ok_or_else(|| {
                Error::Validation(
                    "Select statements within a transaction must specify an equality condition on all key attributes"
                        .into(),
                )
            })?;
            gets.push(json!({ "Get": get }));
        }
        let response = execute(db, "TransactGetItems", &json!({ "TransactItems": gets }))?;
        let responses = response.get("Responses").cloned().unwrap_or_else(|| json!([]));
        return Ok(json!({ "Responses": responses }));
    }
    let mut actions = Vec::new();
    let mut inserts = Vec::new();
    for (p, entry) in prepared.iter().zip(list) {
        let Plan::Write(w) = &p.plan else { unreachable!("all statements are writes") };
        let mut req = w.request.clone();
        let obj = req.as_object_mut().expect("plans hold JSON objects");
        obj.remove("ReturnValues");
        if let Some(v) = entry.get("ReturnValuesOnConditionCheckFailure") {
            obj.insert("ReturnValuesOnConditionCheckFailure".into(), v.clone());
        }
        let action = match w.kind {
            WriteKind::Insert => "Put",
            WriteKind::Update => "Update",
            WriteKind::Delete => "Delete",
            WriteKind::Check => "ConditionCheck",
        };
        inserts.push(w.kind == WriteKind::Insert);
        if w.returning.is_some_and(|r| r != Returning::AllOld || w.kind != WriteKind::Delete) {
            return Err(Error::Validation("RETURNING is not supported in ExecuteTransaction".into()));
        }
        actions.push(json!({ action: req }));
    }
    let mut txn = json!({ "TransactItems": actions });
    if let Some(token) = request.get("ClientRequestToken") {
        txn["ClientRequestToken"] = token.clone();
    }
    match execute(db, "TransactWriteItems", &txn) {
        Ok(_) => Ok(json!({})),
        Err(Error::TransactionCanceled { reasons, .. }) => {
            let reasons: Vec<CancellationReason> = reasons
                .into_iter()
                .zip(&inserts)
                .map(|(mut r, insert)| {
                    if *insert && r.code.as_deref() == Some("ConditionalCheckFailed") {
                        r.code = Some("DuplicateItem".into());
                        r.message = Some("Duplicate primary key exists in table".into());
                    }
                    r
                })
                .collect();
            let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_deref().unwrap_or("None")).collect();
            Err(Error::TransactionCanceled {
                message: format!(
                    "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                    codes.join(", ")
                ),
                reasons,
            })
        }
        Err(e) => Err(e),
    }
}
