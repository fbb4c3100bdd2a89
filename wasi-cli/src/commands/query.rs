//! `query` and `shell`: PartiQL through ExecuteStatement.
//!
//! A statement runs page by page (following `NextToken`) until it is done or
//! `--limit` items have been collected. The shell reads statements that end
//! with `;` — possibly over several lines, and never splitting inside a
//! quoted string or identifier — and runs each as it completes. It uses
//! rustyline (line editing, history) natively when stdin is a terminal, and a
//! plain line reader otherwise and under WASI, so piped scripts behave the
//! same everywhere.

use crate::cli::Format;
use crate::output::{plain_items, write_items, PlainItem};
use crate::session::{CliError, CliResult, Session};
use serde_json::{json, Value};
use std::io::{BufRead, IsTerminal, Write};

/// Run one statement and collect up to `limit` items.
pub fn run_statement(session: &Session, statement: &str, limit: Option<u64>) -> CliResult<Vec<PlainItem>> {
    let mut items = Vec::new();
    let mut next_token: Option<Value> = None;
    loop {
        let mut request = json!({ "Statement": statement });
        if let Some(token) = next_token.take() {
            request["NextToken"] = token;
        }
        let response = session.run("ExecuteStatement", request)?;
        if let Some(page) = response.get("Items").and_then(Value::as_array) {
            items.extend(plain_items(page)?);
        }
        if let Some(limit) = limit {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            if items.len() >= limit {
                items.truncate(limit);
                return Ok(items);
            }
        }
        match response.get("NextToken") {
            Some(token) if !token.is_null() => next_token = Some(token.clone()),
            _ => return Ok(items),
        }
    }
}

/// True if `statement` is a SELECT, which a read-only database can answer.
/// Anything else, unparseable text included, runs as it always did.
pub fn only_reads(statement: &str) -> bool {
    kstone_engine::partiql::parse_statement(statement).is_ok_and(|s| s.is_read())
}

pub fn query(session: &Session, statement: &str, format: Format, limit: Option<u64>) -> CliResult<()> {
    let items = run_statement(session, statement, limit)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write_items(&mut out, &items, format).map_err(write_error)?;
    out.flush().map_err(write_error)
}

fn write_error(e: std::io::Error) -> CliError {
    CliError::new(format!("cannot write output: {}", crate::session::io_message(&e)))
}

/// Splits input lines into complete statements at `;` outside quotes.
#[derive(Default)]
pub struct StatementSplitter {
    pending: String,
    quote: Option<char>,
}

impl StatementSplitter {
    /// Feed one line; returns the statements it completed (without `;`).
    pub fn push_line(&mut self, line: &str) -> Vec<String> {
        let mut done = Vec::new();
        for c in line.chars() {
            match (self.quote, c) {
                (None, ';') => {
                    let statement = self.pending.trim().to_string();
                    if !statement.is_empty() {
                        done.push(statement);
                    }
                    self.pending.clear();
                    continue;
                }
                (None, '\'' | '"') => self.quote = Some(c),
                // A doubled quote inside a string closes and reopens it,
                // which leaves the state right for PartiQL's `''` escape.
                (Some(q), c) if c == q => self.quote = None,
                _ => {}
            }
            self.pending.push(c);
        }
        if !self.pending.trim().is_empty() {
            self.pending.push('\n');
        }
        done
    }

    /// True while a statement is unfinished (the prompt shows `...>`).
    pub fn in_statement(&self) -> bool {
        !self.pending.trim().is_empty()
    }

    /// What is left at end of input (a last statement without `;`).
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending).trim().to_string();
        self.quote = None;
        (!rest.is_empty()).then_some(rest)
    }
}

const SHELL_HELP: &str = "\
Statements end with ';' and may span lines. Commands:
  .tables   list the tables
  .help     this text
  .quit     leave (also .exit, or end of input)";

/// The interactive shell. Returns an error at the end when input was not a
/// terminal and some statement failed, so scripts notice failures.
pub fn shell(session: &Session, format: Format) -> CliResult<()> {
    let interactive = std::io::stdin().is_terminal();
    let mut lines = LineSource::new(interactive);
    let mut splitter = StatementSplitter::default();
    let mut failures = 0usize;
    if interactive {
        eprintln!("KeystoneDB {} shell on {}. Type .help for help.", env!("CARGO_PKG_VERSION"), session.shown_path);
    }
    loop {
        let prompt = if splitter.in_statement() { "   ...> " } else { "kstone> " };
        let Some(line) = lines.next(prompt)? else { break };
        if !splitter.in_statement() {
            match line.trim() {
                "" => continue,
                ".quit" | ".exit" | "quit" | "exit" => break,
                ".help" | "help" => {
                    println!("{SHELL_HELP}");
                    continue;
                }
                ".tables" => {
                    report(crate::commands::tables::list(session).map(|text| print!("{text}")), &mut failures);
                    continue;
                }
                _ => {}
            }
        }
        for statement in splitter.push_line(&line) {
            lines.remember(&statement);
            report(execute_and_print(session, &statement, format), &mut failures);
        }
    }
    if let Some(statement) = splitter.finish() {
        report(execute_and_print(session, &statement, format), &mut failures);
    }
    lines.save();
    if failures > 0 && !interactive {
        let plural = if failures == 1 { "" } else { "s" };
        return Err(CliError::new(format!("{failures} statement{plural} failed")));
    }
    Ok(())
}

