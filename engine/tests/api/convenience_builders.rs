//! The convenience builders (Query, Scan, batch and transaction builders) on
//! the default table and on named tables: each must give the same results
//! and the same errors as the DynamoDB request it stands for.

use kstone_engine::api::convenience::{Query, Scan};
use kstone_engine::{AttributeValue, Database, Item, ItemBuilder};
use serde_json::json;

fn orders_db() -> Database {
    let db = Database::in_memory().unwrap();
    db.execute(
        "CreateTable",
        &json!({
            "TableName": "orders",
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                          {"AttributeName": "order", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"},
                                     {"AttributeName": "order", "AttributeType": "N"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .unwrap();
    let orders = db.table("orders");
    for c in ["alice", "bob"] {
        for n in 1..=5 {
            orders
                .put(ItemBuilder::new().string("customer", c).number("order", n).number("total", n * 10).build())
                .unwrap();
        }
    }
    db
}

fn key(customer: &str, order: i64) -> Item {
    ItemBuilder::new().string("customer", customer).number("order", order).build()
}

fn orders_of(items: &[Item]) -> Vec<i64> {
    items
        .iter()
        .map(|i| match &i["order"] {
            AttributeValue::N(n) => n.to_i64().unwrap(),
            other => panic!("order is {other:?}"),
        })
        .collect()
}

#[test]
fn query_builder_matches_the_json_query() {
    let db = orders_db();
    let t = db.table("orders");
    let page = t.query(Query::new().partition_key("alice").sort_key_between(2, 4)).unwrap();
    assert_eq!(orders_of(&page.items), [2, 3, 4]);
    let wire = db
        .execute(
            "Query",
            &json!({"TableName": "orders", "KeyConditionExpression": "customer = :c AND #o BETWEEN :a AND :b",
                    "ExpressionAttributeNames": {"#o": "order"},
                    "ExpressionAttributeValues": {":c": {"S": "alice"}, ":a": {"N": "2"}, ":b": {"N": "4"}}}),
        )
        .unwrap();
    assert_eq!(wire["Count"], 3);
    for (q, expected) in [
        (Query::new().partition_key("alice").sort_key_lt(3), vec![1, 2]),
        (Query::new().partition_key("alice").sort_key_le(3), vec![1, 2, 3]),
        (Query::new().partition_key("alice").sort_key_gt(3), vec![4, 5]),
        (Query::new().partition_key("alice").sort_key_ge(3).reverse(), vec![5, 4, 3]),
        (Query::new().partition_key("bob").sort_key_eq(5), vec![5]),
        (Query::new().partition_key("carol"), vec![]),
    ] {
        assert_eq!(orders_of(&t.query(q.clone()).unwrap().items), expected, "{q:?}");
    }
    // Filter, projection and names of the caller's own.
    let page = t
        .query(
            Query::new()
                .partition_key("bob")
                .filter_expression("#t >= :min")
                .expression_name("#t", "total")
                .expression_value(":min", 40)
                .projection("#o, customer")
                .expression_name("#o", "order"),
        )
        .unwrap();
    assert_eq!((page.count, page.scanned_count), (2, 5));
    assert!(page.items.iter().all(|i| i.len() == 2 && !i.contains_key("total")));
    let counted = t.query(Query::new().partition_key("bob").count_only()).unwrap();
    assert_eq!((counted.count, counted.items.len()), (5, 0));
}

#[test]
fn query_pages_follow_last_evaluated_key() {
    let db = orders_db();
    let t = db.table("orders");
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let mut q = Query::new().partition_key("alice").limit(2);
        if let Some(k) = start.take() {
            q = q.start_after(k);
        }
        let page = t.query(q).unwrap();
        seen.extend(orders_of(&page.items));
        match page.last_evaluated_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

#[test]
fn builder_errors_are_dynamodb_errors() {
    let db = orders_db();
    let t = db.table("orders");
    let e = t.query(Query::new()).unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    let e = t.query(Query::new().partition_key(AttributeValue::from(5))).unwrap_err();
    assert_eq!(e.name(), "ValidationException", "{e}");
    let e = t.query(Query::new().partition_key("alice").limit(0)).unwrap_err();
    assert!(e.to_string().contains("greater than or equal to 1"), "{e}");
    let e = db.table("missing").query(Query::new().partition_key("x")).unwrap_err();
    assert_eq!(e.name(), "ResourceNotFoundException");
    // `total` is a reserved word, as in DynamoDB.
    let e = t.scan(Scan::new().filter_expression("total > :t").expression_value(":t", 1)).unwrap_err();
    assert!(e.to_string().contains("reserved keyword: total"), "{e}");
    let e = t.scan(Scan::new().filter_expression("#t > :undefined").expression_name("#t", "total")).unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    let e = t.scan(Scan::new().parallel(2, 2)).unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    // A key that does not fit the schema, as GetItem says it.
    let e = t.get("alice").unwrap_err();
    assert_eq!(e.to_string(), "The provided key element does not match the schema");
    let e = db.get(&[0xFF][..]).unwrap_err();
    assert_eq!(e.name(), "ValidationException");
}

#[test]
fn scan_builder_segments_and_filters() {
    let db = orders_db();
    let t = db.table("orders");
    assert_eq!(t.scan(Scan::new()).unwrap().count, 10);
    let mut total = 0;
    for s in 0..4 {
        total += t.scan(Scan::new().parallel(4, s)).unwrap().count;
    }
    assert_eq!(total, 10);
    let page = t.scan(Scan::new().filter_expression("#t = :t").expression_name("#t", "total").expression_value(":t", 30)).unwrap();
    assert_eq!((page.count, page.scanned_count), (2, 10));
}

#[test]
fn batch_builders_on_named_and_default_tables() {
    let db = orders_db();
    let t = db.table("orders");
    t.batch_write()
        .put_item(ItemBuilder::new().string("customer", "carol").number("order", 1).build())
        .delete(key("alice", 1))
        .execute()
        .unwrap();
    let got = t.batch_get().add_key(key("carol", 1)).add_key(key("alice", 1)).add_key(key("bob", 2)).execute().unwrap();
    assert_eq!(got.items.len(), 2);
    assert!(got.unprocessed_keys.is_empty());
    // Duplicate keys are refused as BatchWriteItem refuses them, and nothing is written.
    let e = t.batch_write().delete(key("bob", 1)).delete(key("bob", 1)).execute().unwrap_err();
    assert_eq!(e.to_string(), "Provided list of item keys contains duplicates");
    assert!(t.get(key("bob", 1)).unwrap().is_some());
    // Limits.
    let mut many = db.batch_write();
    for i in 0..26 {
        many = many.put(format!("k{i}").into_bytes(), Item::new());
    }
    assert_eq!(many.execute().unwrap_err().to_string(), "Too many items requested for the BatchWriteItem call");
    assert_eq!(db.batch_get().execute().unwrap_err().name(), "ValidationException");
    // Default table: byte keys.
    db.batch_write().put(b"a", ItemBuilder::new().number("n", 1).build()).put(b"b", Item::new()).execute().unwrap();
    let got = db.batch_get().add_key(b"a").add_key(b"b").add_key(b"c").execute().unwrap();
    assert_eq!(got.items.len(), 2);
}

#[test]
fn transactions_are_all_or_nothing_across_tables() {
    let db = orders_db();
    db.put(b"stock", ItemBuilder::new().number("left", 1).build()).unwrap();
    let order = |n: i64| {
        db.transact_write()
            .update(b"stock", "SET #l = #l - :one", Some("#l >= :one"))
            .value(":one", 1)
            .table("orders")
            .put_if(key("alice", 100 + n), ItemBuilder::new().number("total", 5).build(), "attribute_not_exists(customer)")
            .execute()
    };
    // `#l` is not defined: the builder passes no names, so this is DynamoDB's error.
    assert_eq!(order(1).unwrap_err().name(), "ValidationException");
    let order = |n: i64| {
        db.transact_write()
            .update(b"stock", "SET stock_left = stock_left - :one", None)
            .value(":one", 1)
            .condition_check(b"stock", "stock_left >= :zero")
            .value(":zero", 0)
            .table("orders")
            .put_if(key("alice", 100 + n), ItemBuilder::new().number("total", 5).build(), "attribute_not_exists(customer)")
            .execute()
    };
    // Two actions on one item are refused.
    assert_eq!(
        order(1).unwrap_err().to_string(),
        "Transaction request cannot include multiple operations on one item"
    );
    db.put(b"stock", ItemBuilder::new().number("stock_left", 1).build()).unwrap();
    let buy = |n: i64| {
        db.transact_write()
            .update(b"stock", "SET stock_left = stock_left - :one", Some("stock_left >= :one"))
            .value(":one", 1)
            .table("orders")
            .put(key("alice", 100 + n), ItemBuilder::new().number("total", 5).build())
            .execute()
    };
    buy(1).unwrap();
    let e = buy(2).unwrap_err();
    assert_eq!(e.name(), "TransactionCanceledException");
    let t = db.table("orders");
    assert!(t.get(key("alice", 101)).unwrap().is_some());
    assert!(t.get(key("alice", 102)).unwrap().is_none(), "a cancelled transaction wrote");
    let snapshot = db.transact_get().add_get(b"stock").table("orders").add_get(key("alice", 101)).add_get(key("zed", 1)).execute().unwrap();
    assert_eq!(snapshot.len(), 3);
    assert_eq!(snapshot[0].as_ref().unwrap()["stock_left"], AttributeValue::N(0.into()));
    assert!(snapshot[1].is_some() && snapshot[2].is_none());
    // Idempotency: the same token and actions succeed again without writing twice.
    let with_token = || {
        db.transact_write()
            .update(b"counter", "ADD n :one", None)
            .value(":one", 1)
            .client_request_token("token-1")
            .execute()
    };
    with_token().unwrap();
    with_token().unwrap();
    assert_eq!(db.get(b"counter").unwrap().unwrap()["n"], AttributeValue::N(1.into()));
    assert_eq!(db.transact_write().execute().unwrap_err().name(), "ValidationException");
}

#[test]
fn default_table_query_and_scan() {
    let db = Database::in_memory().unwrap();
    // Reads of a database without the default table create it, as put does.
    assert_eq!(db.scan(Scan::new()).unwrap().count, 0);
    for i in 0..20 {
        db.put(format!("user#{i}").as_bytes(), ItemBuilder::new().number("age", 20 + i).build()).unwrap();
    }
    let page = db.query(Query::new().partition_key(b"user#7")).unwrap();
    assert_eq!(page.items[0]["age"], AttributeValue::N(27.into()));
    let e = db.query(Query::new().partition_key(b"user#7").sort_key_eq(1)).unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    let adults = db.scan(Scan::new().filter_expression("age >= :a").expression_value(":a", 30)).unwrap();
    assert_eq!(adults.count, 10);
}
