//! SQLite (bundled with rusqlite, the version Dynoxide pins), WAL journal,
//! a `(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID` table, a page cache of
//! [`CACHE_BYTES`]. Relaxed commits run with `synchronous=NORMAL` (in WAL
//! mode: no sync per commit, a sync at each checkpoint), durable ones with
//! `synchronous=FULL` (the WAL is synced at every commit). Reads share one
//! read transaction per phase.

use super::{err, Kv, Mode, Res, Store, CACHE_BYTES};
use rusqlite::{params, Connection};
use std::path::Path;
use std::time::Duration;

pub struct Sqlite {
    conn: Connection,
    in_read: bool,
}

fn connect(dir: &Path, mode: Mode) -> Res<Connection> {
    let conn = Connection::open(dir.join("db.sqlite")).map_err(err)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
    let sync = match mode {
        Mode::Relaxed => "NORMAL",
        Mode::Durable => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA cache_size=-{};
         CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID;",
        CACHE_BYTES / 1024
    ))
    .map_err(err)?;
    Ok(conn)
}

fn commit(conn: &Connection, entries: &[Kv]) -> Res<()> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    {
        let mut insert = conn.prepare_cached("INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)").map_err(err)?;
        for (k, v) in entries {
            insert.execute(params![k, v]).map_err(err)?;
        }
    }
    conn.execute_batch("COMMIT").map_err(err)
}

impl Sqlite {
    fn begin_read(&mut self) -> Res<()> {
        if !self.in_read {
            self.conn.execute_batch("BEGIN").map_err(err)?;
            self.in_read = true;
        }
        Ok(())
    }
    fn end_read(&mut self) -> Res<()> {
        if self.in_read {
            self.conn.execute_batch("COMMIT").map_err(err)?;
            self.in_read = false;
        }
        Ok(())
    }
}

impl Store for Sqlite {
    fn open(dir: &Path, mode: Mode) -> Res<Self> {
        Ok(Sqlite { conn: connect(dir, mode)?, in_read: false })
    }

    fn write(&mut self, batch: Vec<Kv>) -> Res<()> {
        self.end_read()?;
        commit(&self.conn, &batch)
    }

    fn get_with(&mut self, key: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<bool> {
        self.begin_read()?;
        let mut select = self.conn.prepare_cached("SELECT v FROM kv WHERE k = ?1").map_err(err)?;
        let mut rows = select.query(params![key]).map_err(err)?;
        match rows.next().map_err(err)? {
            Some(row) => visit(row.get_ref(0).map_err(err)?.as_blob().map_err(err)?).map(|_| true),
            None => Ok(false),
        }
    }

    fn scan(&mut self, reverse: bool) -> Res<(u64, u64)> {
        self.begin_read()?;
        let sql = if reverse { "SELECT k, v FROM kv ORDER BY k DESC" } else { "SELECT k, v FROM kv ORDER BY k" };
        let mut select = self.conn.prepare_cached(sql).map_err(err)?;
        let mut rows = select.query([]).map_err(err)?;
        let (mut count, mut bytes) = (0u64, 0u64);
        while let Some(row) = rows.next().map_err(err)? {
            count += 1;
            bytes += row.get_ref(1).map_err(err)?.as_blob().map_err(err)?.len() as u64;
        }
        Ok((count, bytes))
    }

    fn scan_prefix(&mut self, prefix: &[u8], visit: &mut dyn FnMut(&[u8]) -> Res<()>) -> Res<u64> {
        self.begin_read()?;
        let end = super::prefix_end(prefix);
        let mut count = 0;
        let mut each = |rows: &mut rusqlite::Rows| -> Res<()> {
            while let Some(row) = rows.next().map_err(err)? {
                visit(row.get_ref(0).map_err(err)?.as_blob().map_err(err)?)?;
                count += 1;
            }
            Ok(())
        };
        match end {
            Some(end) => {
                let mut select =
                    self.conn.prepare_cached("SELECT v FROM kv WHERE k >= ?1 AND k < ?2 ORDER BY k").map_err(err)?;
                each(&mut select.query(params![prefix, end]).map_err(err)?)?;
            }
            None => {
                let mut select = self.conn.prepare_cached("SELECT v FROM kv WHERE k >= ?1 ORDER BY k").map_err(err)?;
                each(&mut select.query(params![prefix]).map_err(err)?)?;
            }
        }
        Ok(count)
    }

    fn close(mut self) -> Res<()> {
        self.end_read()?;
        self.conn.close().map_err(|(_, e)| err(e))
    }

    fn settings(mode: Mode) -> String {
        match mode {
            Mode::Relaxed => "WAL synchronous=NORMAL".into(),
            Mode::Durable => "WAL synchronous=FULL".into(),
        }
    }

    fn concurrent_durable(dir: &Path, writers: u64, commits: u64, make: &(dyn Fn(u64) -> Kv + Sync)) -> Res<()> {
        drop(connect(dir, Mode::Durable)?);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..writers)
                .map(|w| {
                    scope.spawn(move || -> Res<()> {
                        let conn = connect(dir, Mode::Durable)?;
                        for c in 0..commits {
                            commit(&conn, &[make(w * commits + c)])?;
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
