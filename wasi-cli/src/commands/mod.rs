//! One module per family of subcommands. Each command returns the text for
//! stdout (or writes a stream itself) and leaves error printing to `main`.

pub mod admin;
pub mod items;
pub mod query;
pub mod request;
pub mod tables;
pub mod transfer;
