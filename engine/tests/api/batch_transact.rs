//! BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems.

use crate::support::create_table;
use kstone_engine::{Database, Error};
use serde_json::{json, Value};

fn db() -> Database {
    let db = Database::in_memory().unwrap();
    create_table(&db, "Users", ("pk", "S"), None);
    db
}

fn put(pk: &str, n: i64) -> Value {
    json!({"PutRequest": {"Item": {"pk": {"S": pk}, "n": {"N": n.to_string()}}}})
}

fn get(db: &Database, pk: &str) -> Value {
    db.execute("GetItem", &json!({"TableName": "Users", "Key": {"pk": {"S": pk}}})).unwrap()
}

#[test]
fn batch_write_then_batch_get() {
    let db = db();
    let out = db
        .execute("BatchWriteItem", &json!({"RequestItems": {"Users": [put("a", 1), put("b", 2), put("c", 3)]}}))
        .unwrap();
    assert_eq!(out, json!({"UnprocessedItems": {}}));
    let out = db
        .execute(
            "BatchWriteItem",
            &json!({"RequestItems": {"Users": [{"DeleteRequest": {"Key": {"pk": {"S": "c"}}}}, put("d", 4)]}}),
        )
        .unwrap();
    assert_eq!(out, json!({"UnprocessedItems": {}}));
    let got = db
        .execute(
            "BatchGetItem",
            &json!({"RequestItems": {"Users": {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "c"}}, {"pk": {"S": "d"}}],
                "ProjectionExpression": "n"}}}),
        )
        .unwrap();
    let mut ns: Vec<&str> = got["Responses"]["Users"].as_array().unwrap().iter().map(|i| i["n"]["N"].as_str().unwrap()).collect();
    ns.sort();
    assert_eq!(ns, vec!["1", "4"]);
    assert_eq!(got["UnprocessedKeys"], json!({}));
}

#[test]
fn batch_errors_change_nothing() {
    let db = db();
    let cases = vec![
        ("BatchWriteItem", json!({"RequestItems": {"Users": [put("a", 1), put("a", 2)]}}), "Provided list of item keys contains duplicates"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": [put("a", 1), {"PutRequest": {"Item": {"id": {"S": "x"}}}}]}}),
            "The provided key element does not match the schema"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": (0..26).map(|i| put(&format!("k{i}"), i)).collect::<Vec<_>>()}}),
            "1 validation error detected: Value '{\"Users\":[...]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}}}),
            "Provided list of item keys contains duplicates"),
        ("BatchGetItem", json!({"RequestItems": {}}),
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ];
    for (i, (op, req, msg)) in cases.into_iter().enumerate() {
        let e = db.execute(op, &req).expect_err("must fail");
        assert_eq!(e.name(), "ValidationException", "case {i}");
        if !msg.contains("[...]") {
            assert_eq!(e.to_string(), msg, "case {i}");
        } else {
            assert!(e.to_string().ends_with("Member must have length greater than or equal to 1]"), "case {i}: {e}");
        }
    }
    assert_eq!(get(&db, "a"), json!({}));
    let e = db.execute("BatchGetItem", &json!({"RequestItems": {"Nope": {"Keys": [{"pk": {"S": "a"}}]}}})).unwrap_err();
    assert_eq!(e.name(), "ResourceNotFoundException");
}

fn transact(db: &Database, items: Value) -> Result<Value, Error> {
    db.execute("TransactWriteItems", &json!({"TransactItems": items}))
}

#[test]
fn transactions_are_all_or_nothing() {
    let db = db();
    transact(&db, json!([{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}}])).unwrap();
    let e = transact(
        &db,
        json!([
            {"Put": {"TableName": "Users", "Item": {"pk": {"S": "b"}, "n": {"N": "2"}}}},
            {"ConditionCheck": {"TableName": "Users", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "n = :two",
                "ExpressionAttributeValues": {":two": {"N": "2"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
        ]),
    )
    .unwrap_err();
    assert_eq!(e.name(), "TransactionCanceledException");
    assert_eq!(
        e.to_string(),
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    );
    match &e {
        Error::TransactionCanceled { reasons, .. } => {
            assert_eq!(reasons[0].code, None);
            assert_eq!(reasons[1].code.as_deref(), Some("ConditionalCheckFailed"));
            assert!(reasons[1].item.as_ref().unwrap().contains_key("n"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get(&db, "b"), json!({}));

    transact(
        &db,
        json!([
            {"Update": {"TableName": "Users", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": "Users", "Key": {"pk": {"S": "zzz"}}}},
            {"Put": {"TableName": "Users", "Item": {"pk": {"S": "b"}}}}
        ]),
    )
    .unwrap();
    assert_eq!(get(&db, "a")["Item"]["n"], json!({"N": "2"}));
    assert_eq!(get(&db, "b")["Item"]["pk"], json!({"S": "b"}));

    let e = transact(
        &db,
        json!([
            {"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}}},
            {"Delete": {"TableName": "Users", "Key": {"pk": {"S": "a"}}}}
        ]),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "Transaction request cannot include multiple operations on one item");

    let got = db
        .execute(
            "TransactGetItems",
            &json!({"TransactItems": [
                {"Get": {"TableName": "Users", "Key": {"pk": {"S": "a"}}}},
                {"Get": {"TableName": "Users", "Key": {"pk": {"S": "none"}}}}
            ]}),
        )
        .unwrap();
    assert_eq!(got["Responses"][0]["Item"]["n"], json!({"N": "2"}));
    assert_eq!(got["Responses"][1], json!({}));
}

#[test]
fn client_request_tokens_make_retries_idempotent() {
    let db = db();
    let req = json!({"ClientRequestToken": "tok-1", "TransactItems": [
        {"Update": {"TableName": "Users", "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}}}}]});
    db.execute("TransactWriteItems", &req).unwrap();
    db.execute("TransactWriteItems", &req).unwrap();
    assert_eq!(get(&db, "c")["Item"]["n"], json!({"N": "1"}));
    let mut other = req.clone();
    other["TransactItems"][0]["Update"]["Key"]["pk"]["S"] = json!("d");
    let e = db.execute("TransactWriteItems", &other).unwrap_err();
    assert_eq!(e.name(), "IdempotentParameterMismatchException");
}
