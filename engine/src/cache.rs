//! The block cache: decoded SST blocks (decrypted and decompressed) kept in
//! memory under a byte budget, shared by every reader of the database.
//!
//! # Keys and values
//!
//! A block is named by `(file_id, block_offset)`: the SST's id and the
//! block's offset inside it. SSTs are immutable, so a key never changes
//! meaning while its SST lives; when compaction deletes an SST,
//! [`BlockCache::remove_file`] drops its blocks. Values are `Arc<[u8]>`, so a
//! reader keeps using a block after the cache has evicted it, and a hit costs
//! one reference-count increment, not a copy.
//!
//! # Eviction: S3-FIFO
//!
//! Plain LRU lets one big scan flush every hot block: each scanned block is
//! read once, becomes "most recent", and pushes out the point-lookup working
//! set. This cache uses S3-FIFO (Yang et al., "FIFO queues are all you need
//! for cache eviction", SOSP 2023), which is as cheap as CLOCK and resists
//! scans:
//!
//! - New blocks enter a **small** FIFO holding about 10% of the budget. A
//!   block read again while there (a hit sets its 2-bit frequency) moves to
//!   the **main** FIFO when it reaches the tail; a block never read again is
//!   evicted after a short stay and its key is remembered in a **ghost** FIFO
//!   (keys only, no data).
//! - A block inserted while its key is in the ghost goes straight to main:
//!   it was evicted too early once.
//! - Main is a CLOCK: at its tail a block with frequency > 0 is reinserted at
//!   the head with its frequency decremented, one with frequency 0 is evicted.
//!
//! So a scan only churns the small queue, and the blocks that point reads hit
//! repeatedly stay in main. Every operation is O(1) amortised: queues hold
//! `(key, stamp)` pairs and an entry that moved or was removed leaves a stale
//! pair behind, skipped when it reaches the tail (and compacted away once
//! stale pairs outnumber live ones). `remove_file` is O(entries), which is
//! fine for something that happens once per compaction.
//!
//! # The budget
//!
//! Each block is charged its length plus [`ENTRY_OVERHEAD`] bytes for the
//! bookkeeping around it, and the charged total never exceeds the capacity:
//! space is made before a block is admitted, and a block larger than the
//! whole budget is not cached at all. Blocks still held by readers after
//! eviction are outside the budget (they are freed when the reader drops
//! them).
//!
//! Index and bloom blocks are not evictable entries: every lookup in an SST
//! needs both, and re-parsing an index block on each get would cost more than
//! the read it saves. Their readers keep them decoded for as long as the SST
//! lives and [`BlockCache::pin`] charges their bytes to the same budget, so
//! data blocks make room for them and the budget bounds all block memory. Only
//! when pinned bytes alone exceed the budget (an index and filter bigger than
//! the whole cache) does block memory go past it; then no data block is cached
//! at all.
//!
//! # Concurrency
//!
//! One `Mutex` around the state: the engine runs single-threaded in the
//! browser and under WASI, and natively a cache operation is a few hash-map
//! steps, far shorter than the block read it saves. A poisoned lock (a panic
//! mid-operation) empties the cache instead of trusting half-updated state:
//! an empty cache is always correct.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

/// Hashes the cache's integer keys with one multiply per word: the keys are
/// not attacker-chosen (reader ids and block offsets), so SipHash's
/// flood resistance would only cost time on every lookup.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// `(file_id, block_offset)`.
pub type BlockKey = (u64, u64);

/// Bytes charged per cached block on top of its length, so that the budget
/// bounds real memory: the block's allocation header (`Arc` counts and
/// malloc's own, ~24), its hash-map slot at the map's typical occupancy
/// (~95), its queue pair with the stale pairs and spare deque capacity
/// allowed beside it (~70), and the ghost key its eviction may leave (map
/// slot and queue pair, ~90). Charging less lets the cache grow past its
/// budget by that difference per block: 4% of the budget at 4 KiB blocks.
pub const ENTRY_OVERHEAD: usize = 256;

