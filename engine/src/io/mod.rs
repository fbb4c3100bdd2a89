//! The positional-I/O trait the whole engine stands on, and its adapters.
//!
//! A KeystoneDB database is exactly one file. The engine never seeks, appends,
//! maps memory, lists directories or creates a second file: it reads and writes
//! at offsets, asks for the length, changes the length, and syncs. That is the
//! common ground of `std::fs::File` (native and WASI) and of the browser's OPFS
//! `FileSystemSyncAccessHandle` (`read`/`write` with `{at}`, `getSize`,
//! `truncate`, `flush`), which can only be opened asynchronously and only in a
//! dedicated worker — so the engine must be able to live inside one file that
//! was opened for it.
//!
//! Caching, buffering and checksums live above this trait so that each adapter
//! stays small and obviously right.
//!
//! Adapters: [`MemoryFile`] (in-memory databases and most tests), [`StdFile`]
//! (native and WASI; absent from the browser build, which has no file system), [`FaultyFile`] (crash and error injection for tests); the
//! OPFS adapter lives in the `kstone-wasm` crate and implements the same trait.

mod faulty;
mod memory;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
mod std_fs;

pub use faulty::{CrashMode, FaultyFile, FaultPlan};
pub use memory::MemoryFile;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use std_fs::{OpenOptions, StdFile};

use std::io;

/// `Send + Sync` on targets with threads; nothing on wasm32, where JavaScript
/// handles (OPFS) are neither and no second thread exists to share them with.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` on targets with threads; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// One database file, addressed by byte offset.
///
/// Writes are only guaranteed durable after [`FileIo::sync`] returns. Reading
/// past the end is an error (`UnexpectedEof`), never a short read. Methods take
/// `&self` so that readers can share the file; adapters use interior
/// mutability where they need it.
pub trait FileIo: MaybeSendSync {
    /// Fill `buf` from `offset`; fails with `UnexpectedEof` if the file is shorter.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// Write all of `data` at `offset`, growing the file if needed.
    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()>;
    /// The current length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Grow (new bytes read as zero) or shrink the file.
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// Make every completed write and the length durable.
    fn sync(&self) -> io::Result<()>;
}

impl<F: FileIo + ?Sized> FileIo for Box<F> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        (**self).write_at(offset, data)
    }
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
    fn sync(&self) -> io::Result<()> {
        (**self).sync()
    }
}

impl<F: FileIo + ?Sized> FileIo for std::sync::Arc<F>
where
    std::sync::Arc<F>: MaybeSendSync,
{
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_at(offset, buf)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        (**self).write_at(offset, data)
    }
    fn len(&self) -> io::Result<u64> {
        (**self).len()
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        (**self).set_len(len)
    }
    fn sync(&self) -> io::Result<()> {
        (**self).sync()
    }
}

/// The error every adapter returns for a read past the end.
pub(crate) fn eof(offset: u64, want: usize, len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("read of {want} bytes at offset {offset} past end of file ({len} bytes)"),
    )
}

#[cfg(test)]
pub(crate) mod contract {
    //! The behaviour every adapter must share; each adapter's tests call this.
    use super::FileIo;

    pub fn check(file: &dyn FileIo) {
        assert_eq!(file.len().unwrap(), 0);
        file.write_at(0, b"hello").unwrap();
        file.write_at(10, b"world").unwrap();
        assert_eq!(file.len().unwrap(), 15);
        let mut buf = [0xffu8; 15];
        file.read_at(0, &mut buf).unwrap();
        assert_eq!(&buf, b"hello\0\0\0\0\0world");
        let mut past = [0u8; 4];
        let err = file.read_at(13, &mut past).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        file.set_len(3).unwrap();
        assert_eq!(file.len().unwrap(), 3);
        file.set_len(6).unwrap();
        let mut grown = [0xffu8; 6];
        file.read_at(0, &mut grown).unwrap();
        assert_eq!(&grown, b"hel\0\0\0");
        file.sync().unwrap();
        let mut empty = [0u8; 0];
        file.read_at(6, &mut empty).unwrap();
    }
}
