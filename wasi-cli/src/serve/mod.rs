//! `kstone serve`: DynamoDB's JSON 1.0 protocol over HTTP/1.1, so the AWS CLI
//! and every AWS SDK work against a local `.keystone` file with
//! `--endpoint-url http://127.0.0.1:8000`.
//!
//! The HTTP layer is hyper on tokio. Each request is decoded (target header,
//! body size limit, JSON), optionally checked for a valid SigV4 signature,
//! and handed to the engine's one door, `Database::execute`, on tokio's
//! blocking pool: the engine is synchronous, serialises writes itself and
//! lets reads run side by side, and a durable commit may wait for an fsync,
//! which must not stall the event loop. Responses carry DynamoDB's headers
//! (`x-amzn-RequestId`, `x-amz-crc32`) and errors DynamoDB's `__type`
//! namespaces, since SDKs read the exception name from there.
//!
//! A body over the limit is answered with 413 only after the rest of it has
//! been read and dropped (up to four times the limit, for ten seconds):
//! closing on a client that is still sending makes it see a connection reset
//! instead of the answer. A client that waits for `100-continue` is refused
//! before it sends anything.
//!
//! On SIGINT or SIGTERM the server stops accepting, lets requests in flight
//! finish (for up to ten seconds), then closes the database so that every
//! acknowledged write is on disk.

mod sigv4;

pub use sigv4::Credentials;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kstone_engine::{Database, Error};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// DynamoDB's own request limit.
pub const DEFAULT_MAX_BODY: usize = 16 << 20;

/// How chatty the server is on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    /// Start, stop, and one line per request.
    Info,
    /// Also request and response bodies.
    Debug,
}

impl std::str::FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "off" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            other => return Err(format!("unknown log level '{other}' (off, error, warn, info, debug)")),
        })
    }
}

pub struct ServeOptions {
    pub host: String,
    pub port: u16,
    pub auth: Option<Credentials>,
    pub log: LogLevel,
    pub max_body: usize,
    /// What to call the database in the start-up line.
    pub label: String,
}

struct State {
    db: Arc<Database>,
    auth: Option<Credentials>,
    log: LogLevel,
    max_body: usize,
    requests: AtomicU64,
}

/// Serve until SIGINT/SIGTERM, then close the database.
pub fn run(db: Database, opts: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    let db = Arc::new(db);
    let result = runtime.block_on(serve(db.clone(), opts));
    // Every request task has finished (or been cut off by the grace period);
    // closing flushes the memtable and syncs so acknowledged writes are durable.
    drop(runtime);
    let closed = db.close().map_err(|e| format!("closing the database failed: {e}"));
    result.and(closed)
}

/// What the `serve` subcommand was given.
pub struct CommandOptions {
    pub db: Option<std::path::PathBuf>,
    pub host: String,
    pub port: u16,
    pub require_auth: Option<String>,
    pub durability: crate::cli::DurabilityArg,
    pub log_level: String,
    pub passphrase: Option<String>,
}

/// Open (or create) the database and serve it.
pub fn start(o: CommandOptions) -> Result<(), String> {
    use crate::cli::DurabilityArg;
    use kstone_engine::{DatabaseConfig, Durability};
    let log: LogLevel = o.log_level.parse()?;
    let auth = o.require_auth.as_deref().map(Credentials::parse).transpose()?;
    let durability = match o.durability {
        DurabilityArg::Sync => Durability::Sync,
        DurabilityArg::Group => Durability::default(),
        DurabilityArg::None => Durability::None,
    };
    let config = DatabaseConfig { durability, passphrase: o.passphrase, ..DatabaseConfig::default() };
    let (db, label) = match &o.db {
        None => (Database::in_memory().map_err(|e| e.to_string())?, "in memory".to_string()),
        Some(path) => {
            let shown = path.display().to_string();
            let opened = if path.exists() {
                Database::open_with_config(path, config)
            } else {
                Database::create_with_config(path, config)
            };
            (opened.map_err(|e| format!("{shown}: {e}"))?, shown)
        }
    };
    run(db, ServeOptions { host: o.host, port: o.port, auth, log, max_body: DEFAULT_MAX_BODY, label })
}

