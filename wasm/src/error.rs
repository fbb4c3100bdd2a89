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

/// Convert an engine error into a JS `Error`.
pub fn to_js(error: &Error) -> JsValue {
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
