//! Secondary-index Query and Scan paging checked against an in-memory oracle,
//! with random puts, updates (that move, add and remove index keys) and
//! deletes interleaved with flushes, compactions, reopens and a GSI created
//! by UpdateTable part-way through.

use crate::support::{open, Rng};
use kstone_engine::io::MemoryFile;
use kstone_engine::Database;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PARTITIONS: [&str; 3] = ["p0", "p1", "p2"];
const GROUPS: [&str; 3] = ["g0", "g1", "g2"];

/// What the oracle knows of one item: its index attributes and a value.
#[derive(Clone, Debug)]
struct Row {
    rank: Option<i64>,
    group: Option<&'static str>,
    v: i64,
}

type Oracle = BTreeMap<(String, i64), Row>;

/// `T(pk S, sk N)`, LSI `lsi` (pk, rank N) KEYS_ONLY, GSI `gsi` (group S,
/// rank N) INCLUDE [v].
fn create(db: &Database) {
    db.execute(
        "CreateTable",
        &json!({
            "TableName": "Things",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "rank", "AttributeType": "N"}, {"AttributeName": "grp", "AttributeType": "S"}
            ],
            "LocalSecondaryIndexes": [{"IndexName": "lsi",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "gsi",
                "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .unwrap();
}

/// The GSI created later: hash key `v` only, projecting ALL.
fn create_late_index(db: &Database) {
    db.execute(
        "UpdateTable",
        &json!({"TableName": "Things",
            "AttributeDefinitions": [{"AttributeName": "v", "AttributeType": "N"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_v",
                "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}),
    )
    .unwrap();
}

fn key_of(item: &Value) -> (String, i64) {
    (item["pk"]["S"].as_str().unwrap().to_string(), item["sk"]["N"].as_str().unwrap().parse().unwrap())
}

/// Every page of one request; the (pk, sk) of each item in order.
fn pages(db: &Database, op: &str, mut req: Value, limit: u64, oracle: &Oracle, check_v: bool) -> Vec<(String, i64)> {
    req["Limit"] = json!(limit);
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let page = db.execute(op, &req).unwrap_or_else(|e| panic!("{op} {req}: {e}"));
        for item in page["Items"].as_array().unwrap() {
            let k = key_of(item);
            if check_v {
                assert_eq!(item["v"]["N"].as_str().unwrap().parse::<i64>().unwrap(), oracle[&k].v, "v of {k:?}");
            } else {
                assert!(item.get("v").is_none(), "KEYS_ONLY entry carries v: {item}");
            }
            out.push(k);
        }
        match page.get("LastEvaluatedKey") {
            Some(k) => req["ExclusiveStartKey"] = k.clone(),
            None => return out,
        }
    }
    panic!("paging did not finish");
}

fn check(db: &Database, oracle: &Oracle, rng: &mut Rng, late: bool) {
    let limit = 1 + rng.below(6);
    let forward = rng.below(2) == 0;
    let bound = rng.below(12) as i64;
    // GSI Query: group = g AND rank >= bound, ordered by rank then base key.
    let g = GROUPS[rng.below(3) as usize];
    let got = pages(
        db,
        "Query",
        json!({"TableName": "Things", "IndexName": "gsi", "KeyConditionExpression": "grp = :g AND #r >= :b",
               "ExpressionAttributeNames": {"#r": "rank"}, "ScanIndexForward": forward,
               "ExpressionAttributeValues": {":g": {"S": g}, ":b": {"N": bound.to_string()}}}),
        limit,
        oracle,
        true,
    );
    let mut want: Vec<(i64, (String, i64))> = oracle
        .iter()
        .filter(|(_, r)| r.group == Some(g) && r.rank.is_some_and(|x| x >= bound))
        .map(|(k, r)| (r.rank.unwrap(), k.clone()))
        .collect();
    want.sort();
    if !forward {
        want.reverse();
    }
    assert_eq!(got, want.into_iter().map(|(_, k)| k).collect::<Vec<_>>(), "gsi {g} >= {bound} fwd={forward} limit={limit}");
    // LSI Query: pk = p AND rank < bound.
    let p = PARTITIONS[rng.below(3) as usize];
    let got = pages(
        db,
        "Query",
        json!({"TableName": "Things", "IndexName": "lsi", "KeyConditionExpression": "pk = :p AND #r < :b",
               "ExpressionAttributeNames": {"#r": "rank"}, "ScanIndexForward": forward,
               "ExpressionAttributeValues": {":p": {"S": p}, ":b": {"N": bound.to_string()}}}),
        limit,
        oracle,
        false,
    );
    let mut want: Vec<(i64, i64)> = oracle
        .iter()
        .filter(|((pk, _), r)| pk == p && r.rank.is_some_and(|x| x < bound))
        .map(|((_, sk), r)| (r.rank.unwrap(), *sk))
        .collect();
    want.sort();
    if !forward {
        want.reverse();
    }
    assert_eq!(got, want.into_iter().map(|(_, sk)| (p.to_string(), sk)).collect::<Vec<_>>(), "lsi {p} < {bound}");
    // Segmented Scans of each index cover exactly the items in it.
    let total = 1 + rng.below(4);
    let mut indexes = vec![("gsi", true), ("lsi", false)];
    if late {
        indexes.push(("by_v", true));
    }
    for (name, has_v) in indexes {
        let mut got = Vec::new();
        for segment in 0..total {
            got.extend(pages(
                db,
                "Scan",
                json!({"TableName": "Things", "IndexName": name, "Segment": segment, "TotalSegments": total}),
                limit,
                oracle,
                has_v,
            ));
        }
        let n = got.len();
        got.sort();
        got.dedup();
        assert_eq!(n, got.len(), "an entry of {name} appeared twice");
        let want: Vec<(String, i64)> = oracle
            .iter()
            .filter(|(_, r)| match name {
                "gsi" => r.group.is_some() && r.rank.is_some(),
                "lsi" => r.rank.is_some(),
                _ => true,
            })
            .map(|(k, _)| k.clone())
            .collect();
        assert_eq!(got, want, "scan of {name} total={total}");
    }
}

fn put(db: &Database, pk: &str, sk: i64, row: &Row) {
    let mut item = json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}, "v": {"N": row.v.to_string()}, "pad": {"S": "x".repeat(40)}});
    if let Some(r) = row.rank {
        item["rank"] = json!({"N": r.to_string()});
    }
    if let Some(g) = row.group {
        item["grp"] = json!({"S": g});
    }
    db.execute("PutItem", &json!({"TableName": "Things", "Item": item})).unwrap();
}

#[test]
fn index_pages_match_the_oracle_across_flush_compact_reopen_and_backfill() {
    for seed in [3u64, 11] {
        let file = MemoryFile::new();
        let mut db = open(&file);
        create(&db);
        let mut oracle = Oracle::new();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut late = false;
        for step in 0..360 {
            let pk = PARTITIONS[rng.below(3) as usize];
            let sk = rng.below(30) as i64;
            let key = json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}});
            match rng.below(100) {
                0..=49 => {
                    let row = Row {
                        rank: (rng.below(4) != 0).then(|| rng.below(12) as i64),
                        group: (rng.below(4) != 0).then(|| GROUPS[rng.below(3) as usize]),
                        v: rng.below(5) as i64,
                    };
                    put(&db, pk, sk, &row);
                    oracle.insert((pk.to_string(), sk), row);
                }
                50..=69 => {
                    // Move or drop index keys of an item (created if missing).
                    let rank = rng.below(12) as i64;
                    let (expr, values) = match rng.below(3) {
                        0 => ("SET #r = :r, v = :v", json!({":r": {"N": rank.to_string()}, ":v": {"N": "4"}})),
                        1 => ("REMOVE #r SET v = :v", json!({":v": {"N": "3"}})),
                        _ => ("REMOVE grp SET #r = :r, v = :v", json!({":r": {"N": rank.to_string()}, ":v": {"N": "2"}})),
                    };
                    db.execute(
                        "UpdateItem",
                        &json!({"TableName": "Things", "Key": key, "UpdateExpression": expr,
                                "ExpressionAttributeNames": {"#r": "rank"}, "ExpressionAttributeValues": values}),
                    )
                    .unwrap();
                    let row = oracle.entry((pk.to_string(), sk)).or_insert(Row { rank: None, group: None, v: 0 });
                    match expr {
                        "SET #r = :r, v = :v" => (row.rank, row.v) = (Some(rank), 4),
                        "REMOVE #r SET v = :v" => (row.rank, row.v) = (None, 3),
                        _ => (row.rank, row.group, row.v) = (Some(rank), None, 2),
                    }
                }
                70..=85 => {
                    db.execute("DeleteItem", &json!({"TableName": "Things", "Key": key})).unwrap();
                    oracle.remove(&(pk.to_string(), sk));
                }
                86..=90 => db.flush().unwrap(),
                91..=94 => db.compact().unwrap(),
                _ => {
                    db.close().unwrap();
                    db = open(&file);
                }
            }
            if step == 150 {
                create_late_index(&db);
                late = true;
            }
            if step % 30 == 29 {
                check(&db, &oracle, &mut rng, late);
            }
        }
        check(&db, &oracle, &mut rng, late);
        let d = db.execute("DescribeTable", &json!({"TableName": "Things"})).unwrap();
        assert_eq!(d["Table"]["ItemCount"], oracle.len());
        let lsi_count = oracle.values().filter(|r| r.rank.is_some()).count();
        assert_eq!(d["Table"]["LocalSecondaryIndexes"][0]["ItemCount"], lsi_count);
    }
}