async fn serve(db: Arc<Database>, opts: ServeOptions) -> Result<(), String> {
    let addr = format!("{}:{}", opts.host, opts.port);
    let listener = tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    let state = Arc::new(State {
        db,
        auth: opts.auth,
        log: opts.log,
        max_body: opts.max_body,
        requests: AtomicU64::new(0),
    });
    announce(&mut std::io::stderr().lock(), local, &opts.label);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        if state.log >= LogLevel::Warn {
                            eprintln!("WARN accept failed: {e}");
                        }
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    if state.log >= LogLevel::Info {
        eprintln!("kstone serve: shutting down after {} requests", state.requests.load(Ordering::Relaxed));
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => {
            if state.log >= LogLevel::Warn {
                eprintln!("WARN connections still open after 10 s; closing anyway");
            }
        }
    }
    Ok(())
}

/// Write the start-up line, which scripts and tests wait for and read the
/// port from. It goes out in one `write`: `eprintln!` writes each formatted
/// piece separately (`127`, `.`, `0`, …), so a reader of the pipe could see
/// `…listening on http://127` and connect to host `127` (0.0.0.127) instead.
fn announce(out: &mut impl std::io::Write, local: SocketAddr, label: &str) {
    let line = format!("kstone serve: listening on http://{local} ({label})\n");
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The namespace DynamoDB puts before an exception name in `__type`.
fn type_namespace(name: &str) -> &'static str {
    match name {
        "ValidationException" => "com.amazon.coral.validate",
        "SerializationException"
        | "UnknownOperationException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "AccessDeniedException"
        | "RequestEntityTooLargeException" => "com.amazon.coral.service",
        _ => "com.amazonaws.dynamodb.v20120810",
    }
}

fn request_id(n: u64) -> String {
    // 52 upper-case letters and digits, like DynamoDB's; unique per process run.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ nanos;
    (0..52)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

fn response(status: StatusCode, body: String, n: u64) -> Response<Full<Bytes>> {
    let crc = crc32fast::hash(body.as_bytes());
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/x-amz-json-1.0"));
    if let Ok(v) = HeaderValue::from_str(&request_id(n)) {
        h.insert(HeaderName::from_static("x-amzn-requestid"), v);
    }
    h.insert(HeaderName::from_static("x-amz-crc32"), HeaderValue::from(crc));
    cors(h);
    resp
}

fn cors(h: &mut hyper::HeaderMap) {
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-expose-headers",
        HeaderValue::from_static("x-amzn-RequestId, x-amz-crc32, x-amzn-ErrorType"),
    );
}

fn error_response(name: &str, message: &str, extra: Option<Value>, n: u64) -> Response<Full<Bytes>> {
    let mut body = json!({ "__type": format!("{}#{name}", type_namespace(name)), "message": message });
    if let (Some(Value::Object(extra)), Some(obj)) = (extra, body.as_object_mut()) {
        for (k, v) in extra {
            obj.insert(k, v);
        }
    }
    let status = if name == "InternalServerError" { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::BAD_REQUEST };
    let status = if name == "RequestEntityTooLargeException" { StatusCode::PAYLOAD_TOO_LARGE } else { status };
    let mut resp = response(status, body.to_string(), n);
    if let Ok(v) = HeaderValue::from_str(name) {
        resp.headers_mut().insert(HeaderName::from_static("x-amzn-errortype"), v);
    }
    resp
}

fn engine_error(e: &Error, n: u64) -> Response<Full<Bytes>> {
    let body = e.to_json();
    let extra = body.as_object().map(|o| {
        Value::Object(o.iter().filter(|(k, _)| *k != "__type" && *k != "message").map(|(k, v)| (k.clone(), v.clone())).collect())
    });
    error_response(e.name(), &e.to_string(), extra, n)
}

/// How much of an oversized body is read and thrown away so the answer can be
/// delivered: a client still sending when the server closes gets a reset
/// instead of the 413. Beyond this the connection is closed.
fn drain_cap(max_body: usize) -> u64 {
    (max_body as u64).saturating_mul(4)
}

