//! Query and Scan: one page of items read in key order, with DynamoDB's
//! paging rules.
//!
//! A page ends after `Limit` items were *read* (before the filter), or once
//! the items read add up to 1 MB, or at the end of the range; in the first two
//! cases `LastEvaluatedKey` holds the key of the last item read, even when
//! the filter dropped it, and a later request passes it back as
//! `ExclusiveStartKey`. `ScannedCount` counts items read, `Count` the items
//! that passed the filter.
//!
//! Query reads one partition's key range (see [`super::keyspace`]): the sort
//! key condition becomes range bounds, and each item is checked against it
//! again so that the bounds only need to be tight, not exact. Scan reads the
//! whole base table in hash order, or one segment's contiguous hash range.
//! With `IndexName`, both read the index's entries ([`super::index`]) the
//! same way: a Query is a range inside one index partition, ordered by the
//! index sort key and then the base key; `LastEvaluatedKey` holds the index
//! keys and the table keys. A local index whose projection lacks an
//! attribute the request needs reads the base item, as DynamoDB does.

use super::json::{table_name, Constraints, Fields};
use super::keys::{check_key_shape, encode_primary_key, key_attributes};
use super::params::{check_expression_maps, common_enums, expression_text, read_expressions, reject_legacy};
use super::prepared::{prepare, Prepared, Texts};
use super::values::{self, item_json, Form, Reply};
use crate::model::json::StoredItemJson;
use super::write::resolve_table;
use super::{index, keyspace};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::expr::{Condition, Operand, SortKeyCondition};
use crate::model::request::{QueryRequest, ScanRequest, Select};
use crate::model::schema::{IndexDef, KeySchema, ProjectionType, TableDef};
use crate::model::value::Item;
use serde_json::{json, Value};
use std::ops::Bound;

/// DynamoDB's page size limit for Query and Scan.
pub const PAGE_BYTES: usize = 1024 * 1024;

fn invalid(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

// ----- decoding ------------------------------------------------------------

struct Common {
    table_name: String,
    index_name: Option<String>,
    filter: Option<String>,
    projection: Option<String>,
    select: Option<Select>,
    limit: Option<usize>,
    exclusive_start_key: Option<Item>,
    consistent_read: bool,
    expressions: crate::model::request::Expressions,
}

fn read_common(f: &Fields, c: &mut Constraints) -> Result<Common> {
    let expressions = read_expressions(f);
    let start = match f.map("ExclusiveStartKey", "com.amazonaws.dynamodb.v20120810.AttributeValue")? {
        Some(m) => Some(values::item_from_map(m).map_err(|e| match e {
            Error::Validation(m) if !m.contains("numeric") && !m.contains("digits") && !m.contains("magnitude") && !m.contains("duplicates") => {
                invalid(format!("The provided starting key is invalid: {m}"))
            }
            other => other,
        })),
        None => None,
    };
    let filter = expression_text(f, "FilterExpression")?;
    let projection = expression_text(f, "ProjectionExpression")?;
    let select = f.str("Select")?;
    let limit = f.int("Limit")?;
    let index_name = f.str("IndexName")?;
    let consistent_read = f.bool("ConsistentRead")?.unwrap_or(false);
    let name = table_name(f, c)?;
    let expressions = expressions?;
    let exclusive_start_key = start.transpose()?;
    common_enums(f, c)?;
    c.resource_name(index_name, "indexName", 3, 255);
    c.one_of(select, &["SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"], "select");
    if let Some(l) = limit {
        c.check(l >= 1, Some(&l.to_string()), "limit", "Member must have value greater than or equal to 1");
    }
    let select = select.and_then(|s| match s {
        "SPECIFIC_ATTRIBUTES" => Some(Select::SpecificAttributes),
        "COUNT" => Some(Select::Count),
        "ALL_ATTRIBUTES" => Some(Select::AllAttributes),
        "ALL_PROJECTED_ATTRIBUTES" => Some(Select::AllProjectedAttributes),
        _ => None,
    });
    Ok(Common {
        table_name: name.to_string(),
        index_name: index_name.map(str::to_string),
        filter,
        projection,
        select,
        limit: limit.map(|l| l.max(1) as usize),
        exclusive_start_key,
        consistent_read,
        expressions,
    })
}

fn check_select(select: Option<Select>, projection: bool, index: bool) -> Result<()> {
    match select {
        Some(Select::AllAttributes) if projection => {
            Err(invalid("One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"))
        }
        Some(Select::Count) if projection => {
            Err(invalid("One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get COUNT"))
        }
        Some(Select::AllProjectedAttributes) if projection => Err(invalid(
            "One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
        )),
        Some(Select::SpecificAttributes) if !projection => Err(invalid(
            "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression",
        )),
        Some(Select::AllProjectedAttributes) if !index => Err(invalid(
            "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is only supported with an IndexName",
        )),
        _ => Ok(()),
    }
}

pub fn parse_query(request: &Value) -> Result<QueryRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let key_condition = expression_text(&f, "KeyConditionExpression")?;
    let scan_index_forward = f.bool("ScanIndexForward")?.unwrap_or(true);
    let common = read_common(&f, &mut c)?;
    c.finish()?;
    reject_legacy(&f)?;
    check_expression_maps(&f, &["ProjectionExpression", "FilterExpression", "KeyConditionExpression"])?;
    let Some(key_condition_expression) = key_condition else {
        return Err(invalid("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."));
    };
    check_select(common.select, common.projection.is_some(), common.index_name.is_some())?;
    Ok(QueryRequest {
        table_name: common.table_name,
        index_name: common.index_name,
        key_condition_expression,
        filter_expression: common.filter,
        projection_expression: common.projection,
        expressions: common.expressions,
        select: common.select,
        scan_index_forward,
        limit: common.limit,
        exclusive_start_key: common.exclusive_start_key,
        consistent_read: common.consistent_read,
    })
}

