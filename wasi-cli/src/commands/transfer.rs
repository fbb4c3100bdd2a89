//! `import` and `export` in the DynamoDB S3 export format: one line per item,
//! `{"Item":{<attribute>:<AttributeValue>,...}}`, in DynamoDB JSON.
//!
//! Both stream with bounded memory. Export follows Scan's pages
//! (`ExclusiveStartKey` ← `LastEvaluatedKey`), each at most 1 MB, and writes
//! every item as it arrives. Import reads the file twice: the first pass
//! checks every line (valid JSON, an `Item` object, key attributes present
//! with the table's types) so that a bad line is reported — with its line
//! number — before anything is written; the second pass writes
//! BatchWriteItem requests of 25 items, DynamoDB's limit. A batch never holds
//! two items with the same key (DynamoDB rejects that), so a file that puts
//! one key twice keeps its last version, as replaying it item by item would.

use crate::progress::Progress;
use crate::session::{io_message, CliError, CliResult, KeySchema, Session};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

/// DynamoDB's BatchWriteItem limit.
const BATCH_SIZE: usize = 25;
/// How often to resend UnprocessedItems before giving up.
const MAX_UNPROCESSED_RETRIES: usize = 10;

/// Export `table`; returns the summary line.
pub fn export(session: &Session, table: &str, file: Option<&Path>) -> CliResult<String> {
    let described = session.run("DescribeTable", json!({ "TableName": table }))?;
    let progress = Progress::new(described["Table"]["ItemCount"].as_u64(), "items");
    let (mut out, shown): (Box<dyn Write>, String) = match file {
        Some(path) => {
            let created = File::create(path).map_err(|e| CliError::new(format!("{}: {}", path.display(), io_message(&e))))?;
            (Box::new(BufWriter::new(created)), path.display().to_string())
        }
        None => (Box::new(BufWriter::new(std::io::stdout().lock())), "stdout".to_string()),
    };
    let write_failed = |e: std::io::Error| CliError::new(format!("cannot write {shown}: {}", io_message(&e)));
    let mut count = 0u64;
    let mut start_key: Option<Value> = None;
    loop {
        let mut request = json!({ "TableName": table, "ConsistentRead": true });
        if let Some(key) = start_key.take() {
            request["ExclusiveStartKey"] = key;
        }
        let page = session.run("Scan", request)?;
        let items = page["Items"].as_array().map(Vec::as_slice).unwrap_or_default();
        for item in items {
            writeln!(out, "{{\"Item\":{item}}}").map_err(write_failed)?;
        }
        count += items.len() as u64;
        progress.advance(items.len() as u64);
        match page.get("LastEvaluatedKey") {
            Some(key) if !key.is_null() => start_key = Some(key.clone()),
            _ => break,
        }
    }
    out.flush().map_err(write_failed)?;
    progress.finish();
    Ok(format!("Exported {count} {} from {table} to {shown}\n", items_word(count)))
}

/// Import `file` into `table`; returns the summary line.
pub fn import(session: &Session, table: &str, file: &Path) -> CliResult<String> {
    let schema = session.key_schema(table).map_err(|e| session.engine_error(&e))?;
    let shown = file.display().to_string();
    let open = || {
        File::open(file).map(BufReader::new).map_err(|e| CliError::new(format!("{shown}: {}", io_message(&e))))
    };
    let size = std::fs::metadata(file).map(|m| m.len()).ok();

    // Pass 1: check every line before writing anything.
    let mut lines = 0u64;
    for_each_item(open()?, &shown, |line_no, item| {
        check_key(&schema, item).map_err(|e| CliError::new(format!("{shown} line {line_no}: {e}")))?;
        lines += 1;
        Ok(())
    })?;

    // Pass 2: write in batches of 25 distinct keys.
    let progress = Progress::new(size.map(|_| lines), "items");
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH_SIZE);
    let mut keys_in_batch: HashSet<String> = HashSet::new();
    let mut imported = 0u64;
    for_each_item(open()?, &shown, |_, item| {
        let key = key_text(&schema, item);
        if batch.len() == BATCH_SIZE || keys_in_batch.contains(&key) {
            write_batch(session, table, std::mem::take(&mut batch))?;
            keys_in_batch.clear();
        }
        keys_in_batch.insert(key);
        batch.push(json!({ "PutRequest": { "Item": item } }));
        imported += 1;
        progress.advance(1);
        Ok(())
    })?;
    if !batch.is_empty() {
        write_batch(session, table, batch)?;
    }
    progress.finish();
    Ok(format!("Imported {imported} {} into {table} from {shown}\n", items_word(imported)))
}

