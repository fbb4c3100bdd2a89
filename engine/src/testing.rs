//! Helpers shared by the engine's tests: the unit tests in `src/` and the
//! public-API tests in `engine/tests/`. They live in the library (hidden from
//! the docs) so both kinds of test reach the same code.
//!
//! Why they exist: every engine test must also pass under wasmtime
//! (`cargo test -p kstone-engine --target wasm32-wasip1`), and there
//! `std::env::temp_dir()` and `std::process::id()` panic ("no filesystem on
//! wasm", "unsupported"). The WASI runner (`scripts/wasi-run.sh`) mounts a
//! fresh host directory as `/tmp` and sets `TMPDIR=/tmp`, so the scratch
//! directory is `$TMPDIR` when set and the platform's temp dir otherwise.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The directory tests may create files in.
pub fn temp_dir() -> PathBuf {
    match std::env::var_os("TMPDIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => fallback_temp_dir(),
    }
}

#[cfg(not(target_os = "wasi"))]
fn fallback_temp_dir() -> PathBuf {
    std::env::temp_dir()
}

#[cfg(target_os = "wasi")]
fn fallback_temp_dir() -> PathBuf {
    PathBuf::from("/tmp")
}

/// A path in [`temp_dir`] that no other test (in this or a concurrent test
/// process) uses, ending in `name`; any file left there earlier is removed.
pub fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let serial = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = temp_dir().join(format!("kstone-test-{}-{serial}-{name}", process_tag()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Tells concurrent test processes apart: the pid natively; under WASI, which
/// has no pids, the start time (each WASI run also gets its own `/tmp`).
#[cfg(not(target_os = "wasi"))]
fn process_tag() -> String {
    std::process::id().to_string()
}

#[cfg(target_os = "wasi")]
fn process_tag() -> String {
    use std::sync::OnceLock;
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("w{nanos:x}")
    })
    .clone()
}

/// The raw tree value at `key` (tests that rewrite stored records, e.g. to
/// reproduce what an older version left in a file).
pub fn get_raw(db: &crate::Database, key: &[u8]) -> Option<Vec<u8>> {
    db.tree_read().get(key).ok().flatten()
}

/// Every tree key in `[start, end)`.
pub fn keys_in(db: &crate::Database, (start, end): (Vec<u8>, Vec<u8>)) -> Vec<Vec<u8>> {
    use std::ops::Bound;
    let tree = db.tree_read();
    tree.range(Bound::Included(&start), Bound::Excluded(&end), false).filter_map(|e| e.ok().map(|(k, _)| k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_paths_are_distinct_and_writable() {
        let a = temp_path("same");
        let b = temp_path("same");
        assert_ne!(a, b);
        std::fs::write(&a, b"x").unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"x");
        std::fs::remove_file(&a).unwrap();
    }
}

