//! `kstone-bench`: KeystoneDB next to fjall, redb, SQLite and Dynoxide,
//! measured in the same run, one child process per store and case group.
//!
//! The parent process runs nothing itself. For each case group it re-executes
//! this binary once per store (`kstone-bench child <store> <group> <dir>`),
//! reads the `RESULT` lines the child prints, and takes the child's peak
//! resident memory from `wait4`, so every store's memory is its own and no
//! store's cache warms another's. Then it prints one `BENCH` line per case
//! with every store's figure, the best peer and KeystoneDB's ratio to it.
//!
//! With `--wasi <module.wasm>` the parent runs KeystoneDB's children twice,
//! natively and under wasmtime, and prints `BENCH_WASI` lines with the
//! slowdown of the WASI build against the native one.
//!
//! Sizes come from `KSTONE_BENCH_*` variables (see `workload.rs`).

mod cases;
#[cfg(feature = "native-peers")]
mod dynoxide_items;
mod items;
#[cfg(feature = "native-peers")]
mod report;
mod stores;
mod workload;

use std::path::Path;

/// One allocator for every store in the native build, as a server embedding
/// them would choose: the figures compare the stores, not glibc's malloc.
#[cfg(feature = "native-peers")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use stores::Res;
#[cfg(feature = "native-peers")]
use stores::Store;
use workload::Sizes;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        if args.len() != 5 {
            eprintln!("usage: kstone-bench child <store> <group> <dir>");
            std::process::exit(2);
        }
        let sizes = Sizes::from_env();
        match run_child(&args[2], &args[3], Path::new(&args[4]), &sizes) {
            Ok(()) => {}
            Err(message) => {
                println!("ERROR {}", message.replace('\n', " "));
                std::process::exit(1);
            }
        }
        return;
    }
    #[cfg(feature = "native-peers")]
    {
        if let Err(message) = report::run_parent(&args[1..]) {
            eprintln!("kstone-bench: {message}");
            std::process::exit(2);
        }
    }
    #[cfg(not(feature = "native-peers"))]
    {
        eprintln!("this build runs children only: kstone-bench child kstone <group> <dir>");
        std::process::exit(2);
    }
}

/// Run one case group against one store, printing `RESULT` lines.
fn run_child(store: &str, group: &str, dir: &Path, sizes: &Sizes) -> Res<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if store == "raw_fsync" {
        return cases::raw_fsync(dir, sizes.sync_n);
    }
    if group == "items" {
        return run_items_child(store, dir, sizes);
    }
    match store {
        "kstone" => {
            if !stores::kstone::persists(&dir.join("probe"))? {
                return Err("this build's storage engine keeps nothing across a reopen yet".into());
            }
            cases::run_group::<stores::kstone::Kstone>(group, dir, sizes)
        }
        #[cfg(feature = "native-peers")]
        "fjall" => cases::run_group::<stores::fjall_store::Fjall>(group, dir, sizes),
        #[cfg(feature = "native-peers")]
        "redb" => cases::run_group::<stores::redb_store::Redb>(group, dir, sizes),
        #[cfg(feature = "native-peers")]
        "sqlite" => cases::run_group::<stores::sqlite_store::Sqlite>(group, dir, sizes),
        other => Err(format!("no store {other:?} in this build")),
    }
}

fn run_items_child(store: &str, dir: &Path, sizes: &Sizes) -> Res<()> {
    match store {
        "kstone" => items::run_items(&mut items::KstoneItems::open(dir)?, sizes),
        // KeystoneDB's own engine as a raw store, the item API's baseline.
        "kstone_raw" => items::run_raw::<stores::kstone::Kstone>(dir, sizes),
        #[cfg(feature = "native-peers")]
        "dynoxide" => items::run_items(&mut dynoxide_items::DynoxideItems::open(dir)?, sizes),
        #[cfg(feature = "native-peers")]
        "fjall" => items::run_raw::<stores::fjall_store::Fjall>(dir, sizes),
        #[cfg(feature = "native-peers")]
        "redb" => items::run_raw::<stores::redb_store::Redb>(dir, sizes),
        #[cfg(feature = "native-peers")]
        "sqlite" => items::run_raw::<stores::sqlite_store::Sqlite>(dir, sizes),
        other => Err(format!("no item store {other:?} in this build")),
    }
}

/// Durability and cache settings of store `name` in `mode`, for the report.
#[cfg(feature = "native-peers")]
pub fn settings(name: &str, mode: stores::Mode) -> String {
    match name {
        "kstone" => stores::kstone::Kstone::settings(mode),
        "fjall" => stores::fjall_store::Fjall::settings(mode),
        "redb" => stores::redb_store::Redb::settings(mode),
        "sqlite" => stores::sqlite_store::Sqlite::settings(mode),
        "dynoxide" => dynoxide_items::settings(),
        "raw_fsync" => "write + fdatasync".into(),
        _ => String::new(),
    }
}