fn execute_and_print(session: &Session, statement: &str, format: Format) -> CliResult<()> {
    let items = run_statement(session, statement, None)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write_items(&mut out, &items, format).map_err(write_error)?;
    out.flush().map_err(write_error)
}

fn report(result: CliResult<()>, failures: &mut usize) {
    if let Err(e) = result {
        *failures += 1;
        eprintln!("error: {e}");
    }
}

/// Where shell lines come from: rustyline on a native terminal, stdin lines otherwise.
enum LineSource {
    #[cfg(not(target_os = "wasi"))]
    Editor(Box<rustyline::DefaultEditor>, Option<std::path::PathBuf>),
    Plain { stdin: std::io::StdinLock<'static>, prompt: bool },
}

impl LineSource {
    fn new(interactive: bool) -> LineSource {
        #[cfg(not(target_os = "wasi"))]
        if interactive {
            if let Ok(mut editor) = rustyline::DefaultEditor::new() {
                let history = std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".kstone_history"));
                if let Some(path) = &history {
                    // A missing or unreadable history file just means no history yet.
                    let _ = editor.load_history(path);
                }
                return LineSource::Editor(Box::new(editor), history);
            }
        }
        LineSource::Plain { stdin: std::io::stdin().lock(), prompt: interactive }
    }

    fn next(&mut self, prompt: &str) -> CliResult<Option<String>> {
        match self {
            #[cfg(not(target_os = "wasi"))]
            LineSource::Editor(editor, _) => match editor.readline(prompt) {
                Ok(line) => Ok(Some(line)),
                // Ctrl-C abandons the line, like other SQL shells; Ctrl-D ends.
                Err(rustyline::error::ReadlineError::Interrupted) => Ok(Some(String::new())),
                Err(rustyline::error::ReadlineError::Eof) => Ok(None),
                Err(e) => Err(CliError::new(format!("cannot read input: {e}"))),
            },
            LineSource::Plain { stdin, prompt: show } => {
                if *show {
                    eprint!("{prompt}");
                }
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(line.trim_end_matches(['\n', '\r']).to_string())),
                    Err(e) => Err(CliError::new(format!("cannot read input: {}", crate::session::io_message(&e)))),
                }
            }
        }
    }

    fn remember(&mut self, _statement: &str) {
        #[cfg(not(target_os = "wasi"))]
        if let LineSource::Editor(editor, _) = self {
            // History is a convenience; failing to record a line is harmless.
            let _ = editor.add_history_entry(format!("{_statement};"));
        }
    }

    fn save(&mut self) {
        #[cfg(not(target_os = "wasi"))]
        if let LineSource::Editor(editor, Some(path)) = self {
            // As above: losing history must not turn a session into an error.
            let _ = editor.save_history(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_at_semicolons_outside_quotes() {
        let mut s = StatementSplitter::default();
        assert!(s.push_line("SELECT * FROM t").is_empty());
        assert!(s.in_statement());
        assert_eq!(s.push_line("WHERE pk = 'a;b';"), vec!["SELECT * FROM t\nWHERE pk = 'a;b'"]);
        assert!(!s.in_statement());
        assert_eq!(s.push_line("SELECT 1 FROM \"x;y\"; SELECT 'it''s;'; ;"), vec!["SELECT 1 FROM \"x;y\"", "SELECT 'it''s;'"]);
        assert!(s.push_line("DELETE FROM t WHERE pk = 'a'").is_empty());
        assert_eq!(s.finish().as_deref(), Some("DELETE FROM t WHERE pk = 'a'"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn an_open_quote_carries_over_lines() {
        let mut s = StatementSplitter::default();
        assert!(s.push_line("INSERT INTO t VALUE {'pk': 'a;").is_empty());
        assert_eq!(s.push_line("b'};"), vec!["INSERT INTO t VALUE {'pk': 'a;\nb'}"]);
    }
}