/// How long a client may take to send the rest of an oversized body.
const DRAIN_TIME: Duration = Duration::from_secs(10);

enum BodyRead {
    Whole(Bytes),
    /// Over the limit; `drained` when the rest was read to its end.
    TooLarge { drained: bool },
    /// The connection failed mid-body.
    Failed,
}

/// Read a request body of at most `max` bytes (chunked or not).
async fn read_body(mut body: Incoming, max: usize) -> BodyRead {
    let mut buf = bytes::BytesMut::new();
    loop {
        match body.frame().await {
            None => return BodyRead::Whole(buf.freeze()),
            Some(Err(_)) => return BodyRead::Failed,
            Some(Ok(frame)) => {
                let Some(data) = frame.data_ref() else { continue };
                if buf.len() + data.len() > max {
                    let seen = (buf.len() + data.len()) as u64;
                    drop(buf);
                    let drained = tokio::time::timeout(DRAIN_TIME, discard(body, drain_cap(max).saturating_sub(seen)))
                        .await
                        .unwrap_or(false);
                    return BodyRead::TooLarge { drained };
                }
                buf.extend_from_slice(data);
            }
        }
    }
}

/// Read and drop the rest of `body`; false when it is longer than `budget`.
async fn discard(mut body: Incoming, mut budget: u64) -> bool {
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return false };
        if let Some(data) = frame.data_ref() {
            let len = data.len() as u64;
            if len > budget {
                return false;
            }
            budget -= len;
        }
    }
    true
}

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Response<Full<Bytes>>, Infallible> {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let (resp, op) = dispatch(req, &state, n).await;
    if state.log >= LogLevel::Info {
        eprintln!(
            "INFO {} {} {:.2}ms",
            op.as_deref().unwrap_or("-"),
            resp.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(resp)
}

async fn dispatch(req: Request<Incoming>, state: &State, n: u64) -> (Response<Full<Bytes>>, Option<String>) {
    match *req.method() {
        Method::POST => {}
        Method::OPTIONS => {
            let mut resp = response(StatusCode::OK, String::new(), n);
            let h = resp.headers_mut();
            h.insert("access-control-allow-methods", HeaderValue::from_static("POST, GET, OPTIONS"));
            h.insert("access-control-allow-headers", HeaderValue::from_static("*"));
            h.insert("access-control-max-age", HeaderValue::from_static("86400"));
            return (resp, None);
        }
        Method::GET => return (response(StatusCode::OK, "healthy: kstone serve".into(), n), None),
        _ => return (error_response("UnknownOperationException", "", None, n), None),
    }
    let (parts, body) = req.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
        .collect();
    let too_large = |connection_usable: bool| {
        let mut resp = error_response(
            "RequestEntityTooLargeException",
            &format!("Request must be smaller than {} bytes", state.max_body),
            None,
            n,
        );
        if !connection_usable {
            // Part of the body was never read, so the connection cannot carry
            // another request: say so, or a client would reuse it and fail.
            resp.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    };
    let declared = parts.headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let expects_continue = parts
        .headers
        .get(hyper::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if let Some(len) = declared.filter(|&len| len > state.max_body as u64) {
        // A client waiting for 100-continue has not sent the body: answer
        // at once. So does one announcing more than is worth discarding.
        if expects_continue || len > drain_cap(state.max_body) {
            return (too_large(false), None);
        }
    }
    let body = match read_body(body, state.max_body).await {
        BodyRead::Whole(b) => b,
        BodyRead::TooLarge { drained } => return (too_large(drained), None),
        BodyRead::Failed => return (too_large(false), None),
    };
    if let Some(creds) = &state.auth {
        let signed = sigv4::SignedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &headers,
            body: &body,
        };
        if let Err(e) = sigv4::verify(&signed, creds) {
            return (error_response(e.name, &e.message, None, n), None);
        }
    }
    let target = headers.iter().find(|(k, _)| k == "x-amz-target").map(|(_, v)| v.as_str()).unwrap_or("");
    let op = target
        .strip_prefix("DynamoDB_20120810.")
        .or_else(|| target.strip_prefix("DynamoDBStreams_20120810."))
        .filter(|op| !op.is_empty())
        .map(String::from);
    let Some(op) = op else {
        return (error_response("UnknownOperationException", "", None, n), None);
    };
    let request = match request_text(&body) {
        Ok(text) => text,
        Err(message) => return (error_response("SerializationException", &message, None, n), Some(op)),
    };
    if state.log >= LogLevel::Debug {
        eprintln!("DEBUG {op} request {request}");
    }
    let db = state.db.clone();
    let op_for_engine = op.clone();
    let outcome = tokio::task::spawn_blocking(move || db.execute_json(&op_for_engine, &request)).await;
    let resp = match outcome {
        Ok(Ok(body)) => {
            if state.log >= LogLevel::Debug {
                eprintln!("DEBUG {op} response {body}");
            }
            response(StatusCode::OK, body, n)
        }
        Ok(Err(e)) => {
            if e.is_server_error() && state.log >= LogLevel::Error {
                eprintln!("ERROR {op}: {e}");
            }
            engine_error(&e, n)
        }
        Err(join) => {
            if state.log >= LogLevel::Error {
                eprintln!("ERROR {op}: request task failed: {join}");
            }
            error_response("InternalServerError", "Internal server error", None, n)
        }
    };
    (resp, Some(op))
}

/// The request body as the JSON object text the engine's text door takes
/// (an empty body is `{}`), or the `SerializationException` message for a
/// body that is not a JSON object. Well-formed objects are checked in one
/// pass that builds nothing; anything else is parsed again for its exact
/// error.
fn request_text(body: &[u8]) -> Result<String, String> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok("{}".into());
    }
    let starts_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if let (true, Ok(text)) = (starts_object, std::str::from_utf8(body)) {
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Ok(text.to_string());
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(object @ Value::Object(_)) => Ok(object.to_string()),
        Ok(_) => Err("Start of structure or map found where not expected".into()),
        Err(e) => Err(format!("Malformed JSON request: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kstone_engine::StorageError;

    /// Records each `write` call separately.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_body_becomes_object_text_or_the_serialization_message() {
        assert_eq!(request_text(b"  \n").unwrap(), "{}");
        assert_eq!(request_text(br#" {"TableName": "T"} "#).unwrap(), r#" {"TableName": "T"} "#);
        let not_object = "Start of structure or map found where not expected";
        assert_eq!(request_text(b"[1,2]").unwrap_err(), not_object);
        assert_eq!(request_text(b"\"text\"").unwrap_err(), not_object);
        assert!(request_text(b"{not json").unwrap_err().starts_with("Malformed JSON request: "));
        assert!(request_text(b"{\"a\": 1} x").unwrap_err().starts_with("Malformed JSON request: "));
        assert!(request_text(b"{\"a\": \"\xff\"}").unwrap_err().starts_with("Malformed JSON request: "));
    }

    #[test]
    fn the_start_up_line_is_one_write() {
        let mut out = Writes::default();
        announce(&mut out, "127.0.0.1:45678".parse().unwrap(), "in memory");
        assert_eq!(out.0, vec![b"kstone serve: listening on http://127.0.0.1:45678 (in memory)\n".to_vec()]);
    }

    fn body_json(resp: Response<Full<Bytes>>) -> (StatusCode, hyper::HeaderMap, Value) {
        let (parts, body) = resp.into_parts();
        let bytes = block_on(body.collect()).unwrap().to_bytes();
        let crc = crc32fast::hash(&bytes);
        assert_eq!(parts.headers["x-amz-crc32"].to_str().unwrap(), crc.to_string());
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap())
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn storage_failures_are_500_internal_server_error() {
        let (status, headers, body) = body_json(engine_error(&Error::Storage(StorageError::Closed), 7));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError");
        assert_eq!(headers["x-amzn-errortype"], "InternalServerError");
    }

    #[test]
    fn client_errors_are_400_in_their_namespaces() {
        let (status, _, body) = body_json(error_response("SerializationException", "bad", None, 1));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, json!({"__type": "com.amazon.coral.service#SerializationException", "message": "bad"}));
        let (status, _, body) = body_json(error_response("ResourceNotFoundException", "gone", None, 2));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["__type"], "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
    }
}
