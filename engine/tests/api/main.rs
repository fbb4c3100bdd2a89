//! The item API's tests, through `Database::execute` (DynamoDB's JSON) and
//! the typed Rust API on the same path: one test binary, so that a test run
//! links the engine once for all of them (natively and for wasm32-wasip1).

mod support;

mod batch_transact;
mod convenience_builders;
mod data_model;
mod dynamodb_errors;
mod expressions;
mod index_oracle;
mod item_ops;
mod partiql;
mod query_oracle;
mod secondary_indexes;
mod table_ops;
