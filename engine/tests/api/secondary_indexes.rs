//! Local and global secondary indexes through `Database::execute`: entries
//! maintained on every write path, Query/Scan with `IndexName`, projections,
//! DescribeTable figures, UpdateTable index creation and deletion, and the
//! errors DynamoDB gives.

use kstone_engine::io::MemoryFile;
use kstone_engine::{Database, DatabaseConfig};
use serde_json::{json, Value};

fn ok(db: &Database, op: &str, req: Value) -> Value {
    db.execute(op, &req).unwrap_or_else(|e| panic!("{op} failed: {} {e}", e.name()))
}

fn fail(db: &Database, op: &str, req: Value) -> (String, String) {
    let e = db.execute(op, &req).expect_err("must fail");
    (e.name().to_string(), e.to_string())
}

/// `Orders(customer S, order N)` with
/// - LSI `by_amount` (customer, amount N) projecting KEYS_ONLY,
/// - GSI `by_status` (status S, placed N) projecting INCLUDE [note],
/// - GSI `by_sku` (sku S) projecting ALL.
fn orders(db: &Database) {
    ok(
        db,
        "CreateTable",
        json!({
            "TableName": "Orders",
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "order", "AttributeType": "N"},
                {"AttributeName": "amount", "AttributeType": "N"}, {"AttributeName": "status", "AttributeType": "S"},
                {"AttributeName": "placed", "AttributeType": "N"}, {"AttributeName": "sku", "AttributeType": "S"}
            ],
            "LocalSecondaryIndexes": [{
                "IndexName": "by_amount",
                "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "amount", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}
            }],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "placed", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}
            }, {
                "IndexName": "by_sku",
                "KeySchema": [{"AttributeName": "sku", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}
            }],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
}

fn order(customer: &str, n: u32, amount: u32, status: Option<&str>, placed: u32) -> Value {
    let mut item = json!({
        "customer": {"S": customer}, "order": {"N": n.to_string()}, "amount": {"N": amount.to_string()},
        "placed": {"N": placed.to_string()}, "note": {"S": format!("note {n}")}, "secret": {"S": "x"}
    });
    if let Some(s) = status {
        item["status"] = json!({"S": s});
    }
    item
}

fn put(db: &Database, item: Value) {
    ok(db, "PutItem", json!({"TableName": "Orders", "Item": item}));
}

fn query_index(db: &Database, index: &str, cond: &str, values: Value) -> Value {
    ok(
        db,
        "Query",
        json!({"TableName": "Orders", "IndexName": index, "KeyConditionExpression": cond, "ExpressionAttributeValues": values}),
    )
}

fn numbers(items: &Value, attr: &str) -> Vec<u64> {
    items["Items"].as_array().unwrap().iter().map(|i| i[attr]["N"].as_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn lsi_query_orders_by_index_sort_key_and_projects_keys_only() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    put(&db, order("c1", 1, 50, Some("open"), 10));
    put(&db, order("c1", 2, 20, Some("open"), 11));
    put(&db, order("c1", 3, 90, None, 12));
    put(&db, order("c2", 4, 10, Some("shipped"), 13));
    let r = query_index(&db, "by_amount", "customer = :c AND amount > :t", json!({":c": {"S": "c1"}, ":t": {"N": "10"}}));
    assert_eq!(numbers(&r, "amount"), vec![20, 50, 90]);
    assert_eq!(numbers(&r, "order"), vec![2, 1, 3]);
    // KEYS_ONLY: table keys and index keys, nothing else.
    let first = r["Items"][0].as_object().unwrap();
    let mut names: Vec<&str> = first.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["amount", "customer", "order"]);
    // An LSI reads non-projected attributes from the base table.
    let all = ok(
        &db,
        "Query",
        json!({"TableName": "Orders", "IndexName": "by_amount", "KeyConditionExpression": "customer = :c",
               "ExpressionAttributeValues": {":c": {"S": "c1"}}, "Select": "ALL_ATTRIBUTES", "ScanIndexForward": false}),
    );
    assert_eq!(numbers(&all, "amount"), vec![90, 50, 20]);
    assert_eq!(all["Items"][0]["secret"], json!({"S": "x"}));
    let projected = ok(
        &db,
        "Query",
        json!({"TableName": "Orders", "IndexName": "by_amount", "KeyConditionExpression": "customer = :c",
               "FilterExpression": "note = :n", "ProjectionExpression": "note",
               "ExpressionAttributeValues": {":c": {"S": "c1"}, ":n": {"S": "note 3"}}}),
    );
    assert_eq!(projected["Items"], json!([{"note": {"S": "note 3"}}]));
    assert_eq!(projected["ScannedCount"], 3);
}

