//! `DatabaseConfig`: every knob of a database, with defaults that suit an
//! embedded store that must also fit in a browser tab.

pub use crate::compress::CompressionLevel;
use crate::crypto::KdfParams;

/// When an acknowledged write becomes durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced before it is acknowledged. Concurrent writers
    /// share one sync (group commit), so throughput grows with writers.
    Sync,
    /// Commits are acknowledged at once and synced at most every
    /// `interval_ms` milliseconds or `bytes` bytes of log, whichever comes first.
    /// The default is 100 ms or 16 MiB: the time bound is the promise, and the
    /// byte bound only caps a burst. A 1 MiB cap made a busy writer sync every
    /// 15 ms or so, about a fifth of its time spent waiting for the disk.
    Group { interval_ms: u64, bytes: u64 },
    /// Never synced except on flush and close: for throwaway data.
    None,
}

impl Default for Durability {
    fn default() -> Self {
        Durability::Group { interval_ms: 100, bytes: 16 << 20 }
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
    /// Compress SST data blocks with zstd (a block that would not shrink is
    /// stored raw). Only affects what is written; every file opens either way.
    /// Off by default: the pure-Rust encoder compresses at tens of MB/s, which
    /// makes writes several times slower (README, "Compression and
    /// encryption"); turn it on for data that is written once and read often.
    pub compression: bool,
    /// How hard zstd works when `compression` is on.
    pub compression_level: CompressionLevel,
    pub durability: Durability,
    /// Passphrase of an encrypted database. On creation it makes the database
    /// encrypted; on open it must be given exactly when the file is encrypted.
    pub passphrase: Option<String>,
    /// DynamoDB's item collection limit for tables with local secondary
    /// indexes: the bytes of one partition's items plus their LSI entries.
    /// A write that would grow a collection past it fails with
    /// ItemCollectionSizeLimitExceededException. 10 GB, as in DynamoDB.
    pub item_collection_limit_bytes: u64,
    /// Argon2id cost for deriving the key of a *new* encrypted database
    /// (stored in its header; opening uses the stored cost).
    pub kdf_cost: KdfCost,
    /// Open without ever writing or syncing the file: the WAL is replayed
    /// into memory only, and every write, flush, compaction and maintenance
    /// step fails with [`StorageError::ReadOnly`]. Natively the file is
    /// opened read-only under a shared lock, so readers coexist and exclude a
    /// writer (whose log they could otherwise see half-written). An empty file
    /// is refused instead of initialised.
    ///
    /// [`StorageError::ReadOnly`]: crate::StorageError::ReadOnly
    pub read_only: bool,
}

/// Argon2id cost of turning a passphrase into a key. The default is OWASP's
/// minimum for Argon2id (19 MiB, 2 passes); tests use [`KdfCost::CHEAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl KdfCost {
    /// For tests only: next to no protection against guessing.
    pub const CHEAP: KdfCost = KdfCost { memory_kib: 64, iterations: 1 };
}

impl Default for KdfCost {
    fn default() -> Self {
        KdfCost { memory_kib: KdfParams::DEFAULT_MEMORY_KIB, iterations: KdfParams::DEFAULT_ITERATIONS }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            memtable_bytes: 4 << 20,
            block_cache_bytes: 32 << 20,
            compression: false,
            compression_level: CompressionLevel::default(),
            durability: Durability::default(),
            passphrase: None,
            item_collection_limit_bytes: 10 << 30,
            kdf_cost: KdfCost::default(),
            read_only: false,
        }
    }
}
