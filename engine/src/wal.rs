//! The write-ahead log: every committed batch is appended here before it is
//! acknowledged, and replayed into the memtable on open.
//!
//! The log lives in a chain of extents. The superblock names the head extent
//! and the generation's *salt*; when an extent fills up, a link record at its
//! end names the next one (taken from free space), so growing the log never
//! rewrites the superblock. A flush moves the memtable into an SST, commits a
//! new superblock with a new salt, and starts the log over in the head extent.
//!
//! ```text
//! record:  crc u32 LE | len u32 LE | type u8 | payload (len bytes)
//!   crc  = CRC32(previous record's crc as u32 LE | len | type | payload);
//!          the first record of a generation chains from CRC32(salt as u64 LE)
//!   type 1 (batch): seqno u64 LE | batch body (AEAD-sealed when encrypted,
//!                   associated data = (salt, file offset of the record))
//!   type 2 (link):  next extent offset u64 LE | next extent length u64 LE
//! ```
//!
//! Recovery reads records in order and stops at the first one whose length
//! runs past its extent, whose CRC does not match, or whose seqno does not
//! follow the previous one: that is the torn tail of the last session. Chaining
//! every CRC to its predecessor and seeding the chain with the salt means bytes
//! left over from an earlier generation, or from a later record of this
//! generation whose predecessor was lost in a crash, can never be mistaken for
//! a valid continuation — even when they sit exactly where the next record
//! would start. New records are then written from the end of the valid prefix.
//!
//! Writes are buffered here and issued as one large `write_at` per group
//! commit (the tree decides when, from the durability mode), so the file sees
//! big sequential writes rather than one small write per commit.

use crate::codec::{crc32, le_u32};
use crate::error::StorageError;
use crate::layout::extent::{Extent, ExtentAllocator};
use crate::layout::seal::{aad, BlockCodec};
use crate::layout::round_to_page;
use crate::io::FileIo;

const HEADER: u64 = 9;
const TYPE_BATCH: u8 = 1;
const TYPE_LINK: u8 = 2;
const LINK_RECORD: u64 = HEADER + 16;
/// Extents after the head grow up to this size.
const MAX_GROW: u64 = 1 << 20;

/// The log of the current generation, positioned for appending.
pub struct Wal {
    salt: u64,
    chain: u32,
    head: Extent,
    current: Extent,
    /// Every extent of this generation, head first.
    extents: Vec<Extent>,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
    /// Bytes of records in this generation (written or buffered).
    record_bytes: u64,
}

/// The seed of a generation's CRC chain.
fn chain_seed(salt: u64) -> u32 {
    crc32(&[&salt.to_le_bytes()])
}

/// The salt of the generation after the one salted with `salt`.
pub fn next_salt(salt: u64, generation: u64) -> u64 {
    crate::codec::mix(salt ^ generation.rotate_left(17) ^ 0x5EED_0F_1065)
}

impl Wal {
    /// An empty log starting at the beginning of `head`.
    pub fn fresh(head: Extent, salt: u64) -> Wal {
        Wal {
            salt,
            chain: chain_seed(salt),
            head,
            current: head,
            extents: vec![head],
            buf: Vec::with_capacity(64 << 10),
            buf_start: head.offset,
            record_bytes: 0,
        }
    }