#[test]
fn gsi_is_sparse_follows_key_changes_and_projects_include() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    put(&db, order("c1", 1, 50, Some("open"), 30));
    put(&db, order("c2", 2, 20, Some("open"), 10));
    put(&db, order("c3", 3, 90, None, 20));
    let q = ok(
        &db,
        "Query",
        json!({"TableName": "Orders", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
               "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}}}),
    );
    assert_eq!(numbers(&q, "placed"), vec![10, 30]);
    let mut names: Vec<&str> = q["Items"][0].as_object().unwrap().keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["customer", "note", "order", "placed", "status"]);
    // Change the index key with UpdateItem: the old entry goes away.
    ok(
        &db,
        "UpdateItem",
        json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}},
               "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
               "ExpressionAttributeValues": {":s": {"S": "shipped"}}}),
    );
    let status = |db: &Database, s: &str| {
        ok(
            db,
            "Query",
            json!({"TableName": "Orders", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
                   "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": s}}}),
        )
    };
    assert_eq!(numbers(&status(&db, "open"), "order"), vec![2]);
    assert_eq!(numbers(&status(&db, "shipped"), "order"), vec![1]);
    // Removing the attribute takes the item out of the index.
    ok(
        &db,
        "UpdateItem",
        json!({"TableName": "Orders", "Key": {"customer": {"S": "c2"}, "order": {"N": "2"}},
               "UpdateExpression": "REMOVE #s", "ExpressionAttributeNames": {"#s": "status"}}),
    );
    assert_eq!(status(&db, "open")["Count"], 0);
    // A non-projected attribute change rewrites nothing visible; a projected one shows.
    ok(
        &db,
        "UpdateItem",
        json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}},
               "UpdateExpression": "SET note = :n", "ExpressionAttributeValues": {":n": {"S": "changed"}}}),
    );
    assert_eq!(status(&db, "shipped")["Items"][0]["note"], json!({"S": "changed"}));
    // DeleteItem removes the entries.
    ok(&db, "DeleteItem", json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}}}));
    assert_eq!(status(&db, "shipped")["Count"], 0);
    let scan = ok(&db, "Scan", json!({"TableName": "Orders", "IndexName": "by_amount"}));
    assert_eq!(scan["Count"], 2);
}

#[test]
fn batch_transact_and_partiql_writes_maintain_indexes() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    let mut o = order("c1", 1, 5, Some("open"), 1);
    o["sku"] = json!({"S": "apple"});
    ok(
        &db,
        "BatchWriteItem",
        json!({"RequestItems": {"Orders": [
            {"PutRequest": {"Item": o}},
            {"PutRequest": {"Item": order("c1", 2, 6, Some("open"), 2)}}
        ]}}),
    );
    assert_eq!(query_index(&db, "by_sku", "sku = :s", json!({":s": {"S": "apple"}}))["Count"], 1);
    ok(
        &db,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Update": {"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "2"}},
                        "UpdateExpression": "SET sku = :s", "ExpressionAttributeValues": {":s": {"S": "apple"}}}},
            {"Delete": {"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}}}}
        ]}),
    );
    let r = query_index(&db, "by_sku", "sku = :s", json!({":s": {"S": "apple"}}));
    assert_eq!(numbers(&r, "order"), vec![2]);
    assert_eq!(r["Items"][0]["secret"], json!({"S": "x"}), "ALL projection holds every attribute");
    ok(
        &db,
        "ExecuteStatement",
        json!({"Statement": "UPDATE \"Orders\" SET sku = 'pear' WHERE customer = 'c1' AND \"order\" = 2"}),
    );
    assert_eq!(query_index(&db, "by_sku", "sku = :s", json!({":s": {"S": "apple"}}))["Count"], 0);
    assert_eq!(query_index(&db, "by_sku", "sku = :s", json!({":s": {"S": "pear"}}))["Count"], 1);
    ok(&db, "ExecuteStatement", json!({"Statement": "DELETE FROM \"Orders\" WHERE customer = 'c1' AND \"order\" = 2"}));
    assert_eq!(query_index(&db, "by_sku", "sku = :s", json!({":s": {"S": "pear"}}))["Count"], 0);
    assert_eq!(query_index(&db, "by_amount", "customer = :c", json!({":c": {"S": "c1"}}))["Count"], 0);
}

