//! `kstone`: the KeystoneDB command line, built natively and for wasm32-wasip1.

use clap::Parser;

#[derive(Parser)]
#[command(name = "kstone", version, about = "KeystoneDB: a single-file, DynamoDB-compatible database")]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
