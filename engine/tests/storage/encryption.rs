//! Encryption and compression of a whole database, through `Tree`: what the
//! file holds, which passphrase opens it, and that refusing to open never
//! changes the file.

use kstone_engine::io::MemoryFile;
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability, StorageError};
use crate::support::*;

const KEYS: u64 = 2000;

/// A database with SSTs and an unflushed WAL tail, and its oracle.
fn filled(config: DatabaseConfig) -> (MemoryFile, Oracle) {
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), config).unwrap();
    let mut oracle = Oracle::new();
    for i in 0..KEYS {
        let mut b = WriteBatch::new();
        let v = format!("secret-value-{i:06}-{}", "payload ".repeat((i % 9) as usize)).into_bytes();
        b.put(key(i), v.clone());
        oracle.insert(key(i), v);
        tree.write(b).unwrap();
    }
    tree.compact().unwrap();
    let mut b = WriteBatch::new();
    b.put(b"wal-tail-key".to_vec(), b"secret-value-in-the-log".to_vec());
    oracle.insert(b"wal-tail-key".to_vec(), b"secret-value-in-the-log".to_vec());
    tree.write(b).unwrap();
    drop(tree);
    (file, oracle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn an_encrypted_database_holds_no_plaintext_and_reopens_with_its_passphrase() {
    let (file, oracle) = filled(sealed_config(Durability::Sync));
    let bytes = file.to_vec();
    for needle in [&b"secret-value"[..], b"key-000", b"wal-tail-key", b"payload payload"] {
        assert!(!contains(&bytes, needle), "{:?} is readable in the file", String::from_utf8_lossy(needle));
    }
    let tree = Tree::open(Box::new(MemoryFile::from_bytes(bytes)), sealed_config(Durability::Sync)).unwrap();
    assert!(tree.stats().replayed_batches > 0);
    assert_matches(&tree, &oracle, KEYS, "reopened");
    assert!(tree.verify().unwrap().is_clean());
}

#[test]
fn the_wrong_or_a_missing_passphrase_is_refused_and_the_file_is_unchanged() {
    let (file, _) = filled(sealed_config(Durability::Sync));
    let before = file.to_vec();
    let wrong = DatabaseConfig { passphrase: Some("crash test passphrasE".into()), ..sealed_config(Durability::Sync) };
    let err = Tree::open(Box::new(file.clone()), wrong).err().expect("the wrong passphrase opened the database");
    assert!(matches!(err, StorageError::WrongPassphrase), "{err}");
    assert_eq!(err.to_string(), "wrong passphrase for this encrypted database");
    let err = Tree::open(Box::new(file.clone()), small_config(Durability::Sync)).err().expect("opened without passphrase");
    assert!(matches!(err, StorageError::PassphraseRequired), "{err}");
    assert_eq!(err.to_string(), "the database is encrypted: a passphrase is required");
    assert_eq!(file.to_vec(), before, "a refused open changed the file");
}

#[test]
fn a_passphrase_for_a_plain_database_is_refused() {
    let (file, oracle) = filled(small_config(Durability::Sync));
    let before = file.to_vec();
    let err = Tree::open(Box::new(file.clone()), sealed_config(Durability::Sync)).err().expect("opened");
    assert!(matches!(err, StorageError::NotEncrypted), "{err}");
    assert_eq!(file.to_vec(), before);
    let tree = Tree::open(Box::new(file), small_config(Durability::Sync)).unwrap();
    assert_matches(&tree, &oracle, KEYS, "plain");
}

#[test]
fn compression_shrinks_the_file_and_either_setting_reads_both() {
    let plain = DatabaseConfig { compression: false, ..small_config(Durability::None) };
    let (raw_file, oracle) = filled(plain.clone());
    let (zstd_file, _) = filled(small_config(Durability::None));
    let (raw, zstd) = (raw_file.to_vec().len(), zstd_file.to_vec().len());
    assert!(zstd * 10 < raw * 7, "compressed file {zstd} bytes, raw {raw} bytes");
    // The kind byte of each block says how it is stored: a reader with the
    // other setting reads it, and keeps writing its own way.
    for (file, config) in [(zstd_file, plain), (raw_file, small_config(Durability::None))] {
        let mut tree = Tree::open(Box::new(file), config).unwrap();
        assert_matches(&tree, &oracle, KEYS, "other compression setting");
        tree.compact().unwrap();
        assert_matches(&tree, &oracle, KEYS, "after compaction with the other setting");
    }
}

#[test]
fn an_empty_passphrase_is_refused_at_creation() {
    let config = DatabaseConfig { passphrase: Some(String::new()), ..sealed_config(Durability::Sync) };
    let file = MemoryFile::new();
    assert!(Tree::open(Box::new(file.clone()), config).is_err());
}
