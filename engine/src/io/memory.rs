//! An in-memory file: the storage of in-memory databases and of most tests.
//!
//! Clones share the same bytes, so a test can drop a database and reopen the
//! "same file" from a clone, and can take a byte-exact [`MemoryFile::to_vec`]
//! copy to compare with what other targets write.

use super::{eof, FileIo};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone, Default)]
pub struct MemoryFile {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl MemoryFile {
    pub fn new() -> Self {
        Self::default()
    }

    /// A file holding a copy of `bytes` (e.g. an exported database).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        MemoryFile { bytes: Arc::new(Mutex::new(bytes)) }
    }

    /// A copy of the current contents.
    pub fn to_vec(&self) -> Vec<u8> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // A panic while holding this lock cannot leave the Vec half-updated in
        // a way later readers could misread, so a poisoned lock is still usable.
        self.bytes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::fmt::Debug for MemoryFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryFile({} bytes)", self.lock().len())
    }
}

impl FileIo for MemoryFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let bytes = self.lock();
        let len = bytes.len() as u64;
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= len);
        match end {
            Some(end) => {
                buf.copy_from_slice(&bytes[offset as usize..end as usize]);
                Ok(())
            }
            None => Err(eof(offset, buf.len(), len)),
        }
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut bytes = self.lock();
        let end = offset
            .checked_add(data.len() as u64)
            .and_then(|e| usize::try_from(e).ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "write past addressable memory"))?;
        if bytes.len() < end {
            bytes.resize(end, 0);
        }
        bytes[offset as usize..end].copy_from_slice(data);
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.lock().len() as u64)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let len = usize::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "length past addressable memory"))?;
        self.lock().resize(len, 0);
        Ok(())
    }

    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_file_contract() {
        super::super::contract::check(&MemoryFile::new());
    }

    #[test]
    fn clones_share_bytes() {
        let a = MemoryFile::new();
        let b = a.clone();
        a.write_at(0, b"abc").unwrap();
        assert_eq!(b.to_vec(), b"abc");
    }
}
