//! KeystoneDB's storage engine through its front door, [`Tree`]: one file,
//! a block cache of [`CACHE_BYTES`], and the engine's own durability modes.
//!
//! Group commit with several writers: each writer takes the tree's mutex
//! only to apply and log its batch (`Tree::commit`), then waits for the sync
//! outside it (`PendingCommit::wait`), so writers that queue up share one
//! sync. `close` flushes the memtable, so a reopened tree reads from SSTs.

use super::{err, Kv, Mode, Res, Store, CACHE_BYTES};
use kstone_engine::io::{OpenOptions, StdFile};
use kstone_engine::lsm::{Tree, WriteBatch};
use kstone_engine::{DatabaseConfig, Durability};
use std::ops::Bound;
use std::path::{Path, PathBuf};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Mutex;

pub struct Kstone {
    tree: Tree,
}

pub const FILE_NAME: &str = "db.kstone";

fn config(mode: Mode) -> DatabaseConfig {
    let mut config = DatabaseConfig::default();
    config.block_cache_bytes = CACHE_BYTES;
    config.durability = match mode {
        Mode::Relaxed => DatabaseConfig::default().durability,
        Mode::Durable => Durability::Sync,
    };
    config
}

fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

fn open_tree(dir: &Path, mode: Mode) -> Res<Tree> {
    let file = StdFile::open(path_in(dir), OpenOptions::CREATE).map_err(err)?;
    Tree::open(Box::new(file), config(mode)).map_err(err)
}

fn batch_of(entries: Vec<Kv>) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for (k, v) in entries {
        batch.put(k, v);
    }
    batch
}

/// Whether the engine on this build keeps what it was given across a close
/// and reopen. Cases that read a reopened database are only meaningful (and
/// only reported) when it does.
pub fn persists(dir: &Path) -> Res<bool> {
    std::fs::create_dir_all(dir).map_err(err)?;
    {
        let mut store = Kstone::open(dir, Mode::Durable)?;
        store.write(vec![(b"probe".to_vec(), b"value".to_vec())])?;
        store.close()?;
    }
    let mut store = Kstone::open(dir, Mode::Durable)?;
    let found = store.get(b"probe")?.is_some();
    store.close()?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(found)
}

impl Store for Kstone {
    fn open(dir: &Path, mode: Mode) -> Res<Self> {
        Ok(Kstone { tree: open_tree(dir, mode)? })
    }

    fn write(&mut self, batch: Vec<Kv>) -> Res<()> {
        self.tree.write(batch_of(batch)).map(|_| ()).map_err(err)
    }

    fn get_with(&mut self, key: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<bool> {
        match self.tree.get_with(key, visit).map_err(err)? {
            Some(visited) => visited.map(|_| true),
            None => Ok(false),
        }
    }

    fn scan(&mut self, reverse: bool) -> Res<(u64, u64)> {
        let (mut count, mut bytes) = (0u64, 0u64);
        let mut cursor = self.tree.cursor(Bound::Unbounded, Bound::Unbounded, reverse);
        while let Some((_, v)) = cursor.next_entry().map_err(err)? {
            count += 1;
            bytes += v.len() as u64;
        }
        Ok((count, bytes))
    }

    fn scan_prefix(&mut self, prefix: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<u64> {
        let end = super::prefix_end(prefix);
        let upper = match &end {
            Some(e) => Bound::Excluded(e.as_slice()),
            None => Bound::Unbounded,
        };
        let mut count = 0;
        let mut cursor = self.tree.cursor(Bound::Included(prefix), upper, false);
        while let Some((_, v)) = cursor.next_entry().map_err(err)? {
            visit(v)?;
            count += 1;
        }
        Ok(count)
    }

    /// `maintain()` until it has nothing left: due compactions, the idle
    /// merge into the bottom level and moving tail SSTs into holes.
    fn settle(&mut self) -> Res<()> {
        self.tree.flush().map_err(err)?;
        while self.tree.maintain().map_err(err)? {}
        Ok(())
    }

    fn close(mut self) -> Res<()> {
        // Flushes the memtable into an SST and syncs: a reopen replays nothing.
        self.tree.close().map_err(err)
    }

    fn settings(mode: Mode) -> String {
        match mode {
            Mode::Relaxed => format!("{:?}", DatabaseConfig::default().durability),
            Mode::Durable => "Sync".to_string(),
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn concurrent_durable(_: &Path, _: u64, _: u64, _: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()> {
        Err("WASI has no threads".into())
    }

    // The file handle is `Send + Sync` natively only (see `MaybeSendSync`).
    #[cfg(not(target_arch = "wasm32"))]
    fn concurrent_durable(dir: &Path, writers: u64, commits: u64, make: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()> {
        let tree = Mutex::new(open_tree(dir, Mode::Durable)?);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    let tree = &tree;
                    scope.spawn(move || -> Res<()> {
                        for c in 0..commits {
                            let batch = batch_of(vec![make(w * commits + c)]);
                            // A poisoned lock means another writer panicked: report it.
                            let pending = {
                                let mut guard = tree.lock().map_err(|_| "writer panicked".to_string())?;
                                guard.commit(batch).map_err(err)?
                            };
                            // Outside the lock, so writers waiting here share one sync.
                            pending.wait().map_err(err)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for h in handles {
                h.join().map_err(|_| "writer panicked".to_string())??;
            }
            Ok(())
        })
    }
}
