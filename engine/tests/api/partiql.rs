//! PartiQL through the one door: statements run as the item API's own
//! requests, with DynamoDB's errors.

use crate::support::create_table;
use kstone_engine::Database;
use serde_json::{json, Value};

fn db_with_tables() -> Database {
    let db = Database::in_memory().unwrap();
    create_table(&db, "users", ("pk", "S"), None);
    create_table(&db, "Orders", ("customer", "S"), Some(("n", "N")));
    db
}

fn run(db: &Database, statement: &str) -> Value {
    db.execute("ExecuteStatement", &json!({ "Statement": statement }))
        .unwrap_or_else(|e| panic!("{statement}: {} {e}", e.name()))
}

fn run_with(db: &Database, request: Value) -> Result<Value, kstone_engine::Error> {
    db.execute("ExecuteStatement", &request)
}

fn seed_orders(db: &Database) {
    for c in ["alice", "bob", "carol"] {
        for n in 1..=10 {
            run(db, &format!("INSERT INTO \"Orders\" VALUE {{'customer': '{c}', 'n': {n}, 'total': {}, 'status': '{}'}}", n * 10, if n % 2 == 0 { "paid" } else { "open" }));
        }
    }
}

fn names(resp: &Value, attr: &str) -> Vec<String> {
    resp["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let v = &i[attr];
            v.get("S").or(v.get("N")).and_then(Value::as_str).unwrap_or("?").to_string()
        })
        .collect()
}

#[test]
fn the_seed_readme_examples_work() {
    let db = db_with_tables();
    run(&db, "INSERT INTO users VALUE {'pk': 'user#123', 'name': 'Alice', 'age': 30, 'email': 'alice@example.com'}");
    run(&db, "INSERT INTO users VALUE {'pk': 'user#456', 'name': 'Bob', 'age': 35}");
    for i in 0..40 {
        run(&db, &format!("INSERT INTO users VALUE {{'pk': 'user#x{i:02}', 'name': 'U{i}', 'age': {}}}", 18 + i % 20));
    }
    let r = run(&db, "SELECT * FROM users WHERE pk = 'user#123'");
    assert_eq!(r["Items"][0]["email"], json!({"S": "alice@example.com"}));
    let r = run(&db, "SELECT name, email FROM users WHERE pk = 'user#123'");
    assert_eq!(r["Items"], json!([{"name": {"S": "Alice"}, "email": {"S": "alice@example.com"}}]));
    let r = run(&db, "SELECT * FROM users LIMIT 10 OFFSET 20");
    assert_eq!(r["Items"].as_array().unwrap().len(), 10);
    let all = run(&db, "SELECT pk FROM users");
    let page = run(&db, "SELECT pk FROM users LIMIT 10 OFFSET 20");
    assert_eq!(page["Items"].as_array().unwrap()[..], all["Items"].as_array().unwrap()[20..30]);
    let r = run(&db, "SELECT * FROM users WHERE age > 25");
    let expected = all_ages(&db).into_iter().filter(|a| *a > 25).count();
    assert_eq!(r["Items"].as_array().unwrap().len(), expected);
    run(&db, "UPDATE users SET age = age + 1, email = 'bob@example.com' WHERE pk = 'user#456'");
    let r = run(&db, "SELECT age, email FROM users WHERE pk = 'user#456'");
    assert_eq!(r["Items"], json!([{"age": {"N": "36"}, "email": {"S": "bob@example.com"}}]));
    run(&db, "DELETE FROM users WHERE pk = 'user#456'");
    assert_eq!(run(&db, "SELECT * FROM users WHERE pk = 'user#456'")["Items"], json!([]));
}

fn all_ages(db: &Database) -> Vec<i64> {
    let r = run(db, "SELECT age FROM users");
    r["Items"].as_array().unwrap().iter().filter_map(|i| i["age"]["N"].as_str()?.parse().ok()).collect()
}

