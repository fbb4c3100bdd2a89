//! A database file on a real file system, natively and under WASI.
//!
//! Natively the file is locked on open (exclusive for writers, shared for
//! read-only opens) so that two processes can never write one database at
//! once; the second opener gets [`StorageError::Locked`]. WASI has no file
//! locks, and std's positional `FileExt` is not stable there, so under WASI the
//! adapter seeks and reads under a mutex instead of using `pread`/`pwrite`.
//!
//! `sync` uses `sync_data` unless the length changed since the last sync, in
//! which case it uses `sync_all` so that the new length is durable too.

use super::FileIo;
use crate::error::StorageError;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// How to open a database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail if the file exists already.
    pub create_new: bool,
    /// Open for reading only (shared lock natively; writes fail).
    pub read_only: bool,
}

impl OpenOptions {
    pub const EXISTING: OpenOptions = OpenOptions { create: false, create_new: false, read_only: false };
    pub const CREATE: OpenOptions = OpenOptions { create: true, create_new: false, read_only: false };
    pub const CREATE_NEW: OpenOptions = OpenOptions { create: true, create_new: true, read_only: false };
    pub const READ_ONLY: OpenOptions = OpenOptions { create: false, create_new: false, read_only: true };
}

pub struct StdFile {
    #[cfg(not(target_os = "wasi"))]
    file: File,
    #[cfg(target_os = "wasi")]
    file: std::sync::Mutex<File>,
    len_changed: AtomicBool,
}

impl StdFile {
    /// Open (or create) the file at `path` and take its lock.
    pub fn open(path: impl AsRef<Path>, opts: OpenOptions) -> Result<StdFile, StorageError> {
        let path = path.as_ref();
        let mut o = std::fs::OpenOptions::new();
        o.read(true);
        if !opts.read_only {
            o.write(true);
            if opts.create_new {
                o.create_new(true);
            } else if opts.create {
                o.create(true);
            }
        }
        let file = o.open(path)?;
        lock(&file, opts.read_only)?;
        Ok(StdFile {
            #[cfg(not(target_os = "wasi"))]
            file,
            #[cfg(target_os = "wasi")]
            file: std::sync::Mutex::new(file),
            len_changed: AtomicBool::new(false),
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn lock(file: &File, shared: bool) -> Result<(), StorageError> {
    let res = if shared { file.try_lock_shared() } else { file.try_lock() };
    match res {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(StorageError::Locked),
        // File systems without locks (some network mounts) still work.
        Err(std::fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(()),
        Err(std::fs::TryLockError::Error(e)) => Err(StorageError::Io(e)),
    }
}

#[cfg(target_arch = "wasm32")]
fn lock(_file: &File, _shared: bool) -> Result<(), StorageError> {
    Ok(())
}

#[cfg(unix)]
impl StdFile {
    fn pread(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }
    fn pwrite(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(&self.file, data, offset)
    }
    fn with_file<T>(&self, f: impl FnOnce(&File) -> io::Result<T>) -> io::Result<T> {
        f(&self.file)
    }
}

#[cfg(windows)]
impl StdFile {
    fn pread(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            let n = self.file.seek_read(buf, offset)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            offset += n as u64;
            buf = &mut buf[n..];
        }
        Ok(())
    }
    fn pwrite(&self, mut offset: u64, mut data: &[u8]) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !data.is_empty() {
            let n = self.file.seek_write(data, offset)?;
            offset += n as u64;
            data = &data[n..];
        }
        Ok(())
    }
    fn with_file<T>(&self, f: impl FnOnce(&File) -> io::Result<T>) -> io::Result<T> {
        f(&self.file)
    }
}

#[cfg(target_os = "wasi")]
impl StdFile {
    fn locked(&self) -> std::sync::MutexGuard<'_, File> {
        // Seek + read/write pairs are never left half-done by a panic in a
        // way that matters: every call seeks first.
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn pread(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = self.locked();
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
    fn pwrite(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = self.locked();
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(data)
    }
    fn with_file<T>(&self, f: impl FnOnce(&File) -> io::Result<T>) -> io::Result<T> {
        f(&self.locked())
    }
}

impl FileIo for StdFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.pread(offset, buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                let len = self.len().unwrap_or(0);
                super::eof(offset, buf.len(), len)
            } else {
                e
            }
        })
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.len_changed.store(true, Ordering::Relaxed);
        self.pwrite(offset, data)
    }

    fn len(&self) -> io::Result<u64> {
        self.with_file(|f| Ok(f.metadata()?.len()))
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.len_changed.store(true, Ordering::Relaxed);
        self.with_file(|f| f.set_len(len))
    }

    fn sync(&self) -> io::Result<()> {
        if self.len_changed.swap(false, Ordering::Relaxed) {
            self.with_file(|f| f.sync_all())
        } else {
            self.with_file(|f| f.sync_data())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        crate::testing::temp_path(name)
    }

    #[test]
    fn follows_the_file_contract() {
        let path = temp_path("contract");
        let file = StdFile::open(&path, OpenOptions::CREATE_NEW).unwrap();
        super::super::contract::check(&file);
        drop(file);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn create_new_refuses_an_existing_file() {
        let path = temp_path("exists");
        drop(StdFile::open(&path, OpenOptions::CREATE_NEW).unwrap());
        assert!(StdFile::open(&path, OpenOptions::CREATE_NEW).is_err());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn missing_file_is_an_error() {
        let path = temp_path("missing");
        assert!(matches!(StdFile::open(&path, OpenOptions::EXISTING), Err(StorageError::Io(_))));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_second_writer_is_locked_out() {
        let path = temp_path("lock");
        let first = StdFile::open(&path, OpenOptions::CREATE_NEW).unwrap();
        assert!(matches!(StdFile::open(&path, OpenOptions::EXISTING), Err(StorageError::Locked)));
        assert!(matches!(StdFile::open(&path, OpenOptions::READ_ONLY), Err(StorageError::Locked)));
        drop(first);
        let again = StdFile::open(&path, OpenOptions::EXISTING).unwrap();
        drop(again);
        std::fs::remove_file(&path).unwrap();
    }
}
