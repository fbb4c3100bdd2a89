//! CreateTable, DescribeTable, ListTables, DeleteTable and UpdateTable through
//! `Database::execute`, with DynamoDB's exception names and messages.

use kstone_engine::io::MemoryFile;
use kstone_engine::{Database, DatabaseConfig};
use serde_json::{json, Value};

fn users_table() -> Value {
    json!({
        "TableName": "Users",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "BillingMode": "PAY_PER_REQUEST"
    })
}

fn err(db: &Database, op: &str, req: Value) -> (String, String) {
    let e = db.execute(op, &req).expect_err("request must fail");
    (e.name().to_string(), e.to_string())
}

#[test]
fn create_describe_list_delete() {
    let db = Database::in_memory().unwrap();
    let out = db.execute("CreateTable", &users_table()).unwrap();
    let desc = &out["TableDescription"];
    assert_eq!(desc["TableName"], "Users");
    assert_eq!(desc["TableStatus"], "ACTIVE");
    assert_eq!(desc["ItemCount"], 0);
    assert_eq!(desc["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(desc["KeySchema"][1], json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    assert_eq!(desc["TableArn"], "arn:aws:dynamodb:local:000000000000:table/Users");
    assert!(desc["TableId"].as_str().unwrap().len() == 36);

    let d = db.execute("DescribeTable", &json!({"TableName": "Users"})).unwrap();
    assert_eq!(d["Table"]["TableName"], "Users");
    assert_eq!(d["Table"]["AttributeDefinitions"][1]["AttributeType"], "N");

    let l = db.execute("ListTables", &json!({})).unwrap();
    assert_eq!(l, json!({"TableNames": ["Users"]}));

    let (name, msg) = err(&db, "CreateTable", users_table());
    assert_eq!(name, "ResourceInUseException");
    assert_eq!(msg, "Table already exists: Users");

    let del = db.execute("DeleteTable", &json!({"TableName": "Users"})).unwrap();
    assert_eq!(del["TableDescription"]["TableStatus"], "DELETING");
    let (name, msg) = err(&db, "DescribeTable", json!({"TableName": "Users"}));
    assert_eq!(name, "ResourceNotFoundException");
    assert_eq!(msg, "Requested resource not found: Table: Users not found");
    assert_eq!(db.execute("ListTables", &json!({})).unwrap(), json!({"TableNames": []}));
}

#[test]
fn list_tables_pages() {
    let db = Database::in_memory().unwrap();
    for name in ["ccc", "aaa", "bbb", "ddd"] {
        let mut req = users_table();
        req["TableName"] = json!(name);
        db.execute("CreateTable", &req).unwrap();
    }
    let p1 = db.execute("ListTables", &json!({"Limit": 2})).unwrap();
    assert_eq!(p1, json!({"LastEvaluatedTableName": "bbb", "TableNames": ["aaa", "bbb"]}));
    let p2 = db.execute("ListTables", &json!({"Limit": 2, "ExclusiveStartTableName": "bbb"})).unwrap();
    // Nothing after the last page: no LastEvaluatedTableName.
    assert_eq!(p2, json!({"TableNames": ["ccc", "ddd"]}));
    let p3 = db.execute("ListTables", &json!({"Limit": 2, "ExclusiveStartTableName": "ddd"})).unwrap();
    assert_eq!(p3, json!({"TableNames": []}));
    let (name, msg) = err(&db, "ListTables", json!({"Limit": 0}));
    assert_eq!(name, "ValidationException");
    assert_eq!(
        msg,
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
}

#[test]
fn catalog_survives_reopen() {
    let file = MemoryFile::new();
    {
        let db = Database::open_file(Box::new(file.clone()), DatabaseConfig::default()).unwrap();
        db.execute("CreateTable", &users_table()).unwrap();
        db.close().unwrap();
    }
    let db = Database::open_file(Box::new(file), DatabaseConfig::default()).unwrap();
    let d = db.execute("DescribeTable", &json!({"TableName": "Users"})).unwrap();
    assert_eq!(d["Table"]["KeySchema"][0]["AttributeName"], "pk");
    // Ids are not reused after a reopen.
    let mut other = users_table();
    other["TableName"] = json!("Other");
    db.execute("CreateTable", &other).unwrap();
}

#[test]
fn provisioned_tables_report_throughput_and_update_it() {
    let db = Database::in_memory().unwrap();
    let mut req = users_table();
    req.as_object_mut().unwrap().remove("BillingMode");
    req["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 7});
    let out = db.execute("CreateTable", &req).unwrap();
    assert_eq!(out["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
    assert!(out["TableDescription"].get("BillingModeSummary").is_none());

    let up = db
        .execute(
            "UpdateTable",
            &json!({"TableName": "Users", "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 7}}),
        )
        .unwrap();
    assert_eq!(up["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"], 9);
    let up = db.execute("UpdateTable", &json!({"TableName": "Users", "BillingMode": "PAY_PER_REQUEST"})).unwrap();
    assert_eq!(up["TableDescription"]["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
    let (name, _) = err(&db, "UpdateTable", json!({"TableName": "Users"}));
    assert_eq!(name, "ValidationException");
}

#[test]
fn indexes_are_validated_and_described() {
    let db = Database::in_memory().unwrap();
    let mut req = users_table();
    req["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "email", "AttributeType": "S"}));
    req["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "age", "AttributeType": "N"}));
    req["GlobalSecondaryIndexes"] = json!([{
        "IndexName": "by_email",
        "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}
    }]);
    req["LocalSecondaryIndexes"] = json!([{
        "IndexName": "by_age",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "age", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}
    }]);
    let out = db.execute("CreateTable", &req).unwrap();
    let desc = &out["TableDescription"];
    assert_eq!(desc["GlobalSecondaryIndexes"][0]["IndexName"], "by_email");
    assert_eq!(desc["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    assert_eq!(desc["LocalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"], json!(["name"]));

    let up = db
        .execute(
            "UpdateTable",
            &json!({"TableName": "Users", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_email"}}]}),
        )
        .unwrap();
    assert!(up["TableDescription"].get("GlobalSecondaryIndexes").is_none());
    // `email` is no longer used by any key, so its definition goes too.
    assert_eq!(up["TableDescription"]["AttributeDefinitions"].as_array().unwrap().len(), 3);
}

/// Each case: a CreateTable request and the exception message it must raise.
#[test]
fn create_table_rejects_bad_requests_like_dynamodb() {
    let base = users_table();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "ValidationException", "The parameter 'TableName' is required but was not present in the request"),
        (with(&|r| r["TableName"] = json!("ab")), "ValidationException", "TableName must be at least 3 characters long and at most 255 characters long"),
        (with(&|r| r["TableName"] = json!(12)), "SerializationException", "NUMBER_VALUE cannot be converted to String"),
        (with(&|r| r["KeySchema"] = json!({})), "SerializationException", "Start of structure or map found where not expected"),
        (with(&|r| r["TableName"] = json!("bad name")), "ValidationException",
            "1 validation error detected: Value 'bad name' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        (with(&|r| { r.as_object_mut().unwrap().remove("KeySchema"); }), "ValidationException",
            "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"),
        (with(&|r| { r.as_object_mut().unwrap().remove("AttributeDefinitions"); }), "ValidationException",
            "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null"),
        (with(&|r| r["AttributeDefinitions"][0]["AttributeType"] = json!("X")), "ValidationException",
            "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
        (with(&|r| r["KeySchema"][0]["KeyType"] = json!("HASHY")), "ValidationException",
            "1 validation error detected: Value 'HASHY' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"),
        (with(&|r| r["BillingMode"] = json!("FREE")), "ValidationException",
            "1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"),
        (with(&|r| { r.as_object_mut().unwrap().remove("BillingMode"); }), "ValidationException",
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"),
        (with(&|r| r["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})), "ValidationException",
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"),
        (with(&|r| { r.as_object_mut().unwrap().remove("BillingMode"); r["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}); }), "ValidationException",
            "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        (with(&|r| { r.as_object_mut().unwrap().remove("BillingMode"); r["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 1000000000001i64, "WriteCapacityUnits": 1}); }), "ValidationException",
            "Given value 1000000000001 for ReadCapacityUnits is out of bounds"),
        (with(&|r| r["AttributeDefinitions"] = json!([{"AttributeName": "pk", "AttributeType": "S"}])), "ValidationException",
            "Invalid KeySchema: Some index key attribute have no definition"),
        (with(&|r| r["AttributeDefinitions"][1]["AttributeName"] = json!("other")), "ValidationException",
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk, sk], AttributeDefinitions: [pk, other]"),
        (with(&|r| r["KeySchema"][1]["AttributeName"] = json!("pk")), "ValidationException",
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"),
        (with(&|r| { r["KeySchema"][0]["KeyType"] = json!("RANGE"); r["KeySchema"][1]["KeyType"] = json!("HASH"); }), "ValidationException",
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
        (with(&|r| r["KeySchema"][1]["KeyType"] = json!("HASH")), "ValidationException",
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
        (with(&|r| r["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "x", "AttributeType": "S"}))), "ValidationException",
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"),
        (with(&|r| r["KeySchema"] = json!([])), "ValidationException",
            "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        (with(&|r| r["LocalSecondaryIndexes"] = json!([])), "ValidationException",
            "One or more parameter values were invalid: List of LocalSecondaryIndexes is empty"),
        (with(&|r| r["GlobalSecondaryIndexes"] = json!([{"IndexName": "gsi", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]}}])), "ValidationException",
            "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
        (with(&|r| r["LocalSecondaryIndexes"] = json!([{"IndexName": "lsi", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}])), "ValidationException",
            "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi. index hash key: sk, table hash key: pk"),
        (with(&|r| r["GlobalSecondaryIndexes"] = json!([
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "gsi", "KeySchema": [{"AttributeName": "sk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}])), "ValidationException",
            "One or more parameter values were invalid: Duplicate index name: gsi"),
    ];
    let db = Database::in_memory().unwrap();
    for (i, (req, name, msg)) in cases.into_iter().enumerate() {
        let e = db.execute("CreateTable", &req).expect_err(&format!("case {i} must fail"));
        assert_eq!((e.name(), e.to_string().as_str()), (name, msg), "case {i}: {req}");
    }
    assert_eq!(db.execute("ListTables", &json!({})).unwrap(), json!({"TableNames": []}));
}
