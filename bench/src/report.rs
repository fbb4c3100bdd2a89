//! The parent process: runs every case group against every store, each in
//! a child process of its own, and prints the report.
//!
//! Output, one line each:
//!
//! ```text
//! BENCH <case> kstone=<x> fjall=<y> redb=<z> sqlite=<w> [kstone_raw=…] [dynoxide=…] [raw_fsync=…] best=<peer> ratio_best=<kstone/best> [ratio_raw=<kstone/kstone_raw>] unit=<unit> better=<higher|lower> mode=<relaxed|fsync>
//! MEM <group> kstone=<MB> … (peak resident memory of each store's child)
//! NOTE <store> <group>: <why a figure is n/a>
//! BENCH_WASI <case> native=<x> wasi=<y> slowdown=<how many times slower WASI is> unit=<unit>
//! ```
//!
//! `best` is the best peer (never KeystoneDB, its raw engine `kstone_raw`, or
//! the raw fsync floor);
//! `ratio_best` is KeystoneDB's figure divided by the best peer's, so above 1
//! is better than every peer for a rate and worse than the best peer for a
//! time or a size (`better=lower`). The item cases add `ratio_raw`:
//! KeystoneDB's item API divided by its own engine holding the same items as
//! JSON text (`kstone_raw`, the work the raw peers do), which is what the
//! API's parsing, validation and encoding cost.

use crate::stores::Mode;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Metric {
    name: &'static str,
    unit: &'static str,
    higher_better: bool,
}

const fn up(name: &'static str, unit: &'static str) -> Metric {
    Metric { name, unit, higher_better: true }
}
const fn down(name: &'static str, unit: &'static str) -> Metric {
    Metric { name, unit, higher_better: false }
}

struct Group {
    name: &'static str,
    mode: Mode,
    stores: &'static [&'static str],
    metrics: &'static [Metric],
    /// Runs under WASI too (the WASI build has no threads).
    wasi: bool,
}

const RAW: &[&str] = &["kstone", "fjall", "redb", "sqlite"];
/// `kstone_raw` is KeystoneDB's engine holding items as JSON text like the
/// raw peers: the baseline `ratio_raw` divides the item API by.
const ITEM_STORES: &[&str] = &["kstone", "kstone_raw", "dynoxide", "fjall", "redb", "sqlite"];

const GROUPS: &[Group] = &[
    Group { name: "seq", mode: Mode::Relaxed, stores: RAW, metrics: &[up("put_seq_batch", "puts/s")], wasi: true },
    Group {
        name: "main",
        mode: Mode::Relaxed,
        stores: RAW,
        metrics: &[
            up("put_rand_batch", "puts/s"),
            down("reopen_n", "ms"),
            up("get_rand", "gets/s"),
            up("get_missing", "gets/s"),
            up("scan", "entries/s"),
            up("scan_rev", "entries/s"),
            down("space_after_overwrites", "x_logical"),
        ],
        wasi: true,
    },
    Group { name: "single", mode: Mode::Relaxed, stores: RAW, metrics: &[up("put_rand_single", "commits/s")], wasi: true },
    Group {
        name: "durable",
        mode: Mode::Durable,
        stores: &["kstone", "fjall", "redb", "sqlite", "raw_fsync"],
        metrics: &[up("put_durable", "commits/s")],
        wasi: true,
    },
    Group {
        name: "durable8",
        mode: Mode::Durable,
        stores: RAW,
        metrics: &[up("put_durable_concurrent", "commits/s")],
        wasi: false,
    },
    Group {
        name: "big",
        mode: Mode::Relaxed,
        stores: RAW,
        metrics: &[down("reopen_big", "ms"), down("big_load_mb", "MB")],
        wasi: true,
    },
    Group {
        name: "items",
        mode: Mode::Relaxed,
        stores: ITEM_STORES,
        metrics: &[up("put_item", "items/s"), up("get_item", "items/s"), up("query_item", "queries/s(10_items)")],
        wasi: true,
    },
];

/// What one child reported.
#[derive(Default)]
struct Outcome {
    metrics: BTreeMap<String, f64>,
    peak_rss_kb: Option<i64>,
    error: Option<String>,
}