/// Highest value of the 2-bit access frequency.
const MAX_FREQ: u8 = 3;

/// Counters since the cache was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Charged bytes of cached data blocks (lengths plus [`ENTRY_OVERHEAD`] each).
    pub bytes: usize,
    pub entries: usize,
    /// Bytes of index and bloom blocks pinned by live SSTs (see [`BlockCache::pin`]).
    pub pinned_bytes: usize,
}

impl CacheStats {
    /// Hits over lookups, or 0 before the first lookup.
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

/// A byte-budgeted, scan-resistant cache of decoded blocks.
#[derive(Debug)]
pub struct BlockCache {
    capacity: usize,
    state: Mutex<CacheState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Small,
    Main,
}

#[derive(Debug)]
struct Entry {
    block: Arc<[u8]>,
    charge: usize,
    freq: u8,
    queue: Queue,
    /// Matches the stamp of this entry's one live pair in its queue.
    stamp: u64,
}

#[derive(Debug, Default)]
struct CacheState {
    entries: KeyMap<BlockKey, Entry>,
    small: VecDeque<(BlockKey, u64)>,
    main: VecDeque<(BlockKey, u64)>,
    small_bytes: usize,
    main_bytes: usize,
    /// Keys recently evicted from small, with the stamp of their ghost pair.
    ghost: VecDeque<(BlockKey, u64)>,
    ghost_keys: KeyMap<BlockKey, u64>,
    /// Pinned bytes per file, and their total.
    pinned: KeyMap<u64, usize>,
    pinned_bytes: usize,
    next_stamp: u64,
    hits: u64,
    misses: u64,
}

impl BlockCache {
    /// A cache that holds at most `capacity_bytes` charged bytes. A capacity
    /// of 0 caches nothing (every lookup misses).
    pub fn new(capacity_bytes: usize) -> BlockCache {
        BlockCache { capacity: capacity_bytes, state: Mutex::new(CacheState::default()) }
    }

    /// The byte budget.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The cached block, counting a hit or a miss.
    pub fn get(&self, key: BlockKey) -> Option<Arc<[u8]>> {
        let mut state = self.lock();
        match state.entries.get_mut(&key) {
            Some(entry) => {
                entry.freq = (entry.freq + 1).min(MAX_FREQ);
                let block = Arc::clone(&entry.block);
                state.hits += 1;
                Some(block)
            }
            None => {
                state.misses += 1;
                None
            }
        }
    }

    /// Caches `block` under `key`, evicting others to stay within budget.
    /// Replaces an earlier block under the same key.
    pub fn insert(&self, key: BlockKey, block: Arc<[u8]>) {
        let charge = block.len().saturating_add(ENTRY_OVERHEAD);
        let mut state = self.lock();
        // Take out any earlier block first, so its bytes are not counted
        // twice and so an uncacheable replacement cannot leave stale data.
        let previous = state.take_entry(key);
        let room = self.capacity.saturating_sub(state.pinned_bytes);
        if charge > room {
            return;
        }
        state.make_room(room - charge, room / 10);
        let stamp = state.stamp();
        // A replaced block keeps its place in the main queue and its
        // frequency; a key seen in the ghost was evicted too early: main.
        let (queue, freq) = match previous {
            Some(old) if old.queue == Queue::Main => (Queue::Main, old.freq),
            Some(old) => (Queue::Small, old.freq),
            None if state.ghost_keys.remove(&key).is_some() => (Queue::Main, 0),
            None => (Queue::Small, 0),
        };
        match queue {
            Queue::Small => {
                state.small.push_back((key, stamp));
                state.small_bytes += charge;
            }
            Queue::Main => {
                state.main.push_back((key, stamp));
                state.main_bytes += charge;
            }
        }
        state.entries.insert(key, Entry { block, charge, freq, queue, stamp });
        state.compact_if_stale();
    }