#[test]
fn a_partition_key_equality_runs_as_a_query_not_a_scan() {
    let db = db_with_tables();
    seed_orders(&db);
    // With Limit 2, a Scan would stop after two evaluated items and hand back
    // a NextToken; a Query of bob's partition with n = 3 evaluates the one
    // item the key condition selects and is finished.
    let r = run_with(&db, json!({"Statement": "SELECT * FROM \"Orders\" WHERE customer = 'bob' AND n = 3", "Limit": 2})).unwrap();
    assert_eq!(names(&r, "customer"), ["bob"]);
    assert!(r.get("NextToken").is_none(), "{r}");
    // IN on the partition key is a Query per value, in the order given.
    let r = run(&db, "SELECT n FROM \"Orders\" WHERE customer IN ['carol', 'alice'] AND n <= 2");
    assert_eq!(names(&r, "n"), ["1", "2", "1", "2"]);
    // The translator says so too.
    let st = kstone_engine::partiql::parse_statement("SELECT * FROM \"Orders\" WHERE customer = 'bob'").unwrap();
    let keys = kstone_engine::partiql::KeySchema { hash: "customer".into(), range: Some("n".into()) };
    let plan = kstone_engine::partiql::translate(&st, &[], &keys).unwrap();
    assert!(matches!(plan, kstone_engine::partiql::Plan::Select(s) if matches!(s.source, kstone_engine::partiql::ReadSource::Queries(_))));
}

