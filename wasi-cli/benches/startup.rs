//! Startup benchmark: time from spawning `kstone get` on a small database to
//! its first byte of output, natively and under wasmtime.
//!
//! Targets (issue "kstone CLI"): at most 10 ms natively, 50 ms under wasmtime.
//! Each figure is printed next to a baseline measured in the same run, the
//! floor of spawning anything the same way: `echo` natively, and under
//! wasmtime a trivial WASI module that writes one line. A slow or busy machine
//! shows up as a slow baseline, not as a regression; the ratio is what
//! `kstone` itself adds.
//!
//! Under wasmtime three ways of running the module are measured, because they
//! differ by orders of magnitude: precompiled (`wasmtime compile` once, then
//! `run --allow-precompiled`), the `.wasm` with wasmtime's compilation cache
//! (`-C cache=y`, warm), and the `.wasm` compiled afresh on every run.
//!
//! One command builds and runs it all: `npm run bench:startup`
//! (`scripts/bench.sh startup`). By hand:
//!
//! ```text
//! cargo build --release -p kstone-cli --target wasm32-wasip1
//! KSTONE_WASM=target/wasm32-wasip1/release/kstone.wasm cargo bench -p kstone-cli --bench startup
//! ```
//!
//! Without `KSTONE_WASM` only the native figures are measured, and the output
//! says so. `KSTONE_STARTUP_RUNS` sets the runs per case (default 41, 5..1001).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NATIVE: &str = env!("CARGO_BIN_EXE_kstone");

/// A WASI command that writes "x\n" to stdout and exits: wasmtime's own floor.
const TRIVIAL_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

/// Spawn `command` and time until its first stdout byte (and check it exits 0).
fn time_to_first_output(mut command: Command) -> Duration {
    let start = Instant::now();
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut first = [0u8; 1];
    let got = stdout.read(&mut first).expect("read stdout");
    let elapsed = start.elapsed();
    assert_eq!(got, 1, "no output from {command:?}");
    let mut rest = Vec::new();
    let _ = stdout.read_to_end(&mut rest);
    assert!(child.wait().expect("wait").success(), "{command:?} failed");
    elapsed
}

/// Median of `runs` timings after one warm-up run (which fills the page
/// cache, and wasmtime's compilation cache where it is on).
fn median(runs: usize, mut make: impl FnMut() -> Command) -> Duration {
    time_to_first_output(make());
    let mut times: Vec<Duration> = (0..runs).map(|_| time_to_first_output(make())).collect();
    times.sort();
    times[runs / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(name: &str, measured: Duration, baseline: Duration, target_ms: Option<f64>) {
    let ratio = measured.as_secs_f64() / baseline.as_secs_f64();
    let verdict = match target_ms {
        Some(t) if measured.as_secs_f64() * 1000.0 <= t => format!("within the {t} ms target"),
        Some(t) => format!("OVER the {t} ms target"),
        None => String::new(),
    };
    println!("{name:<44} median {:>10}  baseline {:>9}  ratio {ratio:>6.2}  {verdict}", ms(measured), ms(baseline));
}

fn find_wasmtime() -> PathBuf {
    if let Some(path) = std::env::var_os("WASMTIME") {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/keystonedb/tools"));
    let mut found: Vec<PathBuf> = tools
        .and_then(|t| std::fs::read_dir(t).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("wasmtime_cli").join("wasmtime"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from("wasmtime"))
}

fn runs() -> usize {
    let runs = std::env::var("KSTONE_STARTUP_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(41);
    runs.clamp(5, 1001)
}

fn main() {
    // `cargo bench` passes --bench; there is nothing to filter.
    let runs = runs();
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
    let size = std::fs::metadata(dir.join(db)).map(|m| m.len()).unwrap_or(0);

    let native = |program: &'static str, args: &'static [&'static str]| {
        let dir = dir.clone();
        move || {
            let mut c = Command::new(program);
            c.args(args).current_dir(&dir);
            c
        }
    };
    println!(
        "kstone startup: time from spawn to the first byte of output, median of {runs} runs after a warm-up; \
         `kstone get` of one item from a database of 100 items ({size} bytes)"
    );
    let echo = median(runs, native("echo", &["x"]));
    let version = median(runs, native(NATIVE, &["--version"]));
    let get = median(runs, native(NATIVE, &["get", "small.keystone", "user#42"]));
    report("native: echo (baseline)", echo, echo, None);
    report("native: kstone --version", version, echo, None);
    report("native: kstone get", get, echo, Some(10.0));

    let Some(wasm) = std::env::var_os("KSTONE_WASM").map(PathBuf::from) else {
        println!("wasmtime: skipped (set KSTONE_WASM to the wasm32-wasip1 build to measure it)");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    };
    let wasmtime = find_wasmtime();
    let compile = |input: &Path, output: &Path| {
        let status = Command::new(&wasmtime).arg("compile").arg(input).arg("-o").arg(output).status();
        assert!(status.is_ok_and(|s| s.success()), "wasmtime compile {} failed", input.display());
    };
    let trivial_wat = dir.join("trivial.wat");
    std::fs::write(&trivial_wat, TRIVIAL_WAT).expect("write the trivial module");
    let trivial = dir.join("trivial.cwasm");
    compile(&trivial_wat, &trivial);
    let cwasm = dir.join("kstone.cwasm");
    compile(&wasm, &cwasm);
    // The compilation cache lives in the scratch directory, so a run starts cold.
    let cache_config = dir.join("wasmtime-cache.toml");
    std::fs::write(&cache_config, format!("[cache]\ndirectory = {:?}\n", dir.join("wasmtime-cache").display().to_string()))
        .expect("write the cache config");

    #[derive(Clone, Copy)]
    enum How {
        Precompiled,
        Cached,
        Fresh,
    }
    let under_wasmtime = |module: PathBuf, how: How, args: &'static [&'static str]| {
        let dir = dir.clone();
        let wasmtime = wasmtime.clone();
        let cache_config = cache_config.clone();
        move || {
            let mut c = Command::new(&wasmtime);
            c.arg("run");
            match how {
                How::Precompiled => {
                    c.arg("--allow-precompiled");
                }
                How::Cached => {
                    c.arg("-C").arg("cache=y").arg("-C").arg(format!("cache-config={}", cache_config.display()));
                }
                How::Fresh => {
                    c.arg("-C").arg("cache=n");
                }
            }
            c.arg("--dir").arg(format!("{}::.", dir.display())).arg("--").arg(&module).args(args);
            c
        }
    };
    let floor = median(runs, under_wasmtime(trivial, How::Precompiled, &[]));
    let get_args: &'static [&'static str] = &["get", "small.keystone", "user#42"];
    let precompiled = median(runs, under_wasmtime(cwasm, How::Precompiled, get_args));
    let cached = median(runs, under_wasmtime(wasm.clone(), How::Cached, get_args));
    // Compiling the whole module each time is slow: fewer runs.
    let fresh = median(5, under_wasmtime(wasm, How::Fresh, get_args));
    report("wasmtime: trivial module (baseline)", floor, floor, None);
    report("wasmtime: kstone get, precompiled .cwasm", precompiled, floor, Some(50.0));
    report("wasmtime: kstone get, .wasm with -C cache=y", cached, floor, Some(50.0));
    report("wasmtime: kstone get, .wasm compiled each run", fresh, floor, Some(50.0));
    println!("(the last one: median of 5 runs)");
    let _ = std::fs::remove_dir_all(&dir);
}