struct Options {
    groups: Option<Vec<String>>,
    stores: Option<Vec<String>>,
    wasi: Option<(PathBuf, PathBuf)>,
    root: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        groups: None,
        stores: None,
        wasi: None,
        root: std::env::var_os("KSTONE_BENCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("kstone-bench-{}", std::process::id()))),
    };
    let mut wasm = None;
    let mut wasmtime = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--groups" => options.groups = Some(value()?.split(',').map(String::from).collect()),
            "--stores" => options.stores = Some(value()?.split(',').map(String::from).collect()),
            "--wasi" => wasm = Some(PathBuf::from(value()?)),
            "--wasmtime" => wasmtime = Some(PathBuf::from(value()?)),
            "--dir" => options.root = PathBuf::from(value()?),
            "--help" | "-h" => {
                return Err("usage: kstone-bench [--groups seq,main,single,durable,durable8,big,items] \
                     [--stores kstone,kstone_raw,fjall,redb,sqlite,dynoxide,raw_fsync] [--dir DIR] \
                     [--wasi MODULE.wasm --wasmtime PATH]"
                    .into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if let Some(wasm) = wasm {
        options.wasi = Some((wasm, wasmtime.unwrap_or_else(|| PathBuf::from("wasmtime"))));
    }
    Ok(options)
}

/// Run `command`, collect its `RESULT` lines and its peak memory.
fn run_child(mut command: Command, stderr_path: &Path) -> Outcome {
    let mut outcome = Outcome::default();
    let stderr = match std::fs::File::create(stderr_path) {
        Ok(f) => f,
        Err(e) => {
            outcome.error = Some(format!("cannot create {}: {e}", stderr_path.display()));
            return outcome;
        }
    };
    let mut child = match command.stdout(Stdio::piped()).stderr(stderr).stdin(Stdio::null()).spawn() {
        Ok(c) => c,
        Err(e) => {
            outcome.error = Some(format!("cannot start {:?}: {e}", command.get_program()));
            return outcome;
        }
    };
    let mut text = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut text);
    }
    let (status, rss) = wait_with_rusage(child.id());
    outcome.peak_rss_kb = rss;
    for line in text.lines() {
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next(), words.next()) {
            (Some("RESULT"), Some(name), Some(value)) => {
                if let Ok(v) = value.trim().parse::<f64>() {
                    outcome.metrics.insert(name.to_string(), v);
                }
            }
            (Some("ERROR"), first, rest) => {
                let message = [first.unwrap_or(""), rest.unwrap_or("")].join(" ");
                outcome.error = Some(message.trim().to_string());
            }
            _ => {}
        }
    }
    if outcome.error.is_none() && status != 0 {
        let tail = std::fs::read_to_string(stderr_path).unwrap_or_default();
        let last = tail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
        outcome.error = Some(format!("exit status {status}: {last}"));
    }
    outcome
}