    /// Replay the log of generation `salt` from `head`, calling `apply` with
    /// each batch's seqno and plain body, and return the log positioned after
    /// the last valid record.
    pub fn recover(
        file: &dyn FileIo,
        codec: &BlockCodec,
        head: Extent,
        salt: u64,
        flushed_seqno: u64,
        mut apply: impl FnMut(u64, &[u8]) -> Result<(), StorageError>,
    ) -> Result<Wal, StorageError> {
        let mut wal = Wal::fresh(head, salt);
        let file_len = file.len()?;
        let mut expected_seqno = flushed_seqno + 1;
        let mut extent = head;
        'extents: loop {
            let mut data = ExtentBytes::new(file, extent, file_len);
            let mut pos: usize = 0;
            loop {
                wal.buf_start = extent.offset + pos as u64;
                if !data.load_record(pos)? {
                    break 'extents;
                }
                let Some((rtype, payload, crc, end)) = parse_record(&data.bytes, pos, wal.chain) else { break 'extents };
                let record_offset = extent.offset + pos as u64;
                match rtype {
                    TYPE_BATCH if payload.len() >= 8 => {
                        let seqno = u64::from_le_bytes(payload[..8].try_into().unwrap_or([0; 8]));
                        if seqno != expected_seqno {
                            break 'extents;
                        }
                        let body = &payload[8..];
                        match &codec.sealer {
                            None => apply(seqno, body)?,
                            Some(sealer) => {
                                let plain = sealer.open(&aad(salt, record_offset), body).map_err(|_| {
                                    StorageError::corrupted("WAL record: authentication failed", record_offset)
                                })?;
                                apply(seqno, &plain)?;
                            }
                        }
                        expected_seqno += 1;
                    }
                    TYPE_LINK if payload.len() == 16 => {
                        let offset = u64::from_le_bytes(payload[..8].try_into().unwrap_or([0; 8]));
                        let len = u64::from_le_bytes(payload[8..].try_into().unwrap_or([0; 8]));
                        let next = Extent { offset, len };
                        // A link into the fixed pages or onto an extent of this
                        // generation is damage, not a torn tail.
                        if offset < crate::layout::DATA_START || wal.extents.iter().any(|e| overlaps(e, &next)) {
                            return Err(StorageError::corrupted("WAL link record points at used space", record_offset));
                        }
                        wal.chain = crc;
                        wal.record_bytes += (end - pos) as u64;
                        extent = next;
                        wal.current = next;
                        wal.extents.push(next);
                        continue 'extents;
                    }
                    _ => break 'extents,
                }
                wal.chain = crc;
                wal.record_bytes += (end - pos) as u64;
                pos = end;
            }
        }
        Ok(wal)
    }

    /// Append one batch record (its body already encoded), switching to a new
    /// extent first when this one cannot hold it plus a final link record.
    pub fn append(
        &mut self,
        file: &dyn FileIo,
        alloc: &mut ExtentAllocator,
        codec: &BlockCodec,
        seqno: u64,
        body: &[u8],
    ) -> Result<(), StorageError> {
        let sealed;
        let record_offset_if_here = self.position();
        let mut body_len = body.len() as u64;
        if let Some(sealer) = &codec.sealer {
            // Sealing adds a fixed overhead; seal once we know the offset.
            body_len += sealer.overhead() as u64;
        }
        let need = HEADER + 8 + body_len;
        let mut offset = record_offset_if_here;
        if offset + need + LINK_RECORD > self.current.end() {
            let grow = (self.current.len * 2).clamp(self.head.len, MAX_GROW);
            let next = alloc.allocate(round_to_page((need + LINK_RECORD).max(grow)));
            let mut link = [0u8; 16];
            link[..8].copy_from_slice(&next.offset.to_le_bytes());
            link[8..].copy_from_slice(&next.len.to_le_bytes());
            self.push_record(TYPE_LINK, &[&link]);
            self.write_out(file)?;
            self.current = next;
            self.extents.push(next);
            self.buf_start = next.offset;
            offset = next.offset;
        }
        let payload: &[u8] = match &codec.sealer {
            None => body,
            Some(sealer) => {
                sealed = sealer.seal(&aad(self.salt, offset), body)?;
                &sealed
            }
        };
        self.push_record(TYPE_BATCH, &[&seqno.to_le_bytes(), payload]);
        Ok(())
    }

    fn push_record(&mut self, rtype: u8, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        self.buf.push(rtype);
        for p in parts {
            self.buf.extend_from_slice(p);
        }
        let crc = crc32(&[&self.chain.to_le_bytes(), &self.buf[start + 4..]]);
        self.buf[start..start + 4].copy_from_slice(&crc.to_le_bytes());
        self.chain = crc;
        self.record_bytes += self.buf.len() as u64 - start as u64;
    }

