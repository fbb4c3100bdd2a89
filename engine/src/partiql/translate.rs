//! From a parsed statement to ordinary DynamoDB requests.
//!
//! * `SELECT` whose WHERE pins the partition key (`=`, `IN`, or an OR of
//!   equalities, as a top-level AND term) becomes one `Query` per partition
//!   value, with one sort-key condition pushed into the key condition and the
//!   rest left as a filter; any other `SELECT` becomes a `Scan` with a filter.
//! * `INSERT` becomes `PutItem` guarded by `attribute_not_exists(hash key)`.
//! * `UPDATE` / `DELETE` need an equality on every key attribute; the rest of
//!   the WHERE becomes the condition. `UPDATE` never creates an item, so its
//!   condition also requires the item to exist; `DELETE` of a missing item is
//!   a quiet no-op, so its condition is `attribute_not_exists(hash) OR (…)`.
//!
//! ORDER BY on the sort key of a single-partition query is pushed down as
//! `ScanIndexForward`; any other ORDER BY (an extension, like LIMIT and
//! OFFSET) is left for the executor to sort in memory within a bound.

use super::ast::*;
use super::render::Renderer;
use crate::error::Error;
use serde_json::{json, Map, Value as Json};

/// The key attributes of the table or index a statement reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    pub hash: String,
    pub range: Option<String>,
}

/// Where a SELECT reads from.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadSource {
    /// One `Query` request per partition value, in order.
    Queries(Vec<Json>),
    Scan(Json),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectPlan {
    pub source: ReadSource,
    /// In-memory ORDER BY still to apply (empty when pushed down or absent).
    pub sort: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// A `GetItem` request when the WHERE is exactly an equality on every key
    /// attribute of the table (what batches and transactions may read).
    pub get: Option<Json>,
    /// The projection still to apply after an in-memory sort (the reads then
    /// fetch whole items, since the sort may need attributes not projected).
    pub projection_after_sort: Option<Vec<Path>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Insert,
    Update,
    Delete,
    /// `EXISTS(SELECT …)`: a condition check.
    Check,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub kind: WriteKind,
    /// `PutItem`, `UpdateItem`, `DeleteItem` or (for checks) `ConditionCheck`.
    pub operation: &'static str,
    pub request: Json,
    pub returning: Option<Returning>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Select(SelectPlan),
    Write(WritePlan),
}

/// Translate `statement` with its bound `params` against `keys`, the key
/// schema of the table (or, for `"T"."I"`, of the index).
pub fn translate(statement: &Statement, params: &[Json], keys: &KeySchema) -> Result<Plan, Error> {
    match statement {
        Statement::Select(s) => select(s, params, keys).map(Plan::Select),
        Statement::Insert(i) => insert(i, params, keys).map(Plan::Write),
        Statement::Update(u) => update(u, params, keys).map(Plan::Write),
        Statement::Delete(d) => delete(d, params, keys).map(Plan::Write),
        Statement::Exists(s) => exists(s, params, keys).map(Plan::Write),
    }
}

fn conjuncts(filter: Option<&Expr>) -> Vec<Expr> {
    match filter {
        None => Vec::new(),
        Some(Expr::And(terms)) => terms.clone(),
        Some(other) => vec![other.clone()],
    }
}

fn is_attr(o: &Operand, name: &str) -> bool {
    matches!(o, Operand::Path(p) if p.as_attribute() == Some(name))
}

/// `name = value` (either way round): the value.
fn equality_on<'a>(e: &'a Expr, name: &str) -> Option<&'a Value> {
    match e {
        Expr::Compare(l, CompareOp::Eq, Operand::Value(v)) if is_attr(l, name) && !matches!(v, Value::Missing) => Some(v),
        Expr::Compare(Operand::Value(v), CompareOp::Eq, r) if is_attr(r, name) && !matches!(v, Value::Missing) => Some(v),
        _ => None,
    }
}