fn items_word(n: u64) -> &'static str {
    if n == 1 {
        "item"
    } else {
        "items"
    }
}

/// Call `each(line_number, item)` for every non-blank line's `Item`.
fn for_each_item(
    reader: impl BufRead,
    shown: &str,
    mut each: impl FnMut(u64, &Map<String, Value>) -> CliResult<()>,
) -> CliResult<()> {
    for (index, line) in reader.lines().enumerate() {
        let line_no = index as u64 + 1;
        let line = line.map_err(|e| CliError::new(format!("{shown} line {line_no}: {}", io_message(&e))))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)
            .map_err(|e| CliError::new(format!("{shown} line {line_no}: invalid JSON: {e}")))?;
        let item = value.get("Item").and_then(Value::as_object).ok_or_else(|| {
            CliError::new(format!("{shown} line {line_no}: expected {{\"Item\":{{...}}}} (DynamoDB S3 export format)"))
        })?;
        each(line_no, item)?;
    }
    Ok(())
}

/// The key attributes must be present with the table's types.
fn check_key(schema: &KeySchema, item: &Map<String, Value>) -> Result<(), String> {
    for attribute in std::iter::once(&schema.hash).chain(schema.range.as_ref()) {
        let value = item.get(&attribute.name).ok_or_else(|| format!("the item has no key attribute {}", attribute.name))?;
        let typed = value.as_object().filter(|o| o.len() == 1).and_then(|o| o.get(&attribute.kind));
        if !typed.is_some_and(Value::is_string) {
            return Err(format!("key attribute {} must be of type {}, got {value}", attribute.name, attribute.kind));
        }
    }
    Ok(())
}

/// A text that is equal for two items exactly when their keys are.
fn key_text(schema: &KeySchema, item: &Map<String, Value>) -> String {
    let part = |name: &str| item.get(name).map(Value::to_string).unwrap_or_default();
    match &schema.range {
        Some(range) => format!("{}\u{0}{}", part(&schema.hash.name), part(&range.name)),
        None => part(&schema.hash.name),
    }
}

fn write_batch(session: &Session, table: &str, requests: Vec<Value>) -> CliResult<()> {
    let mut pending = Value::Array(requests);
    for _ in 0..=MAX_UNPROCESSED_RETRIES {
        let response = session.run("BatchWriteItem", json!({ "RequestItems": { table: pending } }))?;
        match response["UnprocessedItems"].get(table) {
            Some(left) if left.as_array().is_some_and(|l| !l.is_empty()) => pending = left.clone(),
            _ => return Ok(()),
        }
    }
    Err(CliError::new(format!("the database kept returning unprocessed items for {table}; import stopped")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::KeyAttribute;

    fn schema() -> KeySchema {
        KeySchema {
            hash: KeyAttribute { name: "pk".into(), kind: "S".into() },
            range: Some(KeyAttribute { name: "n".into(), kind: "N".into() }),
        }
    }

    #[test]
    fn checks_key_attributes_and_their_types() {
        let ok = json!({"pk": {"S": "a"}, "n": {"N": "1"}, "x": {"BOOL": true}});
        assert!(check_key(&schema(), ok.as_object().unwrap()).is_ok());
        let missing = json!({"pk": {"S": "a"}});
        assert!(check_key(&schema(), missing.as_object().unwrap()).unwrap_err().contains("no key attribute n"));
        let wrong = json!({"pk": {"S": "a"}, "n": {"S": "1"}});
        assert!(check_key(&schema(), wrong.as_object().unwrap()).unwrap_err().contains("type N"));
    }

    #[test]
    fn reports_the_line_of_bad_input() {
        let input = "{\"Item\":{}}\n\n{\"Item\": \n";
        let err = for_each_item(input.as_bytes(), "f.jsonl", |_, _| Ok(())).unwrap_err();
        assert!(err.message.starts_with("f.jsonl line 3: invalid JSON: "), "{}", err.message);
        let err = for_each_item("[1]\n".as_bytes(), "f.jsonl", |_, _| Ok(())).unwrap_err();
        assert!(err.message.contains("line 1: expected"), "{}", err.message);
    }

    #[test]
    fn key_text_tells_keys_apart() {
        let a = json!({"pk": {"S": "a"}, "n": {"N": "1"}});
        let b = json!({"pk": {"S": "a"}, "n": {"N": "2"}, "z": {"S": "q"}});
        assert_ne!(key_text(&schema(), a.as_object().unwrap()), key_text(&schema(), b.as_object().unwrap()));
    }
}
