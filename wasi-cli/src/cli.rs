//! The command line grammar, declared with clap's derive API.
//!
//! Each subcommand is one variant of [`Command`]; its doc comment is the help
//! text. Global options (`--table`, `--passphrase-env`) sit on [`Cli`] so they
//! can be given before or after the subcommand. A passphrase is only ever read
//! from an environment variable named on the command line, never from the
//! command line itself, where other users could see it in the process list.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  kstone create mydb.keystone
  kstone put mydb.keystone user#123 '{\"name\":\"Alice\",\"age\":30}'
  kstone get mydb.keystone user#123
  kstone delete mydb.keystone user#123
  kstone query mydb.keystone \"SELECT * FROM \\\"default\\\" WHERE pk = 'user#123'\" -o json
  kstone create-table mydb.keystone orders --pk customer:S --sk placed:N
  echo '{\"TableName\":\"orders\"}' | kstone request mydb.keystone DescribeTable
  kstone export mydb.keystone orders orders.jsonl
  kstone shell mydb.keystone

Items given as plain JSON map to DynamoDB types as @aws-sdk/util-dynamodb
marshalls them: numbers -> N (kept exactly), strings -> S, booleans -> BOOL,
null -> NULL, arrays -> L, objects -> M.";

#[derive(Parser, Debug)]
#[command(
    name = "kstone",
    // Not argv[0]: under wasmtime that is the module's file name.
    bin_name = "kstone",
    version,
    about = "KeystoneDB: a single-file, embedded, DynamoDB-compatible database",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    /// Table for put/get/delete (default: the table `default`, hash key `pk`).
    #[arg(long, global = true, value_name = "TABLE")]
    pub table: Option<String>,

    /// Read the passphrase of an encrypted database from this environment variable.
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// How `query` and `shell` print items.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A text table (the default on a terminal).
    Table,
    /// One pretty-printed JSON array (the default otherwise).
    Json,
    /// One compact JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// When `kstone serve` makes an acknowledged write durable.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurabilityArg {
    /// Every write is synced before it is acknowledged (concurrent writers share syncs).
    Sync,
    /// Writes are acknowledged at once and synced every 100 ms.
    Group,
    /// Synced only on flush and shutdown: for throwaway data.
    None,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve DynamoDB's HTTP API (JSON 1.0) for the AWS CLI and SDKs
    /// (`--endpoint-url http://127.0.0.1:8000`).
    #[cfg(not(target_os = "wasi"))]
    #[command(after_help = "Examples:\n  kstone serve mydb.keystone --port 8000\n  kstone serve --in-memory\n  aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000")]
    Serve {
        /// Database file, created if missing (leave out with --in-memory).
        #[arg(required_unless_present = "in_memory", conflicts_with = "in_memory")]
        db: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 picks a free one; the start-up line says which).
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Keep the database in memory only.
        #[arg(long)]
        in_memory: bool,
        /// Accept only requests signed (SigV4) with this key pair.
        #[arg(long, value_name = "KEY:SECRET")]
        require_auth: Option<String>,
        #[arg(long, value_enum, default_value = "sync")]
        durability: DurabilityArg,
        /// off, error, warn, info (one line per request) or debug (bodies too).
        #[arg(long, default_value = "info")]
        log_level: String,
    },

    /// Create a new database file with the table `default` (hash key `pk`, a string).
    Create { db: PathBuf },

    /// Put an item: the key, then the other attributes as a plain JSON object.
    #[command(after_help = "Example:\n  kstone put mydb.keystone user#123 '{\"name\":\"Alice\",\"age\":30}'")]
    Put {
        db: PathBuf,
        /// Partition key value.
        key: String,
        /// The item's attributes as a JSON object (`-` reads it from stdin).
        item: String,
        /// Sort key value, for tables with a sort key.
        #[arg(long)]
        sk: Option<String>,
    },

    /// Print an item as plain JSON (exit 1 if there is none).
    Get {
        db: PathBuf,
        key: String,
        #[arg(long)]
        sk: Option<String>,
    },

    /// Delete an item (deleting a missing item is not an error).
    Delete {
        db: PathBuf,
        key: String,
        #[arg(long)]
        sk: Option<String>,
    },

    /// Run a PartiQL statement (ExecuteStatement) and print the items it returns.
    #[command(after_help = "Examples:\n  kstone query mydb.keystone \"SELECT * FROM users WHERE pk = 'user#123'\"\n  kstone query mydb.keystone \"SELECT name, age FROM users\" -o csv --limit 100")]
    Query {
        db: PathBuf,
        statement: String,
        /// Output format [default: table on a terminal, json otherwise].
        #[arg(short, long, value_enum)]
        output: Option<Format>,
        /// Print at most this many items.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },

    /// Run one DynamoDB operation: request JSON on stdin (or --input), response JSON on stdout.
    #[command(after_help = "Example:\n  echo '{\"TableName\":\"users\",\"Key\":{\"pk\":{\"S\":\"user#123\"}}}' | kstone request mydb.keystone GetItem\n\nOn error prints {\"__type\":\"com.amazonaws.dynamodb.v20120810#<Exception>\",\"message\":\"...\"} and exits 1.")]
    Request {
        db: PathBuf,
        /// The operation name, e.g. PutItem, Query, TransactWriteItems.
        operation: String,
        /// Read the request from this file instead of stdin.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
    },

    /// List the tables, one name per line.
    Tables { db: PathBuf },

    /// Print a table's description (DescribeTable) as JSON.
    Describe { db: PathBuf, table_name: String },

    /// Create a table with a hash key and an optional range key (types S, N or B).
    #[command(after_help = "Example:\n  kstone create-table mydb.keystone orders --pk customer:S --sk placed:N")]
    CreateTable {
        db: PathBuf,
        table_name: String,
        /// Hash key as NAME:TYPE.
        #[arg(long, value_name = "NAME:TYPE")]
        pk: String,
        /// Range key as NAME:TYPE.
        #[arg(long, value_name = "NAME:TYPE")]
        sk: Option<String>,
    },

    /// Import items from DynamoDB S3 export lines ({"Item":{...}} per line).
    Import { db: PathBuf, table_name: String, file: PathBuf },

    /// Export a table as DynamoDB S3 export lines (to stdout without FILE).
    Export { db: PathBuf, table_name: String, file: Option<PathBuf> },

    /// Storage statistics: sizes, levels, cache, WAL.
    Stats { db: PathBuf },

    /// Health status and its reasons (exit 1 when unhealthy).
    Health { db: PathBuf },

    /// Merge every SST into the bottom level, dropping overwritten and deleted data.
    Compact { db: PathBuf },

    /// Check every checksum in the file (exit 1 when anything is damaged).
    Verify { db: PathBuf },

    /// An interactive PartiQL shell; statements end with `;`.
    Shell {
        db: PathBuf,
        /// Output format [default: table on a terminal, json otherwise].
        #[arg(short, long, value_enum)]
        output: Option<Format>,
    },
}

