//! Secondary indexes agree with their base table across crashes: a workload
//! of puts, index-key-moving updates, a transaction, a GSI built by
//! UpdateTable and a GSI dropped is cut at every mutation of the file, the
//! crash image is reopened, and every index holds exactly the entries its
//! base items call for (an interrupted build or drop is finished at open).

use kstone_engine::io::{CrashMode, FaultPlan, FaultyFile};
use kstone_engine::{Database, DatabaseConfig, Durability};
use serde_json::{json, Value};

fn config() -> DatabaseConfig {
    DatabaseConfig { durability: Durability::Sync, memtable_bytes: 4 << 10, ..DatabaseConfig::default() }
}

fn base_image() -> Vec<u8> {
    let file = FaultyFile::new(FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
    db.execute(
        "CreateTable",
        &json!({
            "TableName": "Items",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "grp", "AttributeType": "S"}, {"AttributeName": "rank", "AttributeType": "N"}
            ],
            "LocalSecondaryIndexes": [{"IndexName": "by_rank",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "by_grp",
                "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .unwrap();
    for i in 0..12 {
        let item = json!({"pk": {"S": format!("p{}", i % 3)}, "sk": {"N": i.to_string()}, "grp": {"S": format!("g{}", i % 2)},
                          "rank": {"N": (i * 7 % 5).to_string()}, "colour": {"S": format!("c{}", i % 4)}});
        db.execute("PutItem", &json!({"TableName": "Items", "Item": item})).unwrap();
    }
    db.close().unwrap();
    file.live_image()
}

fn key(pk: &str, sk: u32) -> Value {
    json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}})
}

/// The workload; stops at the first failed request (the file died).
fn run(file: &FaultyFile) {
    let Ok(db) = Database::open_file(Box::new(file.clone()), config()) else { return };
    let steps: Vec<(&str, Value)> = vec![
        ("UpdateItem", json!({"TableName": "Items", "Key": key("p0", 0), "UpdateExpression": "SET grp = :g, #r = :r",
                              "ExpressionAttributeNames": {"#r": "rank"},
                              "ExpressionAttributeValues": {":g": {"S": "g9"}, ":r": {"N": "9"}}})),
        ("UpdateItem", json!({"TableName": "Items", "Key": key("p1", 1), "UpdateExpression": "REMOVE grp"})),
        ("TransactWriteItems", json!({"TransactItems": [
            {"Delete": {"TableName": "Items", "Key": key("p2", 2)}},
            {"Put": {"TableName": "Items", "Item": {"pk": {"S": "p2"}, "sk": {"N": "20"}, "grp": {"S": "g1"}, "colour": {"S": "c9"}}}}
        ]})),
        ("UpdateTable", json!({"TableName": "Items",
            "AttributeDefinitions": [{"AttributeName": "colour", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_colour",
                "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]})),
        ("BatchWriteItem", json!({"RequestItems": {"Items": [
            {"PutRequest": {"Item": {"pk": {"S": "p0"}, "sk": {"N": "30"}, "colour": {"S": "c0"}, "grp": {"S": "g0"}}}},
            {"DeleteRequest": {"Key": key("p0", 3)}}
        ]}})),
        ("UpdateTable", json!({"TableName": "Items", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_grp"}}]})),
        ("PutItem", json!({"TableName": "Items", "Item": {"pk": {"S": "p1"}, "sk": {"N": "4"}, "rank": {"N": "1"}}})),
    ];
    for (op, req) in steps {
        if db.execute(op, &req).is_err() {
            return;
        }
    }
}

fn scan_all(db: &Database, index: Option<&str>) -> Vec<Value> {
    let mut req = json!({"TableName": "Items"});
    if let Some(i) = index {
        req["IndexName"] = json!(i);
    }
    let mut items = db.execute("Scan", &req).unwrap()["Items"].as_array().unwrap().clone();
    items.sort_by_key(|i| i.to_string());
    items
}

/// Every index of the table holds exactly the base items that carry its key.
fn check_agreement(db: &Database, what: &str) {
    let base = scan_all(db, None);
    let desc = db.execute("DescribeTable", &json!({"TableName": "Items"})).unwrap();
    let mut indexes: Vec<(String, String)> = Vec::new();
    for family in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
        for i in desc["Table"][family].as_array().into_iter().flatten() {
            let keys = i["KeySchema"].as_array().unwrap();
            let attr = keys.last().unwrap()["AttributeName"].as_str().unwrap().to_string();
            indexes.push((i["IndexName"].as_str().unwrap().to_string(), attr));
        }
    }
    assert!(indexes.iter().any(|(n, _)| n == "by_rank"), "{what}: LSI lost");
    for (name, attr) in indexes {
        let want: Vec<Value> = base.iter().filter(|i| i.get(&attr).is_some()).cloned().collect();
        assert_eq!(scan_all(db, Some(&name)), want, "{what}: index {name} disagrees with the table");
        let count = desc["Table"]["GlobalSecondaryIndexes"]
            .as_array()
            .into_iter()
            .chain(desc["Table"]["LocalSecondaryIndexes"].as_array())
            .flatten()
            .find(|i| i["IndexName"] == name.as_str())
            .map(|i| i["ItemCount"].as_u64().unwrap());
        assert_eq!(count, Some(want.len() as u64), "{what}: ItemCount of {name}");
    }
}

#[test]
fn indexes_agree_with_the_table_after_a_crash_at_any_point() {
    let base = base_image();
    let probe = FaultyFile::from_image(base.clone(), FaultPlan::default());
    run(&probe);
    let total_mutations = probe.mutations();
    {
        let db = Database::open_file(Box::new(probe.clone()), config()).unwrap();
        check_agreement(&db, "no crash");
        let desc = db.execute("DescribeTable", &json!({"TableName": "Items"})).unwrap();
        assert_eq!(desc["Table"]["GlobalSecondaryIndexes"][0]["IndexName"], "by_colour");
    }
    let mut checked = 0;
    for crash_at in 1..=total_mutations + 1 {
        let file = FaultyFile::from_image(base.clone(), FaultPlan { crash_at_mutation: Some(crash_at), fail_call: None });
        run(&file);
        for (i, mode) in [CrashMode::DropUnsynced, CrashMode::Torn].into_iter().enumerate() {
            let image = file.crash_image(mode, crash_at * 3 + i as u64);
            let reopened = FaultyFile::from_image(image, FaultPlan::default());
            let db = Database::open_file(Box::new(reopened), config())
                .unwrap_or_else(|e| panic!("crash at {crash_at} ({mode:?}): reopen failed: {e}"));
            check_agreement(&db, &format!("crash at {crash_at} ({mode:?})"));
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} crash points");
    eprintln!("{checked} crash images checked");
}