/// The partition values a term pins, if it pins only the partition key.
fn partition_values(e: &Expr, hash: &str, params: &[Json]) -> Result<Option<Vec<Json>>, Error> {
    if let Some(v) = equality_on(e, hash) {
        return Ok(Some(vec![super::render::resolve_value(v, params)?]));
    }
    match e {
        Expr::In { operand, list, negated: false } if is_attr(operand, hash) => {
            let values = match list {
                InList::Items(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match item {
                            Operand::Value(v) if !matches!(v, Value::Missing) => {
                                out.push(super::render::resolve_value(v, params)?)
                            }
                            _ => return Ok(None),
                        }
                    }
                    out
                }
                InList::Parameter(i) => match params.get(*i).and_then(|p| p.get("L")).and_then(Json::as_array) {
                    Some(items) => items.clone(),
                    None => return Ok(None),
                },
            };
            Ok(Some(values))
        }
        Expr::Or(branches) => {
            let mut out = Vec::new();
            for b in branches {
                match partition_values(b, hash, params)? {
                    Some(vs) => out.extend(vs),
                    None => return Ok(None),
                }
            }
            Ok(Some(out))
        }
        _ => Ok(None),
    }
}

/// A term that can be a sort-key condition of a Query.
fn is_sort_condition(e: &Expr, range: &str) -> bool {
    match e {
        Expr::Compare(l, op, r) => {
            let value = |o: &Operand| matches!(o, Operand::Value(v) if !matches!(v, Value::Missing));
            *op != CompareOp::Ne && ((is_attr(l, range) && value(r)) || (value(l) && is_attr(r, range)))
        }
        Expr::Between { operand, low, high, negated: false } => {
            is_attr(operand, range)
                && matches!(low, Operand::Value(_))
                && matches!(high, Operand::Value(_))
        }
        Expr::Operand(Operand::Call { name, args }) if name == "begins_with" => {
            matches!(args.as_slice(), [a, Operand::Value(_)] if is_attr(a, range))
        }
        _ => false,
    }
}

fn and_of(terms: Vec<Expr>) -> Option<Expr> {
    match terms.len() {
        0 => None,
        1 => terms.into_iter().next(),
        _ => Some(Expr::And(terms)),
    }
}

fn base_request(target: &TableRef) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("TableName".into(), Json::String(target.table.clone()));
    if let Some(index) = &target.index {
        m.insert("IndexName".into(), Json::String(index.clone()));
    }
    m
}