    /// Charges `bytes` of blocks that file `file_id` keeps decoded outside
    /// the cache (its index and bloom filter) to the budget, evicting data
    /// blocks to make room. [`BlockCache::remove_file`] releases the charge.
    pub fn pin(&self, file_id: u64, bytes: usize) {
        let mut state = self.lock();
        *state.pinned.entry(file_id).or_insert(0) += bytes;
        state.pinned_bytes += bytes;
        let room = self.capacity.saturating_sub(state.pinned_bytes);
        state.make_room(room, room / 10);
    }

    /// Drops every block of SST `file_id` and its pinned charge (once the
    /// SST is deleted).
    pub fn remove_file(&self, file_id: u64) {
        let mut state = self.lock();
        if let Some(pinned) = state.pinned.remove(&file_id) {
            state.pinned_bytes -= pinned;
        }
        let mut freed_small = 0;
        let mut freed_main = 0;
        state.entries.retain(|key, entry| {
            if key.0 != file_id {
                return true;
            }
            match entry.queue {
                Queue::Small => freed_small += entry.charge,
                Queue::Main => freed_main += entry.charge,
            }
            false
        });
        state.small_bytes -= freed_small;
        state.main_bytes -= freed_main;
        state.ghost_keys.retain(|key, _| key.0 != file_id);
        state.compact_if_stale();
    }

    /// Hits, misses, bytes and entries.
    pub fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            hits: state.hits,
            misses: state.misses,
            bytes: state.small_bytes + state.main_bytes,
            entries: state.entries.len(),
            pinned_bytes: state.pinned_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                // Pins are kept: their readers still hold those blocks.
                let (hits, misses) = (guard.hits, guard.misses);
                let pinned = std::mem::take(&mut guard.pinned);
                let pinned_bytes = guard.pinned_bytes;
                *guard = CacheState { hits, misses, pinned, pinned_bytes, ..CacheState::default() };
                self.state.clear_poison();
                guard
            }
        }
    }
}

impl CacheState {
    fn stamp(&mut self) -> u64 {
        self.next_stamp += 1;
        self.next_stamp
    }

    /// Removes `key`'s entry and its bytes; its queue pair goes stale.
    fn take_entry(&mut self, key: BlockKey) -> Option<Entry> {
        let entry = self.entries.remove(&key)?;
        match entry.queue {
            Queue::Small => self.small_bytes -= entry.charge,
            Queue::Main => self.main_bytes -= entry.charge,
        }
        Some(entry)
    }

    /// Evicts blocks until at most `limit` charged bytes remain.
    fn make_room(&mut self, limit: usize, small_target: usize) {
        while self.small_bytes + self.main_bytes > limit {
            if !self.evict_one(small_target) {
                break;
            }
        }
    }