#[test]
fn index_paging_returns_index_and_table_keys() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    // Equal index sort keys: ties come in base key order.
    for n in 0..7 {
        put(&db, order(&format!("c{}", n % 3), n, 1, Some("open"), n / 2));
    }
    let mut seen = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut req = json!({"TableName": "Orders", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
                             "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}},
                             "Limit": 2});
        if let Some(s) = start.take() {
            req["ExclusiveStartKey"] = s;
        }
        let r = ok(&db, "Query", req);
        seen.extend(numbers(&r, "placed"));
        match r.get("LastEvaluatedKey") {
            Some(k) => {
                let mut names: Vec<&str> = k.as_object().unwrap().keys().map(String::as_str).collect();
                names.sort();
                assert_eq!(names, ["customer", "order", "placed", "status"]);
                start = Some(k.clone());
            }
            None => break,
        }
    }
    assert_eq!(seen, vec![0, 0, 1, 1, 2, 2, 3]);
    // Scan with segments covers every entry exactly once.
    let mut covered = 0;
    for s in 0..3 {
        let r = ok(&db, "Scan", json!({"TableName": "Orders", "IndexName": "by_amount", "Segment": s, "TotalSegments": 3}));
        covered += r["Count"].as_u64().unwrap();
    }
    assert_eq!(covered, 7);
}

#[test]
fn describe_reports_index_figures() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    put(&db, order("c1", 1, 5, Some("open"), 1));
    put(&db, order("c1", 2, 6, None, 2));
    let d = ok(&db, "DescribeTable", json!({"TableName": "Orders"}));
    let lsi = &d["Table"]["LocalSecondaryIndexes"][0];
    assert_eq!(lsi["IndexName"], "by_amount");
    assert_eq!(lsi["ItemCount"], 2);
    assert!(lsi["IndexSizeBytes"].as_u64().unwrap() > 0);
    assert!(lsi["IndexArn"].as_str().unwrap().ends_with("table/Orders/index/by_amount"));
    let gsi = &d["Table"]["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexStatus"], "ACTIVE");
    assert_eq!(gsi["ItemCount"], 1);
    assert_eq!(d["Table"]["GlobalSecondaryIndexes"][1]["ItemCount"], 0);
}

