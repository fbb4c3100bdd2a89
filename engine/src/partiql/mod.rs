//! DynamoDB's PartiQL dialect: a grammar, an AST, and a translation of each
//! statement into the same DynamoDB requests the item API executes.
//!
//! The translation is data, not calls: [`translate`] turns a statement, its
//! parameters and the target's key schema into a [`translate::Plan`] made of
//! ordinary `Query`, `Scan`, `GetItem`, `PutItem`, `UpdateItem` and
//! `DeleteItem` requests in DynamoDB JSON, with expressions written in
//! DynamoDB's expression syntax. `partiql` therefore never imports `api` (no
//! cycle), the translator is tested without a database, and conditions,
//! updates and key handling have exactly one implementation.

pub mod ast;
pub mod parse;
pub mod render;
pub mod translate;

pub use parse::{parameter_count, parse_statement};
pub use translate::{translate, KeySchema, Plan, ReadSource, SelectPlan, WriteKind, WritePlan};
