//! The `kstone` binary, run as users run it: natively, and as the
//! wasm32-wasip1 build under wasmtime, on the same scenarios.
//!
//! Every step of a scenario runs twice, once per build, each in its own
//! scratch directory (natively as the working directory, under WASI
//! preopened as the guest's `.`), and the two runs must agree byte for byte
//! on stdout, stderr and exit code. The native output is then checked
//! against what the step should print.
//!
//! The WASI build is not built here (a nested cargo would wait on the lock of
//! the cargo running these tests). Build it first with
//! `cargo build -p kstone-cli --target wasm32-wasip1`; the tests find it next
//! to the native binary, or at `$KSTONE_WASM`. wasmtime is `$WASMTIME`, the
//! copy scripts/setup.sh installs, or `wasmtime` on PATH. When either is
//! missing the tests fail with instructions: they never skip silently.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const NATIVE: &str = env!("CARGO_BIN_EXE_kstone");

/// What one run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code().unwrap_or(-1),
        }
    }

    #[track_caller]
    fn ok(&self) -> &Run {
        assert_eq!(self.code, 0, "expected success, got {self:?}");
        assert_eq!(self.stderr, "", "expected a silent stderr, got {self:?}");
        self
    }

    /// A failure: exactly one `error: ` line on stderr, nothing on stdout.
    #[track_caller]
    fn fails_with(&self, needle: &str) -> &Run {
        assert_ne!(self.code, 0, "expected failure, got {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert_eq!(self.stderr.matches('\n').count(), 1, "one line only: {self:?}");
        assert!(self.stderr.contains(needle), "{needle:?} not in {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self
    }
}

/// A fresh directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kstone-cli-{}-{label}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The WASI build and a wasmtime to run it, precompiled once per test process.
struct Wasi {
    wasmtime: PathBuf,
    cwasm: PathBuf,
    _dir: Scratch,
}

fn wasi() -> &'static Wasi {
    static WASI: OnceLock<Wasi> = OnceLock::new();
    WASI.get_or_init(|| {
        let wasm = std::env::var_os("KSTONE_WASM").map(PathBuf::from).unwrap_or_else(|| {
            // NATIVE is <target>/<profile>/kstone; the WASI build sits in
            // <target>/wasm32-wasip1/<profile>/kstone.wasm.
            let native = Path::new(NATIVE);
            let profile = native.parent().and_then(Path::file_name).expect("binary is in a profile directory");
            let target = native.parent().and_then(Path::parent).expect("profile directory is in the target directory");
            target.join("wasm32-wasip1").join(profile).join("kstone.wasm")
        });
        assert!(
            wasm.is_file(),
            "the WASI build of kstone is missing at {}: run `cargo build -p kstone-cli --target wasm32-wasip1` \
             first (or set KSTONE_WASM)",
            wasm.display()
        );
        let wasmtime = find_wasmtime().expect(
            "wasmtime not found: run scripts/setup.sh, put wasmtime on PATH, or set WASMTIME to its path",
        );
        // Compile once; each run then starts from machine code, as an
        // installed `wasmtime compile`d binary would.
        let dir = Scratch::new("wasm");
        let cwasm = dir.file("kstone.cwasm");
        let status = Command::new(&wasmtime).arg("compile").arg(&wasm).arg("-o").arg(&cwasm).status();
        assert!(status.is_ok_and(|s| s.success()), "wasmtime compile {} failed", wasm.display());
        Wasi { wasmtime, cwasm, _dir: dir }
    })
}

fn find_wasmtime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WASMTIME") {
        return Some(PathBuf::from(path));
    }
    let tools = std::env::var_os("KSTONE_TOOLS").map(PathBuf::from).or_else(|| {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(cache.join("keystonedb").join("tools"))
    });
    if let Some(tools) = tools {
        let mut candidates: Vec<PathBuf> = std::fs::read_dir(&tools)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("wasmtime")))
            .flat_map(|p| [p.join("wasmtime_cli").join("wasmtime"), p.join("bin").join("wasmtime")])
            .filter(|p| p.is_file())
            .collect();
        candidates.sort();
        if let Some(found) = candidates.pop() {
            return Some(found);
        }
    }
    let on_path = Command::new("wasmtime").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    on_path.is_ok_and(|s| s.success()).then(|| PathBuf::from("wasmtime"))
}

/// One invocation: arguments, stdin, environment.
struct Invocation<'a> {
    args: &'a [&'a str],
    stdin: &'a str,
    env: &'a [(&'a str, &'a str)],
}

fn spawn(mut command: Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut pipe = child.stdin.take().expect("stdin was piped");
    // A command that fails before it reads stdin (a locked database) may
    // exit first: a broken pipe then is its answer, not the test's failure.
    if let Err(e) = pipe.write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    drop(pipe);
    Run::from(child.wait_with_output().expect("wait for the binary"))
}

fn run_native(dir: &Path, call: &Invocation) -> Run {
    let mut command = Command::new(NATIVE);
    command.args(call.args).current_dir(dir).env_remove("RUST_BACKTRACE");
    for (name, value) in call.env {
        command.env(name, value);
    }
    spawn(command, call.stdin)
}

