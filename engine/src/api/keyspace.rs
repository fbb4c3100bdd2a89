//! Where items live in the tree: the byte layout of every data key.
//!
//! ```text
//! [table id: u32 BE][index id: u8][hash32(pk): u32 BE][pk encoded][sk encoded]
//! ```
//!
//! - `table id` 0 is the catalog (see [`crate::model::schema`]); tables start
//!   at 1 and ids are never reused.
//! - `index id` 0 is the base table, 1..=[`MAX_INDEX_ID`] are secondary
//!   indexes; ids from [`FIRST_RESERVED_SPACE`] up are reserved for per-table
//!   records that must commit in the same write batch as the item they follow
//!   (stream change records, the TTL expiry queue).
//! - `hash32(pk)` is CRC-32 (IEEE) of the encoded partition key. Scan reads in
//!   key order, so — as in DynamoDB — a Scan returns partitions in hash order,
//!   and parallel Scan segment `i` of `N` is the contiguous hash range
//!   `[i·2³²/N, (i+1)·2³²/N)`: every item lies in exactly one segment and no
//!   segment reads a key of another.
//! - `pk encoded` / `sk encoded` are the order-preserving, self-delimiting key
//!   encodings of [`crate::model::key`], so one partition is one contiguous
//!   prefix and Query is a range scan inside it, ordered by sort key.
//!
//! Changing any of this changes the file format.

/// Largest index id a secondary index may take.
pub const MAX_INDEX_ID: u8 = 0xEF;
/// Index-id space reserved for change records, TTL queues and the like.
pub const FIRST_RESERVED_SPACE: u8 = 0xF0;
/// The base table's index id.
pub const BASE_TABLE: u8 = 0;

/// The 5-byte prefix of every key of one table's index (or base table).
pub fn index_prefix(table_id: u32, index_id: u8) -> [u8; 5] {
    let t = table_id.to_be_bytes();
    [t[0], t[1], t[2], t[3], index_id]
}

/// The hash that places a partition: CRC-32 of its encoded key.
pub fn partition_hash(pk_encoded: &[u8]) -> u32 {
    crate::codec::crc32(&[pk_encoded])
}

/// The prefix shared by every key of one partition.
pub fn partition_prefix(table_id: u32, index_id: u8, pk_encoded: &[u8]) -> Vec<u8> {
    item_key_with(table_id, index_id, pk_encoded.len() + 16, |out| out.extend_from_slice(pk_encoded))
}

/// [`partition_prefix`] with `encode_pk` appending the encoded partition key
/// straight into the key's buffer (with room for `capacity` bytes after the
/// prefix): the partition hash is filled in over what it wrote. A sort key
/// goes on after it returns.
pub fn item_key_with(table_id: u32, index_id: u8, capacity: usize, encode_pk: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut key = Vec::with_capacity(9 + capacity);
    key.extend_from_slice(&index_prefix(table_id, index_id));
    key.extend_from_slice(&[0; 4]);
    encode_pk(&mut key);
    let hash = partition_hash(&key[9..]);
    key[5..9].copy_from_slice(&hash.to_be_bytes());
    key
}

/// The full key of one item (or index entry).
pub fn item_key(table_id: u32, index_id: u8, pk_encoded: &[u8], sk_encoded: &[u8]) -> Vec<u8> {
    let mut key = partition_prefix(table_id, index_id, pk_encoded);
    key.extend_from_slice(sk_encoded);
    key
}

/// The smallest byte string greater than every string that starts with
/// `prefix`; `None` when no such string exists (all bytes 0xFF).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The key range `[start, end)` of one whole index (or base table).
pub fn index_range(table_id: u32, index_id: u8) -> (Vec<u8>, Vec<u8>) {
    let start = index_prefix(table_id, index_id).to_vec();
    // A 5-byte prefix whose table id is below u32::MAX always has a successor.
    let end = prefix_end(&start).unwrap_or_else(|| vec![0xFF; 6]);
    (start, end)
}

/// The key range `[start, end)` of every key of a table, indexes included.
pub fn table_range(table_id: u32) -> (Vec<u8>, Vec<u8>) {
    let start = table_id.to_be_bytes().to_vec();
    let end = match table_id.checked_add(1) {
        Some(next) => next.to_be_bytes().to_vec(),
        None => vec![0xFF; 5],
    };
    (start, end)
}

/// The first hash of parallel-scan segment `segment` of `total`.
pub fn segment_start_hash(segment: u32, total: u32) -> u64 {
    ((segment as u64) << 32) / total as u64
}

/// The key range `[start, end)` of one parallel-scan segment.
pub fn segment_range(table_id: u32, index_id: u8, segment: u32, total: u32) -> (Vec<u8>, Vec<u8>) {
    let prefix = index_prefix(table_id, index_id);
    let bound = |hash: u64| -> Vec<u8> {
        let mut key = prefix.to_vec();
        if hash >= 1 << 32 {
            // Past the last hash: the end of the whole index.
            return index_range(table_id, index_id).1;
        }
        key.extend_from_slice(&(hash as u32).to_be_bytes());
        key
    };
    (bound(segment_start_hash(segment, total)), bound(segment_start_hash(segment + 1, total)))
}

/// Which segment of `total` a partition hash falls in.
pub fn segment_of_hash(hash: u32, total: u32) -> u32 {
    (((hash as u64) * total as u64) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_hash_space_exactly() {
        for total in [1u32, 2, 3, 7, 256, 1000, 1_000_000] {
            assert_eq!(segment_start_hash(0, total), 0);
            assert_eq!(segment_start_hash(total, total), 1 << 32);
            for h in [0u32, 1, 12345, u32::MAX / 2, u32::MAX - 1, u32::MAX] {
                let s = segment_of_hash(h, total);
                assert!(s < total);
                assert!(segment_start_hash(s, total) <= h as u64);
                assert!((h as u64) < segment_start_hash(s + 1, total));
            }
        }
    }

    #[test]
    fn segment_ranges_are_contiguous() {
        let total = 5;
        let (first, _) = segment_range(3, 0, 0, total);
        assert_eq!(first, [&index_prefix(3, 0)[..], &[0, 0, 0, 0]].concat());
        for s in 0..total - 1 {
            assert_eq!(segment_range(3, 0, s, total).1, segment_range(3, 0, s + 1, total).0);
        }
        assert_eq!(segment_range(3, 0, total - 1, total).1, index_range(3, 0).1);
    }

    #[test]
    fn prefix_end_skips_trailing_ff() {
        assert_eq!(prefix_end(&[1, 2, 0xFF]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn item_keys_stay_inside_their_ranges() {
        let k = item_key(9, 0, b"abc\0", b"x");
        let (s, e) = index_range(9, 0);
        assert!(k >= s && k < e);
        let (ts, te) = table_range(9);
        assert!(k >= ts && k < te);
        let p = partition_prefix(9, 0, b"abc\0");
        assert!(k.starts_with(&p));
    }

    #[test]
    fn a_key_built_in_one_buffer_is_the_key_built_from_parts() {
        for pk in [&b""[..], b"abc\0", b"a longer partition key"] {
            let one = item_key_with(7, 3, 0, |out| {
                out.extend_from_slice(pk);
                out.extend_from_slice(b"sk")
            });
            // The hash covers everything `encode_pk` wrote.
            let mut both = pk.to_vec();
            both.extend_from_slice(b"sk");
            assert_eq!(one, item_key(7, 3, &both, b""));
        }
    }
}