#[test]
fn update_table_creates_and_deletes_global_indexes() {
    let file = MemoryFile::new();
    let db = Database::open_file(Box::new(file.clone()), DatabaseConfig::default()).unwrap();
    orders(&db);
    for n in 0..1200 {
        let mut item = order("c", n, n % 7, None, n);
        if n % 3 == 0 {
            item["colour"] = json!({"S": format!("k{}", n % 5)});
        }
        put(&db, item);
    }
    let r = ok(
        &db,
        "UpdateTable",
        json!({"TableName": "Orders",
               "AttributeDefinitions": [{"AttributeName": "colour", "AttributeType": "S"}],
               "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_colour",
                   "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
                   "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}),
    );
    let gsis = r["TableDescription"]["GlobalSecondaryIndexes"].as_array().unwrap();
    let created = gsis.iter().find(|g| g["IndexName"] == "by_colour").unwrap();
    assert_eq!(created["ItemCount"], 400);
    let q = ok(
        &db,
        "Query",
        json!({"TableName": "Orders", "IndexName": "by_colour", "KeyConditionExpression": "colour = :c AND #o < :n",
               "ExpressionAttributeNames": {"#o": "order"}, "ExpressionAttributeValues": {":c": {"S": "k0"}, ":n": {"N": "100"}}}),
    );
    assert_eq!(numbers(&q, "order"), vec![0, 15, 30, 45, 60, 75, 90]);
    // New writes are maintained in the new index; it survives a reopen.
    let mut item = order("d", 5000, 1, None, 1);
    item["colour"] = json!({"S": "k0"});
    put(&db, item);
    drop(db);
    let db = Database::open_file(Box::new(file.clone()), DatabaseConfig::default()).unwrap();
    let count = |db: &Database| {
        ok(db, "Scan", json!({"TableName": "Orders", "IndexName": "by_colour", "Select": "COUNT"}))["Count"].as_u64().unwrap()
    };
    assert_eq!(count(&db), 401);
    ok(
        &db,
        "UpdateTable",
        json!({"TableName": "Orders", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_colour"}}]}),
    );
    let (name, msg) = fail(&db, "Scan", json!({"TableName": "Orders", "IndexName": "by_colour"}));
    assert_eq!((name.as_str(), msg.as_str()), ("ValidationException", "The table does not have the specified index: by_colour"));
    // A new index of the same name starts empty-and-backfilled, not with old entries.
    ok(
        &db,
        "UpdateTable",
        json!({"TableName": "Orders",
               "AttributeDefinitions": [{"AttributeName": "colour", "AttributeType": "S"}],
               "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_colour",
                   "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}],
                   "Projection": {"ProjectionType": "ALL"}}}]}),
    );
    assert_eq!(count(&db), 401);
}

#[test]
fn index_errors_match_dynamodb() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    put(&db, order("c1", 1, 5, Some("open"), 1));
    let v = "ValidationException";
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("PutItem", json!({"TableName": "Orders", "Item": {"customer": {"S": "c"}, "order": {"N": "1"}, "status": {"N": "1"}}}), v,
         "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: by_status"),
        ("PutItem", json!({"TableName": "Orders", "Item": {"customer": {"S": "c"}, "order": {"N": "1"}, "amount": {"S": "1"}}}), v,
         "One or more parameter values were invalid: Type mismatch for Index Key amount Expected: N Actual: S IndexName: by_amount"),
        ("UpdateItem", json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}},
                              "UpdateExpression": "SET sku = :v", "ExpressionAttributeValues": {":v": {"L": []}}}), v,
         "One or more parameter values were invalid: Type mismatch for Index Key sku Expected: S Actual: L IndexName: by_sku"),
        ("Query", json!({"TableName": "Orders", "IndexName": "by_status", "ConsistentRead": true,
                         "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                         "ExpressionAttributeValues": {":s": {"S": "open"}}}), v,
         "Consistent reads are not supported on global secondary indexes"),
        ("Scan", json!({"TableName": "Orders", "IndexName": "by_sku", "ConsistentRead": true}), v,
         "Consistent reads are not supported on global secondary indexes"),
        ("Scan", json!({"TableName": "Orders", "IndexName": "by_status", "Select": "ALL_ATTRIBUTES"}), v,
         "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by_status because its projection type is not ALL"),
        ("Query", json!({"TableName": "Orders", "IndexName": "by_amount", "KeyConditionExpression": "customer = :c AND #o = :o",
                         "ExpressionAttributeNames": {"#o": "order"},
                         "ExpressionAttributeValues": {":c": {"S": "c1"}, ":o": {"N": "1"}}}), v,
         "Query condition missed key schema element: amount"),
        ("Query", json!({"TableName": "Orders", "IndexName": "by_sku", "KeyConditionExpression": "customer = :c",
                         "ExpressionAttributeValues": {":c": {"S": "c1"}}}), v,
         "Query condition missed key schema element: sku"),
        ("Query", json!({"TableName": "Orders", "IndexName": "by_amount", "KeyConditionExpression": "customer = :c",
                         "FilterExpression": "amount > :t", "ExpressionAttributeValues": {":c": {"S": "c1"}, ":t": {"N": "1"}}}), v,
         "Filter Expression can only contain non-primary key attributes: Primary key attribute: amount"),
        ("Query", json!({"TableName": "Orders", "IndexName": "by_amount", "KeyConditionExpression": "customer = :c",
                         "ExpressionAttributeValues": {":c": {"S": "c1"}},
                         "ExclusiveStartKey": {"customer": {"S": "c1"}, "order": {"N": "1"}}}), v,
         "The provided starting key is invalid: The provided key element does not match the schema"),
        ("Scan", json!({"TableName": "Orders", "IndexName": "by_sku",
                        "ExclusiveStartKey": {"customer": {"S": "c1"}, "order": {"N": "1"}, "sku": {"S": "a"}, "x": {"S": "a"}}}), v,
         "The provided starting key is invalid: The provided key element does not match the schema"),
        ("Scan", json!({"TableName": "Orders", "IndexName": "nope"}), v, "The table does not have the specified index: nope"),
        ("Scan", json!({"TableName": "Orders", "Select": "ALL_PROJECTED_ATTRIBUTES"}), v,
         "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is only supported with an IndexName"),
    ];
    let before = ok(&db, "Scan", json!({"TableName": "Orders"}));
    for (op, req, name, msg) in cases {
        let (got_name, got_msg) = fail(&db, op, req.clone());
        assert_eq!((got_name.as_str(), got_msg.as_str()), (name, msg), "{op} {req}");
    }
    assert_eq!(ok(&db, "Scan", json!({"TableName": "Orders"})), before, "errors change nothing");
    assert_eq!(ok(&db, "Scan", json!({"TableName": "Orders", "IndexName": "by_status"}))["Count"], 1);
}