fn run_wasi(dir: &Path, call: &Invocation) -> Run {
    let wasi = wasi();
    let mut command = Command::new(&wasi.wasmtime);
    command.arg("run").arg("--allow-precompiled").arg("--dir").arg(format!("{}::.", dir.display()));
    for (name, value) in call.env {
        command.arg("--env").arg(format!("{name}={value}"));
    }
    command.arg("--").arg(&wasi.cwasm).args(call.args);
    spawn(command, call.stdin)
}

/// The same steps in two directories: one for the native build, one for WASI.
struct Pair {
    native: Scratch,
    wasi: Scratch,
}

impl Pair {
    fn new(label: &str) -> Pair {
        Pair { native: Scratch::new(&format!("{label}-native")), wasi: Scratch::new(&format!("{label}-wasi")) }
    }

    /// Run on both builds; they must agree exactly. Returns the (shared) result.
    #[track_caller]
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(&Invocation { args, stdin: "", env: &[] })
    }

    #[track_caller]
    fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(&Invocation { args, stdin, env: &[] })
    }

    #[track_caller]
    fn run_with(&self, call: &Invocation) -> Run {
        let native = run_native(self.native.path(), call);
        let wasi = run_wasi(self.wasi.path(), call);
        assert_eq!(native, wasi, "native and WASI differ for {:?}", call.args);
        native
    }

    /// Like [`Pair::run`], for reports whose byte counts may differ by a few
    /// bytes between the two databases: each was made with its own creation
    /// timestamp, whose text length varies. Everything else must agree.
    #[track_caller]
    fn run_report(&self, args: &[&str]) -> Run {
        let call = Invocation { args, stdin: "", env: &[] };
        let native = run_native(self.native.path(), &call);
        let wasi = run_wasi(self.wasi.path(), &call);
        let mask = |r: &Run| {
            let stdout: String = r
                .stdout
                .lines()
                .map(|l| if l.contains("bytes") { l.replace(|c: char| c.is_ascii_digit(), "#") } else { l.to_string() })
                .collect::<Vec<_>>()
                .join("\n");
            (stdout, r.stderr.clone(), r.code)
        };
        assert_eq!(mask(&native), mask(&wasi), "native and WASI differ for {args:?}");
        native
    }

    /// Put the same file into both directories.
    fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.native.file(name), contents).expect("write a native input");
        std::fs::write(self.wasi.file(name), contents).expect("write a WASI input");
    }

    /// The same file of both directories (they must agree).
    #[track_caller]
    fn read(&self, name: &str) -> String {
        let native = std::fs::read_to_string(self.native.file(name)).expect("read a native output");
        let wasi = std::fs::read_to_string(self.wasi.file(name)).expect("read a WASI output");
        assert_eq!(native, wasi, "native and WASI wrote different {name}");
        native
    }

    /// The database bytes of both directories, to check they did not change.
    fn snapshot(&self, name: &str) -> (Vec<u8>, Vec<u8>) {
        (std::fs::read(self.native.file(name)).unwrap_or_default(), std::fs::read(self.wasi.file(name)).unwrap_or_default())
    }
}

#[test]
fn version_and_help_agree_and_show_examples() {
    let pair = Pair::new("help");
    let version = pair.run(&["--version"]);
    assert_eq!(version.ok().stdout, format!("kstone {}\n", env!("CARGO_PKG_VERSION")));
    // `serve` exists only natively (WASI preview 1 has no sockets); apart
    // from its entry the two help texts are the same.
    let call = Invocation { args: &["--help"], stdin: "", env: &[] };
    let help = run_native(pair.native.path(), &call);
    let wasi_help = run_wasi(pair.wasi.path(), &call);
    assert_eq!(without_serve(&help.stdout), wasi_help.stdout, "native and WASI help differ beyond serve");
    assert!(help.stdout.contains("  serve "), "{help:?}");
    assert!(!wasi_help.stdout.contains("  serve "), "{wasi_help:?}");
    assert!(help.ok().stdout.contains("Examples:"), "{help:?}");
    assert!(help.stdout.contains("kstone put mydb.keystone user#123"), "{help:?}");
    let usage = pair.run(&["frobnicate"]);
    assert_eq!(usage.code, 2, "{usage:?}");
}

/// The help text without the `serve` entry of the command list.
fn without_serve(help: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in help.split_inclusive('\n') {
        if line.starts_with("  serve ") {
            skipping = true;
            continue;
        }
        if skipping && line.starts_with("          ") {
            continue;
        }
        skipping = false;
        out.push_str(line);
    }
    out
}

