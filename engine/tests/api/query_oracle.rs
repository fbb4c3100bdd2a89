//! Query and Scan paging checked against an in-memory oracle, with random
//! puts and deletes interleaved with flushes, compactions and reopens.

use crate::support::{create_table, open, Rng};
use kstone_engine::io::MemoryFile;
use kstone_engine::Database;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PARTITIONS: [&str; 4] = ["p0", "p1", "p10", "p2"];

fn create(db: &Database) {
    create_table(db, "Events", ("pk", "S"), Some(("sk", "N")));
}

type Oracle = BTreeMap<(String, i64), i64>;

fn item_key(item: &Value) -> (String, i64) {
    (item["pk"]["S"].as_str().unwrap().to_string(), item["sk"]["N"].as_str().unwrap().parse().unwrap())
}

/// Page through one query; returns the (pk, sk) list in the order returned.
fn query_all(db: &Database, pk: &str, cond: &str, values: Value, forward: bool, limit: u64) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut start: Option<Value> = None;
    let mut expr_values = json!({":p": {"S": pk}});
    for (k, v) in values.as_object().unwrap() {
        expr_values[k] = v.clone();
    }
    for _ in 0..1000 {
        let mut req = json!({
            "TableName": "Events",
            "KeyConditionExpression": format!("pk = :p{cond}"),
            "ExpressionAttributeValues": expr_values,
            "ScanIndexForward": forward,
            "Limit": limit,
        });
        if let Some(s) = &start {
            req["ExclusiveStartKey"] = s.clone();
        }
        let page = db.execute("Query", &req).unwrap();
        // The text door answers the same page, written from the stored items.
        assert_eq!(db.execute_json("Query", &req.to_string()).unwrap(), page.to_string(), "{req}");
        out.extend(page["Items"].as_array().unwrap().iter().map(item_key));
        match page.get("LastEvaluatedKey") {
            Some(k) => start = Some(k.clone()),
            None => return out,
        }
    }
    panic!("query did not finish");
}

fn check_queries(db: &Database, oracle: &Oracle, rng: &mut Rng) {
    for _ in 0..4 {
        let pk = PARTITIONS[rng.below(4) as usize];
        let a = rng.below(60) as i64 - 5;
        let b = a + rng.below(30) as i64;
        let (cond, values, keep): (&str, Value, Box<dyn Fn(i64) -> bool>) = match rng.below(6) {
            0 => ("", json!({}), Box::new(|_| true)),
            1 => (" AND sk < :a", json!({":a": {"N": a.to_string()}}), Box::new(move |s| s < a)),
            2 => (" AND sk <= :a", json!({":a": {"N": a.to_string()}}), Box::new(move |s| s <= a)),
            3 => (" AND sk > :a", json!({":a": {"N": a.to_string()}}), Box::new(move |s| s > a)),
            4 => (" AND sk >= :a", json!({":a": {"N": a.to_string()}}), Box::new(move |s| s >= a)),
            _ => (
                " AND sk BETWEEN :a AND :b",
                json!({":a": {"N": a.to_string()}, ":b": {"N": b.to_string()}}),
                Box::new(move |s| a <= s && s <= b),
            ),
        };
        let forward = rng.below(2) == 0;
        let limit = 1 + rng.below(7);
        let got = query_all(db, pk, cond, values, forward, limit);
        let mut want: Vec<(String, i64)> =
            oracle.keys().filter(|(p, s)| p == pk && keep(*s)).cloned().collect();
        if !forward {
            want.reverse();
        }
        assert_eq!(got, want, "query pk={pk}{cond} a={a} b={b} forward={forward} limit={limit}");
    }
}

fn check_scans(db: &Database, oracle: &Oracle, rng: &mut Rng) {
    let total = 1 + rng.below(5);
    let limit = 1 + rng.below(9);
    let mut got = Vec::new();
    for segment in 0..total {
        let mut start: Option<Value> = None;
        loop {
            let mut req = json!({"TableName": "Events", "Segment": segment, "TotalSegments": total, "Limit": limit});
            if let Some(s) = &start {
                req["ExclusiveStartKey"] = s.clone();
            }
            let page = db.execute("Scan", &req).unwrap();
            for item in page["Items"].as_array().unwrap() {
                let k = item_key(item);
                assert_eq!(item["n"]["N"].as_str().unwrap().parse::<i64>().unwrap(), oracle[&k], "value of {k:?}");
                got.push(k);
            }
            match page.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
    }
    let count = got.len();
    got.sort();
    got.dedup();
    assert_eq!(count, got.len(), "an item appeared in two segments or pages");
    assert_eq!(got, oracle.keys().cloned().collect::<Vec<_>>(), "scan total={total} limit={limit}");
}

#[test]
fn query_and_scan_pages_match_the_oracle_across_flush_compact_and_reopen() {
    for seed in [1u64, 7, 42] {
        let file = MemoryFile::new();
        let mut db = open(&file);
        create(&db);
        let mut oracle = Oracle::new();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        for step in 0..400 {
            let pk = PARTITIONS[rng.below(4) as usize];
            let sk = rng.below(50) as i64;
            match rng.below(100) {
                0..=64 => {
                    let n = rng.below(1000) as i64;
                    let pad = "x".repeat(rng.below(200) as usize);
                    db.execute(
                        "PutItem",
                        &json!({"TableName": "Events", "Item": {"pk": {"S": pk}, "sk": {"N": sk.to_string()},
                            "n": {"N": n.to_string()}, "pad": {"S": pad}}}),
                    )
                    .unwrap();
                    oracle.insert((pk.to_string(), sk), n);
                }
                65..=89 => {
                    db.execute("DeleteItem", &json!({"TableName": "Events", "Key": {"pk": {"S": pk}, "sk": {"N": sk.to_string()}}}))
                        .unwrap();
                    oracle.remove(&(pk.to_string(), sk));
                }
                90..=93 => db.flush().unwrap(),
                94..=96 => db.compact().unwrap(),
                _ => {
                    db.close().unwrap();
                    db = open(&file);
                }
            }
            if step % 25 == 24 {
                check_queries(&db, &oracle, &mut rng);
                check_scans(&db, &oracle, &mut rng);
            }
        }
        check_scans(&db, &oracle, &mut rng);
        let d = db.execute("DescribeTable", &json!({"TableName": "Events"})).unwrap();
        assert_eq!(d["Table"]["ItemCount"], oracle.len());
    }
}