#[test]
fn partiql_selects_from_an_index() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    put(&db, order("c1", 1, 50, Some("open"), 30));
    put(&db, order("c2", 2, 20, Some("open"), 10));
    put(&db, order("c3", 3, 90, Some("shipped"), 20));
    let run = |text: &str| ok(&db, "ExecuteStatement", json!({"Statement": text}));
    let r = run("SELECT \"order\", placed FROM \"Orders\".\"by_status\" WHERE status = 'open'");
    assert_eq!(r["Items"], json!([{"order": {"N": "2"}, "placed": {"N": "10"}}, {"order": {"N": "1"}, "placed": {"N": "30"}}]));
    let r = run("SELECT * FROM \"Orders\".\"by_status\" WHERE status = 'open' AND placed > 15 ORDER BY placed DESC");
    assert_eq!(numbers(&r, "order"), vec![1]);
    let r = run("SELECT * FROM \"Orders\".\"by_amount\" WHERE customer = 'c1' AND amount BETWEEN 40 AND 60");
    assert_eq!(numbers(&r, "order"), vec![1]);
    // Without the index partition key: a Scan of the index.
    let r = run("SELECT * FROM \"Orders\".\"by_status\" WHERE placed >= 20");
    let mut got = numbers(&r, "order");
    got.sort();
    assert_eq!(got, vec![1, 3]);
    let (name, msg) = fail(&db, "ExecuteStatement", json!({"Statement": "SELECT * FROM \"Orders\".\"nope\" WHERE status = 'open'"}));
    assert_eq!((name.as_str(), msg.as_str()), ("ValidationException", "The table does not have the specified index: nope"));
    let (name, _) = fail(
        &db,
        "ExecuteStatement",
        json!({"Statement": "SELECT * FROM \"Orders\".\"by_status\" WHERE status = 'open'", "ConsistentRead": true}),
    );
    assert_eq!(name, "ValidationException");
}

#[test]
fn lsi_item_collections_are_limited() {
    let config = DatabaseConfig { item_collection_limit_bytes: 4000, ..DatabaseConfig::default() };
    let db = Database::open_file(Box::new(MemoryFile::new()), config).unwrap();
    orders(&db);
    let big = |n: u32| {
        let mut item = order("c1", n, n, None, n);
        item["pad"] = json!({"S": "x".repeat(800)});
        item
    };
    // Each item counts once in the table and once (keys only) in the LSI.
    for n in 0..4 {
        put(&db, big(n));
    }
    let (name, msg) = fail(&db, "PutItem", json!({"TableName": "Orders", "Item": big(9)}));
    assert_eq!((name.as_str(), msg.as_str()), ("ItemCollectionSizeLimitExceededException", "Item collection size limit exceeded"));
    let (name, msg) = fail(
        &db,
        "TransactWriteItems",
        json!({"TransactItems": [{"Put": {"TableName": "Orders", "Item": big(9)}}]}),
    );
    assert_eq!(name, "TransactionCanceledException");
    assert!(msg.ends_with("[ItemCollectionSizeLimitExceeded]"), "{msg}");
    // Other partitions, shrinking writes and deletes still pass.
    put(&db, order("c2", 1, 1, None, 1));
    put(&db, order("c1", 0, 0, None, 0));
    ok(&db, "DeleteItem", json!({"TableName": "Orders", "Key": {"customer": {"S": "c1"}, "order": {"N": "1"}}}));
    put(&db, big(9));
    assert_eq!(query_index(&db, "by_amount", "customer = :c", json!({":c": {"S": "c1"}}))["Count"], 4);
}