#[test]
fn quickstart_puts_gets_and_deletes() {
    let pair = Pair::new("quickstart");
    assert_eq!(
        pair.run(&["create", "db.keystone"]).ok().stdout,
        "Created db.keystone with table default (hash key pk, type S)\n"
    );
    pair.run(&["put", "db.keystone", "user#123", r#"{"name":"Alice","age":30,"email":"alice@example.com"}"#]).ok();
    let got = pair.run(&["get", "db.keystone", "user#123"]);
    let item: serde_json::Value = serde_json::from_str(&got.ok().stdout).expect("get prints JSON");
    assert_eq!(item, serde_json::json!({"pk": "user#123", "name": "Alice", "age": 30, "email": "alice@example.com"}));
    pair.run(&["delete", "db.keystone", "user#123"]).ok();
    pair.run(&["get", "db.keystone", "user#123"]).fails_with("no item with key user#123 in table default");
    // Deleting what is not there is not an error, as in DynamoDB.
    pair.run(&["delete", "db.keystone", "user#123"]).ok();
}

#[test]
fn plain_json_keeps_every_type_and_digit() {
    let pair = Pair::new("types");
    pair.run(&["create", "db.keystone"]).ok();
    let item = r#"{"big":12345678901234567890123456789012345678,"tiny":0.000001,"neg":-17,"ok":true,"none":null,"list":[1,"two",[3]],"map":{"deep":{"er":"x"}},"empty":""}"#;
    pair.run(&["put", "db.keystone", "k", item]).ok();
    let got = pair.run(&["get", "db.keystone", "k"]).ok().stdout.clone();
    assert!(got.contains("\"big\": 12345678901234567890123456789012345678"), "{got}");
    let request = r#"{"TableName":"default","Key":{"pk":{"S":"k"}}}"#;
    let raw = pair.run_stdin(&["request", "db.keystone", "GetItem"], request);
    let response: serde_json::Value = serde_json::from_str(&raw.ok().stdout).expect("request prints JSON");
    let stored = &response["Item"];
    assert_eq!(stored["big"], serde_json::json!({"N": "12345678901234567890123456789012345678"}));
    assert_eq!(stored["none"], serde_json::json!({"NULL": true}));
    assert_eq!(stored["ok"], serde_json::json!({"BOOL": true}));
    assert_eq!(stored["list"]["L"][2], serde_json::json!({"L": [{"N": "3"}]}));
    assert_eq!(stored["map"]["M"]["deep"]["M"]["er"], serde_json::json!({"S": "x"}));
    assert_eq!(stored["empty"], serde_json::json!({"S": ""}));
}

#[test]
fn put_creates_the_default_table_on_first_use_and_table_selects_another() {
    let pair = Pair::new("tables");
    pair.run(&["create", "db.keystone"]).ok();
    let empty = pair.run(&["request", "db.keystone", "DeleteTable"]);
    assert!(empty.stdout.contains("#SerializationException"), "empty stdin is not JSON: {empty:?}");
    // The description carries a creation time and a table id, which differ
    // between the two runs; compare the parts that must agree.
    let call = Invocation { args: &["request", "db.keystone", "DeleteTable"], stdin: r#"{"TableName":"default"}"#, env: &[] };
    for deleted in [run_native(pair.native.path(), &call), run_wasi(pair.wasi.path(), &call)] {
        let response: serde_json::Value = serde_json::from_str(&deleted.ok().stdout).expect("DeleteTable prints JSON");
        assert_eq!(response["TableDescription"]["TableStatus"], "DELETING");
    }
    assert_eq!(pair.run(&["tables", "db.keystone"]).ok().stdout, "");
    pair.run(&["put", "db.keystone", "a", "{}"]).ok();
    assert_eq!(pair.run(&["tables", "db.keystone"]).ok().stdout, "default\n");

    assert_eq!(
        pair.run(&["create-table", "db.keystone", "orders", "--pk", "customer:S", "--sk", "placed:N"]).ok().stdout,
        "Created table orders (hash key customer:S, range key placed:N)\n"
    );
    assert_eq!(pair.run(&["tables", "db.keystone"]).ok().stdout, "default\norders\n");
    pair.run(&["put", "db.keystone", "--table", "orders", "alice", r#"{"total":9.5}"#, "--sk", "7"]).ok();
    pair.run(&["put", "db.keystone", "--table", "orders", "alice", "{}"]).fails_with("give its value with --sk");
    let got = pair.run(&["get", "db.keystone", "alice", "--sk", "7", "--table", "orders"]).ok().stdout.clone();
    assert_eq!(got, "{\n  \"customer\": \"alice\",\n  \"placed\": 7,\n  \"total\": 9.5\n}\n");

    // Creation times and table ids differ between the runs; the rest agrees.
    let call = Invocation { args: &["describe", "db.keystone", "orders"], stdin: "", env: &[] };
    let described: Vec<serde_json::Value> = [run_native(pair.native.path(), &call), run_wasi(pair.wasi.path(), &call)]
        .iter()
        .map(|run| {
            let mut table: serde_json::Value = serde_json::from_str(&run.ok().stdout).expect("describe prints JSON");
            for volatile in ["CreationDateTime", "TableId", "BillingModeSummary"] {
                table.as_object_mut().expect("a description is an object").remove(volatile);
            }
            table
        })
        .collect();
    assert_eq!(described[0], described[1]);
    let table = &described[0];
    assert_eq!(table["TableName"], "orders");
    assert_eq!(table["KeySchema"][1], serde_json::json!({"AttributeName": "placed", "KeyType": "RANGE"}));

    pair.run(&["describe", "db.keystone", "nope"]).fails_with("ResourceNotFoundException");
    pair.run(&["get", "db.keystone", "x", "--table", "nope"]).fails_with("ResourceNotFoundException");
    pair.run(&["create-table", "db.keystone", "t", "--pk", "id:X"]).fails_with("--pk must be NAME:TYPE");
    pair.run(&["create-table", "db.keystone", "orders", "--pk", "id:S"]).fails_with("ResourceInUseException");
}

#[test]
fn request_speaks_dynamodb_json_and_errors() {
    let pair = Pair::new("request");
    pair.run(&["create", "db.keystone"]).ok();
    let put = r#"{"TableName":"default","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ReturnValues":"NONE"}"#;
    assert_eq!(pair.run_stdin(&["request", "db.keystone", "PutItem"], put).ok().stdout, "{}\n");

    pair.write("get.json", r#"{"TableName":"default","Key":{"pk":{"S":"a"}}}"#);
    let got = pair.run(&["request", "db.keystone", "GetItem", "--input", "get.json"]);
    assert_eq!(got.ok().stdout, "{\"Item\":{\"n\":{\"N\":\"1\"},\"pk\":{\"S\":\"a\"}}}\n");

    let missing = pair.run_stdin(&["request", "db.keystone", "GetItem"], r#"{"TableName":"nope","Key":{"pk":{"S":"a"}}}"#);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr, "");
    let body: serde_json::Value = serde_json::from_str(&missing.stdout).expect("errors are JSON on stdout");
    assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    let invalid = pair.run_stdin(&["request", "db.keystone", "GetItem"], "{\"TableName\": ");
    assert_eq!(invalid.code, 1);
    assert!(invalid.stdout.starts_with("{\"__type\":\"com.amazonaws.dynamodb.v20120810#SerializationException\""), "{invalid:?}");
    assert!(invalid.stdout.contains("line 1 column"), "{invalid:?}");

    let unknown = pair.run_stdin(&["request", "db.keystone", "Frobnicate"], "{}");
    assert!(unknown.stdout.contains("#UnknownOperationException"), "{unknown:?}");
    pair.run(&["request", "db.keystone", "GetItem", "--input", "nope.json"]).fails_with("nope.json: no such file or directory");
}

fn export_lines(count: usize) -> String {
    (0..count)
        .map(|i| format!("{{\"Item\":{{\"id\":{{\"S\":\"item-{i:03}\"}},\"n\":{{\"N\":\"{i}\"}},\"tags\":{{\"SS\":[\"a\",\"b\"]}}}}}}\n"))
        .collect()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn import_and_export_round_trip_the_s3_export_format() {
    let pair = Pair::new("transfer");
    pair.run(&["create", "db.keystone"]).ok();
    pair.run(&["create-table", "db.keystone", "things", "--pk", "id:S"]).ok();
    // 60 lines: three BatchWriteItem calls (25 + 25 + 10), plus a blank line.
    let input = format!("{}\n", export_lines(60));
    pair.write("in.jsonl", &input);
    assert_eq!(
        pair.run(&["import", "db.keystone", "things", "in.jsonl"]).ok().stdout,
        "Imported 60 items into things from in.jsonl\n"
    );
    assert_eq!(
        pair.run(&["export", "db.keystone", "things", "out.jsonl"]).ok().stdout,
        "Exported 60 items from things to out.jsonl\n"
    );
    let exported = pair.read("out.jsonl");
    let original: Vec<serde_json::Value> = input.lines().filter(|l| !l.is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut round: Vec<serde_json::Value> = exported.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    round.sort_by_key(|v| v["Item"]["id"]["S"].as_str().map(str::to_string));
    assert_eq!(round, original);

    let to_stdout = pair.run(&["export", "db.keystone", "things"]);
    assert_eq!(to_stdout.code, 0);
    assert_eq!(to_stdout.stderr, "Exported 60 items from things to stdout\n");
    assert_eq!(sorted_lines(&to_stdout.stdout), sorted_lines(&exported));

    // A key seen twice keeps its last version.
    pair.write("dup.jsonl", "{\"Item\":{\"id\":{\"S\":\"x\"},\"v\":{\"N\":\"1\"}}}\n{\"Item\":{\"id\":{\"S\":\"x\"},\"v\":{\"N\":\"2\"}}}\n");
    pair.run(&["import", "db.keystone", "things", "dup.jsonl"]).ok();
    assert!(pair.run(&["get", "db.keystone", "x", "--table", "things"]).ok().stdout.contains("\"v\": 2"));
}

#[test]
fn a_bad_import_line_is_reported_before_anything_is_written() {
    let pair = Pair::new("badimport");
    pair.run(&["create", "db.keystone"]).ok();
    pair.run(&["create-table", "db.keystone", "things", "--pk", "id:S"]).ok();
    pair.write("bad.jsonl", &format!("{}{{\"Item\": {{\"id\": \n", export_lines(30)));
    pair.run(&["import", "db.keystone", "things", "bad.jsonl"]).fails_with("bad.jsonl line 31: invalid JSON");
    pair.write("nokey.jsonl", &format!("{}{{\"Item\":{{\"other\":{{\"S\":\"x\"}}}}}}\n", export_lines(3)));
    pair.run(&["import", "db.keystone", "things", "nokey.jsonl"]).fails_with("nokey.jsonl line 4: the item has no key attribute id");
    pair.write("shape.jsonl", "{\"id\":{\"S\":\"x\"}}\n");
    pair.run(&["import", "db.keystone", "things", "shape.jsonl"]).fails_with("line 1: expected {\"Item\"");
    pair.run(&["import", "db.keystone", "nope", "shape.jsonl"]).fails_with("ResourceNotFoundException");
    assert_eq!(pair.run(&["export", "db.keystone", "things"]).stdout, "");
}

#[test]
fn bad_input_is_one_error_line_and_leaves_the_database_unchanged() {
    let pair = Pair::new("bad");
    pair.run(&["get", "missing.keystone", "k"]).fails_with("missing.keystone: no such database file");
    pair.run(&["create", "db.keystone"]).ok();
    pair.run(&["put", "db.keystone", "k", r#"{"v":1}"#]).ok();
    pair.run(&["create", "db.keystone"]).fails_with("db.keystone already exists");
    let before = pair.snapshot("db.keystone");

    pair.run(&["put", "db.keystone", "k", "{\"v\": 1,\n \"w\": }"]).fails_with("invalid JSON item: expected value at line 2 column 7");
    pair.run(&["put", "db.keystone", "k", "[1]"]).fails_with("the item must be a JSON object");
    pair.run(&["put", "db.keystone", "k", r#"{"pk":"other"}"#]).fails_with("differs from the key");
    pair.run(&["put", "db.keystone", "k", r#"{"v":1e999999}"#]).fails_with("ValidationException");
    pair.run(&["put", "db.keystone", "--table", "nope", "k", "{}"]).fails_with("ResourceNotFoundException");
    pair.run(&["get", "db.keystone", "k", "--sk", "1"]).fails_with("has no sort key");
    pair.run(&["get", "db.keystone", "k", "--passphrase-env", "KSTONE_TEST_UNSET_VARIABLE"])
        .fails_with("environment variable KSTONE_TEST_UNSET_VARIABLE (from --passphrase-env) is not set");
    assert_eq!(pair.snapshot("db.keystone"), before, "a failed command changed the database");

    pair.write("empty.keystone", "");
    pair.run(&["get", "empty.keystone", "k"]).fails_with("empty.keystone: not a KeystoneDB database file");
    pair.write("junk.keystone", &"this is not a database\n".repeat(500));
    pair.run(&["get", "junk.keystone", "k"]).fails_with("junk.keystone: not a KeystoneDB database file");
    assert_eq!(pair.read("junk.keystone"), "this is not a database\n".repeat(500));
    std::fs::create_dir(pair.native.file("dir.keystone")).unwrap();
    std::fs::create_dir(pair.wasi.file("dir.keystone")).unwrap();
    pair.run(&["get", "dir.keystone", "k"]).fails_with("dir.keystone: is a directory");
}

#[test]
fn a_database_written_by_one_build_opens_in_the_other() {
    let dir = Scratch::new("cross");
    let both = |runner: fn(&Path, &Invocation) -> Run, args: &[&str]| runner(dir.path(), &Invocation { args, stdin: "", env: &[] });
    both(run_native, &["create", "db.keystone"]).ok();
    both(run_native, &["put", "db.keystone", "from-native", r#"{"n":1}"#]).ok();
    both(run_wasi, &["put", "db.keystone", "from-wasi", r#"{"n":2}"#]).ok();
    let native_view = both(run_native, &["get", "db.keystone", "from-wasi"]);
    let wasi_view = both(run_wasi, &["get", "db.keystone", "from-native"]);
    assert_eq!(native_view.ok().stdout, "{\n  \"pk\": \"from-wasi\",\n  \"n\": 2\n}\n");
    assert_eq!(wasi_view.ok().stdout, "{\n  \"pk\": \"from-native\",\n  \"n\": 1\n}\n");

    let wasi_dir = Scratch::new("cross-wasi-first");
    run_wasi(wasi_dir.path(), &Invocation { args: &["create", "w.keystone"], stdin: "", env: &[] }).ok();
    run_wasi(wasi_dir.path(), &Invocation { args: &["put", "w.keystone", "k", "[]"], stdin: "", env: &[] })
        .fails_with("must be a JSON object");
    run_wasi(wasi_dir.path(), &Invocation { args: &["put", "w.keystone", "k", r#"{"x":"y"}"#], stdin: "", env: &[] }).ok();
    let read = run_native(wasi_dir.path(), &Invocation { args: &["get", "w.keystone", "k"], stdin: "", env: &[] });
    assert_eq!(read.ok().stdout, "{\n  \"pk\": \"k\",\n  \"x\": \"y\"\n}\n");
}

/// Native only: WASI has no file locks (see the engine's StdFile).
#[test]
fn a_database_in_use_by_another_process_is_refused() {
    let dir = Scratch::new("locked");
    run_native(dir.path(), &Invocation { args: &["create", "db.keystone"], stdin: "", env: &[] }).ok();
    // A shell keeps the database open while its stdin stays open; once it
    // has answered `.tables` it certainly holds the file.
    let mut holder = Command::new(NATIVE)
        .args(["shell", "db.keystone"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a shell");
    let mut to_shell = holder.stdin.take().expect("stdin was piped");
    to_shell.write_all(b".tables\n").expect("talk to the shell");
    to_shell.flush().expect("talk to the shell");
    let mut answer = String::new();
    let mut from_shell = std::io::BufReader::new(holder.stdout.take().expect("stdout was piped"));
    std::io::BufRead::read_line(&mut from_shell, &mut answer).expect("hear the shell");
    assert_eq!(answer, "default\n");
    let attempt = run_native(dir.path(), &Invocation { args: &["put", "db.keystone", "k", "{}"], stdin: "", env: &[] });
    // A reader must not see a log the writer may be half-way through.
    let read = run_native(dir.path(), &Invocation { args: &["get", "db.keystone", "k"], stdin: "", env: &[] });
    drop(to_shell);
    assert!(holder.wait().is_ok_and(|s| s.success()));
    attempt.fails_with("db.keystone: the database is in use by another process");
    read.fails_with("db.keystone: the database is in use by another process");
    run_native(dir.path(), &Invocation { args: &["put", "db.keystone", "k", "{}"], stdin: "", env: &[] }).ok();
}

/// Native only, as above. Commands that only read take the shared lock a
/// read-only open takes, so they run while another reader holds the file;
/// commands that write still need it to themselves.
#[test]
fn read_only_commands_run_beside_another_reader() {
    let dir = Scratch::new("shared");
    let native = |args: &[&str], stdin: &str| run_native(dir.path(), &Invocation { args, stdin, env: &[] });
    native(&["create", "db.keystone"], "").ok();
    native(&["put", "db.keystone", "k", r#"{"v":1}"#], "").ok();
    let reader = std::fs::File::open(dir.file("db.keystone")).expect("open the database");
    reader.try_lock_shared().expect("take a shared lock");
    assert_eq!(native(&["get", "db.keystone", "k"], "").ok().stdout, "{\n  \"pk\": \"k\",\n  \"v\": 1\n}\n");
    native(&["tables", "db.keystone"], "").ok();
    native(&["query", "db.keystone", r#"SELECT * FROM "default""#], "").ok();
    let select = r#"{"Statement":"SELECT v FROM \"default\" WHERE pk = 'k'"}"#;
    assert_eq!(native(&["request", "db.keystone", "ExecuteStatement"], select).ok().stdout, "{\"Items\":[{\"v\":{\"N\":\"1\"}}]}\n");
    let in_use = "db.keystone: the database is in use by another process";
    native(&["put", "db.keystone", "k", r#"{"v":2}"#], "").fails_with(in_use);
    native(&["query", "db.keystone", r#"DELETE FROM "default" WHERE pk = 'k'"#], "").fails_with(in_use);
    let insert = r#"{"Statement":"INSERT INTO \"default\" VALUE {'pk': 'j'}"}"#;
    native(&["request", "db.keystone", "ExecuteStatement"], insert).fails_with(in_use);
    native(&["request", "db.keystone", "PutItem"], r#"{"TableName":"default","Item":{"pk":{"S":"j"}}}"#).fails_with(in_use);
    drop(reader);
    native(&["request", "db.keystone", "ExecuteStatement"], insert).ok();
}

#[test]
fn read_only_commands_leave_the_file_as_it_was() {
    let pair = Pair::new("readonly");
    for args in [
        &["tables", "missing.keystone"][..],
        &["query", "missing.keystone", r#"SELECT * FROM "default""#],
        &["export", "missing.keystone", "default"],
        &["verify", "missing.keystone"],
    ] {
        pair.run(args).fails_with("missing.keystone: no such database file (create one with `kstone create missing.keystone`)");
    }
    let select = r#"{"Statement":"SELECT * FROM \"default\" WHERE pk = 'a'"}"#;
    pair.run_stdin(&["request", "missing.keystone", "ExecuteStatement"], select).fails_with("missing.keystone: no such database file");
    pair.run(&["create", "db.keystone"]).ok();
    for i in 0..5 {
        pair.run(&["put", "db.keystone", &format!("user#{i}"), &format!(r#"{{"n":{i}}}"#)]).ok();
    }
    let before = pair.snapshot("db.keystone");
    pair.run(&["get", "db.keystone", "user#3"]).ok();
    pair.run(&["get", "db.keystone", "nobody"]).fails_with("no item with key nobody");
    assert_eq!(pair.run(&["tables", "db.keystone"]).ok().stdout, "default\n");
    // Each database has its own creation time and table id.
    let describe = Invocation { args: &["describe", "db.keystone", "default"], stdin: "", env: &[] };
    assert!(run_native(pair.native.path(), &describe).ok().stdout.contains("\"ItemCount\": 5"));
    assert!(run_wasi(pair.wasi.path(), &describe).ok().stdout.contains("\"ItemCount\": 5"));
    assert_eq!(pair.run(&["export", "db.keystone", "default"]).code, 0);
    pair.run_report(&["stats", "db.keystone"]).ok();
    pair.run(&["health", "db.keystone"]).ok();
    pair.run(&["verify", "db.keystone"]).ok();
    assert_eq!(pair.run(&["query", "db.keystone", r#"SELECT n FROM "default" WHERE pk = 'user#2'"#]).ok().stdout, "[\n  {\n    \"n\": 2\n  }\n]\n");
    let get = r#"{"TableName":"default","Key":{"pk":{"S":"user#1"}}}"#;
    assert_eq!(pair.run_stdin(&["request", "db.keystone", "GetItem"], get).ok().stdout, "{\"Item\":{\"n\":{\"N\":\"1\"},\"pk\":{\"S\":\"user#1\"}}}\n");
    pair.run_stdin(&["request", "db.keystone", "Scan"], r#"{"TableName":"default"}"#).ok();
    let statement = |pk: &str| format!(r#"{{"Statement":"SELECT n FROM \"default\" WHERE pk = '{pk}'"}}"#);
    assert_eq!(pair.run_stdin(&["request", "db.keystone", "ExecuteStatement"], &statement("user#4")).ok().stdout, "{\"Items\":[{\"n\":{\"N\":\"4\"}}]}\n");
    let batch = format!(r#"{{"Statements":[{}]}}"#, statement("user#0"));
    assert!(pair.run_stdin(&["request", "db.keystone", "BatchExecuteStatement"], &batch).ok().stdout.starts_with("{\"Responses\":"));
    let transaction = format!(r#"{{"TransactStatements":[{}]}}"#, statement("user#0"));
    assert!(pair.run_stdin(&["request", "db.keystone", "ExecuteTransaction"], &transaction).ok().stdout.starts_with("{\"Responses\":"));
    let bad = pair.run_stdin(&["request", "db.keystone", "ExecuteStatement"], r#"{"Statement":"SELEKT"}"#);
    assert!(bad.stdout.contains("#ValidationException"), "{bad:?}");
    assert_eq!(pair.snapshot("db.keystone"), before, "a command that only reads changed the database");

    // PartiQL writes still open the file for writing, through both doors.
    pair.run(&["query", "db.keystone", r#"INSERT INTO "default" VALUE {'pk': 'q', 'n': 7}"#]).ok();
    let insert = r#"{"Statement":"INSERT INTO \"default\" VALUE {'pk': 'r', 'n': 8}"}"#;
    assert_eq!(pair.run_stdin(&["request", "db.keystone", "ExecuteStatement"], insert).ok().stdout, "{\"Items\":[]}\n");
    let writes = r#"{"Statements":[{"Statement":"DELETE FROM \"default\" WHERE pk = 'q'"}]}"#;
    pair.run_stdin(&["request", "db.keystone", "BatchExecuteStatement"], writes).ok();
    pair.run(&["get", "db.keystone", "q"]).fails_with("no item with key q");
    assert!(pair.run(&["get", "db.keystone", "r"]).ok().stdout.contains("\"n\": 8"));
}

#[test]
fn query_prints_partiql_results_in_every_format() {
    let pair = Pair::new("query");
    pair.run(&["create", "db.keystone"]).ok();
    pair.run(&["put", "db.keystone", "user#1", r#"{"name":"Alice","age":30}"#]).ok();
    pair.run(&["put", "db.keystone", "user#2", r#"{"name":"Bob, Jr.","age":41}"#]).ok();
    let one = r#"SELECT * FROM "default" WHERE pk = 'user#1'"#;
    let json = pair.run(&["query", "db.keystone", one]).ok().stdout.clone();
    let items: serde_json::Value = serde_json::from_str(&json).expect("json output");
    assert_eq!(items, serde_json::json!([{"pk": "user#1", "name": "Alice", "age": 30}]));
    let all = r#"SELECT name, age FROM "default""#;
    let csv = pair.run(&["query", "db.keystone", all, "-o", "csv"]).ok().stdout.clone();
    let mut rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    rows[1..].sort();
    assert!(rows[1..].contains(&"\"Bob, Jr.\",41") || rows[1..].contains(&"41,\"Bob, Jr.\""), "{csv}");
    let jsonl = pair.run(&["query", "db.keystone", all, "-o", "jsonl", "--limit", "1"]).ok().stdout.clone();
    assert_eq!(jsonl.lines().count(), 1, "{jsonl}");
    let table = pair.run(&["query", "db.keystone", one, "-o", "table"]).ok().stdout.clone();
    assert!(table.contains("Alice") && table.ends_with("(1 item)\n"), "{table}");
    pair.run(&["query", "db.keystone", "SELEKT * FROM x"]).fails_with("ValidationException");
    pair.run(&["query", "db.keystone", r#"SELECT * FROM "nope""#]).fails_with("ResourceNotFoundException");
}

#[test]
fn shell_runs_multi_line_statements_from_stdin() {
    let pair = Pair::new("shell");
    pair.run(&["create", "db.keystone"]).ok();
    let script = "INSERT INTO \"default\" VALUE {'pk': 'a;1', 'n': 1};\nSELECT * FROM \"default\"\n  WHERE pk = 'a;1';\n.tables\n";
    let run = pair.run_stdin(&["shell", "db.keystone", "-o", "jsonl"], script);
    assert_eq!(run.ok().stdout, "{\"n\":1,\"pk\":\"a;1\"}\ndefault\n");
    let failing = pair.run_stdin(&["shell", "db.keystone"], "SELECT * FROM \"nope\";\n");
    assert_eq!(failing.code, 1, "{failing:?}");
    assert!(failing.stderr.starts_with("error: ResourceNotFoundException"), "{failing:?}");
    assert!(failing.stderr.ends_with("error: 1 statement failed\n"), "{failing:?}");
}

#[test]
fn maintenance_commands_report_on_the_file() {
    let pair = Pair::new("maint");
    pair.run(&["create", "db.keystone"]).ok();
    for i in 0..20 {
        pair.run(&["put", "db.keystone", &format!("k{i}"), r#"{"v":"x"}"#]).ok();
    }
    assert!(pair.run_report(&["stats", "db.keystone"]).ok().stdout.contains("file bytes"));
    assert!(pair.run(&["health", "db.keystone"]).ok().stdout.starts_with("healthy"));
    assert!(pair.run_report(&["compact", "db.keystone"]).ok().stdout.starts_with("Compacted db.keystone"));
    assert!(pair.run(&["verify", "db.keystone"]).ok().stdout.ends_with("no damage found\n"));
    assert!(pair.run(&["get", "db.keystone", "k7"]).ok().stdout.contains("\"v\": \"x\""));
}

#[test]
fn an_encrypted_database_opens_only_with_its_passphrase() {
    let pair = Pair::new("sealed");
    const VAR: &str = "KSTONE_TEST_PASSPHRASE";
    let right = [(VAR, "correct horse battery staple")];
    let wrong = [(VAR, "correct horse battery stapler")];
    let with = |args: &[&str], env: &[(&str, &str)]| pair.run_with(&Invocation { args, stdin: "", env });
    with(&["create", "db.keystone", "--passphrase-env", VAR], &right).ok();
    with(&["put", "db.keystone", "user#123", r#"{"name":"Alice","age":30}"#, "--passphrase-env", VAR], &right).ok();
    let got = with(&["get", "db.keystone", "user#123", "--passphrase-env", VAR], &right);
    assert_eq!(got.ok().stdout, "{\n  \"pk\": \"user#123\",\n  \"age\": 30,\n  \"name\": \"Alice\"\n}\n");
    assert!(with(&["verify", "db.keystone", "--passphrase-env", VAR], &right).ok().stdout.ends_with("no damage found\n"));
    let before = pair.snapshot("db.keystone");
    for bytes in [&before.0, &before.1] {
        assert!(!bytes.windows(5).any(|w| w == b"Alice"), "plaintext in the encrypted file");
    }

    with(&["get", "db.keystone", "user#123", "--passphrase-env", VAR], &wrong)
        .fails_with("db.keystone: wrong passphrase for this encrypted database");
    with(&["put", "db.keystone", "user#124", r#"{"name":"Mallory"}"#, "--passphrase-env", VAR], &wrong)
        .fails_with("wrong passphrase");
    pair.run(&["get", "db.keystone", "user#123"])
        .fails_with("db.keystone: the database is encrypted: a passphrase is required (give it with --passphrase-env VAR)");
    pair.run(&["put", "db.keystone", "user#124", r#"{"name":"Mallory"}"#]).fails_with("a passphrase is required");
    assert_eq!(pair.snapshot("db.keystone"), before, "a refused command changed the database");

    pair.run(&["create", "plain.keystone"]).ok();
    with(&["get", "plain.keystone", "k", "--passphrase-env", VAR], &right)
        .fails_with("plain.keystone: the database is not encrypted, but a passphrase was given");
}

#[test]
fn a_file_of_a_newer_format_version_is_refused() {
    let pair = Pair::new("future");
    pair.run(&["create", "db.keystone"]).ok();
    pair.run(&["put", "db.keystone", "k", r#"{"v":1}"#]).ok();
    // The format version is the u32 at offset 8 of the file header.
    for path in [pair.native.file("db.keystone"), pair.wasi.file("db.keystone")] {
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
        std::fs::write(&path, bytes).unwrap();
    }
    let before = pair.snapshot("db.keystone");
    pair.run(&["get", "db.keystone", "k"])
        .fails_with("db.keystone: unsupported format version 2 (this build reads versions up to 1)");
    pair.run(&["put", "db.keystone", "k", r#"{"v":2}"#]).fails_with("unsupported format version 2");
    assert_eq!(pair.snapshot("db.keystone"), before);
}
