//! `stats`, `health`, `compact` and `verify`: the storage engine's own view
//! of the file, reported through the `Database` methods for it (these are not
//! DynamoDB operations, so they do not go through `execute`).

use crate::session::{CliError, CliResult, Session};
use kstone_engine::lsm::HealthStatus;
use std::fmt::Write;

pub fn stats(session: &Session) -> CliResult<String> {
    let s = session.db.stats();
    let mut out = String::new();
    let rows: Vec<(&str, String)> = vec![
        ("seqno", s.seqno.to_string()),
        ("keys (estimate)", s.keys_estimate.to_string()),
        ("memtable entries", s.memtable_entries.to_string()),
        ("memtable bytes", s.memtable_bytes.to_string()),
        ("sst bytes", s.sst_bytes.to_string()),
        ("sst raw bytes", s.sst_raw_bytes.to_string()),
        ("ssts per level", format!("{:?}", s.ssts_per_level)),
        ("bytes per level", format!("{:?}", s.bytes_per_level)),
        ("wal bytes", s.wal_bytes.to_string()),
        ("file bytes", s.file_bytes.to_string()),
        ("free bytes", s.free_bytes.to_string()),
        ("flushes", s.flushes.to_string()),
        ("compactions", s.compactions_run.to_string()),
        ("bytes reclaimed", s.bytes_reclaimed.to_string()),
        ("cache hits", s.cache_hits.to_string()),
        ("cache misses", s.cache_misses.to_string()),
        ("cache hit rate", format!("{:.3}", s.cache_hit_rate)),
        ("replayed batches", s.replayed_batches.to_string()),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<18} {value}");
    }
    Ok(out)
}

/// Prints the status and its reasons; an unhealthy database is an error.
pub fn health(session: &Session) -> CliResult<String> {
    let h = session.db.health();
    let status = match h.status {
        HealthStatus::Healthy => "healthy",
        HealthStatus::Degraded => "degraded",
        HealthStatus::Unhealthy => "unhealthy",
    };
    let mut out = format!("{status}\n");
    for reason in &h.reasons {
        let _ = writeln!(out, "  {reason}");
    }
    if h.status == HealthStatus::Unhealthy {
        print!("{out}");
        return Err(CliError::new(format!("{} is unhealthy", session.shown_path)));
    }
    Ok(out)
}

pub fn compact(session: &Session) -> CliResult<String> {
    let before = session.db.stats();
    session.db.compact().map_err(|e| session.engine_error(&e))?;
    let after = session.db.stats();
    Ok(format!(
        "Compacted {}: {} SST bytes before, {} after\n",
        session.shown_path, before.sst_bytes, after.sst_bytes
    ))
}

/// Checks every checksum; damage is listed on stdout and makes the exit code 1.
pub fn verify(session: &Session) -> CliResult<String> {
    let report = session.db.verify().map_err(|e| session.engine_error(&e))?;
    let mut out = format!(
        "checked {} SSTs, {} blocks, {} bytes\n",
        report.ssts_checked, report.blocks_checked, report.bytes_checked
    );
    if report.is_clean() {
        out.push_str("no damage found\n");
        return Ok(out);
    }
    for damage in &report.damage {
        let _ = writeln!(out, "damaged: {damage}");
    }
    print!("{out}");
    let n = report.damage.len();
    Err(CliError::new(format!("{}: {n} damaged structure{}", session.shown_path, if n == 1 { "" } else { "s" })))
}