/// A file written before index entries were maintained: its definitions
/// lack `populated` and it holds no entries. Opening it builds them.
#[test]
fn indexes_of_older_files_are_built_at_open() {
    use kstone_engine::api::keyspace;
    use kstone_engine::lsm::WriteBatch;
    use kstone_engine::model::schema::catalog_key;
    let file = MemoryFile::new();
    let db = Database::open_file(Box::new(file.clone()), DatabaseConfig::default()).unwrap();
    orders(&db);
    for n in 0..5 {
        put(&db, order("c1", n, n, Some("open"), n));
    }
    // Rewrite the store as the previous version left it.
    let desc = ok(&db, "DescribeTable", json!({"TableName": "Orders"}));
    assert_eq!(desc["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"], 5);
    let tree_key = catalog_key("Orders");
    let mut batch = WriteBatch::new();
    let stored = kstone_engine::testing::get_raw(&db, &tree_key).expect("catalog entry");
    let mut def: Value = serde_json::from_slice(&stored).unwrap();
    let table_id = def["id"].as_u64().unwrap() as u32;
    for family in ["local_indexes", "global_indexes"] {
        for index in def[family].as_array_mut().unwrap() {
            index.as_object_mut().unwrap().remove("populated");
            let id = index["id"].as_u64().unwrap() as u8;
            for key in kstone_engine::testing::keys_in(&db, keyspace::index_range(table_id, id)) {
                batch.delete(key);
            }
        }
    }
    def.as_object_mut().unwrap().remove("next_index_id");
    batch.put(tree_key, serde_json::to_vec(&def).unwrap());
    db.write_batch(batch).unwrap();
    drop(db);
    let db = Database::open_file(Box::new(file), DatabaseConfig::default()).unwrap();
    let desc = ok(&db, "DescribeTable", json!({"TableName": "Orders"}));
    assert_eq!(desc["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"], 5);
    assert_eq!(desc["Table"]["LocalSecondaryIndexes"][0]["ItemCount"], 5);
    let r = query_index(&db, "by_amount", "customer = :c AND amount >= :a", json!({":c": {"S": "c1"}, ":a": {"N": "3"}}));
    assert_eq!(numbers(&r, "order"), vec![3, 4]);
}

#[test]
fn update_table_index_changes_are_validated_and_skip_mistyped_items() {
    let db = Database::in_memory().unwrap();
    orders(&db);
    // Stored before the index exists: a number, a list and an empty string
    // where the new index wants a string. None of them enters the index.
    let mut a = order("c1", 1, 1, None, 1);
    a["colour"] = json!({"N": "5"});
    let mut b = order("c1", 2, 1, None, 1);
    b["colour"] = json!({"L": []});
    let mut c = order("c1", 3, 1, None, 1);
    c["colour"] = json!({"S": ""});
    let mut d = order("c1", 4, 1, None, 1);
    d["colour"] = json!({"S": "red"});
    for item in [a, b, c, d] {
        put(&db, item);
    }
    let create = |name: &str| {
        json!({"Create": {"IndexName": name, "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}],
                          "Projection": {"ProjectionType": "KEYS_ONLY"}}})
    };
    let defs = json!([{"AttributeName": "colour", "AttributeType": "S"}]);
    let (name, msg) = fail(
        &db,
        "UpdateTable",
        json!({"TableName": "Orders", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": [create("one"), create("two")]}),
    );
    assert_eq!(
        (name.as_str(), msg.as_str()),
        ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
    );
    let (name, msg) = fail(
        &db,
        "UpdateTable",
        json!({"TableName": "Orders", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": [create("by_sku")]}),
    );
    assert_eq!((name.as_str(), msg.as_str()), ("ValidationException", "One or more parameter values were invalid: Duplicate index name: by_sku"));
    ok(&db, "UpdateTable", json!({"TableName": "Orders", "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": [create("by_colour")]}));
    let scan = ok(&db, "Scan", json!({"TableName": "Orders", "IndexName": "by_colour"}));
    assert_eq!(numbers(&scan, "order"), vec![4]);
    // From now on, the index key type is enforced on writes.
    let mut e = order("c1", 5, 1, None, 1);
    e["colour"] = json!({"N": "1"});
    let (name, msg) = fail(&db, "PutItem", json!({"TableName": "Orders", "Item": e}));
    assert_eq!(
        (name.as_str(), msg.as_str()),
        ("ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key colour Expected: S Actual: N IndexName: by_colour")
    );
}