pub fn parse_scan(request: &Value) -> Result<ScanRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let segment = f.int("Segment")?;
    let total = f.int("TotalSegments")?;
    let common = read_common(&f, &mut c)?;
    if let Some(s) = segment {
        let shown = s.to_string();
        c.check(s >= 0, Some(&shown), "segment", "Member must have value greater than or equal to 0");
        c.check(s <= 999_999, Some(&shown), "segment", "Member must have value less than or equal to 999999");
    }
    if let Some(t) = total {
        let shown = t.to_string();
        c.check(t >= 1, Some(&shown), "totalSegments", "Member must have value greater than or equal to 1");
        c.check(t <= 1_000_000, Some(&shown), "totalSegments", "Member must have value less than or equal to 1000000");
    }
    c.finish()?;
    reject_legacy(&f)?;
    check_expression_maps(&f, &["ProjectionExpression", "FilterExpression"])?;
    let segment = match (segment, total) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(invalid(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ))
        }
        (None, Some(_)) => {
            return Err(invalid(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ))
        }
        (Some(s), Some(t)) => {
            if s >= t {
                return Err(invalid(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Some((s as u32, t as u32))
        }
    };
    check_select(common.select, common.projection.is_some(), common.index_name.is_some())?;
    Ok(ScanRequest {
        table_name: common.table_name,
        index_name: common.index_name,
        filter_expression: common.filter,
        projection_expression: common.projection,
        expressions: common.expressions,
        select: common.select,
        limit: common.limit,
        exclusive_start_key: common.exclusive_start_key,
        segment,
        consistent_read: common.consistent_read,
    })
}

// ----- running -------------------------------------------------------------

/// The top-level attribute names a condition reads.
fn condition_attributes<'c>(c: &'c Condition, out: &mut Vec<&'c str>) {
    fn operand<'c>(o: &'c Operand, out: &mut Vec<&'c str>) {
        match o {
            Operand::Path(p) => out.push(p.top_level()),
            Operand::Size(inner) => operand(inner, out),
            Operand::Value(_) => {}
        }
    }
    match c {
        Condition::Compare(_, a, b) | Condition::BeginsWith(a, b) | Condition::Contains(a, b) => {
            operand(a, out);
            operand(b, out);
        }
        Condition::Between { value, lower, upper } => {
            operand(value, out);
            operand(lower, out);
            operand(upper, out);
        }
        Condition::In { value, list } => {
            operand(value, out);
            list.iter().for_each(|o| operand(o, out));
        }
        Condition::AttributeExists(p) | Condition::AttributeNotExists(p) | Condition::AttributeType(p, _) => {
            out.push(p.top_level())
        }
        Condition::And(cs) | Condition::Or(cs) => cs.iter().for_each(|c| condition_attributes(c, out)),
        Condition::Not(c) => condition_attributes(c, out),
    }
}

