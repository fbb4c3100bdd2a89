//! Golden files: databases written by format version 1, committed to the
//! repository. Every later build must open them and read the same data, or
//! refuse them with `UnsupportedFormatVersion`. `v1_small.keystone` holds
//! SSTs on two levels, deletes and an unflushed WAL tail;
//! `v1_small_corrupt.keystone` is the same file with one data block damaged.
//! `v1_sealed.keystone` holds the same content written with zstd compression
//! and encryption (passphrase [`SEALED_PASSPHRASE`], cheap Argon2id costs
//! stored in its header).
//!
//! Regenerate (only when adding a new format version's files) with
//! `KSTONE_WRITE_GOLDEN=1 cargo test -p kstone-engine --test storage_golden`;
//! `KSTONE_WRITE_GOLDEN=sealed` writes only the encrypted file.

use kstone_engine::io::MemoryFile;
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability, KdfCost, StorageError};
use std::ops::Bound;
use std::path::PathBuf;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

fn config() -> DatabaseConfig {
    DatabaseConfig { memtable_bytes: 16 << 10, durability: Durability::Sync, compression: false, ..DatabaseConfig::default() }
}

const SEALED_PASSPHRASE: &str = "golden passphrase";

fn sealed_config() -> DatabaseConfig {
    DatabaseConfig {
        compression: true,
        passphrase: Some(SEALED_PASSPHRASE.into()),
        kdf_cost: KdfCost::CHEAP,
        ..config()
    }
}

/// The content of the golden database: key i -> value, every 7th deleted.
fn expected(i: u32) -> Option<Vec<u8>> {
    (i % 7 != 3).then(|| format!("golden value {i} {}", "x".repeat((i % 50) as usize)).into_bytes())
}

const KEYS: u32 = 1200;

// Embedded at compile time, so the test also runs under wasmtime without a
// preopened directory.
const V1_SMALL: &[u8] = include_bytes!("../golden/v1_small.keystone");
const V1_SMALL_CORRUPT: &[u8] = include_bytes!("../golden/v1_small_corrupt.keystone");
const V1_SEALED: &[u8] = include_bytes!("../golden/v1_sealed.keystone");

fn write_golden(config: DatabaseConfig) -> Vec<u8> {
    let file = MemoryFile::new();
    let mut tree = Tree::open(Box::new(file.clone()), config).unwrap();
    for chunk in 0..KEYS / 20 {
        let mut b = WriteBatch::new();
        for i in chunk * 20..chunk * 20 + 20 {
            b.put(format!("golden-{i:05}").into_bytes(), format!("golden value {i} {}", "x".repeat((i % 50) as usize)).into_bytes());
        }
        tree.write(b).unwrap();
    }
    tree.compact().unwrap();
    let mut b = WriteBatch::new();
    for i in (3..KEYS).step_by(7) {
        b.delete(format!("golden-{i:05}").into_bytes());
    }
    tree.write(b).unwrap();
    // Dropped without close: the deletes stay in the WAL tail.
    drop(tree);
    file.to_vec()
}

fn check_content(tree: &Tree) {
    for i in 0..KEYS {
        assert_eq!(tree.get(format!("golden-{i:05}").as_bytes()).unwrap(), expected(i), "key {i}");
    }
    let n = tree.range(Bound::Unbounded, Bound::Unbounded, true).map(|r| r.unwrap()).count();
    assert_eq!(n as u32, (0..KEYS).filter(|&i| expected(i).is_some()).count() as u32);
}

#[test]
fn version_1_files_open_with_their_data() {
    if std::env::var("KSTONE_WRITE_GOLDEN").is_ok_and(|v| v == "1") {
        let bytes = write_golden(config());
        std::fs::write(golden("v1_small.keystone"), &bytes).unwrap();
        // Damage one byte of a live SST data block: the first position, in
        // steps through the file, whose damage verify() reports.
        let mut corrupt = bytes.clone();
        for at in (12288..bytes.len()).step_by(1000) {
            let mut c = bytes.clone();
            c[at] ^= 0x5a;
            if let Ok(t) = Tree::open(Box::new(MemoryFile::from_bytes(c.clone())), config()) {
                let noticed = (0..KEYS).any(|i| t.get(format!("golden-{i:05}").as_bytes()).is_err());
                if noticed && !t.verify().unwrap().is_clean() {
                    corrupt = c;
                    break;
                }
            }
        }
        std::fs::write(golden("v1_small_corrupt.keystone"), &corrupt).unwrap();
    }
    let bytes = V1_SMALL.to_vec();
    let tree = Tree::open(Box::new(MemoryFile::from_bytes(bytes)), config()).unwrap();
    assert!(tree.stats().replayed_batches > 0, "the golden file keeps a WAL tail");
    check_content(&tree);
    assert!(tree.verify().unwrap().is_clean());
}

#[test]
fn the_corrupt_golden_file_reports_damage_and_never_wrong_data() {
    let bytes = V1_SMALL_CORRUPT.to_vec();
    let tree = Tree::open(Box::new(MemoryFile::from_bytes(bytes)), config()).unwrap();
    let report = tree.verify().unwrap();
    assert!(!report.is_clean());
    let mut errors = 0;
    for i in 0..KEYS {
        match tree.get(format!("golden-{i:05}").as_bytes()) {
            Ok(v) => assert_eq!(v, expected(i)),
            Err(StorageError::ChecksumMismatch { .. } | StorageError::Corrupted { .. }) => errors += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(errors > 0);
}

#[test]
fn the_encrypted_compressed_file_opens_with_its_passphrase_only() {
    if std::env::var("KSTONE_WRITE_GOLDEN").is_ok_and(|v| v == "1" || v == "sealed") {
        std::fs::write(golden("v1_sealed.keystone"), write_golden(sealed_config())).unwrap();
    }
    let open = |config: DatabaseConfig| Tree::open(Box::new(MemoryFile::from_bytes(V1_SEALED.to_vec())), config);
    let tree = open(sealed_config()).unwrap();
    assert!(tree.stats().replayed_batches > 0, "the golden file keeps a WAL tail");
    check_content(&tree);
    assert!(tree.verify().unwrap().is_clean());
    // Opening with compression off changes nothing for reading.
    check_content(&open(DatabaseConfig { compression: false, ..sealed_config() }).unwrap());
    let wrong = DatabaseConfig { passphrase: Some("golden passphrasE".into()), ..sealed_config() };
    assert!(matches!(open(wrong).err(), Some(StorageError::WrongPassphrase)));
    assert!(matches!(open(config()).err(), Some(StorageError::PassphraseRequired)));
    // Neither keys nor values appear in the file.
    for needle in [&b"golden-00"[..], b"golden value"] {
        assert!(!V1_SEALED.windows(needle.len()).any(|w| w == needle), "plaintext in the encrypted file");
    }
    // Compressed: smaller than the same content stored raw.
    assert!(V1_SEALED.len() < V1_SMALL.len(), "{} vs {}", V1_SEALED.len(), V1_SMALL.len());
}

#[test]
fn a_future_format_version_is_refused() {
    let mut bytes = V1_SMALL.to_vec();
    bytes[8] = 2;
    match Tree::open(Box::new(MemoryFile::from_bytes(bytes)), config()) {
        Err(StorageError::UnsupportedFormatVersion { found: 2, supported: 1 }) => {}
        other => panic!("expected UnsupportedFormatVersion, got {:?}", other.err()),
    }
}
