//! `kstone`: the KeystoneDB command line, built natively and for wasm32-wasip1.
//!
//! A thin shell around the engine's one door, `Database::execute`: parse the
//! arguments ([`cli`]), open the file ([`session`]), build DynamoDB requests,
//! print the answers ([`output`], [`plain`]). Under WASI it runs with a
//! preopened directory: `wasmtime run --dir . kstone.wasm -- get db.keystone k`.
//!
//! Every failure is one line on stderr, `error: ...`, and a non-zero exit
//! code (1 for errors, 2 for bad usage); nothing panics on bad input, and a
//! command that fails before writing leaves the database as it was.

mod cli;
mod commands;
mod output;
mod plain;
mod progress;
#[cfg(not(target_os = "wasi"))]
mod serve;
mod session;

#[cfg(not(target_os = "wasi"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use cli::{Cli, Command};
use commands::items::Target;
use session::{CliError, CliResult, Mode, Session};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let _ = std::io::stdout().flush();
            eprintln!("error: {}", session::one_line(&err.message));
            ExitCode::from(err.code)
        }
    }
}

fn run(cli: Cli) -> CliResult<ExitCode> {
    #[cfg(not(target_os = "wasi"))]
    if let Command::Serve { db, host, port, in_memory, require_auth, durability, log_level } = &cli.command {
        let passphrase = match cli.passphrase_env.as_deref() {
            None => None,
            Some(var) => Some(std::env::var(var).map_err(|_| {
                CliError::new(format!("environment variable {var} (from --passphrase-env) is not set"))
            })?),
        };
        let options = serve::CommandOptions {
            db: if *in_memory { None } else { db.clone() },
            host: host.clone(),
            port: *port,
            require_auth: require_auth.clone(),
            durability: *durability,
            log_level: log_level.clone(),
            passphrase,
        };
        serve::start(options).map_err(CliError::new)?;
        return Ok(ExitCode::SUCCESS);
    }
    // A PartiQL `request` reads its input before the open, to know whether it
    // writes (unless the database is missing: the open fails first, as
    // always); a failure to read it is still reported after the open.
    let request = match &cli.command {
        Command::Request { db, operation, input } if commands::request::depends_on_request(operation) && db.is_file() => {
            Some(commands::request::read_request(input.as_deref()))
        }
        _ => None,
    };
    let mode = match &cli.command {
        Command::Create { .. } => Mode::CreateNew,
        Command::Get { .. }
        | Command::Tables { .. }
        | Command::Describe { .. }
        | Command::Export { .. }
        | Command::Stats { .. }
        | Command::Health { .. }
        | Command::Verify { .. } => Mode::ReadOnly,
        Command::Query { statement, .. } if commands::query::only_reads(statement) => Mode::ReadOnly,
        Command::Request { operation, .. } => {
            let text = request.as_ref().and_then(|r| r.as_deref().ok());
            if commands::request::only_reads(operation, text) { Mode::ReadOnly } else { Mode::Existing }
        }
        _ => Mode::Existing,
    };
    let session = Session::open(cli.command.db_path(), mode, cli.passphrase_env.as_deref())?;
    let target = Target::new(cli.table.as_deref());
    let text = match &cli.command {
        Command::Create { .. } => commands::items::create(&session)?,
        Command::Put { key, item, sk, .. } => commands::items::put(&session, &target, key, sk.as_deref(), item)?,
        Command::Get { key, sk, .. } => commands::items::get(&session, &target, key, sk.as_deref())?,
        Command::Delete { key, sk, .. } => commands::items::delete(&session, &target, key, sk.as_deref())?,
        Command::Query { statement, output, limit, .. } => {
            commands::query::query(&session, statement, output.unwrap_or_else(output::default_format), *limit)?;
            String::new()
        }
        Command::Shell { output, .. } => {
            commands::query::shell(&session, output.unwrap_or_else(output::default_format))?;
            String::new()
        }
        Command::Request { operation, input, .. } => {
            let request = match request {
                Some(read) => read?,
                None => commands::request::read_request(input.as_deref())?,
            };
            let outcome = commands::request::request(&session, operation, &request);
            print_out(&outcome.stdout)?;
            return Ok(if outcome.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        Command::Stats { .. } => commands::admin::stats(&session)?,
        Command::Health { .. } => commands::admin::health(&session)?,
        Command::Compact { .. } => commands::admin::compact(&session)?,
        Command::Verify { .. } => commands::admin::verify(&session)?,
        Command::Tables { .. } => commands::tables::list(&session)?,
        // Handled above, before a session is opened.
        #[cfg(not(target_os = "wasi"))]
        Command::Serve { .. } => unreachable!("serve returns before a session is opened"),
        Command::Describe { table_name, .. } => commands::tables::describe(&session, table_name)?,
        Command::CreateTable { table_name, pk, sk, .. } => {
            commands::tables::create(&session, table_name, pk, sk.as_deref())?
        }
        Command::Import { table_name, file, .. } => commands::transfer::import(&session, table_name, file)?,
        Command::Export { table_name, file, .. } => {
            let summary = commands::transfer::export(&session, table_name, file.as_deref())?;
            if file.is_none() {
                // stdout carries the items; keep the summary out of it.
                eprint!("{summary}");
                String::new()
            } else {
                summary
            }
        }
    };
    print_out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn print_out(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(format!("cannot write output: {}", session::io_message(&e))))
}