/// What a Query or Scan reads: the base table or one secondary index.
struct Source<'d> {
    def: &'d TableDef,
    /// The index read, with whether it is global.
    index: Option<(&'d IndexDef, bool)>,
    /// The key schema the key condition and bounds refer to.
    key_schema: &'d KeySchema,
    /// Whether each index entry is replaced by its base item (an LSI read
    /// that needs attributes the index does not project).
    fetch: bool,
}

impl<'d> Source<'d> {
    fn id(&self) -> u8 {
        self.index.map_or(keyspace::BASE_TABLE, |(i, _)| i.id)
    }

    /// Every key attribute an item read from this source has: the table's,
    /// and the index's when reading one.
    fn key_names(&self) -> Vec<&'d str> {
        let schemas = [Some(&self.def.key_schema), self.index.map(|(index, _)| &index.key_schema)];
        let mut names = Vec::with_capacity(4);
        for schema in schemas.into_iter().flatten() {
            names.push(schema.hash.name.as_str());
            if let Some(range) = &schema.range {
                names.push(range.name.as_str());
            }
        }
        names
    }

    /// The `LastEvaluatedKey` naming `item`.
    fn key_of(&self, item: &Item) -> Item {
        match self.index {
            Some((index, _)) => index::entry_key_attributes(self.def, index, item),
            None => key_attributes(&self.def.key_schema, item),
        }
    }

    /// The tree key an `ExclusiveStartKey` names, after checking its shape.
    fn start_key(&self, key: &Item) -> Result<Vec<u8>> {
        let bad = |e: Error| invalid(format!("The provided starting key is invalid: {e}"));
        let Some((index, _)) = self.index else {
            check_key_shape(&self.def.key_schema, key).map_err(bad)?;
            return Ok(encode_primary_key(self.def, key));
        };
        let table_key = key_attributes(&self.def.key_schema, key);
        check_key_shape(&self.def.key_schema, &table_key).map_err(bad)?;
        let index_key = key_attributes(&index.key_schema, key);
        check_key_shape(&index.key_schema, &index_key).map_err(bad)?;
        if key.keys().any(|k| !self.def.key_schema.is_key_attribute(k) && !index.key_schema.is_key_attribute(k)) {
            return Err(bad(invalid("The provided key element does not match the schema")));
        }
        index::entry_key(self.def, index, key).ok_or_else(|| bad(invalid("The provided key element does not match the schema")))
    }
}

/// Resolve `IndexName` (DynamoDB checks it before the expressions, which
/// refer to the index's keys).
fn resolve_source<'d>(def: &'d TableDef, index_name: Option<&str>, consistent_read: bool) -> Result<Source<'d>> {
    let Some(name) = index_name else {
        return Ok(Source { def, index: None, key_schema: &def.key_schema, fetch: false });
    };
    let Some((index, global)) = def.index(name) else {
        return Err(invalid(format!("The table does not have the specified index: {name}")));
    };
    if global && consistent_read {
        return Err(invalid("Consistent reads are not supported on global secondary indexes"));
    }
    Ok(Source { def, index: Some((index, global)), key_schema: &index.key_schema, fetch: false })
}

