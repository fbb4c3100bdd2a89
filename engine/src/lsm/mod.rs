//! The log-structured merge tree: ordered byte keys to byte values, with
//! atomic write batches. It knows nothing of DynamoDB.

mod tree;

pub use tree::{Tree, WriteBatch};
