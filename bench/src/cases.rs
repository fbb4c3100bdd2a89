//! The child side of the raw key-value cases: one group of cases, one store,
//! one fresh directory, results printed as `RESULT <metric> <value>` lines
//! for the parent to collect (see `report.rs`).
//!
//! Groups share a data set where building it again would cost more than the
//! case itself: `main` loads the random data set once and then measures the
//! reopen, the point gets, the scans and the space after two overwrites on it.

use crate::stores::{disk_bytes, Kv, Mode, Res, Store};
use crate::workload::{self, Sizes, BIG_VALUE_LEN, KEY_LEN, VALUE_LEN};
use std::path::Path;
use std::time::Instant;

/// Print one measured figure.
pub fn result(metric: &str, value: f64) {
    println!("RESULT {metric} {value}");
}

fn rate(count: u64, started: Instant) -> f64 {
    count as f64 / started.elapsed().as_secs_f64()
}

fn kv(key: [u8; KEY_LEN], value: [u8; VALUE_LEN]) -> Kv {
    (key.to_vec(), value.to_vec())
}

/// Write `0..n` in commits of `batch`, entry `i` made by `make`.
fn load<S: Store>(store: &mut S, n: u64, batch: u64, make: &dyn Fn(u64) -> Kv) -> Res<()> {
    let mut i = 0;
    while i < n {
        let end = (i + batch).min(n);
        store.write((i..end).map(make).collect())?;
        i = end;
    }
    Ok(())
}

/// Median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f()?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(times[times.len() / 2])
}

/// Open `dir` and read one key: a reopen only counts once the store answers.
fn reopen_and_get<S: Store>(dir: &Path, key: &[u8]) -> Res<()> {
    let mut store = S::open(dir, Mode::Relaxed)?;
    if store.get(key)?.is_none() {
        return Err("a key written before the reopen is missing".into());
    }
    store.close()
}

pub fn run_group<S: Store>(group: &str, dir: &Path, sizes: &Sizes) -> Res<()> {
    match group {
        "main" => main_group::<S>(dir, sizes),
        "seq" => {
            let mut store = S::open(dir, Mode::Relaxed)?;
            let started = Instant::now();
            load(&mut store, sizes.n, sizes.batch, &|i| kv(workload::seq_key(i), workload::value(i, 0)))?;
            result("put_seq_batch", rate(sizes.n, started));
            store.close()
        }
        "single" => {
            let mut store = S::open(dir, Mode::Relaxed)?;
            let started = Instant::now();
            load(&mut store, sizes.single_n, 1, &|i| kv(workload::rand_key(i), workload::value(i, 0)))?;
            result("put_rand_single", rate(sizes.single_n, started));
            store.close()
        }
        "durable" => {
            let mut store = S::open(dir, Mode::Durable)?;
            let started = Instant::now();
            load(&mut store, sizes.sync_n, 1, &|i| kv(workload::rand_key(i), workload::value(i, 0)))?;
            result("put_durable", rate(sizes.sync_n, started));
            store.close()
        }
        "durable8" => {
            let per_writer = (sizes.sync_n / sizes.writers).max(1);
            let started = Instant::now();
            S::concurrent_durable(dir, sizes.writers, per_writer, &|i| kv(workload::rand_key(i), workload::value(i, 0)))?;
            result("put_durable_concurrent", rate(per_writer * sizes.writers, started));
            Ok(())
        }
        "big" => {
            let entries = sizes.big_entries();
            let mut store = S::open(dir, Mode::Relaxed)?;
            let make = |i: u64| {
                let mut value = vec![0u8; BIG_VALUE_LEN];
                workload::fill_value(i, 0, &mut value);
                (workload::seq_key(i).to_vec(), value)
            };
            let started = Instant::now();
            load(&mut store, entries, 250, &make)?;
            result("big_load_mb", disk_bytes(dir) as f64 / 1e6);
            result("big_load_s", started.elapsed().as_secs_f64());
            store.close()?;
            let probe = workload::seq_key(entries / 2);
            result("reopen_big", median_ms(5, || reopen_and_get::<S>(dir, &probe))?);
            Ok(())
        }
        other => Err(format!("unknown case group {other:?}")),
    }
}

/// Random load, reopen, hits, misses, scans both ways, then two overwrites
/// of every key and the space they leave, measured once the store has run
/// its idle housekeeping ([`Store::settle`]) and closed.
fn main_group<S: Store>(dir: &Path, sizes: &Sizes) -> Res<()> {
    let n = sizes.n;
    let mut store = S::open(dir, Mode::Relaxed)?;
    let started = Instant::now();
    load(&mut store, n, sizes.batch, &|i| kv(workload::rand_key(i), workload::value(i, 0)))?;
    result("put_rand_batch", rate(n, started));
    store.close()?;

    let probe = workload::rand_key(n / 2);
    result("reopen_n", median_ms(5, || reopen_and_get::<S>(dir, &probe))?);

    let mut store = S::open(dir, Mode::Relaxed)?;
    let started = Instant::now();
    for r in 0..sizes.gets {
        let key = workload::rand_key(workload::probe(r, n));
        if store.get(&key)? != Some(VALUE_LEN) {
            return Err(format!("get {r}: a written key is missing or has the wrong length"));
        }
    }
    result("get_rand", rate(sizes.gets, started));

    let started = Instant::now();
    for r in 0..sizes.gets {
        let key = workload::rand_key(n + workload::probe(r, n));
        if store.get(&key)?.is_some() {
            return Err(format!("missing get {r}: found a key never written"));
        }
    }
    result("get_missing", rate(sizes.gets, started));

    for (metric, reverse) in [("scan", false), ("scan_rev", true)] {
        let started = Instant::now();
        let (count, bytes) = store.scan(reverse)?;
        if count != n || bytes != n * VALUE_LEN as u64 {
            return Err(format!("{metric}: saw {count} entries of {bytes} bytes, expected {n}"));
        }
        result(metric, rate(n, started));
    }

    for version in 1..=2 {
        let mut pending = Vec::with_capacity(sizes.batch as usize);
        let mut failed = None;
        workload::for_each_rand_index_in_key_order(n, |j| {
            if failed.is_some() {
                return;
            }
            pending.push(kv(workload::rand_key(j), workload::value(j, version)));
            if pending.len() as u64 == sizes.batch {
                failed = store.write(std::mem::take(&mut pending)).err();
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if !pending.is_empty() {
            store.write(pending)?;
        }
    }
    store.settle()?;
    store.close()?;
    let logical = n * (KEY_LEN + VALUE_LEN) as u64;
    result("space_after_overwrites", disk_bytes(dir) as f64 / logical as f64);
    Ok(())
}

/// The floor under every durable commit: append 116 bytes to a plain file
/// and `fdatasync` it, `n` times.
pub fn raw_fsync(dir: &Path, n: u64) -> Res<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("raw.log"))
        .map_err(|e| e.to_string())?;
    let record = [0x5Au8; KEY_LEN + VALUE_LEN];
    let started = Instant::now();
    for _ in 0..n {
        file.write_all(&record).map_err(|e| e.to_string())?;
        file.sync_data().map_err(|e| e.to_string())?;
    }
    result("put_durable", rate(n, started));
    Ok(())
}