/// Decide, once the expressions are known, whether an index read needs the
/// base items: an LSI fetches attributes it does not project (as DynamoDB
/// does, at extra cost there); a GSI cannot, so ALL_ATTRIBUTES is refused.
fn plan_fetch(src: &mut Source<'_>, select: Option<Select>, prepared: &Prepared) -> Result<()> {
    let Some((index, global)) = src.index else { return Ok(()) };
    if index.projection.projection_type == ProjectionType::All {
        return Ok(());
    }
    let mut needed: Vec<&str> = Vec::new();
    if let Some(p) = &prepared.projection {
        needed.extend(p.top_level_names());
    }
    if let Some(f) = &prepared.filter {
        condition_attributes(f, &mut needed);
    }
    let outside = needed.iter().any(|n| !index::projects(src.def, index, n));
    if global {
        if select == Some(Select::AllAttributes) {
            return Err(invalid(format!(
                "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                index.name
            )));
        }
        return Ok(());
    }
    src.fetch = select == Some(Select::AllAttributes) || outside;
    Ok(())
}

/// A finished page.
struct Page {
    items: Vec<Item>,
    /// The stored bytes of each item, kept when the answer is written as
    /// text straight from them (see [`page_text`]).
    stored: Vec<Vec<u8>>,
    scanned: usize,
    last_key: Option<Item>,
}

/// Read items from `range` until the limit, the page size or the end.
#[allow(clippy::too_many_arguments)]
fn read_page(
    db: &Database,
    src: &Source<'_>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    limit: Option<usize>,
    accept: impl Fn(&Item) -> bool,
    prepared: &Prepared,
    form: Form,
) -> Result<Page> {
    let tree = db.tree_read();
    let mut page = Page { items: Vec::new(), stored: Vec::new(), scanned: 0, last_key: None };
    // An item fetched from the base table is not the entry's bytes.
    let keep_stored = form == Form::Text && prepared.projection.is_none() && !src.fetch;
    // Answered from the stored bytes and not filtered, an item is needed
    // only for its size and its key attributes: the rest is not built.
    let key_names = if keep_stored && prepared.filter.is_none() { Some(src.key_names()) } else { None };
    let mut bytes = 0usize;
    let lower_ref = lower.as_ref().map(Vec::as_slice);
    let upper_ref = upper.as_ref().map(Vec::as_slice);
    for entry in tree.range(lower_ref, upper_ref, reverse) {
        let (_, value) = entry?;
        let (mut item, size) = match &key_names {
            Some(names) => {
                let (size, keys) = values::stored_size_and_attributes(&value, names)?;
                (keys, Some(size))
            }
            None => (values::decode_item(&value)?, None),
        };
        if !accept(&item) {
            continue;
        }
        if src.fetch {
            // The entry and its base item commit in one batch, so the base
            // item exists; a missing one would be skipped, never invented.
            let key = index::base_key_of_entry(src.def, &item);
            match super::write::read_item(&tree, &key)? {
                Some(full) => item = full,
                None => continue,
            }
        }
        page.scanned += 1;
        bytes += size.unwrap_or_else(|| values::item_size(&item));
        let stop = limit.is_some_and(|l| page.scanned >= l) || bytes >= PAGE_BYTES;
        if stop {
            page.last_key = Some(src.key_of(&item));
        }
        if prepared.filter.as_ref().is_none_or(|f| f.evaluate(&item)) {
            page.items.push(item);
            if keep_stored {
                page.stored.push(value);
            }
        }
        if stop {
            break;
        }
    }
    Ok(page)
}

fn page_reply(page: Page, select: Option<Select>, prepared: &Prepared, form: Form) -> Result<Reply> {
    match form {
        Form::Text => page_text(page, select, prepared).map(Reply::Text),
        Form::Tree => Ok(Reply::Tree(page_response(page, select, prepared))),
    }
}

