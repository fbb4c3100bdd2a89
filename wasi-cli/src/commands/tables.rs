//! `tables`, `describe` and `create-table`.

use crate::session::{CliError, CliResult, Session};
use serde_json::json;

/// Every table name, one per line, following ListTables' pages.
pub fn list(session: &Session) -> CliResult<String> {
    let mut out = String::new();
    let mut start: Option<String> = None;
    loop {
        let mut request = json!({});
        if let Some(name) = &start {
            request["ExclusiveStartTableName"] = json!(name);
        }
        let response = session.run("ListTables", request)?;
        for name in response["TableNames"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str() {
                out.push_str(name);
                out.push('\n');
            }
        }
        match response["LastEvaluatedTableName"].as_str() {
            Some(last) => start = Some(last.to_string()),
            None => return Ok(out),
        }
    }
}

/// DescribeTable's `Table`, pretty-printed.
pub fn describe(session: &Session, table: &str) -> CliResult<String> {
    let response = session.run("DescribeTable", json!({ "TableName": table }))?;
    let pretty = serde_json::to_string_pretty(&response["Table"]).map_err(|e| CliError::new(e.to_string()))?;
    Ok(format!("{pretty}\n"))
}

pub fn create(session: &Session, table: &str, pk: &str, sk: Option<&str>) -> CliResult<String> {
    let (hash_name, hash_type) = key_spec(pk, "--pk")?;
    let mut key_schema = vec![json!({"AttributeName": hash_name, "KeyType": "HASH"})];
    let mut definitions = vec![json!({"AttributeName": hash_name, "AttributeType": hash_type})];
    if let Some(sk) = sk {
        let (range_name, range_type) = key_spec(sk, "--sk")?;
        key_schema.push(json!({"AttributeName": range_name, "KeyType": "RANGE"}));
        definitions.push(json!({"AttributeName": range_name, "AttributeType": range_type}));
    }
    session.run(
        "CreateTable",
        json!({
            "TableName": table,
            "KeySchema": key_schema,
            "AttributeDefinitions": definitions,
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )?;
    let range = sk.map(|s| format!(", range key {s}")).unwrap_or_default();
    Ok(format!("Created table {table} (hash key {pk}{range})\n"))
}

/// `NAME:TYPE` with TYPE one of S, N, B.
fn key_spec(spec: &str, option: &str) -> CliResult<(String, String)> {
    let invalid = || CliError::new(format!("{option} must be NAME:TYPE with TYPE one of S, N, B (got {spec:?})"));
    let (name, kind) = spec.rsplit_once(':').ok_or_else(invalid)?;
    let kind = kind.to_ascii_uppercase();
    if name.is_empty() || !matches!(kind.as_str(), "S" | "N" | "B") {
        return Err(invalid());
    }
    Ok((name.to_string(), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_specs_need_a_name_and_a_scalar_type() {
        assert_eq!(key_spec("placed:n", "--sk").unwrap(), ("placed".into(), "N".into()));
        assert_eq!(key_spec("a:b:S", "--pk").unwrap(), ("a:b".into(), "S".into()));
        for bad in ["pk", ":S", "pk:X", "pk:"] {
            assert!(key_spec(bad, "--pk").is_err(), "{bad}");
        }
    }
}
