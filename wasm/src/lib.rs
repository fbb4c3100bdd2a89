//! KeystoneDB for JavaScript: the engine compiled to wasm32, exposed through
//! wasm-bindgen. This crate stays thin: it converts arguments, calls the
//! engine's one door, and converts results.

use wasm_bindgen::prelude::*;

/// The engine version this module was built from.
#[wasm_bindgen(js_name = engineVersion)]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
