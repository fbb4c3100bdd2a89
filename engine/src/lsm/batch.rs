//! `WriteBatch`: puts and deletes applied atomically, and its WAL encoding.
//!
//! ```text
//! batch body:  op count (varint) | op*
//! op:          tag (u8: 0 delete, 1 put) | key (varint length + bytes)
//!              | value (varint length + bytes, puts only)
//! ```

use crate::codec::{put_bytes, put_varint, Cursor};
use crate::error::StorageError;

/// Puts and deletes applied atomically, in order.
#[derive(Debug, Clone, Default)]
pub struct WriteBatch {
    pub(crate) ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
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

    /// Append the WAL body of this batch to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.ops.len() as u64);
        for (k, v) in &self.ops {
            out.push(u8::from(v.is_some()));
            put_bytes(out, k);
            if let Some(v) = v {
                put_bytes(out, v);
            }
        }
    }

    /// Decode a WAL body, calling `apply` for each operation.
    pub(crate) fn decode(
        body: &[u8],
        offset: u64,
        mut apply: impl FnMut(&[u8], Option<&[u8]>),
    ) -> Result<(), StorageError> {
        let mut c = Cursor::new(body, "WAL batch", offset);
        let count = c.varint()?;
        for _ in 0..count {
            let tag = c.u8()?;
            let key = c.len_bytes()?;
            match tag {
                0 => apply(key, None),
                1 => apply(key, Some(c.len_bytes()?)),
                _ => return Err(c.error("unknown operation")),
            }
        }
        if !c.is_empty() {
            return Err(c.error("trailing bytes"));
        }
        Ok(())
    }
}
