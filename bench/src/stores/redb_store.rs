//! redb 4 (a copy-on-write B-tree in one file), one table of byte keys and
//! values, a cache of [`CACHE_BYTES`]. Relaxed commits use
//! `Durability::None` (no sync; the close makes one durable commit), durable
//! ones `Durability::Immediate`. Reads share one read transaction per phase,
//! redb's fastest read path.

use super::{err, Kv, Mode, Res, Store, CACHE_BYTES};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("kv");

pub struct Redb {
    db: Database,
    mode: Mode,
    read: Option<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>,
}

fn open_db(dir: &Path) -> Res<Database> {
    let db = Database::builder().set_cache_size(CACHE_BYTES).create(dir.join("db.redb")).map_err(err)?;
    // Create the table once so readers of an empty store find it.
    let txn = db.begin_write().map_err(err)?;
    txn.open_table(TABLE).map_err(err)?;
    txn.commit().map_err(err)?;
    Ok(db)
}

fn commit(db: &Database, durability: Durability, entries: &[Kv]) -> Res<()> {
    let mut txn = db.begin_write().map_err(err)?;
    txn.set_durability(durability).map_err(err)?;
    {
        let mut table = txn.open_table(TABLE).map_err(err)?;
        for (k, v) in entries {
            table.insert(k.as_slice(), v.as_slice()).map_err(err)?;
        }
    }
    txn.commit().map_err(err)
}

fn durability(mode: Mode) -> Durability {
    match mode {
        Mode::Relaxed => Durability::None,
        Mode::Durable => Durability::Immediate,
    }
}

impl Redb {
    fn reader(&mut self) -> Res<&redb::ReadOnlyTable<&'static [u8], &'static [u8]>> {
        if self.read.is_none() {
            let txn = self.db.begin_read().map_err(err)?;
            self.read = Some(txn.open_table(TABLE).map_err(err)?);
        }
        // Set just above when it was empty.
        Ok(self.read.as_ref().expect("reader opened above"))
    }
}

impl Store for Redb {
    fn open(dir: &Path, mode: Mode) -> Res<Self> {
        Ok(Redb { db: open_db(dir)?, mode, read: None })
    }

    fn write(&mut self, batch: Vec<Kv>) -> Res<()> {
        // A write ends the read phase: later reads must see it.
        self.read = None;
        commit(&self.db, durability(self.mode), &batch)
    }

    fn get_with(&mut self, key: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<bool> {
        let table = self.reader()?;
        match table.get(key).map_err(err)? {
            Some(v) => visit(v.value()).map(|_| true),
            None => Ok(false),
        }
    }

    fn scan(&mut self, reverse: bool) -> Res<(u64, u64)> {
        let table = self.reader()?;
        let (mut count, mut bytes) = (0u64, 0u64);
        let iter = table.iter().map_err(err)?;
        let mut visit = |entry: Result<(redb::AccessGuard<&[u8]>, redb::AccessGuard<&[u8]>), redb::StorageError>| -> Res<()> {
            let (_, v) = entry.map_err(err)?;
            count += 1;
            bytes += v.value().len() as u64;
            Ok(())
        };
        if reverse {
            for entry in iter.rev() {
                visit(entry)?;
            }
        } else {
            for entry in iter {
                visit(entry)?;
            }
        }
        Ok((count, bytes))
    }

    fn scan_prefix(&mut self, prefix: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<u64> {
        let end = super::prefix_end(prefix);
        let table = self.reader()?;
        let iter = match &end {
            Some(e) => table.range::<&[u8]>(prefix..e.as_slice()),
            None => table.range::<&[u8]>(prefix..),
        }
        .map_err(err)?;
        let mut count = 0;
        for entry in iter {
            let (_, v) = entry.map_err(err)?;
            visit(v.value())?;
            count += 1;
        }
        Ok(count)
    }

    fn close(mut self) -> Res<()> {
        self.read = None;
        // Relaxed commits are not durable until a durable one follows.
        commit(&self.db, Durability::Immediate, &[])?;
        drop(self.db);
        Ok(())
    }

    fn settings(mode: Mode) -> String {
        match mode {
            Mode::Relaxed => "Durability::None".into(),
            Mode::Durable => "Durability::Immediate".into(),
        }
    }

    fn concurrent_durable(dir: &Path, writers: u64, commits: u64, make: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()> {
        let db = open_db(dir)?;
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    let db = &db;
                    scope.spawn(move || -> Res<()> {
                        for c in 0..commits {
                            commit(db, Durability::Immediate, &[make(w * commits + c)])?;
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
