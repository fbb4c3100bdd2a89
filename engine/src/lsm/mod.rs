//! The log-structured merge tree: ordered byte keys to byte values, with
//! atomic write batches. It knows nothing of DynamoDB.

mod batch;
pub mod commit;
pub mod compaction;
mod maintenance;
mod memtable;
mod merge;
mod output;
mod relocate;
mod setup;
mod stats;
mod tree;
mod version;

pub use commit::{PendingCommit, SyncCoordinator};
pub use stats::{Health, HealthStatus, TreeStats, VerifyReport};
pub use tree::{RangeCursor, Tree, WriteBatch};