/// [`page_response`] as JSON text, the same text its tree prints, with the
/// items written from their stored bytes when [`read_page`] kept them.
fn page_text(page: Page, select: Option<Select>, prepared: &Prepared) -> Result<String> {
    let mut out = Vec::with_capacity(64 + page.stored.iter().map(|b| 2 * b.len()).sum::<usize>());
    out.extend_from_slice(format!("{{\"Count\":{},\"ScannedCount\":{}", page.items.len(), page.scanned).as_bytes());
    if select != Some(Select::Count) {
        out.extend_from_slice(b",\"Items\":[");
        if page.stored.len() == page.items.len() {
            for (i, bytes) in page.stored.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                StoredItemJson::new(bytes).write_to(&mut out)?;
            }
        } else {
            for (i, item) in page.items.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(&mut out, &item_json(&super::prepared::project(prepared.projection.as_ref(), item)));
            }
        }
        out.push(b']');
    }
    if let Some(k) = page.last_key {
        out.extend_from_slice(b",\"LastEvaluatedKey\":");
        write_json(&mut out, &item_json(&k));
    }
    out.push(b'}');
    values::text_of(out)
}

/// Append a tree's compact text.
fn write_json(out: &mut Vec<u8>, value: &Value) {
    // Writing a tree into a Vec cannot fail: its keys are strings and a Vec
    // takes every byte.
    let _ = serde_json::to_writer(out, value);
}

fn page_response(page: Page, select: Option<Select>, prepared: &Prepared) -> Value {
    let mut out = json!({ "Count": page.items.len(), "ScannedCount": page.scanned });
    if select != Some(Select::Count) {
        let items: Vec<Value> = page
            .items
            .into_iter()
            .map(|i| item_json(&super::prepared::project(prepared.projection.as_ref(), i)))
            .collect();
        out["Items"] = Value::Array(items);
    }
    if let Some(k) = page.last_key {
        out["LastEvaluatedKey"] = item_json(&k);
    }
    out
}

/// A `(lower, upper)` pair of tree-key bounds.
type KeyBounds = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// Tree-key bounds of a sort key condition inside one partition. Index
/// entries carry the base key after the sort key, so every bound that must
/// include a sort value `v` ends past every key starting with it.
fn sort_bounds(prefix: &[u8], sort: Option<&SortKeyCondition>) -> Result<KeyBounds> {
    let partition_end = || match keyspace::prefix_end(prefix) {
        Some(e) => Bound::Excluded(e),
        None => Bound::Unbounded,
    };
    let with = |v: &crate::model::value::AttributeValue| {
        let mut k = prefix.to_vec();
        k.extend_from_slice(&values::encode_key_value(v));
        k
    };
    // Past every key that starts with `prefix ++ v`.
    let after = |v: &crate::model::value::AttributeValue| match keyspace::prefix_end(&with(v)) {
        Some(e) => Bound::Excluded(e),
        None => partition_end(),
    };
    let whole = || Bound::Included(prefix.to_vec());
    Ok(match sort {
        None => (whole(), partition_end()),
        Some(SortKeyCondition::Eq(v)) => (Bound::Included(with(v)), after(v)),
        Some(SortKeyCondition::Lt(v)) => (whole(), Bound::Excluded(with(v))),
        Some(SortKeyCondition::Le(v)) => (whole(), after(v)),
        Some(SortKeyCondition::Gt(v)) => (
            match after(v) {
                Bound::Excluded(e) => Bound::Included(e),
                other => other,
            },
            partition_end(),
        ),
        Some(SortKeyCondition::Ge(v)) => (Bound::Included(with(v)), partition_end()),
        Some(SortKeyCondition::Between(a, b)) => (Bound::Included(with(a)), after(b)),
        Some(SortKeyCondition::BeginsWith(v)) => {
            let mut start = prefix.to_vec();
            crate::model::key::encode_sort_key_prefix(v, &mut start)?;
            let end = keyspace::prefix_end(&start).map(Bound::Excluded).unwrap_or_else(partition_end);
            (Bound::Included(start), end)
        }
    })
}

pub fn query(db: &Database, req: &QueryRequest) -> Result<Value> {
    query_as(db, req, Form::Tree)?.into_tree()
}