fn select(s: &Select, params: &[Json], keys: &KeySchema) -> Result<SelectPlan, Error> {
    let mut terms = conjuncts(s.filter.as_ref());
    let get = full_key_get(s, &terms, params, keys)?;

    let mut partitions = None;
    for (i, t) in terms.iter().enumerate() {
        if let Some(values) = partition_values(t, &keys.hash, params)? {
            partitions = Some(values);
            terms.remove(i);
            break;
        }
    }
    let mut sort_term = None;
    if let (Some(range), true) = (&keys.range, partitions.is_some()) {
        if let Some(i) = terms.iter().position(|t| is_sort_condition(t, range)) {
            sort_term = Some(terms.remove(i));
        }
    }
    let filter = and_of(terms);

    // ORDER BY: pushed down when every key is the hash key (constant within a
    // partition) or the sort key in one direction, and there is one partition.
    let mut forward = true;
    let mut sort = Vec::new();
    let single = partitions.as_ref().is_some_and(|p| p.len() == 1);
    let pushable = single
        && s.order_by.iter().all(|k| {
            k.path.as_attribute() == Some(keys.hash.as_str())
                || (keys.range.is_some() && k.path.as_attribute() == keys.range.as_deref())
        });
    let range_orders: Vec<&OrderKey> = s
        .order_by
        .iter()
        .filter(|k| keys.range.is_some() && k.path.as_attribute() == keys.range.as_deref())
        .collect();
    if pushable && range_orders.windows(2).all(|w| w[0].descending == w[1].descending) {
        if let Some(k) = range_orders.first() {
            forward = !k.descending;
        }
    } else {
        sort = s.order_by.clone();
    }

    let build = |pk: Option<&Json>| -> Result<Json, Error> {
        let mut r = Renderer::new(params);
        let mut req = base_request(&s.from);
        if let Some(pk) = pk {
            let mut kc = format!("{} = {}", r.name(&keys.hash), r.value_placeholder(pk.clone()));
            if let Some(t) = &sort_term {
                kc.push_str(" AND ");
                kc.push_str(&r.condition(t)?);
            }
            req.insert("KeyConditionExpression".into(), Json::String(kc));
            if !forward {
                req.insert("ScanIndexForward".into(), Json::Bool(false));
            }
        }
        if let Some(f) = &filter {
            req.insert("FilterExpression".into(), Json::String(r.condition(f)?));
        }
        if let (Some(paths), true) = (&s.projection, sort.is_empty()) {
            let p: Vec<String> = paths.iter().map(|p| r.path(p)).collect();
            req.insert("ProjectionExpression".into(), Json::String(p.join(", ")));
        }
        r.finish_into(&mut req);
        Ok(Json::Object(req))
    };

    let source = match &partitions {
        Some(values) => {
            let mut seen: Vec<&Json> = Vec::new();
            let mut queries = Vec::new();
            for v in values {
                if seen.contains(&v) {
                    continue;
                }
                seen.push(v);
                queries.push(build(Some(v))?);
            }
            ReadSource::Queries(queries)
        }
        None => ReadSource::Scan(build(None)?),
    };
    let projection_after_sort = if sort.is_empty() { None } else { s.projection.clone() };
    Ok(SelectPlan { source, sort, limit: s.limit, offset: s.offset.unwrap_or(0), get, projection_after_sort })
}

/// A GetItem when the WHERE is exactly the full primary key by equalities.
fn full_key_get(s: &Select, terms: &[Expr], params: &[Json], keys: &KeySchema) -> Result<Option<Json>, Error> {
    if s.from.index.is_some() || !s.order_by.is_empty() {
        return Ok(None);
    }
    let wanted = 1 + keys.range.is_some() as usize;
    if terms.len() != wanted {
        return Ok(None);
    }
    let Some(key) = key_from_terms(terms, params, keys)? else {
        return Ok(None);
    };
    let mut r = Renderer::new(params);
    let mut req = base_request(&s.from);
    req.insert("Key".into(), key);
    if let Some(paths) = &s.projection {
        let p: Vec<String> = paths.iter().map(|p| r.path(p)).collect();
        req.insert("ProjectionExpression".into(), Json::String(p.join(", ")));
    }
    r.finish_into(&mut req);
    Ok(Some(Json::Object(req)))
}

/// The primary key pinned by equalities among `terms`, if every key
/// attribute is pinned.
fn key_from_terms(terms: &[Expr], params: &[Json], keys: &KeySchema) -> Result<Option<Json>, Error> {
    let find = |name: &str| terms.iter().find_map(|t| equality_on(t, name));
    let mut key = Map::new();
    let Some(h) = find(&keys.hash) else { return Ok(None) };
    key.insert(keys.hash.clone(), super::render::resolve_value(h, params)?);
    if let Some(range) = &keys.range {
        let Some(r) = find(range) else { return Ok(None) };
        key.insert(range.clone(), super::render::resolve_value(r, params)?);
    }
    Ok(Some(Json::Object(key)))
}

fn reject_index(target: &TableRef) -> Result<(), Error> {
    if target.index.is_some() {
        return Err(Error::Validation("This operation is not supported on an index".into()));
    }
    Ok(())
}

/// Split a write's WHERE into the key and the remaining condition terms.
fn key_and_rest(filter: &Expr, params: &[Json], keys: &KeySchema) -> Result<(Json, Vec<Expr>), Error> {
    let mut terms = conjuncts(Some(filter));
    let key = key_from_terms(&terms, params, keys)?.ok_or_else(|| {
        Error::Validation("Where clause does not contain a mandatory equality on all key attributes".into())
    })?;
    // Drop exactly one equality per key attribute; anything else stays a condition.
    for name in std::iter::once(&keys.hash).chain(keys.range.iter()) {
        if let Some(i) = terms.iter().position(|t| equality_on(t, name).is_some()) {
            terms.remove(i);
        }
    }
    Ok((key, terms))
}