impl Command {
    /// The database file every subcommand works on.
    pub fn db_path(&self) -> &PathBuf {
        match self {
            Command::Create { db }
            | Command::Put { db, .. }
            | Command::Get { db, .. }
            | Command::Delete { db, .. }
            | Command::Query { db, .. }
            | Command::Request { db, .. }
            | Command::Tables { db }
            | Command::Describe { db, .. }
            | Command::CreateTable { db, .. }
            | Command::Import { db, .. }
            | Command::Export { db, .. }
            | Command::Shell { db, .. }
            | Command::Stats { db }
            | Command::Health { db }
            | Command::Compact { db }
            | Command::Verify { db } => db,
            // `main` starts the server before it opens a session.
            #[cfg(not(target_os = "wasi"))]
            Command::Serve { .. } => unreachable!("serve opens its own database"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_seed_quickstart() {
        let cli = Cli::try_parse_from(["kstone", "put", "mydb.keystone", "user#123", "{\"name\":\"Alice\"}"]).unwrap();
        assert!(matches!(cli.command, Command::Put { ref key, .. } if key == "user#123"));
        let cli = Cli::try_parse_from(["kstone", "query", "db", "SELECT * FROM t", "-o", "csv", "--limit", "5"]).unwrap();
        assert!(matches!(cli.command, Command::Query { output: Some(Format::Csv), limit: Some(5), .. }));
    }
}
