//! `Tree`: the storage engine's front door.
//!
//! Everything above the engine sees only this: point gets, ordered range
//! scans in both directions, and atomic [`WriteBatch`]es (items, index entries
//! and change records of one request travel in one batch, so they commit
//! together or not at all).

use crate::config::DatabaseConfig;
use crate::error::StorageError;
use crate::io::FileIo;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Puts and deletes applied atomically, in order.
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), Some(value.into())));
    }
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push((key.into(), None));
    }
    pub fn len(&self) -> usize {
        self.ops.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    /// The operations in order: `(key, Some(value))` for a put, `(key, None)` for a delete.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.ops.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))
    }
}

/// An ordered key-value store in one file.
pub struct Tree {
    _file: Box<dyn FileIo>,
    _config: DatabaseConfig,
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    seqno: u64,
}

impl Tree {
    /// Open the tree stored in `file`, creating it if the file is empty.
    pub fn open(file: Box<dyn FileIo>, config: DatabaseConfig) -> Result<Tree, StorageError> {
        Ok(Tree { _file: file, _config: config, map: BTreeMap::new(), seqno: 0 })
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.map.get(key).cloned())
    }

    /// Entries with keys in `(lower, upper)`, ascending or (with `reverse`) descending.
    pub fn range<'a>(
        &'a self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>), StorageError>> + 'a> {
        let lower = lower.map(|k| k.to_vec());
        let upper = upper.map(|k| k.to_vec());
        let it = self.map.range((lower, upper)).map(|(k, v)| Ok((k.clone(), v.clone())));
        if reverse {
            Box::new(it.rev())
        } else {
            Box::new(it)
        }
    }

    /// Apply `batch` atomically; returns its sequence number.
    pub fn write(&mut self, batch: WriteBatch) -> Result<u64, StorageError> {
        for (k, v) in batch.ops {
            match v {
                Some(v) => {
                    self.map.insert(k, v);
                }
                None => {
                    self.map.remove(&k);
                }
            }
        }
        self.seqno += 1;
        Ok(self.seqno)
    }
}