fn insert(i: &Insert, params: &[Json], keys: &KeySchema) -> Result<WritePlan, Error> {
    reject_index(&i.into)?;
    let item = super::render::resolve_value(&i.item, params)?;
    let Some(attrs) = item.get("M").filter(|_| item.as_object().is_some_and(|o| o.len() == 1)) else {
        return Err(Error::Validation("The VALUE of an INSERT must be a map of attributes".into()));
    };
    let mut r = Renderer::new(params);
    let mut req = base_request(&i.into);
    req.insert("Item".into(), attrs.clone());
    let cond = format!("attribute_not_exists({})", r.name(&keys.hash));
    req.insert("ConditionExpression".into(), Json::String(cond));
    r.finish_into(&mut req);
    Ok(WritePlan { kind: WriteKind::Insert, operation: "PutItem", request: Json::Object(req), returning: None })
}

fn update(u: &Update, params: &[Json], keys: &KeySchema) -> Result<WritePlan, Error> {
    reject_index(&u.table)?;
    let (key, rest) = key_and_rest(&u.filter, params, keys)?;
    let mut r = Renderer::new(params);
    let (mut sets, mut removes, mut adds, mut deletes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for action in &u.actions {
        match action {
            UpdateAction::Remove(p) => removes.push(r.path(p)),
            UpdateAction::Set(p, v) => match set_function(v) {
                Some(("set_add", arg)) => {
                    let path = r.path(p);
                    adds.push(format!("{path} {}", r.operand(arg)?));
                }
                Some(("set_delete", arg)) => {
                    let path = r.path(p);
                    deletes.push(format!("{path} {}", r.operand(arg)?));
                }
                _ => {
                    let path = r.path(p);
                    let mut rhs = r.operand(&v.first)?;
                    for (op, term) in &v.rest {
                        let sign = if *op == ArithOp::Add { "+" } else { "-" };
                        rhs = format!("{rhs} {sign} {}", r.operand(term)?);
                    }
                    sets.push(format!("{path} = {rhs}"));
                }
            },
        }
    }
    let mut clauses = Vec::new();
    for (word, parts) in [("SET", &sets), ("REMOVE", &removes), ("ADD", &adds), ("DELETE", &deletes)] {
        if !parts.is_empty() {
            clauses.push(format!("{word} {}", parts.join(", ")));
        }
    }
    let mut cond = format!("attribute_exists({})", r.name(&keys.hash));
    if let Some(extra) = and_of(rest) {
        cond = format!("{cond} AND ({})", r.condition(&extra)?);
    }
    let mut req = base_request(&u.table);
    req.insert("Key".into(), key);
    req.insert("UpdateExpression".into(), Json::String(clauses.join(" ")));
    req.insert("ConditionExpression".into(), Json::String(cond));
    if let Some(ret) = u.returning {
        req.insert("ReturnValues".into(), json!(ret.return_values()));
    }
    r.finish_into(&mut req);
    Ok(WritePlan { kind: WriteKind::Update, operation: "UpdateItem", request: Json::Object(req), returning: u.returning })
}

/// `SET s = set_add(s, <<…>>)` and `set_delete`: the function and its value.
fn set_function(v: &SetValue) -> Option<(&'static str, &Operand)> {
    if !v.rest.is_empty() {
        return None;
    }
    match &v.first {
        Operand::Call { name, args } if args.len() == 2 => match name.as_str() {
            "set_add" => Some(("set_add", &args[1])),
            "set_delete" => Some(("set_delete", &args[1])),
            _ => None,
        },
        _ => None,
    }
}

fn delete(d: &Delete, params: &[Json], keys: &KeySchema) -> Result<WritePlan, Error> {
    reject_index(&d.from)?;
    if let Some(ret) = d.returning {
        if ret != Returning::AllOld {
            return Err(Error::Validation(format!(
                "Invalid returning clause: RETURNING {} *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
                ret.as_sql()
            )));
        }
    }
    let (key, rest) = key_and_rest(&d.filter, params, keys)?;
    let mut r = Renderer::new(params);
    let mut req = base_request(&d.from);
    req.insert("Key".into(), key);
    if let Some(extra) = and_of(rest) {
        let cond = format!("attribute_not_exists({}) OR ({})", r.name(&keys.hash), r.condition(&extra)?);
        req.insert("ConditionExpression".into(), Json::String(cond));
    }
    if d.returning.is_some() {
        req.insert("ReturnValues".into(), json!("ALL_OLD"));
    }
    r.finish_into(&mut req);
    Ok(WritePlan { kind: WriteKind::Delete, operation: "DeleteItem", request: Json::Object(req), returning: d.returning })
}

fn exists(s: &Select, params: &[Json], keys: &KeySchema) -> Result<WritePlan, Error> {
    reject_index(&s.from)?;
    let filter = s.filter.as_ref().ok_or_else(|| {
        Error::Validation("Where clause does not contain a mandatory equality on all key attributes".into())
    })?;
    let (key, rest) = key_and_rest(filter, params, keys)?;
    let mut r = Renderer::new(params);
    let mut cond = format!("attribute_exists({})", r.name(&keys.hash));
    if let Some(extra) = and_of(rest) {
        cond = format!("{cond} AND ({})", r.condition(&extra)?);
    }
    let mut req = base_request(&s.from);
    req.insert("Key".into(), key);
    req.insert("ConditionExpression".into(), Json::String(cond));
    r.finish_into(&mut req);
    Ok(WritePlan { kind: WriteKind::Check, operation: "ConditionCheck", request: Json::Object(req), returning: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partiql::parse::parse_statement;

    fn keys(hash: &str, range: Option<&str>) -> KeySchema {
        KeySchema { hash: hash.into(), range: range.map(String::from) }
    }

    fn plan(text: &str, params: &[Json], k: &KeySchema) -> Plan {
        translate(&parse_statement(text).unwrap(), params, k).unwrap()
    }

    fn select_plan(text: &str, k: &KeySchema) -> SelectPlan {
        match plan(text, &[], k) {
            Plan::Select(s) => s,
            other => panic!("not a select: {other:?}"),
        }
    }

    #[test]
    fn partition_equality_becomes_a_query() {
        let p = select_plan("SELECT * FROM users WHERE pk = 'user#123'", &keys("pk", None));
        assert_eq!(
            p.source,
            ReadSource::Queries(vec![json!({
                "TableName": "users",
                "KeyConditionExpression": "#n0 = :v0",
                "ExpressionAttributeNames": {"#n0": "pk"},
                "ExpressionAttributeValues": {":v0": {"S": "user#123"}}
            })])
        );
        assert!(p.get.is_some());
    }

    #[test]
    fn sort_key_condition_is_pushed_down_and_the_rest_filters() {
        let p = select_plan(
            "SELECT a FROM T WHERE x = 1 AND sk > 5 AND pk = 'p' AND sk < 9 ORDER BY sk DESC",
            &keys("pk", Some("sk")),
        );
        let ReadSource::Queries(q) = p.source else { panic!() };
        assert_eq!(q[0]["KeyConditionExpression"], "#n0 = :v0 AND #n1 > :v1");
        assert_eq!(q[0]["FilterExpression"], "(#n2 = :v2) AND (#n1 < :v3)");
        assert_eq!(q[0]["ScanIndexForward"], false);
        assert_eq!(q[0]["ProjectionExpression"], "#n3");
        assert!(p.sort.is_empty());
        assert!(p.get.is_none());
    }

    #[test]
    fn in_and_or_on_the_partition_key_are_several_queries() {
        let k = keys("pk", None);
        for text in ["SELECT * FROM T WHERE pk IN ['a', 'b', 'a']", "SELECT * FROM T WHERE pk = 'a' OR pk = 'b'"] {
            let ReadSource::Queries(q) = select_plan(text, &k).source else { panic!("{text}") };
            assert_eq!(q.len(), 2, "{text}");
        }
    }

    #[test]
    fn anything_else_is_a_scan() {
        let k = keys("pk", None);
        for text in [
            "SELECT * FROM users WHERE age > 25",
            "SELECT * FROM T WHERE pk > 'a'",
            "SELECT * FROM T WHERE pk = 'a' OR age = 1",
            "SELECT * FROM users",
        ] {
            assert!(matches!(select_plan(text, &k).source, ReadSource::Scan(_)), "{text}");
        }
        let p = select_plan("SELECT * FROM users LIMIT 10 OFFSET 20", &k);
        assert_eq!((p.limit, p.offset), (Some(10), 20));
    }

    #[test]
    fn order_by_a_non_key_sorts_in_memory() {
        let p = select_plan("SELECT * FROM T WHERE pk = 'a' ORDER BY age", &keys("pk", Some("sk")));
        assert_eq!(p.sort.len(), 1);
    }

    #[test]
    fn insert_is_a_guarded_put() {
        let Plan::Write(w) =
            plan("INSERT INTO users VALUE {'pk': 'user#456', 'name': 'Bob', 'age': 35}", &[], &keys("pk", None))
        else {
            panic!()
        };
        assert_eq!(w.operation, "PutItem");
        assert_eq!(w.request["Item"], json!({"pk": {"S": "user#456"}, "name": {"S": "Bob"}, "age": {"N": "35"}}));
        assert_eq!(w.request["ConditionExpression"], "attribute_not_exists(#n0)");
    }

    #[test]
    fn update_with_arithmetic_sets_and_remove() {
        let Plan::Write(w) = plan(
            "UPDATE users SET age = age + 1, email = ? SET tags = set_add(tags, <<'x'>>) REMOVE old WHERE pk = 'user#456' AND age < 100 RETURNING ALL NEW *",
            &[json!({"S": "bob@example.com"})],
            &keys("pk", None),
        ) else {
            panic!()
        };
        assert_eq!(w.request["Key"], json!({"pk": {"S": "user#456"}}));
        assert_eq!(w.request["UpdateExpression"], "SET #n0 = #n0 + :v0, #n1 = :v1 REMOVE #n3 ADD #n2 :v2");
        assert_eq!(w.request["ConditionExpression"], "attribute_exists(#n4) AND (#n0 < :v3)");
        assert_eq!(w.request["ReturnValues"], "ALL_NEW");
    }

    #[test]
    fn writes_need_the_whole_key() {
        let k = keys("pk", Some("sk"));
        for text in ["UPDATE T SET a = 1 WHERE pk = 'x'", "DELETE FROM T WHERE age > 3", "UPDATE T SET a = 1 WHERE pk = 'x' OR sk = 1"] {
            let err = translate(&parse_statement(text).unwrap(), &[], &k).unwrap_err();
            assert_eq!(err.to_string(), "Where clause does not contain a mandatory equality on all key attributes", "{text}");
        }
    }

    #[test]
    fn delete_allows_only_all_old() {
        let err = translate(
            &parse_statement("DELETE FROM T WHERE pk = 'a' RETURNING ALL NEW *").unwrap(),
            &[],
            &keys("pk", None),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements."
        );
        let Plan::Write(w) = plan("DELETE FROM T WHERE pk = 'a' AND kind = 'x'", &[], &keys("pk", None)) else { panic!() };
        assert_eq!(w.request["ConditionExpression"], "attribute_not_exists(#n0) OR (#n1 = :v0)");
    }

    #[test]
    fn writes_refuse_an_index() {
        let err = translate(
            &parse_statement(r#"DELETE FROM "T"."I" WHERE pk = 'a'"#).unwrap(),
            &[],
            &keys("pk", None),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "This operation is not supported on an index");
    }
}
