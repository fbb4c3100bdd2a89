//! [`JsFile`]: the engine's [`FileIo`] over a JavaScript object with the
//! methods of OPFS's `FileSystemSyncAccessHandle`:
//!
//! ```text
//! read(buffer: Uint8Array, { at }) -> bytesRead     write(buffer, { at }) -> bytesWritten
//! getSize() -> number     truncate(size)     flush()
//! ```
//!
//! In the browser the object *is* a sync access handle, opened by the worker
//! before the database opens (handles can only be created asynchronously,
//! which is why the engine lives in one pre-opened file). In Node the wrapper
//! passes an object with the same five methods built on `fs.readSync`,
//! `fs.writeSync`, `fs.fstatSync`, `fs.ftruncateSync` and `fs.fdatasyncSync`.
//! One adapter thus serves both, and a test of either exercises this code.
//!
//! Buffers are passed as views into wasm memory, so reads and writes copy once
//! (file ↔ wasm memory) and allocate nothing in JavaScript. A JS exception
//! becomes an `io::Error` whose message starts with the exception's name
//! (`QuotaExceededError: …`), which the engine reports as a storage error.

use kstone_engine::io::FileIo;
use std::io;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Anything with the five sync-access-handle methods.
    #[wasm_bindgen(typescript_type = "SyncFile")]
    pub type SyncFile;

    #[wasm_bindgen(method, catch)]
    fn read(this: &SyncFile, buffer: &mut [u8], options: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn write(this: &SyncFile, buffer: &[u8], options: &JsValue) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = getSize)]
    fn get_size(this: &SyncFile) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn truncate(this: &SyncFile, size: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn flush(this: &SyncFile) -> Result<(), JsValue>;
}

/// Largest span handed to one `read`/`write` call. Bounds the time one call
/// blocks and keeps offsets exactly representable as JS numbers.
const MAX_CALL_BYTES: usize = 8 << 20;

/// The engine's file, backed by a JavaScript [`SyncFile`].
pub struct JsFile {
    handle: SyncFile,
}

impl JsFile {
    pub fn new(handle: SyncFile) -> JsFile {
        JsFile { handle }
    }

    /// A second adapter on the same JS object (used to export the file).
    pub fn share(&self) -> JsFile {
        JsFile { handle: self.handle.clone().unchecked_into() }
    }
}

/// `{ at: offset }`, the options object both `read` and `write` take.
fn at(offset: u64) -> io::Result<JsValue> {
    // 2^53: past this a JS number no longer holds every integer.
    if offset > (1u64 << 53) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "file offset beyond 2^53"));
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("at"), &JsValue::from_f64(offset as f64))
        .map_err(js_error)?;
    Ok(options.into())
}

/// A JS exception as an `io::Error`: "Name: message".
fn js_error(value: JsValue) -> io::Error {
    let text = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("{}: {}", String::from(error.name()), String::from(error.message())),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    };
    let kind = if text.starts_with("QuotaExceededError") { io::ErrorKind::StorageFull } else { io::ErrorKind::Other };
    io::Error::new(kind, text)
}

/// A byte count returned by JS, checked to be a whole number within `limit`.
fn count(value: f64, limit: u64) -> io::Result<u64> {
    if value.fract() != 0.0 || value < 0.0 || value > limit as f64 {
        return Err(io::Error::other(format!("file returned an impossible byte count {value}")));
    }
    Ok(value as u64)
}

impl FileIo for JsFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let end = buf.len().min(done + MAX_CALL_BYTES);
            let chunk = &mut buf[done..end];
            let limit = chunk.len() as u64;
            let n = count(self.handle.read(chunk, &at(offset + done as u64)?).map_err(js_error)?, limit)? as usize;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end of the file"));
            }
            done += n;
        }
        Ok(())
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut done = 0;
        while done < data.len() {
            let end = data.len().min(done + MAX_CALL_BYTES);
            let chunk = &data[done..end];
            let limit = chunk.len() as u64;
            let n = count(self.handle.write(chunk, &at(offset + done as u64)?).map_err(js_error)?, limit)? as usize;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "the file accepted no bytes"));
            }
            done += n;
        }
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        let size = self.handle.get_size().map_err(js_error)?;
        count(size, 1u64 << 53)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        at(len)?; // the same 2^53 bound as offsets
        self.handle.truncate(len as f64).map_err(js_error)
    }

    fn sync(&self) -> io::Result<()> {
        self.handle.flush().map_err(js_error)
    }
}
