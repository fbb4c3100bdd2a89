//! `create`, `put`, `get` and `delete`: the seed's quickstart.
//!
//! Keys are given as bare values (`user#123`) and typed by the table's key
//! schema, read with DescribeTable; items are plain JSON ([`Plain`]). The
//! table `default` (hash key `pk`, a string) is created by `kstone create`,
//! and by the first `put` into a database that lacks it, so the quickstart
//! also works on a database made by another tool.

use crate::plain::{object_to_dynamodb, Plain};
use crate::session::{CliError, CliResult, KeySchema, Session, DEFAULT_HASH_KEY, DEFAULT_TABLE};
use kstone_engine::Error;
use serde_json::{json, Map, Value};
use std::io::Read;

/// Which table a command works on, and whether it is the implicit default.
pub struct Target<'a> {
    pub table: &'a str,
    pub is_default: bool,
}

impl<'a> Target<'a> {
    pub fn new(table: Option<&'a str>) -> Target<'a> {
        Target { table: table.unwrap_or(DEFAULT_TABLE), is_default: table.is_none() }
    }
}

pub fn create(session: &Session) -> CliResult<String> {
    session.create_default_table()?;
    Ok(format!(
        "Created {} with table {DEFAULT_TABLE} (hash key {DEFAULT_HASH_KEY}, type S)\n",
        session.shown_path
    ))
}

pub fn put(session: &Session, target: &Target, key: &str, sk: Option<&str>, item_text: &str) -> CliResult<String> {
    let text = if item_text == "-" { read_stdin()? } else { item_text.to_string() };
    let attributes = match Plain::parse(&text) {
        Ok(Plain::Object(members)) => members,
        Ok(_) => return Err(CliError::new("the item must be a JSON object, e.g. '{\"name\":\"Alice\"}'")),
        Err(e) => return Err(CliError::new(format!("invalid JSON item: {e}"))),
    };
    let schema = match session.key_schema(target.table) {
        Ok(schema) => schema,
        Err(Error::ResourceNotFound(_)) if target.is_default => {
            session.create_default_table()?;
            session.key_schema(target.table).map_err(|e| session.engine_error(&e))?
        }
        Err(e) => return Err(session.engine_error(&e)),
    };
    let key = schema.key(target.table, key, sk)?;
    let mut item: Map<String, Value> = key.clone();
    for (name, value) in object_to_dynamodb(&attributes) {
        match key.get(&name) {
            Some(given) if *given != value => {
                return Err(CliError::new(format!(
                    "the item's {name} attribute differs from the key given on the command line"
                )))
            }
            Some(_) => {}
            None => {
                item.insert(name, value);
            }
        }
    }
    session.run("PutItem", json!({ "TableName": target.table, "Item": item }))?;
    Ok(String::new())
}

pub fn get(session: &Session, target: &Target, key: &str, sk: Option<&str>) -> CliResult<String> {
    let schema = schema_of(session, target)?;
    let key_value = schema.key(target.table, key, sk)?;
    let response = session.run(
        "GetItem",
        json!({ "TableName": target.table, "Key": key_value, "ConsistentRead": true }),
    )?;
    match response.get("Item") {
        Some(item) => {
            // Key attributes first, then the rest in the engine's order.
            let mut attributes = crate::plain::item_from_dynamodb(item).map_err(CliError::new)?;
            let mut ordered = indexmap::IndexMap::with_capacity(attributes.len());
            for key_name in std::iter::once(&schema.hash.name).chain(schema.range.as_ref().map(|r| &r.name)) {
                if let Some(value) = attributes.shift_remove(key_name) {
                    ordered.insert(key_name.clone(), value);
                }
            }
            ordered.extend(attributes);
            let plain = Plain::Object(ordered);
            Ok(format!("{}\n", plain.to_json_pretty()))
        }
        None => Err(CliError::new(format!("no item with key {} in table {}", describe_key(key, sk), target.table))),
    }
}

pub fn delete(session: &Session, target: &Target, key: &str, sk: Option<&str>) -> CliResult<String> {
    let schema = schema_of(session, target)?;
    let key_value = schema.key(target.table, key, sk)?;
    session.run("DeleteItem", json!({ "TableName": target.table, "Key": key_value }))?;
    Ok(String::new())
}

fn schema_of(session: &Session, target: &Target) -> CliResult<KeySchema> {
    session.key_schema(target.table).map_err(|e| session.engine_error(&e))
}

fn describe_key(key: &str, sk: Option<&str>) -> String {
    match sk {
        Some(sk) => format!("{key} / {sk}"),
        None => key.to_string(),
    }
}

pub fn read_stdin() -> CliResult<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::new(format!("cannot read stdin: {}", crate::session::io_message(&e))))?;
    Ok(text)
}
