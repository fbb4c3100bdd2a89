//! Read-only opens: they replay the WAL into memory and see every committed
//! write, never write, set the length of or sync the file (checked by the
//! fault-injecting adapter's mutation count and by comparing bytes), and
//! refuse every write with `StorageError::ReadOnly`, whichever door it
//! comes through. Also: a handle that wrote nothing does not sync when it
//! goes away.

use kstone_engine::io::{CrashMode, FaultPlan, FaultyFile, MemoryFile};
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{Database, DatabaseConfig, Durability, Error, StorageError};
use serde_json::{json, Value};

fn config() -> DatabaseConfig {
    DatabaseConfig { durability: Durability::Sync, ..DatabaseConfig::default() }
}

fn read_only() -> DatabaseConfig {
    DatabaseConfig { read_only: true, ..config() }
}

fn create_table(db: &Database, name: &str) {
    db.execute(
        "CreateTable",
        &json!({
            "TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .unwrap();
}

fn put(db: &Database, pk: &str, n: u32) {
    db.execute("PutItem", &json!({"TableName": "tbl", "Item": {"pk": {"S": pk}, "n": {"N": n.to_string()}}})).unwrap();
}

fn get(db: &Database, pk: &str) -> Option<Value> {
    db.execute("GetItem", &json!({"TableName": "tbl", "Key": {"pk": {"S": pk}}})).unwrap().get("Item").cloned()
}

/// A database whose items are all still in the WAL: written with syncs, the
/// handle dropped without close, so nothing was flushed to an SST.
fn unflushed_image() -> Vec<u8> {
    let file = FaultyFile::new(FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
    create_table(&db, "tbl");
    for i in 0..50 {
        put(&db, &format!("k{i}"), i);
    }
    drop(db);
    assert_eq!(file.crash_image(CrashMode::DropUnsynced, 1), file.live_image(), "every write was synced");
    file.live_image()
}

fn is_read_only_error(result: Result<Value, Error>) -> bool {
    matches!(result, Err(Error::Storage(StorageError::ReadOnly)))
}

#[test]
fn a_read_only_open_sees_unflushed_wal_records_and_leaves_the_file_untouched() {
    let image = unflushed_image();
    let file = FaultyFile::from_image(image.clone(), FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), read_only()).unwrap();
    assert!(db.is_read_only());
    assert_eq!(db.stats().replayed_batches, 51, "the CreateTable and 50 puts replay from the WAL");
    assert_eq!(get(&db, "k7"), Some(json!({"pk": {"S": "k7"}, "n": {"N": "7"}})));
    let scanned = db.execute("Scan", &json!({"TableName": "tbl"})).unwrap();
    assert_eq!(scanned["Count"], json!(50));
    assert!(db.verify().unwrap().is_clean());
    db.close().unwrap();
    drop(db);
    assert_eq!(file.mutations(), 0, "a read-only session wrote, resized or synced the file");
    assert_eq!(file.live_image(), image);
    // What it replayed is still there for the next open.
    let again = Database::open_file(Box::new(MemoryFile::from_bytes(image)), config()).unwrap();
    assert_eq!(again.stats().replayed_batches, 51);
}

#[test]
fn every_write_is_refused_and_reads_still_work() {
    let image = unflushed_image();
    let file = FaultyFile::from_image(image.clone(), FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), read_only()).unwrap();
    let key = json!({"pk": {"S": "k1"}});
    let writes: Vec<(&str, Value)> = vec![
        ("PutItem", json!({"TableName": "tbl", "Item": {"pk": {"S": "new"}}})),
        // Refused before the condition is looked at.
        ("PutItem", json!({"TableName": "tbl", "Item": {"pk": {"S": "k1"}}, "ConditionExpression": "attribute_not_exists(pk)"})),
        ("UpdateItem", json!({"TableName": "tbl", "Key": key, "UpdateExpression": "SET n = :n",
                              "ExpressionAttributeValues": {":n": {"N": "9"}}})),
        ("DeleteItem", json!({"TableName": "tbl", "Key": key})),
        ("DeleteItem", json!({"TableName": "missing", "Key": key})),
        ("BatchWriteItem", json!({"RequestItems": {"tbl": [{"DeleteRequest": {"Key": key}}]}})),
        ("TransactWriteItems", json!({"TransactItems": [{"Delete": {"TableName": "tbl", "Key": key}}]})),
        ("CreateTable", json!({"TableName": "other", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                               "BillingMode": "PAY_PER_REQUEST"})),
        ("DeleteTable", json!({"TableName": "tbl"})),
        ("UpdateTable", json!({"TableName": "tbl", "DeletionProtectionEnabled": true})),
        ("ExecuteStatement", json!({"Statement": "INSERT INTO tbl VALUE {'pk': 'new'}"})),
        ("ExecuteStatement", json!({"Statement": "UPDATE tbl SET n = 5 WHERE pk = 'k1'"})),
        ("ExecuteStatement", json!({"Statement": "DELETE FROM tbl WHERE pk = 'k1'"})),
        ("BatchExecuteStatement", json!({"Statements": [{"Statement": "DELETE FROM tbl WHERE pk = 'k1'"}]})),
        ("ExecuteTransaction", json!({"TransactStatements": [{"Statement": "DELETE FROM tbl WHERE pk = 'k1'"}]})),
    ];
    for (operation, request) in &writes {
        let result = db.execute(operation, request);
        assert!(is_read_only_error(result), "{operation} {request} was not refused as read-only");
    }
    let as_text = db.execute_json("PutItem", &writes[0].1.to_string());
    assert!(matches!(as_text, Err(Error::Storage(StorageError::ReadOnly))), "{as_text:?}");
    let refused = db.execute("PutItem", &writes[0].1).unwrap_err();
    assert_eq!(refused.name(), "InternalServerError");
    assert_eq!(refused.to_string(), "the database is open read-only");
    for maintenance in [db.flush(), db.compact(), db.sync(), db.maintain().map(|_| ())] {
        assert!(matches!(maintenance, Err(Error::Storage(StorageError::ReadOnly))), "{maintenance:?}");
    }
    let batch = || {
        let mut b = WriteBatch::new();
        b.put(b"x".to_vec(), b"y".to_vec());
        b
    };
    assert!(matches!(db.write_batch(batch()), Err(Error::Storage(StorageError::ReadOnly))));
    // Reads, PartiQL SELECTs included, still answer.
    assert_eq!(get(&db, "k1"), Some(json!({"pk": {"S": "k1"}, "n": {"N": "1"}})));
    let selected = db.execute("ExecuteStatement", &json!({"Statement": "SELECT n FROM tbl WHERE pk = 'k2'"})).unwrap();
    assert_eq!(selected["Items"], json!([{"n": {"N": "2"}}]));
    let listed = db.execute("ListTables", &json!({})).unwrap();
    assert_eq!(listed["TableNames"], json!(["tbl"]));
    drop(db);
    assert_eq!(file.mutations(), 0);
    assert_eq!(file.live_image(), image);

    // The tree refuses on its own too.
    let mut tree = Tree::open(Box::new(MemoryFile::from_bytes(image)), read_only()).unwrap();
    assert!(tree.is_read_only());
    assert!(matches!(tree.write(batch()), Err(StorageError::ReadOnly)));
    assert!(matches!(tree.flush(), Err(StorageError::ReadOnly)));
    assert!(matches!(tree.compact(), Err(StorageError::ReadOnly)));
    assert!(matches!(tree.maintain(), Err(StorageError::ReadOnly)));
    tree.close().unwrap();
}

#[test]
fn an_empty_file_is_refused_rather_than_initialised() {
    let file = FaultyFile::new(FaultPlan::default());
    let opened = Database::open_file(Box::new(file.clone()), read_only());
    assert!(matches!(opened, Err(Error::Storage(StorageError::NotADatabase))));
    assert_eq!(file.mutations(), 0);
    assert!(file.live_image().is_empty());
}

#[test]
fn a_read_only_session_leaves_a_database_file_byte_identical() {
    let path = kstone_engine::testing::temp_path("read-only.keystone");
    let db = Database::create_with_config(&path, config()).unwrap();
    create_table(&db, "tbl");
    for i in 0..20 {
        put(&db, &format!("k{i}"), i);
    }
    drop(db);
    let before = std::fs::read(&path).unwrap();
    let db = Database::open_read_only(&path).unwrap();
    assert_eq!(get(&db, "k3"), Some(json!({"pk": {"S": "k3"}, "n": {"N": "3"}})));
    assert!(is_read_only_error(db.execute("PutItem", &json!({"TableName": "tbl", "Item": {"pk": {"S": "z"}}}))));
    db.close().unwrap();
    drop(db);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    std::fs::remove_file(&path).unwrap();
}

/// Native only: WASI has no file locks.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn readers_share_a_file_and_exclude_a_writer() {
    let path = kstone_engine::testing::temp_path("shared.keystone");
    let writer = Database::create_with_config(&path, config()).unwrap();
    create_table(&writer, "tbl");
    let locked = |r: kstone_engine::Result<Database>| matches!(r, Err(Error::Storage(StorageError::Locked)));
    assert!(locked(Database::open_read_only(&path)), "a reader got in beside a writer");
    drop(writer);
    let first = Database::open_read_only(&path).unwrap();
    let second = Database::open_read_only(&path).unwrap();
    assert!(locked(Database::open_with_config(&path, config())), "a writer got in beside readers");
    drop(first);
    drop(second);
    drop(Database::open_with_config(&path, config()).unwrap());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn an_index_build_a_crash_interrupted_needs_a_writable_open() {
    let base = {
        let file = FaultyFile::new(FaultPlan::default());
        let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
        create_table(&db, "tbl");
        for i in 0..12 {
            put(&db, &format!("k{i}"), i);
        }
        db.close().unwrap();
        file.live_image()
    };
    let update = json!({"TableName": "tbl", "AttributeDefinitions": [{"AttributeName": "n", "AttributeType": "N"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_n",
            "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]});
    let mut interrupted = 0;
    for point in 1..40 {
        let file = FaultyFile::from_image(base.clone(), FaultPlan { crash_at_mutation: Some(point), fail_call: None });
        let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
        let finished = db.execute("UpdateTable", &update).is_ok();
        drop(db);
        let image = file.crash_image(CrashMode::DropUnsynced, point);
        let reader = FaultyFile::from_image(image.clone(), FaultPlan::default());
        match Database::open_file(Box::new(reader.clone()), read_only()) {
            Ok(_) => {}
            Err(Error::Storage(StorageError::NeedsWritableOpen)) => {
                interrupted += 1;
                // A writable open finishes the build; then readers get in.
                let healed = MemoryFile::from_bytes(image);
                drop(Database::open_file(Box::new(healed.clone()), config()).unwrap());
                let db = Database::open_file(Box::new(healed), read_only()).unwrap();
                let found = db.execute("Query", &json!({"TableName": "tbl", "IndexName": "by_n",
                    "KeyConditionExpression": "n = :n", "ExpressionAttributeValues": {":n": {"N": "5"}}})).unwrap();
                assert_eq!(found["Count"], json!(1));
            }
            Err(e) => panic!("crash point {point}: {e}"),
        }
        assert_eq!(reader.mutations(), 0);
        if finished {
            break;
        }
    }
    assert!(interrupted > 0, "no crash point left an index build unfinished");
}

#[test]
fn a_handle_that_wrote_nothing_since_its_last_sync_does_not_sync_again() {
    let file = FaultyFile::from_image(unflushed_image(), FaultPlan::default());
    let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
    assert!(get(&db, "k1").is_some());
    drop(db);
    assert_eq!(file.mutations(), 0, "a writable handle that only read touched the file");

    let db = Database::open_file(Box::new(file.clone()), config()).unwrap();
    put(&db, "k1", 100);
    let after_put = file.syncs();
    drop(db);
    assert_eq!(file.syncs(), after_put, "a synced write was synced again on drop");

    // A write left to a later group sync is still made durable on drop.
    let group = DatabaseConfig { durability: Durability::Group { interval_ms: 1 << 40, bytes: 1 << 40 }, ..config() };
    let db = Database::open_file(Box::new(file.clone()), group).unwrap();
    put(&db, "k2", 200);
    let before_drop = file.syncs();
    drop(db);
    assert_eq!(file.syncs(), before_drop + 1);
    let image = file.crash_image(CrashMode::DropUnsynced, 1);
    let db = Database::open_file(Box::new(MemoryFile::from_bytes(image)), read_only()).unwrap();
    assert_eq!(get(&db, "k2"), Some(json!({"pk": {"S": "k2"}, "n": {"N": "200"}})));
}
