//! `DatabaseConfig`: every knob of a database, with defaults that suit an
//! embedded store that must also fit in a browser tab.

/// When an acknowledged write becomes durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced before it is acknowledged. Concurrent writers
    /// share one sync (group commit), so throughput grows with writers.
    Sync,
    /// Commits are acknowledged at once and synced at most every
    /// `interval_ms` milliseconds or `bytes` bytes of log, whichever comes first.
    Group { interval_ms: u64, bytes: u64 },
    /// Never synced except on flush and close: for throwaway data.
    None,
}

impl Default for Durability {
    fn default() -> Self {
        Durability::Group { interval_ms: 100, bytes: 1 << 20 }
    }
}

/// Database settings. Construct with `DatabaseConfig::default()` and change
/// the fields you care about.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// Flush the memtable to an SST once it holds this many bytes.
    pub memtable_bytes: usize,
    /// Byte budget of the block cache.
    pub block_cache_bytes: usize,
    /// Compress SST blocks with zstd.
    pub compression: bool,
    pub durability: Durability,
    /// Passphrase for an encrypted database (`None`: not encrypted).
    pub passphrase: Option<String>,
    /// DynamoDB's item collection limit for tables with local secondary
    /// indexes: the bytes of one partition's items plus their LSI entries.
    /// A write that would grow a collection past it fails with
    /// ItemCollectionSizeLimitExceededException. 10 GB, as in DynamoDB.
    pub item_collection_limit_bytes: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            memtable_bytes: 4 << 20,
            block_cache_bytes: 32 << 20,
            compression: true,
            durability: Durability::default(),
            passphrase: None,
            item_collection_limit_bytes: 10 << 30,
        }
    }
}
