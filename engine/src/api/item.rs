//! PutItem, GetItem, UpdateItem and DeleteItem: decoding their requests into
//! typed requests, and running them on the shared write path
//! ([`super::write`]).

use super::json::{table_name, Constraints, Fields};
use super::params::{
    check_expression_maps, common_enums, expression_text, read_expressions, reject_legacy, required_item, write_enums,
};
use super::prepared::{prepare, Texts};
use super::values::{decode_item, item_json, object_with, reply_with_stored_item, Form, Reply};
use super::write::{evaluate, plan_delete, plan_put, plan_put_owned, plan_update, resolve_table, stage_write, Effect, PlannedWrite};
use crate::db::Database;
use crate::error::Result;
use crate::lsm::WriteBatch;
use crate::model::request::{DeleteItemRequest, GetItemRequest, PutItemRequest, UpdateItemRequest};
use serde_json::{json, Value};

// ----- decoding ------------------------------------------------------------

/// Shape and member constraints of a PutItem body (also a transaction's Put).
pub(crate) fn parse_put_fields(f: &Fields, c: &mut Constraints) -> Result<PutItemRequest> {
    let item = required_item(f, "Item", "item", c);
    let expressions = read_expressions(f);
    let condition_expression = expression_text(f, "ConditionExpression")?;
    let name = table_name(f, c)?;
    let item = item?;
    let expressions = expressions?;
    let (return_values, rvccf) = write_enums(f, c)?;
    Ok(PutItemRequest {
        table_name: name.to_string(),
        item: item.unwrap_or_default(),
        condition_expression,
        expressions,
        return_values,
        return_old_on_condition_failure: rvccf,
    })
}

pub(crate) fn parse_delete_fields(f: &Fields, c: &mut Constraints) -> Result<DeleteItemRequest> {
    let key = required_item(f, "Key", "key", c);
    let expressions = read_expressions(f);
    let condition_expression = expression_text(f, "ConditionExpression")?;
    let name = table_name(f, c)?;
    let key = key?;
    let expressions = expressions?;
    let (return_values, rvccf) = write_enums(f, c)?;
    Ok(DeleteItemRequest {
        table_name: name.to_string(),
        key: key.unwrap_or_default(),
        condition_expression,
        expressions,
        return_values,
        return_old_on_condition_failure: rvccf,
    })
}

pub(crate) fn parse_update_fields(f: &Fields, c: &mut Constraints) -> Result<UpdateItemRequest> {
    let key = required_item(f, "Key", "key", c);
    let expressions = read_expressions(f);
    let update_expression = expression_text(f, "UpdateExpression")?;
    let condition_expression = expression_text(f, "ConditionExpression")?;
    let name = table_name(f, c)?;
    let key = key?;
    let expressions = expressions?;
    let (return_values, rvccf) = write_enums(f, c)?;
    Ok(UpdateItemRequest {
        table_name: name.to_string(),
        key: key.unwrap_or_default(),
        update_expression,
        condition_expression,
        expressions,
        return_values,
        return_old_on_condition_failure: rvccf,
    })
}

/// The checks DynamoDB makes after member constraints: no legacy
/// parameters, and expression maps only alongside expressions.
pub(crate) fn check_semantics(f: &Fields, expression_params: &[&str]) -> Result<()> {
    reject_legacy(f)?;
    check_expression_maps(f, expression_params)
}

pub fn parse_put_item(request: &Value) -> Result<PutItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let req = parse_put_fields(&f, &mut c)?;
    c.finish()?;
    check_semantics(&f, &["ConditionExpression"])?;
    Ok(req)
}

pub fn parse_get_item(request: &Value) -> Result<GetItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let key = required_item(&f, "Key", "key", &mut c);
    let expressions = read_expressions(&f);
    let projection_expression = expression_text(&f, "ProjectionExpression")?;
    let consistent_read = f.bool("ConsistentRead")?.unwrap_or(false);
    let name = table_name(&f, &mut c)?;
    let key = key?;
    let expressions = expressions?;
    common_enums(&f, &mut c)?;
    c.finish()?;
    check_semantics(&f, &["ProjectionExpression"])?;
    Ok(GetItemRequest {
        table_name: name.to_string(),
        key: key.unwrap_or_default(),
        projection_expression,
        expressions,
        consistent_read,
    })
}

