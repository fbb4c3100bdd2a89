//! fjall 3 (an LSM-tree store in a directory of files), one keyspace, a
//! block cache of [`CACHE_BYTES`], LZ4 as it ships. Relaxed commits write
//! the journal without a sync (fjall's default); durable ones persist each
//! commit with `fdatasync` (`PersistMode::SyncData`).

use super::{err, Kv, Mode, Res, Store, CACHE_BYTES};
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use std::path::Path;

pub struct Fjall {
    db: Database,
    keyspace: Keyspace,
    mode: Mode,
}

fn open_db(dir: &Path) -> Res<(Database, Keyspace)> {
    let db = Database::builder(dir.join("fjall")).cache_size(CACHE_BYTES as u64).open().map_err(err)?;
    let keyspace = db.keyspace("kv", KeyspaceCreateOptions::default).map_err(err)?;
    Ok((db, keyspace))
}

fn commit(db: &Database, keyspace: &Keyspace, mode: Mode, entries: Vec<Kv>) -> Res<()> {
    let mut batch = db.batch();
    if mode == Mode::Durable {
        batch = batch.durability(Some(PersistMode::SyncData));
    }
    for (k, v) in entries {
        batch.insert(keyspace, k, v);
    }
    batch.commit().map_err(err)
}

impl Store for Fjall {
    fn open(dir: &Path, mode: Mode) -> Res<Self> {
        let (db, keyspace) = open_db(dir)?;
        Ok(Fjall { db, keyspace, mode })
    }

    fn write(&mut self, batch: Vec<Kv>) -> Res<()> {
        commit(&self.db, &self.keyspace, self.mode, batch)
    }

    fn get_with(&mut self, key: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<bool> {
        match self.keyspace.get(key).map_err(err)? {
            Some(v) => visit(&v).map(|_| true),
            None => Ok(false),
        }
    }

    fn scan(&mut self, reverse: bool) -> Res<(u64, u64)> {
        let (mut count, mut bytes) = (0u64, 0u64);
        let mut visit = |guard: fjall::Guard| -> Res<()> {
            let (_, v) = guard.into_inner().map_err(err)?;
            count += 1;
            bytes += v.len() as u64;
            Ok(())
        };
        if reverse {
            for guard in self.keyspace.iter().rev() {
                visit(guard)?;
            }
        } else {
            for guard in self.keyspace.iter() {
                visit(guard)?;
            }
        }
        Ok((count, bytes))
    }

    fn scan_prefix(&mut self, prefix: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<u64> {
        let mut count = 0;
        for guard in self.keyspace.prefix(prefix) {
            let (_, v) = guard.into_inner().map_err(err)?;
            visit(&v)?;
            count += 1;
        }
        Ok(count)
    }

    fn close(self) -> Res<()> {
        self.db.persist(PersistMode::SyncAll).map_err(err)?;
        drop(self.keyspace);
        drop(self.db);
        Ok(())
    }

    fn settings(mode: Mode) -> String {
        match mode {
            Mode::Relaxed => "journal unsynced".into(),
            Mode::Durable => "SyncData per commit".into(),
        }
    }

    fn concurrent_durable(dir: &Path, writers: u64, commits: u64, make: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()> {
        let (db, keyspace) = open_db(dir)?;
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    let (db, keyspace) = (&db, &keyspace);
                    scope.spawn(move || -> Res<()> {
                        for c in 0..commits {
                            commit(db, keyspace, Mode::Durable, vec![make(w * commits + c)])?;
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
