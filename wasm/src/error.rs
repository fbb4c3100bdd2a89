//! Engine errors as JavaScript `Error` objects.
//!
//! `name` is the DynamoDB exception name (`"ValidationException"`,
//! `"ConditionalCheckFailedException"`, …) so `catch (e) { if (e.name === …) }`
//! works as it does with the AWS SDK, and `message` is the engine's message.
//! DynamoDB's `__type` string rides along as `type` for code that matches on it.

use kstone_engine::{Error, StorageError};
use wasm_bindgen::JsValue;

fn named(name: &str, message: &str, wire_type: &str) -> JsValue {
    let js = js_sys::Error::new(message);
    js.set_name(name);
    let value: JsValue = js.into();
    // Reflect::set only fails on frozen or non-object targets; a fresh Error is neither.
    let _ = js_sys::Reflect::set(&value, &JsValue::from_str("type"), &JsValue::from_str(wire_type));
    value
}

/// The name a storage quota failure gets: the DOMException's own name, so
/// `catch (e) { if (e.name === 'QuotaExceededError') }` reads the same for a
/// write the engine refused as for one the browser refused.
pub const QUOTA_EXCEEDED: &str = "QuotaExceededError";

/// True when the file refused a write because the storage quota is used up
/// ([`crate::js_file`] turns the DOMException into `StorageFull`).
fn is_quota(error: &Error) -> bool {
    match error {
        Error::Storage(StorageError::QuotaExceeded) => true,
        Error::Storage(StorageError::Io(e)) => e.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

/// Convert an engine error into a JS `Error`.
pub fn to_js(error: &Error) -> JsValue {
    if is_quota(error) {
        return named(QUOTA_EXCEEDED, &error.to_string(), QUOTA_EXCEEDED);
    }
    named(error.name(), &error.to_string(), &error.wire_type())
}

/// An I/O failure of the file itself (outside a request), reported like the
/// engine reports storage failures.
pub fn io_to_js(error: &std::io::Error) -> JsValue {
    to_js(&Error::from(StorageError::Io(std::io::Error::new(error.kind(), error.to_string()))))
}

/// The error every call on a closed database gets.
pub fn closed() -> JsValue {
    to_js(&Error::from(StorageError::Closed))
}
