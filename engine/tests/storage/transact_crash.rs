//! TransactWriteItems is atomic across crashes: a workload of transfers
//! between two items is cut at every mutation of the file, the crash image is
//! reopened, and the two balances always add up (all actions of a
//! transaction are visible, or none), with every acknowledged transaction
//! present (Sync durability).

use kstone_engine::io::{CrashMode, FaultPlan, FaultyFile};
use kstone_engine::{Database, DatabaseConfig, Durability};
use serde_json::{json, Value};

const TRANSFERS: i64 = 6;

fn config() -> DatabaseConfig {
    DatabaseConfig { durability: Durability::Sync, memtable_bytes: 4 << 10, ..DatabaseConfig::default() }
}

fn transfer(db: &Database) -> kstone_engine::Result<Value> {
    let update = |pk: &str, op: &str| {
        json!({"Update": {"TableName": "Accounts", "Key": {"pk": {"S": pk}},
            "UpdateExpression": format!("SET bal = bal {op} :t"),
            "ExpressionAttributeValues": {":t": {"N": "10"}}}})
    };
    db.execute("TransactWriteItems", &json!({"TransactItems": [update("a", "-"), update("b", "+")]}))
}

fn balance(db: &Database, pk: &str) -> i64 {
    let got = db.execute("GetItem", &json!({"TableName": "Accounts", "Key": {"pk": {"S": pk}}})).unwrap();
    got["Item"]["bal"]["N"].as_str().unwrap().parse().unwrap()
}

fn base_image() -> Vec<u8> {
    let file = FaultyFile::new(FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
    db.execute(
        "CreateTable",
        &json!({
            "TableName": "Accounts",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .unwrap();
    for pk in ["a", "b"] {
        db.execute("PutItem", &json!({"TableName": "Accounts", "Item": {"pk": {"S": pk}, "bal": {"N": "100"}}})).unwrap();
    }
    db.close().unwrap();
    file.live_image()
}

/// Run the transfers until the file dies; returns how many were acknowledged.
fn run(file: &FaultyFile) -> i64 {
    let Ok(db) = Database::open_file(Box::new(file.clone()), config()) else { return 0 };
    let mut acked = 0;
    for _ in 0..TRANSFERS {
        if transfer(&db).is_err() {
            break;
        }
        acked += 1;
    }
    acked
}

#[test]
fn transactions_are_all_or_nothing_across_crashes() {
    let base = base_image();
    let probe = FaultyFile::from_image(base.clone(), FaultPlan::default());
    assert_eq!(run(&probe), TRANSFERS);
    let total_mutations = probe.mutations();
    assert!(total_mutations >= TRANSFERS as u64, "every acknowledged transfer writes and syncs");
    let mut checked = 0;
    for crash_at in 1..=total_mutations + 1 {
        let file = FaultyFile::from_image(base.clone(), FaultPlan { crash_at_mutation: Some(crash_at), fail_call: None });
        let acked = run(&file);
        for (i, mode) in [CrashMode::DropUnsynced, CrashMode::Reorder, CrashMode::Torn].into_iter().enumerate() {
            let image = file.crash_image(mode, crash_at * 3 + i as u64);
            let reopened = FaultyFile::from_image(image, FaultPlan::default());
            let db = Database::open_file(Box::new(reopened), config())
                .unwrap_or_else(|e| panic!("crash at {crash_at} ({mode:?}): reopen failed: {e}"));
            let (a, b) = (balance(&db, "a"), balance(&db, "b"));
            assert_eq!(a + b, 200, "crash at {crash_at} ({mode:?}): half a transaction is visible: a={a} b={b}");
            let done = (100 - a) / 10;
            assert!(
                done >= acked && done <= acked + 1,
                "crash at {crash_at} ({mode:?}): {done} transfers visible, {acked} acknowledged"
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * TRANSFERS as usize);
}