    /// Issue the buffered records to the file (one write).
    pub fn write_out(&mut self, file: &dyn FileIo) -> Result<(), StorageError> {
        if !self.buf.is_empty() {
            file.write_at(self.buf_start, &self.buf)?;
            self.buf_start += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    /// The file offset the next record would start at.
    pub fn position(&self) -> u64 {
        self.buf_start + self.buf.len() as u64
    }

    /// Bytes buffered but not yet written to the file.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes of records in this generation.
    pub fn record_bytes(&self) -> u64 {
        self.record_bytes
    }

    pub fn salt(&self) -> u64 {
        self.salt
    }

    pub fn head(&self) -> Extent {
        self.head
    }

    /// Every extent this generation uses, head first.
    pub fn extents(&self) -> &[Extent] {
        &self.extents
    }
}

/// Bytes read from the file per step of recovery.
const RECOVERY_CHUNK: usize = 64 << 10;

/// The start of one log extent, read from the file as recovery walks its
/// records: a chunk at a time, and never past the record where replay stops.
/// A short log in a large extent (the usual case: the head extent is sized for
/// a full memtable) costs one small read instead of one of the whole extent.
struct ExtentBytes<'a> {
    file: &'a dyn FileIo,
    offset: u64,
    /// Bytes of the extent inside the file: it may run past the end of the
    /// file if the log never filled it.
    readable: usize,
    /// The extent's first `bytes.len()` bytes.
    bytes: Vec<u8>,
}

impl<'a> ExtentBytes<'a> {
    fn new(file: &'a dyn FileIo, extent: Extent, file_len: u64) -> Self {
        let readable = file_len.saturating_sub(extent.offset).min(extent.len) as usize;
        ExtentBytes { file, offset: extent.offset, readable, bytes: Vec::new() }
    }

    /// Load the record at `pos` whole: false if its header or its payload
    /// would run past the readable part of the extent (the torn tail: the
    /// same records stop replay as if the whole extent had been read).
    fn load_record(&mut self, pos: usize) -> Result<bool, StorageError> {
        let Some(header_end) = pos.checked_add(HEADER as usize) else { return Ok(false) };
        if !self.load_to(header_end)? {
            return Ok(false);
        }
        let len = le_u32(&self.bytes, pos + 4) as usize;
        match header_end.checked_add(len) {
            Some(end) => self.load_to(end),
            None => Ok(false),
        }
    }

