//! Engine errors as JavaScript `Error` objects.
//!
//! `name` is the DynamoDB exception name (`"ValidationException"`,
//! `"ConditionalCheckFailedException"`, …) so `catch (e) { if (e.name === …) }`
//! works as it does with the AWS SDK, and `message` is the engine's message.
//! DynamoDB's `__type` string rides along as `type` for code that matches on it.
//! A `TransactionCanceledException` carries `cancellationReasons` and a
//! `ConditionalCheckFailedException` that asked for the old item carries
//! `item`, both in DynamoDB JSON exactly as the wire protocol sends them
//! (`CancellationReasons`, `Item`).
//!
//! Two storage conditions get names of their own instead of
//! `InternalServerError`, because an application handles them differently
//! from a bug: `DatabaseLockedError` (another handle owns the file) and
//! `QuotaExceededError` (the OPFS quota or the disk is full; the write failed
//! and every acknowledged write is still in the file).

use kstone_engine::{Error, StorageError};
use wasm_bindgen::JsValue;

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Reflect::set only fails on frozen or non-object targets; a fresh Error is neither.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

/// The name a JS caller sees for `error`.
fn js_name(error: &Error) -> &'static str {
    match error {
        Error::Storage(StorageError::Locked) => "DatabaseLockedError",
        Error::Storage(StorageError::QuotaExceeded) => "QuotaExceededError",
        Error::Storage(StorageError::Io(e)) if e.kind() == std::io::ErrorKind::StorageFull => "QuotaExceededError",
        other => other.name(),
    }
}

/// Convert an engine error into a JS `Error`.
pub fn to_js(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name(js_name(error));
    let value: JsValue = js.into();
    set(&value, "type", &JsValue::from_str(&error.wire_type()));
    let body = error.to_json();
    for (field, key) in [("CancellationReasons", "cancellationReasons"), ("Item", "item")] {
        if let Some(part) = body.get(field) {
            // serde_json output is always valid JSON, so parse cannot fail.
            if let Ok(parsed) = js_sys::JSON::parse(&part.to_string()) {
                set(&value, key, &parsed);
            }
        }
    }
    value
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
