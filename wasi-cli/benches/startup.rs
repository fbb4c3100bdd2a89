//! Startup benchmark: time from spawning `kstone get` on a small database to
//! its first byte of output, natively and under wasmtime.
//!
//! Targets (issue "kstone CLI"): at most 10 ms natively, 50 ms under wasmtime.
//! Each figure is printed with a baseline measured in the same run — spawning
//! a process that prints at once (`kstone --version` natively, and the same
//! under wasmtime) — so a slow or busy machine shows up as a slow baseline,
//! not as a regression.
//!
//! Run with release builds of both binaries:
//!
//! ```text
//! cargo build --release -p kstone-cli --target wasm32-wasip1
//! KSTONE_WASM=target/wasm32-wasip1/release/kstone.wasm cargo bench -p kstone-cli --bench startup
//! ```
//!
//! Without `KSTONE_WASM` (or without wasmtime) only the native figures are
//! measured, and the output says so.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NATIVE: &str = env!("CARGO_BIN_EXE_kstone");
const RUNS: usize = 41;

/// Spawn `command` and time until its first stdout byte (and check it exits 0).
fn time_to_first_output(mut command: Command) -> Duration {
    let start = Instant::now();
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut first = [0u8; 1];
    let got = stdout.read(&mut first).expect("read stdout");
    let elapsed = start.elapsed();
    assert_eq!(got, 1, "no output");
    let mut rest = Vec::new();
    let _ = stdout.read_to_end(&mut rest);
    assert!(child.wait().expect("wait").success(), "command failed");
    elapsed
}

fn median(mut make: impl FnMut() -> Command) -> Duration {
    // One warm-up run fills the page cache (and wasmtime's code cache).
    time_to_first_output(make());
    let mut times: Vec<Duration> = (0..RUNS).map(|_| time_to_first_output(make())).collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, measured: Duration, baseline: Duration, target_ms: f64) {
    let ratio = measured.as_secs_f64() / baseline.as_secs_f64();
    let verdict = if measured.as_secs_f64() * 1000.0 <= target_ms { "within" } else { "OVER" };
    println!(
        "{name:<34} median {:>9}  baseline {:>9}  ratio {ratio:>5.2}  ({verdict} the {target_ms} ms target)",
        ms(measured),
        ms(baseline)
    );
}

fn find_wasmtime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WASMTIME") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")?;
    let tools = Path::new(&home).join(".cache/keystonedb/tools");
    let mut found: Vec<PathBuf> = std::fs::read_dir(tools)
        .ok()?
        .flatten()
        .map(|e| e.path().join("wasmtime_cli").join("wasmtime"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().or_else(|| Some(PathBuf::from("wasmtime")))
}

fn main() {
    // `cargo bench` passes --bench; there is nothing to filter.
    let dir = std::env::temp_dir().join(format!("kstone-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let db = "small.keystone";
    let kstone = |args: &[&str]| {
        let status = Command::new(NATIVE).args(args).current_dir(&dir).stdout(Stdio::null()).status();
        assert!(status.is_ok_and(|s| s.success()), "kstone {args:?} failed");
    };
    kstone(&["create", db]);
    for i in 0..100 {
        kstone(&["put", db, &format!("user#{i}"), &format!("{{\"name\":\"user {i}\",\"age\":{i}}}")]);
    }

    let native = |args: &'static [&'static str]| {
        let dir = dir.clone();
        move || {
            let mut c = Command::new(NATIVE);
            c.args(args).current_dir(&dir);
            c
        }
    };
    let baseline = median(native(&["--version"]));
    let get = median(native(&["get", "small.keystone", "user#42"]));
    println!("kstone startup, {RUNS} runs each, time from spawn to the first byte of output");
    report("native: kstone get", get, baseline, 10.0);

    let Some(wasm) = std::env::var_os("KSTONE_WASM").map(PathBuf::from) else {
        println!("wasmtime: skipped (set KSTONE_WASM to the wasm32-wasip1 build to measure it)");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let wasmtime = find_wasmtime().expect("wasmtime not found (set WASMTIME)");
    let cwasm = dir.join("kstone.cwasm");
    let compiled = Command::new(&wasmtime).arg("compile").arg(&wasm).arg("-o").arg(&cwasm).status();
    assert!(compiled.is_ok_and(|s| s.success()), "wasmtime compile failed");
    let under_wasmtime = |module: PathBuf, precompiled: bool, args: &'static [&'static str]| {
        let dir = dir.clone();
        let wasmtime = wasmtime.clone();
        move || {
            let mut c = Command::new(&wasmtime);
            c.arg("run");
            if precompiled {
                c.arg("--allow-precompiled");
            }
            c.arg("--dir").arg(format!("{}::.", dir.display())).arg("--").arg(&module).args(args);
            c
        }
    };
    let wasi_baseline = median(under_wasmtime(cwasm.clone(), true, &["--version"]));
    let wasi_get = median(under_wasmtime(cwasm.clone(), true, &["get", "small.keystone", "user#42"]));
    report("wasmtime (precompiled): kstone get", wasi_get, wasi_baseline, 50.0);
    let cold = median(under_wasmtime(wasm.clone(), false, &["get", "small.keystone", "user#42"]));
    report("wasmtime (.wasm as given): get", cold, wasi_baseline, 50.0);
    println!("(ratios: against `kstone --version` of the same build, spawned the same way)");
    let _ = std::fs::remove_dir_all(&dir);
}