    /// Make the first `end` bytes available; false if they pass `readable`.
    fn load_to(&mut self, end: usize) -> Result<bool, StorageError> {
        if end > self.readable {
            return Ok(false);
        }
        let have = self.bytes.len();
        if end > have {
            let target = end.max(have + RECOVERY_CHUNK).min(self.readable);
            self.bytes.resize(target, 0);
            self.file.read_at(self.offset + have as u64, &mut self.bytes[have..])?;
        }
        Ok(true)
    }
}

fn overlaps(a: &Extent, b: &Extent) -> bool {
    a.offset < b.end() && b.offset < a.end()
}

/// Parse the record at `pos` if it is complete and chains from `chain`:
/// `(type, payload, crc, end)`.
fn parse_record(data: &[u8], pos: usize, chain: u32) -> Option<(u8, &[u8], u32, usize)> {
    let header_end = pos.checked_add(HEADER as usize)?;
    if header_end > data.len() {
        return None;
    }
    let crc = le_u32(data, pos);
    let len = le_u32(data, pos + 4) as usize;
    let end = header_end.checked_add(len)?;
    if end > data.len() {
        return None;
    }
    if crc32(&[&chain.to_le_bytes(), &data[pos + 4..end]]) != crc {
        return None;
    }
    Some((data[pos + 8], &data[header_end..end], crc, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::MemoryFile;
    use crate::layout::DATA_START;

    fn replay(file: &MemoryFile, head: Extent, salt: u64) -> (Vec<(u64, Vec<u8>)>, Wal) {
        let mut got = Vec::new();
        let wal = Wal::recover(file, &BlockCodec::plain(), head, salt, 0, |s, b| {
            got.push((s, b.to_vec()));
            Ok(())
        })
        .unwrap();
        (got, wal)
    }

    #[test]
    fn records_replay_across_linked_extents_and_appends_continue() {
        let file = MemoryFile::new();
        let mut alloc = ExtentAllocator::new();
        let head = alloc.allocate(4096);
        let mut wal = Wal::fresh(head, 11);
        let codec = BlockCodec::plain();
        for seqno in 1..=100u64 {
            wal.append(&file, &mut alloc, &codec, seqno, &[seqno as u8; 100]).unwrap();
        }
        wal.write_out(&file).unwrap();
        assert!(wal.extents().len() > 1);
        let (got, mut wal2) = replay(&file, head, 11);
        assert_eq!(got.len(), 100);
        assert_eq!(got[99], (100, vec![100u8; 100]));
        assert_eq!(wal2.position(), wal.position());
        wal2.append(&file, &mut alloc, &codec, 101, b"more").unwrap();
        wal2.write_out(&file).unwrap();
        assert_eq!(replay(&file, head, 11).0.len(), 101);
    }

    #[test]
    fn a_torn_tail_stops_replay_and_other_salts_never_replay() {
        let file = MemoryFile::new();
        let mut alloc = ExtentAllocator::new();
        let head = alloc.allocate(1 << 16);
        let mut wal = Wal::fresh(head, 5);
        let codec = BlockCodec::plain();
        for seqno in 1..=3u64 {
            wal.append(&file, &mut alloc, &codec, seqno, b"abcdef").unwrap();
        }
        wal.write_out(&file).unwrap();
        let end = wal.position();
        file.set_len(end - 2).unwrap();
        assert_eq!(replay(&file, head, 5).0.len(), 2);
        assert_eq!(replay(&file, head, 6).0.len(), 0);
        assert_eq!(head.offset, DATA_START);
    }

    /// A file that counts the bytes read from it.
    struct CountingFile {
        inner: MemoryFile,
        read: std::sync::atomic::AtomicU64,
    }

    impl FileIo for CountingFile {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            self.read.fetch_add(buf.len() as u64, std::sync::atomic::Ordering::Relaxed);
            self.inner.read_at(offset, buf)
        }
        fn write_at(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
            self.inner.write_at(offset, data)
        }
        fn len(&self) -> std::io::Result<u64> {
            self.inner.len()
        }
        fn set_len(&self, len: u64) -> std::io::Result<()> {
            self.inner.set_len(len)
        }
        fn sync(&self) -> std::io::Result<()> {
            self.inner.sync()
        }
    }

    #[test]
    fn recovery_reads_a_chunk_at_a_time_and_stops_where_the_log_does() {
        let file = MemoryFile::new();
        let mut alloc = ExtentAllocator::new();
        let head = alloc.allocate(1 << 20);
        // Something after the head extent, as the manifest is in a database.
        file.write_at(head.end() + 100, b"end").unwrap();
        let codec = BlockCodec::plain();
        let mut wal = Wal::fresh(head, 3);
        for seqno in 1..=10u64 {
            wal.append(&file, &mut alloc, &codec, seqno, &[seqno as u8; 200]).unwrap();
        }
        wal.write_out(&file).unwrap();
        let counting = CountingFile { inner: file.clone(), read: Default::default() };
        let mut got = 0;
        Wal::recover(&counting, &codec, head, 3, 0, |_, _| {
            got += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(got, 10);
        assert_eq!(counting.read.into_inner(), RECOVERY_CHUNK as u64, "a short log costs one chunk, not the extent");

        // Records that straddle chunk boundaries, and a torn one at the end.
        for seqno in 11..=300u64 {
            wal.append(&file, &mut alloc, &codec, seqno, &vec![seqno as u8; 1000 + seqno as usize]).unwrap();
        }
        wal.write_out(&file).unwrap();
        let end = wal.position();
        let (got, replayed) = replay(&file, head, 3);
        assert_eq!(got.len(), 300);
        assert_eq!(got[299], (300, vec![300u16 as u8; 1300]));
        assert_eq!(replayed.position(), end);
        let mut torn = file.to_vec();
        torn[end as usize - 5] ^= 1;
        let (got, replayed) = replay(&MemoryFile::from_bytes(torn), head, 3);
        assert_eq!(got.len(), 299);
        assert_eq!(replayed.position(), end - (HEADER + 8 + 1300));
    }

    #[test]
    fn a_stale_successor_of_a_lost_record_is_not_replayed() {
        // Records 1, 2, 3 written; 2 is lost; a new 2' of the same length is
        // written where 2 was. Old 3 must not follow 2'.
        let file = MemoryFile::new();
        let mut alloc = ExtentAllocator::new();
        let head = alloc.allocate(1 << 16);
        let codec = BlockCodec::plain();
        let mut wal = Wal::fresh(head, 9);
        for seqno in 1..=3u64 {
            wal.append(&file, &mut alloc, &codec, seqno, b"old-body").unwrap();
        }
        wal.write_out(&file).unwrap();
        let image = file.to_vec();
        let first_end = head.offset as usize + 9 + 8 + 8;
        let mut damaged = image.clone();
        damaged[first_end + 2] ^= 0xff; // record 2 lost
        let file = MemoryFile::from_bytes(damaged);
        let (got, mut wal) = replay(&file, head, 9);
        assert_eq!(got.len(), 1);
        wal.append(&file, &mut alloc, &codec, 2, b"new-body").unwrap();
        wal.write_out(&file).unwrap();
        let (got, _) = replay(&file, head, 9);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, b"new-body");
    }
}
