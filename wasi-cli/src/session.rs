//! Opening a database for one command, and the one way the CLI talks to it.
//!
//! Every subcommand opens the file, runs DynamoDB operations through
//! [`Database::execute`] and exits; the CLI never reaches below that door, so
//! it behaves exactly like the HTTP server and the JavaScript package. This
//! module also turns failures into the one-line messages the user sees
//! ([`CliError`]), with the file name in front of storage problems.
//!
//! Writes are synced before they are acknowledged ([`Durability::Sync`]): a
//! CLI process exits right after its command, so a write that was only
//! scheduled for a later group sync could otherwise be lost. Commands that
//! only read open the file read-only ([`Mode::ReadOnly`]): the engine then
//! never writes or syncs it, which spares them a sync on exit, and several of
//! them can read one database at once.

use kstone_engine::{Database, DatabaseConfig, Durability, Error, StorageError};
use serde_json::{json, Value};
use std::fmt;
use std::path::Path;

/// A failure reported as `error: <message>` on stderr, exiting with `code`.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> CliError {
        CliError { message: message.into(), code: 1 }
    }

    /// An engine error: the exception name first, so scripts can match it.
    pub fn engine(err: &Error) -> CliError {
        match err {
            Error::Storage(storage) => CliError::new(storage.to_string()),
            other => CliError::new(format!("{}: {}", other.name(), one_line(&other.to_string()))),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Messages are printed on one line; fold any line breaks an error carries.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

pub type CliResult<T> = Result<T, CliError>;

/// The name of the table `kstone create` makes and put/get/delete default to.
pub const DEFAULT_TABLE: &str = "default";
/// Its hash key: a string attribute `pk`, as in the seed.
pub const DEFAULT_HASH_KEY: &str = "pk";

/// An open database and the name it was opened by (for messages).
pub struct Session {
    pub db: Database,
    pub shown_path: String,
}

/// Whether the file must exist already or must not, and whether the
/// command may write to it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Existing,
    /// An existing file that the command only reads.
    ReadOnly,
    CreateNew,
}

impl Session {
    pub fn open(path: &Path, mode: Mode, passphrase_env: Option<&str>) -> CliResult<Session> {
        let shown_path = path.display().to_string();
        let passphrase = match passphrase_env {
            None => None,
            Some(var) => Some(std::env::var(var).map_err(|_| {
                CliError::new(format!("environment variable {var} (from --passphrase-env) is not set"))
            })?),
        };
        let config = DatabaseConfig { passphrase, durability: Durability::Sync, ..DatabaseConfig::default() };
        if mode != Mode::CreateNew {
            check_existing(path, &shown_path)?;
        }
        let opened = match mode {
            Mode::Existing => Database::open_with_config(path, config),
            Mode::ReadOnly => {
                match Database::open_with_config(path, DatabaseConfig { read_only: true, ..config.clone() }) {
                    // Work a crash interrupted needs a writer: open as the
                    // command always did, which finishes it first.
                    Err(Error::Storage(StorageError::NeedsWritableOpen)) => Database::open_with_config(path, config),
                    other => other,
                }
            }
            Mode::CreateNew => Database::create_with_config(path, config),
        };
        let db = opened.map_err(|e| open_error(&e, &shown_path, mode))?;
        Ok(Session { db, shown_path })
    }

    /// Run one operation.
    pub fn call(&self, operation: &str, request: Value) -> Result<Value, Error> {
        self.db.execute(operation, &request)
    }

    /// Run one operation; an error becomes the user-facing message.
    pub fn run(&self, operation: &str, request: Value) -> CliResult<Value> {
        self.call(operation, request).map_err(|e| self.engine_error(&e))
    }

    pub fn engine_error(&self, err: &Error) -> CliError {
        match err {
            Error::Storage(storage) => CliError::new(format!("{}: {storage}", self.shown_path)),
            other => CliError::engine(other),
        }
    }

    /// Create the seed-style default table (hash key `pk`, a string).
    pub fn create_default_table(&self) -> CliResult<()> {
        self.run(
            "CreateTable",
            json!({
                "TableName": DEFAULT_TABLE,
                "KeySchema": [{"AttributeName": DEFAULT_HASH_KEY, "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": DEFAULT_HASH_KEY, "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST"
            }),
        )?;
        Ok(())
    }

    /// The key attributes of `table`, from DescribeTable.
    pub fn key_schema(&self, table: &str) -> Result<KeySchema, Error> {
        let described = self.call("DescribeTable", json!({ "TableName": table }))?;
        KeySchema::from_description(&described["Table"])
            .ok_or_else(|| Error::Validation(format!("table {table} has no readable key schema")))
    }
}

/// A table's key: the hash key and, optionally, the range key, each with its
/// attribute type (`S`, `N` or `B`).
#[derive(Debug, Clone, PartialEq)]
pub struct KeySchema {
    pub hash: KeyAttribute,
    pub range: Option<KeyAttribute>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyAttribute {
    pub name: String,
    pub kind: String,
}

impl KeySchema {
    /// Read `KeySchema` and `AttributeDefinitions` of a `TableDescription`.
    pub fn from_description(table: &Value) -> Option<KeySchema> {
        let kind_of = |name: &str| {
            table["AttributeDefinitions"].as_array()?.iter().find(|d| d["AttributeName"] == name)?["AttributeType"]
                .as_str()
                .map(str::to_string)
        };
        let mut hash = None;
        let mut range = None;
        for element in table["KeySchema"].as_array()? {
            let name = element["AttributeName"].as_str()?.to_string();
            let attribute = KeyAttribute { kind: kind_of(&name)?, name };
            match element["KeyType"].as_str()? {
                "HASH" => hash = Some(attribute),
                "RANGE" => range = Some(attribute),
                _ => return None,
            }
        }
        Some(KeySchema { hash: hash?, range })
    }

    /// The DynamoDB `Key` for the values given on the command line.
    pub fn key(&self, table: &str, hash: &str, range: Option<&str>) -> CliResult<serde_json::Map<String, Value>> {
        let mut key = serde_json::Map::new();
        key.insert(self.hash.name.clone(), json!({ self.hash.kind.as_str(): hash }));
        match (&self.range, range) {
            (Some(attribute), Some(value)) => {
                key.insert(attribute.name.clone(), json!({ attribute.kind.as_str(): value }));
            }
            (Some(attribute), None) => {
                return Err(CliError::new(format!(
                    "table {table} has a sort key ({}); give its value with --sk",
                    attribute.name
                )))
            }
            (None, Some(_)) => return Err(CliError::new(format!("table {table} has no sort key; drop --sk"))),
            (None, None) => {}
        }
        Ok(key)
    }
}

/// Refuse what cannot be a database before the engine sees it: a missing
/// path, a directory, or an empty file (which opening would initialise,
/// silently turning a stray file into a database).
fn check_existing(path: &Path, shown: &str) -> CliResult<()> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CliError::new(format!(
            "{shown}: no such database file (create one with `kstone create {shown}`)"
        ))),
        Err(e) => Err(CliError::new(format!("{shown}: {}", io_message(&e)))),
        Ok(meta) if meta.is_dir() => Err(CliError::new(format!("{shown}: is a directory, not a KeystoneDB file"))),
        Ok(meta) if meta.len() == 0 => Err(CliError::new(format!("{shown}: not a KeystoneDB database file (it is empty)"))),
        Ok(_) => Ok(()),
    }
}

fn open_error(err: &Error, shown: &str, mode: Mode) -> CliError {
    match err {
        Error::Storage(StorageError::Io(io)) if io.kind() == std::io::ErrorKind::AlreadyExists && mode == Mode::CreateNew => {
            CliError::new(format!("{shown} already exists"))
        }
        Error::Storage(StorageError::Io(io)) => CliError::new(format!("{shown}: {}", io_message(io))),
        Error::Storage(StorageError::Locked) => {
            CliError::new(format!("{shown}: the database is in use by another process (it is locked for writing)"))
        }
        Error::Storage(StorageError::PassphraseRequired) => {
            CliError::new(format!("{shown}: {} (give it with --passphrase-env VAR)", StorageError::PassphraseRequired))
        }
        Error::Storage(storage) => CliError::new(format!("{shown}: {storage}")),
        other => CliError::engine(other),
    }
}

/// An I/O error without Rust's "(os error N)" suffix, so native and WASI
/// builds print the same words.
pub fn io_message(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match err.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        AlreadyExists => "already exists".into(),
        IsADirectory => "is a directory".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_key_schema_and_builds_keys() {
        let table = json!({
            "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}, {"AttributeName": "t", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "t", "AttributeType": "N"}, {"AttributeName": "c", "AttributeType": "S"}]
        });
        let schema = KeySchema::from_description(&table).unwrap();
        assert_eq!(schema.range.as_ref().unwrap().kind, "N");
        let key = schema.key("orders", "alice", Some("42")).unwrap();
        assert_eq!(Value::Object(key), json!({"c": {"S": "alice"}, "t": {"N": "42"}}));
        assert!(schema.key("orders", "alice", None).unwrap_err().message.contains("--sk"));
    }

    #[test]
    fn messages_fold_to_one_line() {
        assert_eq!(one_line("a\n  b\r\n"), "a b");
    }
}