/// Reap child `pid` and return its exit code (or 128 + signal) and peak RSS
/// in KiB. `wait4` gives the child's own rusage, unlike `RUSAGE_CHILDREN`,
/// which keeps the maximum over every child so far.
fn wait_with_rusage(pid: u32) -> (i32, Option<i64>) {
    let mut status: libc::c_int = 0;
    // Plain data, zero is a valid value for every field.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // The pid is our own unreaped child; status and usage are valid pointers.
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if reaped < 0 {
        return (-1, None);
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    (code, Some(usage.ru_maxrss))
}

fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn selected(filter: &Option<Vec<String>>, name: &str) -> bool {
    filter.as_ref().is_none_or(|f| f.iter().any(|x| x == name))
}

pub fn run_parent(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let sizes = crate::workload::Sizes::from_env();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&options.root).map_err(|e| format!("{}: {e}", options.root.display()))?;

    println!(
        "# kstone-bench: n={} batch={} single_n={} sync_n={} writers={} gets={} big_gb={} ({} entries of {} B) items={}",
        sizes.n,
        sizes.batch,
        sizes.single_n,
        sizes.sync_n,
        sizes.writers,
        sizes.gets,
        sizes.big_gb,
        sizes.big_entries(),
        crate::workload::KEY_LEN + crate::workload::BIG_VALUE_LEN,
        sizes.items
    );
    println!("# load average at start: {}", load_average());
    for mode in [Mode::Relaxed, Mode::Durable] {
        let label = if mode == Mode::Relaxed { "relaxed" } else { "fsync" };
        let list: Vec<String> = ["kstone", "fjall", "redb", "sqlite"]
            .iter()
            .map(|s| format!("{s}=[{}]", crate::settings(s, mode)))
            .collect();
        println!("# durability {label}: {}", list.join(" "));
    }
    println!(
        "# items (JSON text in and out): kstone=[{}] dynoxide=[{}] kstone_raw/fjall/redb/sqlite=[items stored as their DynamoDB JSON text, relaxed settings above; kstone_raw is the engine under kstone]",
        crate::items::kstone_settings(),
        crate::dynoxide_items::settings()
    );
    println!("# caches: every store {} MiB; memory = peak RSS of each store's own child process", crate::stores::CACHE_BYTES >> 20);

    for group in GROUPS {
        if !selected(&options.groups, group.name) {
            continue;
        }
        let mut outcomes: BTreeMap<&str, Outcome> = BTreeMap::new();
        let stores: Vec<&str> = group.stores.iter().copied().filter(|s| selected(&options.stores, s)).collect();
        for &store in &stores {
            let dir = options.root.join(format!("{}-{store}", group.name));
            let _ = std::fs::remove_dir_all(&dir);
            let mut command = Command::new(&exe);
            command.arg("child").arg(store).arg(group.name).arg(&dir);
            let outcome = run_child(command, &options.root.join(format!("{}-{store}.stderr", group.name)));
            let _ = std::fs::remove_dir_all(&dir);
            outcomes.insert(store, outcome);
        }
        print_group(group, &stores, &outcomes);

        if let Some((wasm, wasmtime)) = &options.wasi {
            if group.wasi && stores.contains(&"kstone") {
                let dir = options.root.join(format!("{}-kstone-wasi", group.name));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let mut command = Command::new(wasmtime);
                command.arg("run").arg("--dir").arg(format!("{}::/bench", dir.display()));
                for name in crate::workload::ENV_VARS {
                    if let Ok(v) = std::env::var(name) {
                        command.arg("--env").arg(format!("{name}={v}"));
                    }
                }
                command.arg(wasm).arg("child").arg("kstone").arg(group.name).arg("/bench");
                let wasi = run_child(command, &options.root.join(format!("{}-kstone-wasi.stderr", group.name)));
                let _ = std::fs::remove_dir_all(&dir);
                print_wasi(group, &outcomes["kstone"], &wasi);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&options.root);
    println!("# load average at end: {}", load_average());
    Ok(())
}

fn print_group(group: &Group, stores: &[&str], outcomes: &BTreeMap<&str, Outcome>) {
    let mode = if group.mode == Mode::Relaxed { "relaxed" } else { "fsync" };
    for metric in group.metrics {
        let mut line = format!("BENCH {}", metric.name);
        let mut best: Option<(&str, f64)> = None;
        for &store in stores {
            let value = outcomes.get(store).and_then(|o| o.metrics.get(metric.name)).copied();
            match value {
                Some(v) => {
                    line += &format!(" {store}={}", fmt(v));
                    if !matches!(store, "kstone" | "kstone_raw" | "raw_fsync") {
                        let better = match best {
                            None => true,
                            Some((_, b)) => {
                                if metric.higher_better {
                                    v > b
                                } else {
                                    v < b
                                }
                            }
                        };
                        if better {
                            best = Some((store, v));
                        }
                    }
                }
                None => line += &format!(" {store}=n/a"),
            }
        }
        let kstone = outcomes.get("kstone").and_then(|o| o.metrics.get(metric.name)).copied();
        match best {
            Some((name, b)) => {
                line += &format!(" best={name}");
                match kstone {
                    Some(k) if b != 0.0 => line += &format!(" ratio_best={:.2}", k / b),
                    _ => line += " ratio_best=n/a",
                }
            }
            None => line += " best=n/a ratio_best=n/a",
        }
        let raw = outcomes.get("kstone_raw").and_then(|o| o.metrics.get(metric.name)).copied();
        if let (Some(k), Some(r)) = (kstone, raw) {
            if r != 0.0 {
                line += &format!(" ratio_raw={:.2}", k / r);
            }
        }
        let better = if metric.higher_better { "higher" } else { "lower" };
        line += &format!(" unit={} better={better} mode={mode}", metric.unit);
        println!("{line}");
    }
    let mut mem = format!("MEM {}", group.name);
    for &store in stores {
        match outcomes.get(store).and_then(|o| o.peak_rss_kb) {
            Some(kb) => mem += &format!(" {store}={:.1}MB", kb as f64 / 1024.0),
            None => mem += &format!(" {store}=n/a"),
        }
    }
    println!("{mem}");
    for &store in stores {
        if let Some(error) = outcomes.get(store).and_then(|o| o.error.as_ref()) {
            println!("NOTE {store} {}: n/a because: {error}", group.name);
        }
    }
}

fn print_wasi(group: &Group, native: &Outcome, wasi: &Outcome) {
    for metric in group.metrics {
        let n = native.metrics.get(metric.name).copied();
        let w = wasi.metrics.get(metric.name).copied();
        let show = |v: Option<f64>| v.map(fmt).unwrap_or_else(|| "n/a".into());
        let slowdown = match (n, w) {
            (Some(n), Some(w)) if n > 0.0 && w > 0.0 => {
                fmt(if metric.higher_better { n / w } else { w / n })
            }
            _ => "n/a".into(),
        };
        println!(
            "BENCH_WASI {} native={} wasi={} slowdown={slowdown} unit={}",
            metric.name,
            show(n),
            show(w),
            metric.unit
        );
    }
    if let Some(kb) = wasi.peak_rss_kb {
        println!("MEM_WASI {} kstone_wasmtime={:.1}MB", group.name, kb as f64 / 1024.0);
    }
    if let Some(error) = &wasi.error {
        println!("NOTE kstone-wasi {}: n/a because: {error}", group.name);
    }
}