pub fn parse_delete_item(request: &Value) -> Result<DeleteItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let req = parse_delete_fields(&f, &mut c)?;
    c.finish()?;
    check_semantics(&f, &["ConditionExpression"])?;
    Ok(req)
}

pub fn parse_update_item(request: &Value) -> Result<UpdateItemRequest> {
    let f = Fields::of_request(request)?;
    let mut c = Constraints::new();
    let req = parse_update_fields(&f, &mut c)?;
    c.finish()?;
    check_semantics(&f, &["UpdateExpression", "ConditionExpression"])?;
    Ok(req)
}

// ----- running -------------------------------------------------------------

/// Evaluate one planned write and commit it in its own batch.
fn commit_single(db: &Database, plan: impl FnOnce(&crate::model::schema::Catalog) -> Result<PlannedWrite>) -> Result<Effect> {
    let catalog = db.catalog_read();
    let plan = plan(&catalog)?;
    let tree = db.tree_write();
    let effect = evaluate(&tree, plan)?;
    let mut batch = WriteBatch::new();
    stage_write(&mut batch, &effect)?;
    super::write::commit(tree, batch)?;
    Ok(effect)
}

fn attributes_response(effect: Effect) -> Value {
    match effect.attributes {
        Some(a) => object_with("Attributes", item_json(&a)),
        None => json!({}),
    }
}

pub fn put_item(db: &Database, req: &PutItemRequest) -> Result<Value> {
    commit_single(db, |c| plan_put(c, req)).map(attributes_response)
}

/// [`put_item`] of a request the caller gives away (no copy of the item).
pub fn put_item_owned(db: &Database, req: PutItemRequest) -> Result<Value> {
    commit_single(db, move |c| plan_put_owned(c, req)).map(attributes_response)
}

pub fn delete_item(db: &Database, req: &DeleteItemRequest) -> Result<Value> {
    commit_single(db, |c| plan_delete(c, req)).map(attributes_response)
}

pub fn update_item(db: &Database, req: &UpdateItemRequest) -> Result<Value> {
    commit_single(db, |c| plan_update(c, req)).map(attributes_response)
}

pub fn get_item(db: &Database, req: &GetItemRequest) -> Result<Value> {
    get_item_as(db, req, Form::Tree)?.into_tree()
}

/// [`get_item`] answering in `form`. Without a projection the item goes
/// from its stored bytes straight into the response.
pub(crate) fn get_item_as(db: &Database, req: &GetItemRequest, form: Form) -> Result<Reply> {
    let prepared =
        prepare(&req.expressions, Texts { projection: req.projection_expression.as_deref(), ..Default::default() })?;
    let catalog = db.catalog_read();
    let def = resolve_table(&catalog, &req.table_name)?;
    let key = super::keys::key_of_key(&def, &req.key)?;
    let tree = db.tree_read();
    let reply = tree.get_with(&key, |bytes| match prepared.projection.as_ref() {
        None => reply_with_stored_item("Item", bytes, form),
        Some(p) => Ok(Reply::Tree(object_with("Item", item_json(&p.apply(&decode_item(bytes)?))))),
    })?;
    reply.unwrap_or_else(|| Ok(Reply::Tree(json!({}))))
}

pub fn handle_put_item(db: &Database, request: &Value) -> Result<Value> {
    put_item_owned(db, parse_put_item(request)?)
}
pub fn handle_delete_item(db: &Database, request: &Value) -> Result<Value> {
    delete_item(db, &parse_delete_item(request)?)
}
pub fn handle_update_item(db: &Database, request: &Value) -> Result<Value> {
    update_item(db, &parse_update_item(request)?)
}