/// [`query`] answering in `form`.
pub(crate) fn query_as(db: &Database, req: &QueryRequest, form: Form) -> Result<Reply> {
    let catalog = db.catalog_read();
    let def = resolve_table(&catalog, &req.table_name)?;
    let mut src = resolve_source(&def, req.index_name.as_deref(), req.consistent_read)?;
    let prepared = prepare(
        &req.expressions,
        Texts {
            key_condition: Some((&req.key_condition_expression, src.key_schema)),
            filter: req.filter_expression.as_deref(),
            projection: req.projection_expression.as_deref(),
            ..Default::default()
        },
    )?;
    if let Some(filter) = &prepared.filter {
        let mut names = Vec::new();
        condition_attributes(filter, &mut names);
        if let Some(k) = names.iter().find(|n| src.key_schema.is_key_attribute(n)) {
            return Err(invalid(format!(
                "Filter Expression can only contain non-primary key attributes: Primary key attribute: {k}"
            )));
        }
    }
    plan_fetch(&mut src, req.select, &prepared)?;
    // `prepare` was given a key condition, so it parsed one.
    let Some(kc) = prepared.key_condition.as_ref() else {
        return Err(invalid("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."));
    };
    let pk = values::encode_key_value(&kc.partition);
    let prefix = keyspace::partition_prefix(def.id, src.id(), &pk);
    let (mut lower, mut upper) = sort_bounds(&prefix, kc.sort.as_ref())?;
    let key_schema = src.key_schema;
    if let Some(start) = &req.exclusive_start_key {
        let key = src.start_key(start)?;
        if start.get(&key_schema.hash.name) != Some(&kc.partition) {
            return Err(invalid("The provided starting key is outside query boundaries based on provided conditions"));
        }
        if let (Some(cond), Some(r)) = (&kc.sort, &key_schema.range) {
            if !start.get(&r.name).is_some_and(|v| cond.matches(v)) {
                return Err(invalid("The provided starting key does not match the range key predicate"));
            }
        }
        if req.scan_index_forward {
            lower = Bound::Excluded(key);
        } else {
            upper = Bound::Excluded(key);
        }
    }
    let range_key = key_schema.range.clone();
    let sort = kc.sort.clone();
    let partition = kc.partition.clone();
    let hash_name = key_schema.hash.name.clone();
    let accept = move |item: &Item| {
        item.get(&hash_name) == Some(&partition)
            && match (&sort, &range_key) {
                (Some(cond), Some(r)) => item.get(&r.name).is_some_and(|v| cond.matches(v)),
                _ => true,
            }
    };
    let page = read_page(db, &src, lower, upper, !req.scan_index_forward, req.limit, accept, &prepared, form)?;
    page_reply(page, req.select, &prepared, form)
}

pub fn scan(db: &Database, req: &ScanRequest) -> Result<Value> {
    let catalog = db.catalog_read();
    let def = resolve_table(&catalog, &req.table_name)?;
    let mut src = resolve_source(&def, req.index_name.as_deref(), req.consistent_read)?;
    let prepared = prepare(
        &req.expressions,
        Texts {
            filter: req.filter_expression.as_deref(),
            projection: req.projection_expression.as_deref(),
            ..Default::default()
        },
    )?;
    plan_fetch(&mut src, req.select, &prepared)?;
    let (start, end) = match req.segment {
        Some((s, t)) => keyspace::segment_range(def.id, src.id(), s, t),
        None => keyspace::index_range(def.id, src.id()),
    };
    let mut lower = Bound::Included(start);
    if let Some(k) = &req.exclusive_start_key {
        let key = src.start_key(k)?;
        if let Some((s, t)) = req.segment {
            let hash = u32::from_be_bytes([key[5], key[6], key[7], key[8]]);
            if keyspace::segment_of_hash(hash, t) != s {
                return Err(invalid(format!(
                    "The provided Exclusive start key does not map to the provided Segment and TotalSegments values. Segment: {s}, TotalSegments: {t}"
                )));
            }
        }
        lower = Bound::Excluded(key);
    }
    let page = read_page(db, &src, lower, Bound::Excluded(end), false, req.limit, |_| true, &prepared, Form::Tree)?;
    Ok(page_response(page, req.select, &prepared))
}

pub fn handle_scan(db: &Database, request: &Value) -> Result<Value> {
    scan(db, &parse_scan(request)?)
}
