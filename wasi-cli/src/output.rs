//! Printing items in the formats of `kstone query` and `kstone shell`.
//!
//! Items arrive as DynamoDB JSON and are shown as plain JSON ([`Plain`]).
//! Table and CSV output need one column per attribute: the columns are every
//! attribute name in the order it first appears, and an item without an
//! attribute leaves its cell empty. Tables are drawn without probing the
//! terminal (no colours, no wrapping), so the native and the WASI binary
//! print the same bytes.
//!
//! Without `-o`, output is a table when stdout is a terminal and pretty JSON
//! otherwise: people get something readable, pipes get something parseable.

use crate::cli::Format;
use crate::plain::{item_from_dynamodb, Plain};
use crate::session::{CliError, CliResult};
use comfy_table::{presets, ContentArrangement, Table};
use indexmap::IndexMap;
use serde_json::Value;
use std::io::{IsTerminal, Write};

pub type PlainItem = IndexMap<String, Plain>;

/// The format to use when none was asked for.
pub fn default_format() -> Format {
    if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    }
}

/// DynamoDB JSON items (e.g. a response's `Items`) as plain items.
pub fn plain_items(items: &[Value]) -> CliResult<Vec<PlainItem>> {
    items.iter().map(|item| item_from_dynamodb(item).map_err(CliError::new)).collect()
}

/// Write `items` to `out` in `format`.
pub fn write_items(out: &mut dyn Write, items: &[PlainItem], format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => {
            let array = Plain::Array(items.iter().cloned().map(Plain::Object).collect());
            writeln!(out, "{}", array.to_json_pretty())
        }
        Format::Jsonl => {
            for item in items {
                writeln!(out, "{}", Plain::Object(item.clone()).to_json())?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, items),
        Format::Table => write_table(out, items),
    }
}

/// Every attribute name, in the order it first appears.
fn columns(items: &[PlainItem]) -> Vec<String> {
    let mut seen = indexmap::IndexSet::new();
    for item in items {
        for name in item.keys() {
            seen.insert(name.clone());
        }
    }
    seen.into_iter().collect()
}

fn cells(item: &PlainItem, columns: &[String]) -> Vec<String> {
    columns.iter().map(|c| item.get(c).map(Plain::to_cell).unwrap_or_default()).collect()
}

fn write_table(out: &mut dyn Write, items: &[PlainItem]) -> std::io::Result<()> {
    let count = match items.len() {
        1 => "(1 item)".to_string(),
        n => format!("({n} items)"),
    };
    if items.is_empty() {
        return writeln!(out, "{count}");
    }
    let columns = columns(items);
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners()).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(columns.clone());
    for item in items {
        table.add_row(cells(item, &columns));
    }
    writeln!(out, "{table}")?;
    writeln!(out, "{count}")
}

fn write_csv(out: &mut dyn Write, items: &[PlainItem]) -> std::io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let columns = columns(items);
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&columns)?;
    for item in items {
        writer.write_record(cells(item, &columns))?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&str]) -> Vec<PlainItem> {
        texts
            .iter()
            .map(|t| match Plain::parse(t).unwrap() {
                Plain::Object(o) => o,
                _ => unreachable!("test items are objects"),
            })
            .collect()
    }

    fn render(items: &[PlainItem], format: Format) -> String {
        let mut out = Vec::new();
        write_items(&mut out, items, format).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_has_the_union_of_columns() {
        let rows = items(&[r#"{"pk":"a","n":1}"#, r#"{"pk":"b, c","tags":["x"]}"#]);
        assert_eq!(render(&rows, Format::Csv), "pk,n,tags\na,1,\n\"b, c\",,\"[\"\"x\"\"]\"\n");
    }

    #[test]
    fn jsonl_is_one_compact_item_per_line() {
        let rows = items(&[r#"{"pk":"a","n":1.50}"#, r#"{"pk":"b"}"#]);
        assert_eq!(render(&rows, Format::Jsonl), "{\"pk\":\"a\",\"n\":1.50}\n{\"pk\":\"b\"}\n");
        assert_eq!(render(&[], Format::Json), "[]\n");
    }

    #[test]
    fn table_shows_cells_and_a_count() {
        let rows = items(&[r#"{"pk":"a","n":1}"#, r#"{"pk":"b"}"#]);
        let text = render(&rows, Format::Table);
        assert!(text.contains("│ pk ┆ n │"), "{text}");
        assert!(text.ends_with("(2 items)\n"), "{text}");
        assert_eq!(render(&[], Format::Table), "(0 items)\n");
    }
}