    /// Evicts one block (moving others between queues on the way). Returns
    /// false only when the cache is empty.
    fn evict_one(&mut self, small_target: usize) -> bool {
        loop {
            let from_small = self.small_bytes > 0 && (self.small_bytes >= small_target || self.main_bytes == 0);
            if from_small {
                if self.evict_from_small() {
                    return true;
                }
            } else if self.main_bytes > 0 {
                if self.evict_from_main() {
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    /// Pops small's tail: a block read while in small moves to main, one
    /// never read again is evicted into the ghost. True if bytes were freed.
    fn evict_from_small(&mut self) -> bool {
        while let Some((key, stamp)) = self.small.pop_front() {
            let Some(entry) = self.entries.get_mut(&key) else { continue };
            if entry.stamp != stamp {
                continue;
            }
            if entry.freq > 0 {
                self.next_stamp += 1;
                entry.stamp = self.next_stamp;
                entry.freq = 0;
                entry.queue = Queue::Main;
                let charge = entry.charge;
                self.main.push_back((key, self.next_stamp));
                self.small_bytes -= charge;
                self.main_bytes += charge;
                return false;
            }
            self.take_entry(key);
            self.remember_ghost(key);
            return true;
        }
        false
    }

    /// Pops main's tail: CLOCK's second chance. True if bytes were freed.
    fn evict_from_main(&mut self) -> bool {
        while let Some((key, stamp)) = self.main.pop_front() {
            let Some(entry) = self.entries.get_mut(&key) else { continue };
            if entry.stamp != stamp {
                continue;
            }
            if entry.freq > 0 {
                entry.freq -= 1;
                self.next_stamp += 1;
                entry.stamp = self.next_stamp;
                self.main.push_back((key, self.next_stamp));
                return false;
            }
            self.take_entry(key);
            return true;
        }
        false
    }

    /// Records an evicted key; the ghost holds as many keys as the cache
    /// holds blocks (at least 64).
    fn remember_ghost(&mut self, key: BlockKey) {
        let stamp = self.stamp();
        self.ghost.push_back((key, stamp));
        self.ghost_keys.insert(key, stamp);
        let limit = self.entries.len().max(64);
        while self.ghost_keys.len() > limit {
            let Some((old, old_stamp)) = self.ghost.pop_front() else { break };
            if self.ghost_keys.get(&old) == Some(&old_stamp) {
                self.ghost_keys.remove(&old);
            }
        }
    }

    /// Drops stale queue pairs once they outnumber live ones, so the queues'
    /// memory stays proportional to the cached blocks.
    fn compact_if_stale(&mut self) {
        let live = self.entries.len();
        if self.small.len() + self.main.len() > 2 * live + 64 {
            let entries = &self.entries;
            let is_live = |(key, stamp): &(BlockKey, u64)| entries.get(key).is_some_and(|e| e.stamp == *stamp);
            self.small.retain(is_live);
            self.main.retain(is_live);
        }
        if self.ghost.len() > 2 * self.ghost_keys.len() + 64 {
            let ghost_keys = &self.ghost_keys;
            self.ghost.retain(|(key, stamp)| ghost_keys.get(key) == Some(stamp));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn block(len: usize, fill: u8) -> Arc<[u8]> {
        vec![fill; len].into()
    }

    impl BlockCache {
        /// Checks the bookkeeping against the entries themselves.
        fn check_invariants(&self) {
            let state = self.lock();
            let mut small = 0;
            let mut main = 0;
            for (key, entry) in &state.entries {
                assert_eq!(entry.charge, entry.block.len() + ENTRY_OVERHEAD);
                assert!(entry.freq <= MAX_FREQ);
                let queue = match entry.queue {
                    Queue::Small => {
                        small += entry.charge;
                        &state.small
                    }
                    Queue::Main => {
                        main += entry.charge;
                        &state.main
                    }
                };
                assert_eq!(queue.iter().filter(|pair| **pair == (*key, entry.stamp)).count(), 1);
            }
            assert_eq!((small, main), (state.small_bytes, state.main_bytes));
            assert_eq!(state.pinned_bytes, state.pinned.values().sum::<usize>());
            let room = self.capacity.saturating_sub(state.pinned_bytes);
            assert!(small + main <= room, "{} > {} (pinned {})", small + main, room, state.pinned_bytes);
            assert!(state.small.len() + state.main.len() <= 2 * state.entries.len() + 65);
        }
    }

    #[test]
    fn returns_what_was_inserted_and_counts_hits_and_misses() {
        let cache = BlockCache::new(1 << 20);
        assert!(cache.get((1, 0)).is_none());
        cache.insert((1, 0), block(100, 7));
        assert_eq!(&*cache.get((1, 0)).unwrap(), &[7u8; 100][..]);
        assert!(cache.get((1, 4096)).is_none());
        let stats = cache.stats();
        assert_eq!(stats, CacheStats { hits: 1, misses: 2, bytes: 100 + ENTRY_OVERHEAD, entries: 1, pinned_bytes: 0 });
        assert!((stats.hit_rate() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(CacheStats::default().hit_rate(), 0.0);
    }

    #[test]
    fn insert_replaces_an_existing_block() {
        let cache = BlockCache::new(1 << 20);
        cache.insert((1, 0), block(100, 1));
        cache.insert((1, 0), block(50, 2));
        assert_eq!(&*cache.get((1, 0)).unwrap(), &[2u8; 50][..]);
        assert_eq!(cache.stats().bytes, 50 + ENTRY_OVERHEAD);
        assert_eq!(cache.stats().entries, 1);
        cache.check_invariants();
    }

    #[test]
    fn blocks_larger_than_the_budget_are_not_cached() {
        let cache = BlockCache::new(1000);
        cache.insert((1, 0), block(500, 1));
        cache.insert((1, 0), block(2000, 2));
        // The old block under that key must not be served after a replacement.
        assert!(cache.get((1, 0)).is_none());
        assert_eq!(cache.stats().bytes, 0);
        let empty = BlockCache::new(0);
        empty.insert((1, 0), block(0, 0));
        assert!(empty.get((1, 0)).is_none());
    }

    #[test]
    fn remove_file_drops_only_that_files_blocks() {
        let cache = BlockCache::new(1 << 20);
        for offset in 0..10 {
            cache.insert((1, offset * 4096), block(10, 1));
            cache.insert((2, offset * 4096), block(10, 2));
        }
        cache.remove_file(1);
        for offset in 0..10 {
            assert!(cache.get((1, offset * 4096)).is_none());
            assert!(cache.get((2, offset * 4096)).is_some());
        }
        assert_eq!(cache.stats().entries, 10);
        assert_eq!(cache.stats().bytes, 10 * (10 + ENTRY_OVERHEAD));
        cache.check_invariants();
    }

    #[test]
    fn a_held_block_outlives_its_eviction() {
        let cache = BlockCache::new(2 * (100 + ENTRY_OVERHEAD));
        let held = block(100, 9);
        cache.insert((1, 0), Arc::clone(&held));
        for i in 1..10 {
            cache.insert((1, i), block(100, 0));
        }
        assert!(cache.get((1, 0)).is_none());
        assert_eq!(&*held, &[9u8; 100][..]);
    }

    #[test]
    fn a_scan_does_not_flush_the_hot_set() {
        // 100 hot blocks read repeatedly, then a scan of 10,000 blocks read
        // once each, then the hot set again: S3-FIFO keeps it; LRU would not.
        let charge = 1000 + ENTRY_OVERHEAD;
        let cache = BlockCache::new(200 * charge);
        for round in 0..3 {
            for i in 0..100u64 {
                if cache.get((1, i)).is_none() {
                    assert!(round < 2, "hot block {i} missing in round {round}");
                    cache.insert((1, i), block(1000, 1));
                }
            }
        }
        for i in 0..10_000u64 {
            if cache.get((2, i)).is_none() {
                cache.insert((2, i), block(1000, 2));
            }
        }
        let before = cache.stats().hits;
        for i in 0..100u64 {
            cache.get((1, i));
        }
        let hot_hits = cache.stats().hits - before;
        assert!(hot_hits >= 95, "only {hot_hits} of 100 hot blocks survived the scan");
        cache.check_invariants();
    }

    #[test]
    fn a_key_evicted_early_returns_to_the_main_queue() {
        let charge = 100 + ENTRY_OVERHEAD;
        let cache = BlockCache::new(20 * charge);
        cache.insert((1, 0), block(100, 1));
        for i in 1..30 {
            cache.insert((1, i), block(100, 1));
        }
        assert!(cache.get((1, 0)).is_none(), "evicted from small into the ghost");
        cache.insert((1, 0), block(100, 1));
        assert_eq!(cache.lock().entries[&(1, 0)].queue, Queue::Main);
        cache.check_invariants();
    }

    /// Needs unwinding (wasm32-wasip1 aborts on panic, so it is skipped there).
    #[cfg(panic = "unwind")]
    #[test]
    fn a_poisoned_lock_empties_the_cache_and_keeps_working() {
        let cache = BlockCache::new(1 << 20);
        cache.insert((1, 0), block(10, 1));
        // Poison the mutex the way a panic inside an operation would. The
        // test avoids threads so it also runs under WASI.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = cache.state.lock();
            panic!("simulated panic while holding the cache lock");
        }));
        if result.is_err() && cache.state.is_poisoned() {
            assert!(cache.get((1, 0)).is_none());
            cache.insert((1, 0), block(10, 2));
            assert_eq!(&*cache.get((1, 0)).unwrap(), &[2u8; 10][..]);
            cache.check_invariants();
        }
    }

    #[test]
    fn pinned_bytes_count_against_the_budget_until_their_file_goes() {
        let charge = 100 + ENTRY_OVERHEAD;
        let cache = BlockCache::new(10 * charge);
        for i in 0..10 {
            cache.insert((1, i), block(100, 1));
        }
        assert_eq!(cache.stats().entries, 10);
        // Pinning 4 blocks' worth evicts 4 data blocks.
        cache.pin(2, 4 * charge);
        assert_eq!(cache.stats().entries, 6);
        assert_eq!(cache.stats().pinned_bytes, 4 * charge);
        cache.check_invariants();
        for i in 10..30 {
            cache.insert((1, i), block(100, 1));
        }
        assert!(cache.stats().bytes + cache.stats().pinned_bytes <= 10 * charge);
        // More pinned than the whole budget: nothing else is cached.
        cache.pin(3, 20 * charge);
        assert_eq!(cache.stats().entries, 0);
        cache.insert((1, 99), block(100, 1));
        assert!(cache.get((1, 99)).is_none());
        cache.check_invariants();
        cache.remove_file(3);
        cache.remove_file(2);
        assert_eq!(cache.stats().pinned_bytes, 0);
        cache.insert((1, 99), block(100, 1));
        assert!(cache.get((1, 99)).is_some());
        cache.check_invariants();
    }

    #[derive(Debug, Clone)]
    enum Op {
        Pin { file: u64, bytes: usize },
        Insert { file: u64, block: u64, len: usize },
        Get { file: u64, block: u64 },
        RemoveFile { file: u64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..4u64, 0..40u64, 0..3000usize).prop_map(|(file, block, len)| Op::Insert { file, block, len }),
            4 => (0..4u64, 0..40u64).prop_map(|(file, block)| Op::Get { file, block }),
            1 => (0..4u64).prop_map(|file| Op::RemoveFile { file }),
            1 => (0..4u64, 0..8000usize).prop_map(|(file, bytes)| Op::Pin { file, bytes }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Against an oracle of everything inserted: a hit returns the latest
        /// block for its key, a removed file never hits, and the charged
        /// bytes never exceed what the pins leave of the budget.
        #[test]
        fn never_exceeds_its_budget_and_never_returns_stale_blocks(
            capacity in 0usize..40_000,
            ops in proptest::collection::vec(op(), 1..400),
        ) {
            let cache = BlockCache::new(capacity);
            let mut oracle: HashMap<BlockKey, Arc<[u8]>> = HashMap::new();
            let mut pinned: HashMap<u64, usize> = HashMap::new();
            let mut next_fill = 0u8;
            for op in ops {
                match op {
                    Op::Insert { file, block: offset, len } => {
                        next_fill = next_fill.wrapping_add(1);
                        let data = block(len, next_fill);
                        oracle.insert((file, offset), Arc::clone(&data));
                        cache.insert((file, offset), data);
                    }
                    Op::Get { file, block: offset } => {
                        if let Some(hit) = cache.get((file, offset)) {
                            let expected = oracle.get(&(file, offset));
                            prop_assert_eq!(Some(&hit), expected);
                        }
                    }
                    Op::RemoveFile { file } => {
                        oracle.retain(|key, _| key.0 != file);
                        pinned.remove(&file);
                        cache.remove_file(file);
                    }
                    Op::Pin { file, bytes } => {
                        *pinned.entry(file).or_insert(0) += bytes;
                        cache.pin(file, bytes);
                    }
                }
                let stats = cache.stats();
                prop_assert_eq!(stats.pinned_bytes, pinned.values().sum::<usize>());
                prop_assert!(stats.bytes <= capacity.saturating_sub(stats.pinned_bytes));
                cache.check_invariants();
            }
        }
    }
}
