//! PutItem, GetItem, UpdateItem, DeleteItem, Query and Scan through
//! `Database::execute`.

use crate::support::create_table;
use kstone_engine::Database;
use serde_json::{json, Value};

fn db_with_tables() -> Database {
    let db = Database::in_memory().unwrap();
    create_table(&db, "Users", ("pk", "S"), None);
    create_table(&db, "Events", ("pk", "S"), Some(("sk", "N")));
    db
}

fn ok(db: &Database, op: &str, req: Value) -> Value {
    db.execute(op, &req).unwrap_or_else(|e| panic!("{op} failed: {} {e}", e.name()))
}

fn fail(db: &Database, op: &str, req: Value) -> (String, String) {
    let e = db.execute(op, &req).expect_err("must fail");
    (e.name().to_string(), e.to_string())
}

#[test]
fn put_get_delete_round_trip() {
    let db = db_with_tables();
    let item = json!({"pk": {"S": "u1"}, "name": {"S": "Alice"}, "age": {"N": "30.50"}, "tags": {"SS": ["a", "b"]}});
    assert_eq!(ok(&db, "PutItem", json!({"TableName": "Users", "Item": item})), json!({}));
    let got = ok(&db, "GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}}));
    assert_eq!(got["Item"]["name"], json!({"S": "Alice"}));
    assert_eq!(got["Item"]["age"], json!({"N": "30.5"}));
    let projected = ok(
        &db,
        "GetItem",
        json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": "name"}}),
    );
    assert_eq!(projected, json!({"Item": {"name": {"S": "Alice"}}}));
    let old = ok(
        &db,
        "PutItem",
        json!({"TableName": "Users", "Item": {"pk": {"S": "u1"}, "v": {"N": "2"}}, "ReturnValues": "ALL_OLD"}),
    );
    assert_eq!(old["Attributes"]["name"], json!({"S": "Alice"}));
    let del = ok(&db, "DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ReturnValues": "ALL_OLD"}));
    assert_eq!(del, json!({"Attributes": {"pk": {"S": "u1"}, "v": {"N": "2"}}}));
    assert_eq!(ok(&db, "GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}})), json!({}));
    let d = ok(&db, "DescribeTable", json!({"TableName": "Users"}));
    assert_eq!(d["Table"]["ItemCount"], 0);
}

#[test]
fn conditions_and_return_values() {
    let db = db_with_tables();
    let put_new = json!({
        "TableName": "Users", "Item": {"pk": {"S": "u1"}, "n": {"N": "1"}},
        "ConditionExpression": "attribute_not_exists(pk)"
    });
    ok(&db, "PutItem", put_new.clone());
    let (name, msg) = fail(&db, "PutItem", put_new);
    assert_eq!((name.as_str(), msg.as_str()), ("ConditionalCheckFailedException", "The conditional request failed"));

    let up = ok(
        &db,
        "UpdateItem",
        json!({
            "TableName": "Users", "Key": {"pk": {"S": "u1"}},
            "UpdateExpression": "SET n = n + :one, m = :m",
            "ConditionExpression": "n = :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":m": {"S": "x"}},
            "ReturnValues": "UPDATED_NEW"
        }),
    );
    assert_eq!(up, json!({"Attributes": {"m": {"S": "x"}, "n": {"N": "2"}}}));
    let up = ok(
        &db,
        "UpdateItem",
        json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "REMOVE m", "ReturnValues": "UPDATED_OLD"}),
    );
    assert_eq!(up, json!({"Attributes": {"m": {"S": "x"}}}));
    let up = ok(
        &db,
        "UpdateItem",
        json!({"TableName": "Users", "Key": {"pk": {"S": "new"}}, "UpdateExpression": "SET c = :c", "ExpressionAttributeValues": {":c": {"N": "5"}}, "ReturnValues": "ALL_NEW"}),
    );
    assert_eq!(up, json!({"Attributes": {"c": {"N": "5"}, "pk": {"S": "new"}}}));

    let e = db
        .execute(
            "DeleteItem",
            &json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConditionExpression": "n = :z",
                "ExpressionAttributeValues": {":z": {"N": "0"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        )
        .unwrap_err();
    match e {
        kstone_engine::Error::ConditionalCheckFailed { item: Some(item), .. } => {
            assert!(item.contains_key("n"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let (name, msg) = fail(
        &db,
        "UpdateItem",
        json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    );
    assert_eq!(name, "ValidationException");
    assert_eq!(msg, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key");
}

fn put_events(db: &Database) {
    for p in ["a", "b"] {
        for s in 0..10 {
            ok(
                db,
                "PutItem",
                json!({"TableName": "Events", "Item": {"pk": {"S": p}, "sk": {"N": s.to_string()}, "even": {"BOOL": s % 2 == 0}}}),
            );
        }
    }
}

fn sks(page: &Value) -> Vec<i64> {
    page["Items"].as_array().unwrap().iter().map(|i| i["sk"]["N"].as_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn query_ranges_order_and_paging() {
    let db = db_with_tables();
    put_events(&db);
    let q = |extra: Value| {
        let mut req = json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}});
        for (k, v) in extra.as_object().unwrap() {
            if k == "ExpressionAttributeValues" {
                for (vk, vv) in v.as_object().unwrap() {
                    req["ExpressionAttributeValues"][vk] = vv.clone();
                }
            } else {
                req[k] = v.clone();
            }
        }
        ok(&db, "Query", req)
    };
    assert_eq!(sks(&q(json!({}))), (0..10).collect::<Vec<_>>());
    assert_eq!(sks(&q(json!({"ScanIndexForward": false}))), (0..10).rev().collect::<Vec<_>>());
    let between = q(json!({"KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {":lo": {"N": "3"}, ":hi": {"N": "5"}}}));
    assert_eq!(sks(&between), vec![3, 4, 5]);
    let lt = q(json!({"KeyConditionExpression": "pk = :p AND sk < :v", "ExpressionAttributeValues": {":v": {"N": "2"}}}));
    assert_eq!(sks(&lt), vec![0, 1]);
    let ge = q(json!({"KeyConditionExpression": "pk = :p AND sk >= :v", "ExpressionAttributeValues": {":v": {"N": "8"}}}));
    assert_eq!(sks(&ge), vec![8, 9]);

    let filtered = q(json!({"FilterExpression": "even = :t", "ExpressionAttributeValues": {":t": {"BOOL": true}}, "Limit": 4}));
    assert_eq!(sks(&filtered), vec![0, 2]);
    assert_eq!(filtered["ScannedCount"], 4);
    assert_eq!(filtered["Count"], 2);
    assert_eq!(filtered["LastEvaluatedKey"], json!({"pk": {"S": "a"}, "sk": {"N": "3"}}));
    let next = q(json!({"Limit": 4, "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "3"}}}));
    assert_eq!(sks(&next), vec![4, 5, 6, 7]);
    let count = q(json!({"Select": "COUNT"}));
    assert_eq!(count, json!({"Count": 10, "ScannedCount": 10}));
    let back = q(json!({"Limit": 3, "ScanIndexForward": false, "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "5"}}}));
    assert_eq!(sks(&back), vec![4, 3, 2]);
}

#[test]
fn scan_segments_cover_every_item_once() {
    let db = db_with_tables();
    put_events(&db);
    let all = ok(&db, "Scan", json!({"TableName": "Events"}));
    assert_eq!(all["Count"], 20);
    let mut seen = Vec::new();
    for s in 0..3 {
        let mut start: Option<Value> = None;
        loop {
            let mut req = json!({"TableName": "Events", "Segment": s, "TotalSegments": 3, "Limit": 3});
            if let Some(k) = &start {
                req["ExclusiveStartKey"] = k.clone();
            }
            let page = ok(&db, "Scan", req);
            for i in page["Items"].as_array().unwrap() {
                seen.push((i["pk"]["S"].as_str().unwrap().to_string(), i["sk"]["N"].as_str().unwrap().to_string()));
            }
            match page.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
    }
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, 20);
    assert_eq!(seen.len(), 20);
}

#[test]
fn item_errors_match_dynamodb() {
    let db = db_with_tables();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("PutItem", json!({"TableName": "Nope", "Item": {"pk": {"S": "x"}}}), "ResourceNotFoundException", "Requested resource not found"),
        ("PutItem", json!({"TableName": "Users", "Item": {"id": {"S": "x"}}}), "ValidationException",
            "One or more parameter values were invalid: Missing the key pk in the item"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"N": "1"}}}), "ValidationException",
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": ""}}}), "ValidationException",
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "x"}}, "ReturnValues": "ALL_NEW"}), "ValidationException",
            "ReturnValues can only be ALL_OLD or NONE"),
        ("PutItem", json!({"TableName": "Users"}), "ValidationException",
            "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "x"}, "extra": {"S": "y"}}}), "ValidationException",
            "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"N": "1"}}}), "ValidationException",
            "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "x"}}, "ExpressionAttributeNames": {"#a": "a"}}), "ValidationException",
            "ExpressionAttributeNames can only be specified when using expressions"),
        ("DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "x"}}, "ExpressionAttributeValues": {":a": {"S": "a"}}}), "ValidationException",
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
        ("Query", json!({"TableName": "Events"}), "ValidationException",
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."),
        ("Scan", json!({"TableName": "Events", "Segment": 1}), "ValidationException",
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"),
        ("Scan", json!({"TableName": "Events", "Segment": 3, "TotalSegments": 3}), "ValidationException",
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3"),
        ("Scan", json!({"TableName": "Events", "Limit": 0}), "ValidationException",
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ];
    for (i, (op, req, name, msg)) in cases.into_iter().enumerate() {
        let (n, m) = fail(&db, op, req.clone());
        assert_eq!((n.as_str(), m.as_str()), (name, msg), "case {i}: {op} {req}");
    }
}

/// `execute_json` writes GetItem and Query answers straight from the stored
/// items; the text must be exactly the text of `execute`'s tree.
#[test]
fn text_and_tree_answers_are_the_same_json() {
    let db = db_with_tables();
    let items = [
        json!({"pk": {"S": "u1"}, "name": {"S": "Al \"q\" \\ \n\t\u{1} é 😀"}, "age": {"N": "30.50"}, "neg": {"N": "-1e-5"},
               "big": {"N": "12345678901234567890123456789012345678E+50"}, "b": {"B": "AAEC/w=="}, "t": {"BOOL": true},
               "f": {"BOOL": false}, "z": {"NULL": true}, "ss": {"SS": ["a", "b", ""]}, "ns": {"NS": ["1", "0", "-2.5"]},
               "bs": {"BS": ["AA==", "AQ=="]}, "l": {"L": [{"N": "1"}, {"M": {}}, {"L": []}, {"S": ""}]},
               "m": {"M": {"k": {"S": "v"}, "n": {"M": {"x": {"NULL": true}}}}}, "": {"S": "empty name"}}),
        json!({"pk": {"S": "u2"}}),
    ];
    for item in &items {
        ok(&db, "PutItem", json!({"TableName": "Users", "Item": item}));
    }
    for sk in 0..3 {
        let v = if sk == 1 { "y" } else { "x" };
        ok(&db, "PutItem", json!({"TableName": "Events", "Item": {"pk": {"S": "e"}, "sk": {"N": sk.to_string()}, "v": {"S": v}}}));
    }
    let requests = [
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}})),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u2"}}, "ConsistentRead": true})),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "missing"}}})),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ProjectionExpression": "age, m.n"})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Limit": 2, "ScanIndexForward": false})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Select": "COUNT"})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p AND sk > :s", "ProjectionExpression": "v",
                         "ExpressionAttributeValues": {":p": {"S": "e"}, ":s": {"N": "0"}}})),
        ("Query", json!({"TableName": "Users", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "u1"}}})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "FilterExpression": "v <> :v",
                         "ExpressionAttributeValues": {":p": {"S": "e"}, ":v": {"S": "x"}}})),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "FilterExpression": "v = :v", "Limit": 1,
                         "ExpressionAttributeValues": {":p": {"S": "e"}, ":v": {"S": "x"}}})),
    ];
    for (op, request) in &requests {
        let tree = ok(&db, op, request.clone());
        let text = db.execute_json(op, &request.to_string()).unwrap();
        assert_eq!(text, tree.to_string(), "{op} {request}");
    }
    let e = db.execute_json("GetItem", r#"{"TableName": "Nope", "Key": {"pk": {"S": "u1"}}}"#).unwrap_err();
    assert_eq!(e.name(), "ResourceNotFoundException");

    // PutItem answers alike through both doors, ReturnValues included.
    let put = |item: &Value, rv: &str| json!({"TableName": "Users", "Item": item, "ReturnValues": rv});
    let replacement = json!({"pk": {"S": "u1"}, "v": {"N": "2"}});
    let tree = ok(&db, "PutItem", put(&replacement, "ALL_OLD"));
    assert_eq!(db.execute_json("PutItem", &put(&items[0], "NONE").to_string()).unwrap(), "{}");
    let text = db.execute_json("PutItem", &put(&replacement, "ALL_OLD").to_string()).unwrap();
    assert_eq!(text, tree.to_string());
    assert_eq!(ok(&db, "GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}}))["Item"], replacement);
}