#[test]
fn order_by_the_sort_key_and_beyond() {
    let db = db_with_tables();
    seed_orders(&db);
    let r = run(&db, "SELECT n FROM \"Orders\" WHERE customer = 'alice' ORDER BY n DESC");
    assert_eq!(names(&r, "n"), ["10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]);
    let r = run(&db, "SELECT n FROM \"Orders\" WHERE customer = 'alice' AND n BETWEEN 3 AND 5");
    assert_eq!(names(&r, "n"), ["3", "4", "5"]);
    let r = run(&db, "SELECT customer, total FROM \"Orders\" WHERE n = 10 ORDER BY customer DESC");
    assert_eq!(names(&r, "customer"), ["carol", "bob", "alice"]);
    let r = run(&db, "SELECT n FROM \"Orders\" WHERE customer = 'bob' AND status = 'paid' ORDER BY total DESC LIMIT 2");
    assert_eq!(names(&r, "n"), ["10", "8"]);
}

#[test]
fn pages_with_limit_and_next_token() {
    let db = db_with_tables();
    seed_orders(&db);
    let statement = "SELECT n FROM \"Orders\" WHERE customer IN ['alice', 'bob'] AND status = 'open'";
    let mut token: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..100 {
        let mut req = json!({"Statement": statement, "Limit": 3});
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let r = run_with(&db, req).unwrap();
        seen.extend(names(&r, "n"));
        match r.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ["1", "3", "5", "7", "9", "1", "3", "5", "7", "9"]);
    let err = run_with(&db, json!({"Statement": "SELECT * FROM \"Orders\"", "NextToken": "bm90IGEgdG9rZW4="})).unwrap_err();
    assert_eq!(err.to_string(), "Invalid NextToken");
}

#[test]
fn writes_follow_dynamodb() {
    let db = db_with_tables();
    run(&db, "INSERT INTO users VALUE {'pk': 'a', 'n': 1}");
    let err = run_with(&db, json!({"Statement": "INSERT INTO users VALUE {'pk': 'a'}"})).unwrap_err();
    assert_eq!(err.name(), "DuplicateItemException");
    assert_eq!(err.to_string(), "Duplicate primary key exists in table");
    let err = run_with(&db, json!({"Statement": "UPDATE users SET n = 2 WHERE pk = 'ghost'"})).unwrap_err();
    assert_eq!(err.name(), "ConditionalCheckFailedException");
    assert_eq!(run(&db, "SELECT * FROM users WHERE pk = 'ghost'")["Items"], json!([]), "UPDATE never creates an item");
    let err = run_with(&db, json!({"Statement": "UPDATE users SET n = 2 WHERE pk = 'a' AND n = 5"})).unwrap_err();
    assert_eq!(err.name(), "ConditionalCheckFailedException");
    let r = run(&db, "UPDATE users SET n = n + 1 WHERE pk = 'a' RETURNING MODIFIED NEW *");
    assert_eq!(r["Items"], json!([{"n": {"N": "2"}}]));
    run(&db, "DELETE FROM users WHERE pk = 'ghost'");
    run(&db, "DELETE FROM users WHERE pk = 'ghost' AND n = 1");
    let err = run_with(&db, json!({"Statement": "DELETE FROM users WHERE pk = 'a' AND n = 99"})).unwrap_err();
    assert_eq!(err.name(), "ConditionalCheckFailedException");
    let r = run(&db, "DELETE FROM users WHERE pk = 'a' RETURNING ALL OLD *");
    assert_eq!(r["Items"][0]["n"], json!({"N": "2"}));
    let err = run_with(&db, json!({"Statement": "UPDATE users SET n = 1 WHERE n = 3"})).unwrap_err();
    assert_eq!(err.to_string(), "Where clause does not contain a mandatory equality on all key attributes");
    let err = run_with(&db, json!({"Statement": "SELECT * FROM nosuch"})).unwrap_err();
    assert_eq!(err.name(), "ResourceNotFoundException");
}

#[test]
fn parameters_bind_in_order_and_must_match_in_number() {
    let db = db_with_tables();
    let r = run_with(
        &db,
        json!({"Statement": "INSERT INTO users VALUE {'pk': ?, 'tags': ?, 'm': {'x': ?}}",
               "Parameters": [{"S": "p"}, {"SS": ["a", "b"]}, {"N": "7"}]}),
    );
    r.unwrap();
    let r = run_with(&db, json!({"Statement": "SELECT m.x FROM users WHERE pk = ?", "Parameters": [{"S": "p"}]})).unwrap();
    assert_eq!(r["Items"], json!([{"m": {"M": {"x": {"N": "7"}}}}]));
    for (statement, params) in [
        ("SELECT * FROM users WHERE pk = ?", json!([])),
        ("SELECT * FROM users WHERE pk = ?", json!([{"S": "a"}, {"S": "b"}])),
        ("SELECT * FROM users WHERE pk = 'a'", json!([{"S": "a"}])),
    ] {
        let err = run_with(&db, json!({"Statement": statement, "Parameters": params})).unwrap_err();
        assert_eq!(err.name(), "ValidationException", "{statement}");
    }
}

#[test]
fn batch_execute_reports_each_statement() {
    let db = db_with_tables();
    run(&db, "INSERT INTO users VALUE {'pk': 'a', 'n': 1}");
    let r = db
        .execute(
            "BatchExecuteStatement",
            &json!({"Statements": [
                {"Statement": "INSERT INTO users VALUE {'pk': 'b'}"},
                {"Statement": "INSERT INTO users VALUE {'pk': 'a'}"},
                {"Statement": "UPDATE users SET n = 5 WHERE pk = 'a'"},
                {"Statement": "SELEC nonsense"}
            ]}),
        )
        .unwrap();
    let responses = r["Responses"].as_array().unwrap();
    assert_eq!(responses.len(), 4);
    assert!(responses[0].get("Error").is_none());
    assert_eq!(responses[1]["Error"]["Code"], "DuplicateItem");
    assert!(responses[2].get("Error").is_none());
    assert_eq!(responses[3]["Error"]["Code"], "ValidationError");
    let r = db
        .execute(
            "BatchExecuteStatement",
            &json!({"Statements": [
                {"Statement": "SELECT * FROM users WHERE pk = 'a'"},
                {"Statement": "SELECT * FROM users WHERE pk = 'zzz'"},
                {"Statement": "SELECT * FROM users WHERE n = 5"}
            ]}),
        )
        .unwrap();
    assert_eq!(r["Responses"][0]["Item"]["n"], json!({"N": "5"}));
    assert!(r["Responses"][1].get("Item").is_none());
    assert_eq!(r["Responses"][2]["Error"]["Code"], "ValidationError");
    let mixed = json!({"Statements": [
        {"Statement": "SELECT * FROM users WHERE pk = 'a'"},
        {"Statement": "DELETE FROM users WHERE pk = 'a'"}
    ]});
    assert_eq!(db.execute("BatchExecuteStatement", &mixed).unwrap_err().name(), "ValidationException");
    let many: Vec<Value> = (0..26).map(|i| json!({"Statement": format!("DELETE FROM users WHERE pk = '{i}'")})).collect();
    assert_eq!(db.execute("BatchExecuteStatement", &json!({"Statements": many})).unwrap_err().name(), "ValidationException");
    assert_eq!(db.execute("BatchExecuteStatement", &json!({"Statements": []})).unwrap_err().name(), "ValidationException");
}

#[test]
fn execute_transaction_is_all_or_nothing() {
    let db = db_with_tables();
    run(&db, "INSERT INTO users VALUE {'pk': 'a', 'n': 1}");
    run(&db, "INSERT INTO users VALUE {'pk': 'dup'}");
    let err = db
        .execute(
            "ExecuteTransaction",
            &json!({"TransactStatements": [
                {"Statement": "INSERT INTO users VALUE {'pk': 'new'}"},
                {"Statement": "UPDATE users SET n = 2 WHERE pk = 'a'"},
                {"Statement": "INSERT INTO users VALUE {'pk': 'dup'}"}
            ]}),
        )
        .unwrap_err();
    let kstone_engine::Error::TransactionCanceled { reasons, message } = &err else { panic!("{err}") };
    let codes: Vec<_> = reasons.iter().map(|r| r.code.clone().unwrap_or_else(|| "None".into())).collect();
    assert_eq!(codes, ["None", "None", "DuplicateItem"]);
    assert!(message.ends_with("[None, None, DuplicateItem]"), "{message}");
    assert_eq!(run(&db, "SELECT * FROM users WHERE pk = 'new'")["Items"], json!([]));
    assert_eq!(run(&db, "SELECT n FROM users WHERE pk = 'a'")["Items"], json!([{"n": {"N": "1"}}]));
    db.execute(
        "ExecuteTransaction",
        &json!({"TransactStatements": [
            {"Statement": "EXISTS(SELECT * FROM users WHERE pk = 'a' AND n = 1)"},
            {"Statement": "INSERT INTO users VALUE {'pk': 'b'}"}
        ]}),
    )
    .unwrap();
    let r = db
        .execute(
            "ExecuteTransaction",
            &json!({"TransactStatements": [
                {"Statement": "SELECT * FROM users WHERE pk = 'a'"},
                {"Statement": "SELECT pk FROM users WHERE pk = 'b'"}
            ]}),
        )
        .unwrap();
    assert_eq!(r["Responses"][1]["Item"], json!({"pk": {"S": "b"}}));
}

/// Malformed statements: every one is a ValidationException with a clear
/// message, none panics, and none changes the data.
#[test]
fn malformed_statements_are_validation_errors() {
    let db = db_with_tables();
    run(&db, "INSERT INTO users VALUE {'pk': 'keep', 'n': 1}");
    let cases: &[(&str, &str)] = &[
        ("", "Member must have length greater than or equal to 1"),
        ("   ", "Empty statement"),
        ("CREATE TABLE t", "Expected data manipulation"),
        ("DROP TABLE users", "Expected data manipulation"),
        ("users", "Expected data manipulation"),
        ("SELEC * FROM users", "Expected data manipulation"),
        ("SELECT", "Unexpected end of statement"),
        ("SELECT *", "Unexpected end of statement"),
        ("SELECT * FROM", "Unexpected end of statement"),
        ("SELECT * FROM WHERE pk = 'a'", "Unexpected keyword 'WHERE'"),
        ("SELECT * FROM users WHERE", "Unexpected end of statement"),
        ("SELECT * FROM users WHERE pk =", "Unexpected end of statement"),
        ("SELECT * FROM users WHERE pk = 'unterminated", "can't be processed"),
        ("SELECT * FROM users WHERE pk == 'a'", "can't be processed"),
        ("SELECT * FROM users WHERE pk = 'a' AND", "Unexpected end of statement"),
        ("SELECT * FROM users WHERE pk = 'a' OR OR pk = 'b'", "can't be processed"),
        ("SELECT * FROM users WHERE (pk = 'a'", "can't be processed"),
        ("SELECT * FROM users WHERE pk = 'a')", "can't be processed"),
        ("SELECT * FROM users WHERE pk BETWEEN 1", "can't be processed"),
        ("SELECT * FROM users WHERE pk IN", "can't be processed"),
        ("SELECT * FROM users WHERE pk IN []", "can't be processed"),
        ("SELECT * FROM users WHERE pk IS", "can't be processed"),
        ("SELECT * FROM users WHERE pk IS EMPTY", "can't be processed"),
        ("SELECT , FROM users", "can't be processed"),
        ("SELECT a,, b FROM users", "can't be processed"),
        ("SELECT * FROM users ORDER pk", "can't be processed"),
        ("SELECT * FROM users ORDER BY", "can't be processed"),
        ("SELECT * FROM users LIMIT", "can't be processed"),
        ("SELECT * FROM users LIMIT -1", "can't be processed"),
        ("SELECT * FROM users LIMIT ten", "can't be processed"),
        ("SELECT * FROM users OFFSET 1 LIMIT 1", "can't be processed"),
        ("SELECT * FROM users WHERE a.[1] = 1", "can't be processed"),
        ("SELECT * FROM users WHERE a[x] = 1", "can't be processed"),
        ("SELECT * FROM users extra", "can't be processed"),
        ("SELECT * FROM \"users", "can't be processed"),
        ("SELECT * FROM users WHERE pk = 'a';;", "can't be processed"),
        ("INSERT users VALUE {'pk': 'a'}", "can't be processed"),
        ("INSERT INTO users {'pk': 'a'}", "can't be processed"),
        ("INSERT INTO users VALUE", "can't be processed"),
        ("INSERT INTO users VALUE {'pk' 'a'}", "can't be processed"),
        ("INSERT INTO users VALUE {'pk': 'a',}", "can't be processed"),
        ("INSERT INTO users VALUE {pk: 'a'}", "can't be processed"),
        ("INSERT INTO users VALUE {'pk': 'a', 'pk': 'b'}", "Duplicate map key 'pk'"),
        ("INSERT INTO users VALUE {'pk': 'a', 's': <<>>}", "Set literals cannot be empty"),
        ("INSERT INTO users VALUE {'pk': 'a', 's': <<'x', 1>>}", "same type"),
        ("INSERT INTO users VALUE 'a'", "can't be processed"),
        ("INSERT INTO users VALUE {'pk': [1, 2}", "can't be processed"),
        ("UPDATE users WHERE pk = 'a'", "can't be processed"),
        ("UPDATE users SET WHERE pk = 'a'", "can't be processed"),
        ("UPDATE users SET n = WHERE pk = 'a'", "can't be processed"),
        ("UPDATE users SET n = 1", "can't be processed"),
        ("UPDATE users SET n = 1 WHERE", "can't be processed"),
        ("UPDATE users SET n = 1 WHERE pk = 'keep' RETURNING", "can't be processed"),
        ("UPDATE users SET n = 1 WHERE pk = 'keep' RETURNING ALL *", "can't be processed"),
        ("UPDATE users REMOVE WHERE pk = 'keep'", "can't be processed"),
        ("DELETE users WHERE pk = 'keep'", "can't be processed"),
        ("DELETE FROM users", "can't be processed"),
        ("DELETE FROM users WHERE pk = 'keep' RETURNING ALL NEW *", "Only RETURNING ALL OLD * is allowed"),
        ("DELETE FROM users WHERE n = 1", "mandatory equality on all key attributes"),
        ("UPDATE users SET n = 2 WHERE pk = 'keep' OR pk = 'x'", "mandatory equality on all key attributes"),
        ("DELETE FROM \"users\".\"idx\" WHERE pk = 'keep'", "not supported on an index"),
        ("SELECT * FROM users WHERE pk = MISSING + 1", "can't be processed"),
        ("SELECT * FROM users WHERE nosuchfn(pk)", "Unsupported function"),
        ("SELECT * FROM users WHERE pk", "must be a comparison"),
        ("SELECT * FROM users WHERE pk = 'keep' AND EXISTS(SELECT * FROM users WHERE pk = 'x')", "only supported as a statement of ExecuteTransaction"),
        ("EXISTS(SELECT * FROM users WHERE pk = 'keep')", "only supported as a statement of ExecuteTransaction"),
        ("SELECT * FROM users WHERE begins_with(pk)", "Incorrect number of arguments"),
    ];
    assert!(cases.len() >= 60);
    for (statement, expected) in cases {
        let err = run_with(&db, json!({ "Statement": statement })).unwrap_err();
        assert_eq!(err.name(), "ValidationException", "{statement}: {err}");
        assert!(err.to_string().contains(expected), "{statement}: {err}");
    }
    assert_eq!(run(&db, "SELECT n FROM users WHERE pk = 'keep'")["Items"], json!([{"n": {"N": "1"}}]));
    let deep = format!("SELECT * FROM users WHERE {}pk = 'a'{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(run_with(&db, json!({ "Statement": deep })).unwrap_err().name(), "ValidationException");
    let long = format!("SELECT * FROM users WHERE pk = '{}'", "x".repeat(9000));
    assert_eq!(run_with(&db, json!({ "Statement": long })).unwrap_err().name(), "ValidationException");
}
