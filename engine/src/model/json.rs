//! DynamoDB JSON ⇄ [`AttributeValue`] / [`Item`].
//!
//! Every request that carries values (`Item`, `Key`, `ExpressionAttributeValues`,
//! `ExclusiveStartKey`, …) comes through [`attribute_value_from_json`], so the
//! checks here are the ones DynamoDB applies to any value:
//!
//! 1. Shape: each field must have the JSON type its descriptor needs (`"S"` a
//!    string, `"BOOL"` a boolean, `"L"` an array, …) and binary must be valid
//!    base64. A wrong shape is a `SerializationException`, as DynamoDB's wire
//!    decoder reports it. Unknown descriptor keys and JSON `null` fields are
//!    ignored, as DynamoDB's decoder does.
//! 2. Value rules (`ValidationException`): numbers via [`Number::parse`], `NULL`
//!    must be `true`, sets non-empty and without duplicates (numbers compare by
//!    value, so `["1", "1.0"]` is a duplicate), nesting at most 32 levels, and
//!    exactly one descriptor per value (checked after the per-type rules, which
//!    is the order DynamoDB reports them in).
//!
//! Empty strings and empty binary are allowed here: DynamoDB forbids them only
//! for key attributes, which [`super::limits`] checks once the schema is known.
//!
//! Output writes numbers in canonical text and binary as standard base64.

use super::json_text::{first_special, first_special_or_wide};
use super::item::{
    Reader, MAX_DECODE_DEPTH, T_B, T_BS, T_FALSE, T_L, T_M, T_NS, T_NULL, T_N_NEG, T_N_POS, T_N_ZERO, T_S, T_SS, T_TRUE,
};
use super::number::Number;
use super::value::{AttributeValue, Item};
use crate::error::{Error, StorageError};
use base64::Engine as _;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

/// Deepest nesting of lists and maps DynamoDB accepts: a top-level value is at
/// level 1, and each list or map around it adds one.
pub const MAX_NESTING_LEVELS: usize = 32;

const NESTING_MESSAGE: &str =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
const INVALID: &str = "One or more parameter values were invalid";

fn serialization(message: impl Into<String>) -> Error {
    Error::Serialization(message.into())
}

fn base64_engine() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

/// The class name DynamoDB's Java decoder reports for a JSON number.
fn number_class(n: &serde_json::Number) -> &'static str {
    match n.as_i64() {
        Some(i) if (-32768..=32767).contains(&i) => "java.lang.Short",
        Some(i) if (-2147483648..=2147483647).contains(&i) => "java.lang.Integer",
        Some(_) => "java.lang.Long",
        None if n.as_u64().is_some() => "java.lang.Long",
        None => "java.lang.Double",
    }
}

fn shape_error(found: &Value, expected: &str) -> Error {
    match found {
        Value::Array(_) => serialization("Start of list found where not expected"),
        Value::Object(_) => serialization("Start of structure or map found where not expected."),
        Value::Bool(_) => serialization(format!("class java.lang.Boolean can not be converted to {expected}")),
        Value::Number(n) => serialization(format!("class {} can not be converted to {expected}", number_class(n))),
        Value::String(s) => serialization(format!("'{}' can not be converted to {expected}", s.to_uppercase())),
        Value::Null => serialization(format!("null can not be converted to {expected}")),
    }
}

fn expect_str<'a>(v: &'a Value) -> Result<&'a str, Error> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(shape_error(other, "an String")),
    }
}

fn expect_bool(v: &Value) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(shape_error(other, "an Boolean")),
    }
}

fn expect_array(v: &Value) -> Result<&Vec<Value>, Error> {
    match v {
        Value::Array(a) => Ok(a),
        Value::Object(_) => Err(serialization("Start of structure or map found where not expected.")),
        _ => Err(serialization("Expected list or null")),
    }
}

fn expect_object(v: &Value) -> Result<&Map<String, Value>, Error> {
    match v {
        Value::Object(m) => Ok(m),
        Value::Array(_) => Err(serialization("Start of list found where not expected")),
        _ => Err(serialization("Expected map or null")),
    }
}

/// Decode base64 the way DynamoDB's decoder checks it.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Error> {
    let prefix = format!("'{text}' can not be converted to a Blob");
    if text.len() % 4 != 0 {
        return Err(serialization(format!(
            "{prefix}: Base64 encoded length is expected a multiple of 4 bytes but found: {}",
            text.len()
        )));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '+' || *c == '/' || *c == '=')) {
        return Err(serialization(format!("{prefix}: Invalid Base64 character: '{bad}'")));
    }
    base64_engine()
        .decode(text)
        .map_err(|_| serialization(format!("{prefix}: Invalid last non-pad Base64 character dectected")))
}

fn string_elements(v: &Value) -> Result<Vec<&str>, Error> {
    expect_array(v)?.iter().map(expect_str).collect()
}

/// Parse one DynamoDB JSON attribute value (`{"S": "x"}`, `{"N": "1"}`, …).
pub fn attribute_value_from_json(value: &Value) -> Result<AttributeValue, Error> {
    value_at(value, 1)
}

fn value_at(value: &Value, level: usize) -> Result<AttributeValue, Error> {
    if level > MAX_NESTING_LEVELS {
        return Err(Error::Validation(NESTING_MESSAGE.into()));
    }
    let fields = match value {
        Value::Object(m) => m,
        Value::Array(_) => return Err(serialization("Start of list found where not expected")),
        _ => return Err(serialization("Expected null")),
    };
    let mut found: Option<AttributeValue> = None;
    let mut types = 0;
    for (descriptor, field) in fields {
        if field.is_null() {
            continue;
        }
        let parsed = match descriptor.as_str() {
            "S" => AttributeValue::S(expect_str(field)?.to_string()),
            "N" => AttributeValue::N(Number::parse(expect_str(field)?)?),
            "B" => AttributeValue::B(decode_base64(expect_str(field)?)?),
            "BOOL" => AttributeValue::Bool(expect_bool(field)?),
            "NULL" => {
                if !expect_bool(field)? {
                    return Err(crate::validation!(
                        "{INVALID}: Null attribute value types must have the value of true"
                    ));
                }
                AttributeValue::Null
            }
            "SS" => string_set(field)?,
            "NS" => number_set(field)?,
            "BS" => binary_set(field)?,
            "L" => {
                let elements = expect_array(field)?;
                let mut list = Vec::with_capacity(elements.len());
                for element in elements {
                    list.push(value_at(element, level + 1)?);
                }
                AttributeValue::L(list)
            }
            "M" => AttributeValue::M(map_at(expect_object(field)?, level + 1)?),
            _ => continue,
        };
        types += 1;
        found.get_or_insert(parsed);
    }
    match found {
        None => Err(crate::validation!(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )),
        Some(_) if types > 1 => Err(crate::validation!(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
        )),
        Some(v) => Ok(v),
    }
}

fn string_set(field: &Value) -> Result<AttributeValue, Error> {
    string_set_of(string_elements(field)?)
}

/// Whether two elements of a set are equal: compared pairwise for the small
/// sets most items hold, hashed beyond that.
fn has_duplicates<T: Eq + std::hash::Hash>(elements: &[T]) -> bool {
    if elements.len() <= 16 {
        return elements.iter().enumerate().any(|(i, a)| elements[..i].contains(a));
    }
    let mut seen = HashSet::with_capacity(elements.len());
    !elements.iter().all(|e| seen.insert(e))
}

/// An `SS` value from its elements, with DynamoDB's set rules.
pub(crate) fn string_set_of(elements: Vec<&str>) -> Result<AttributeValue, Error> {
    if elements.is_empty() {
        return Err(crate::validation!("{INVALID}: An string set  may not be empty"));
    }
    if has_duplicates(&elements) {
        return Err(crate::validation!(
            "{INVALID}: Input collection [{}] contains duplicates.",
            elements.join(", ")
        ));
    }
    Ok(AttributeValue::Ss(elements.into_iter().map(str::to_string).collect()))
}

fn number_set(field: &Value) -> Result<AttributeValue, Error> {
    number_set_of(&string_elements(field)?)
}

/// An `NS` value from its elements' text, with DynamoDB's set rules.
pub(crate) fn number_set_of(elements: &[&str]) -> Result<AttributeValue, Error> {
    if elements.is_empty() {
        return Err(crate::validation!("{INVALID}: An number set  may not be empty"));
    }
    let numbers = elements.iter().map(|e| Number::parse(e)).collect::<Result<Vec<_>, _>>()?;
    if has_duplicates(&numbers) {
        return Err(crate::validation!("Input collection contains duplicates"));
    }
    Ok(AttributeValue::Ns(numbers))
}

fn binary_set(field: &Value) -> Result<AttributeValue, Error> {
    binary_set_of(&string_elements(field)?)
}

/// A `BS` value from its elements' base64 text, with DynamoDB's set rules.
pub(crate) fn binary_set_of(elements: &[&str]) -> Result<AttributeValue, Error> {
    if elements.is_empty() {
        return Err(crate::validation!("{INVALID}: An binary set  may not be empty"));
    }
    let blobs = elements.iter().map(|e| decode_base64(e)).collect::<Result<Vec<_>, _>>()?;
    if has_duplicates(&blobs) {
        return Err(crate::validation!(
            "{INVALID}: Input collection [{}]of type BS contains duplicates.",
            elements.join(", ")
        ));
    }
    Ok(AttributeValue::Bs(blobs))
}

fn map_at(fields: &Map<String, Value>, level: usize) -> Result<BTreeMap<String, AttributeValue>, Error> {
    let mut out = BTreeMap::new();
    for (name, value) in fields {
        if value.is_null() {
            continue;
        }
        out.insert(name.clone(), value_at(value, level)?);
    }
    Ok(out)
}

/// Parse a DynamoDB JSON item (`{"name": {"S": "x"}, …}`).
pub fn item_from_json(value: &Value) -> Result<Item, Error> {
    map_at(expect_object(value)?, 1)
}

/// Write one attribute value as DynamoDB JSON.
pub fn attribute_value_to_json(value: &AttributeValue) -> Value {
    let (descriptor, body) = match value {
        AttributeValue::S(s) => ("S", Value::String(s.clone())),
        AttributeValue::N(n) => ("N", Value::String(n.to_string())),
        AttributeValue::B(b) => ("B", Value::String(base64_engine().encode(b))),
        AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
        AttributeValue::Null => ("NULL", Value::Bool(true)),
        AttributeValue::Ss(v) => ("SS", v.iter().map(|s| Value::String(s.clone())).collect()),
        AttributeValue::Ns(v) => ("NS", v.iter().map(|n| Value::String(n.to_string())).collect()),
        AttributeValue::Bs(v) => ("BS", v.iter().map(|b| Value::String(base64_engine().encode(b))).collect()),
        AttributeValue::L(v) => ("L", v.iter().map(attribute_value_to_json).collect()),
        AttributeValue::M(m) => ("M", Value::Object(map_to_json(m))),
    };
    let mut out = Map::with_capacity(1);
    out.insert(descriptor.to_string(), body);
    Value::Object(out)
}

fn map_to_json(map: &BTreeMap<String, AttributeValue>) -> Map<String, Value> {
    map.iter().map(|(k, v)| (k.clone(), attribute_value_to_json(v))).collect()
}

/// Write an item as DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(map_to_json(item))
}

/// A stored item (the binary codec of [`super::item`]) as DynamoDB JSON,
/// written straight from its bytes: the same JSON as
/// `item_to_json(&decode_item(bytes)?)`, as a tree through any serde
/// serializer (`serde_json::to_value`) or as text ([`Self::write_to`], by
/// hand), without building the item in between. GetItem and Query answer
/// with it.
///
/// The bytes are checked on the way exactly as [`decode_item`] checks them
/// (one [`Reader`] does all three); damage stops the serializer with an
/// error and leaves the [`StorageError`] in [`StoredItemJson::take_error`],
/// and makes [`Self::write_to`] return it.
///
/// [`decode_item`]: super::item::decode_item
pub struct StoredItemJson<'a> {
    bytes: &'a [u8],
    error: RefCell<Option<StorageError>>,
}

impl<'a> StoredItemJson<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        StoredItemJson { bytes, error: RefCell::new(None) }
    }

    /// What was wrong with the bytes, once serializing failed on them.
    pub fn take_error(&self) -> Option<StorageError> {
        self.error.borrow_mut().take()
    }

    /// A tree of the item (the form `Database::execute` answers in).
    pub fn to_value(&self) -> Result<Value, StorageError> {
        serde_json::to_value(self).map_err(|e| self.failure(e))
    }

    /// Append the item as JSON text to `out` (the form `execute_json`
    /// answers in).
    ///
    /// Written by hand rather than through serde's serializer, which spends
    /// most of an answer in per-string and per-map calls: the text is byte
    /// for byte what `serde_json::to_writer` writes for the same item (the
    /// same escapes, no spaces), and the bytes are checked as [`decode_item`]
    /// checks them, failing with the same error.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), StorageError> {
        let mut reader = Reader::start(self.bytes)?;
        text_map(&mut reader, out, 0)?;
        reader.finish()
    }

    fn failure(&self, e: serde_json::Error) -> StorageError {
        self.take_error().unwrap_or_else(|| StorageError::corrupted(format!("item encoding: {e}"), 0))
    }
}

impl Serialize for StoredItemJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let walk = Walk { reader: RefCell::new(Reader::start(self.bytes).map_err(|e| fail(&self.error, e))?), error: &self.error };
        let out = StoredMap { walk: &walk, depth: 0 }.serialize(serializer)?;
        walk.reader.borrow().finish().map_err(|e| fail(&self.error, e))?;
        Ok(out)
    }
}

/// Keep `e` for [`StoredItemJson::take_error`] and stop the serializer.
fn fail<E: serde::ser::Error>(slot: &RefCell<Option<StorageError>>, e: StorageError) -> E {
    let message = e.to_string();
    *slot.borrow_mut() = Some(e);
    E::custom(message)
}

/// A map of attributes (see [`StoredMap`]) as JSON text.
fn text_map(r: &mut Reader<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), StorageError> {
    let n = r.count()?;
    out.push(b'{');
    let mut previous: Option<&[u8]> = None;
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        // The checks of `Reader::name_after`, in its order.
        let name = r.bytes()?;
        stored_string(r, out, name)?;
        r.check_name_order(previous, name)?;
        previous = Some(name);
        out.push(b':');
        text_value(r, out, depth)?;
    }
    out.push(b'}');
    Ok(())
}

/// One value (see [`StoredValue`]) as JSON text.
fn text_value(r: &mut Reader<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), StorageError> {
    if depth > MAX_DECODE_DEPTH {
        return Err(r.corrupt("nesting too deep"));
    }
    let tag = r.byte()?;
    if !(T_S..=T_M).contains(&tag) {
        return Err(r.corrupt("unknown value tag"));
    }
    match tag {
        T_S => {
            out.extend_from_slice(b"{\"S\":");
            let s = r.bytes()?;
            stored_string(r, out, s)?;
        }
        T_N_POS | T_N_NEG | T_N_ZERO => {
            out.extend_from_slice(b"{\"N\":");
            text_number(out, &r.number_after_tag(tag)?);
        }
        T_B => {
            out.extend_from_slice(b"{\"B\":");
            text_base64(out, r.bytes()?);
        }
        T_FALSE => out.extend_from_slice(b"{\"BOOL\":false"),
        T_TRUE => out.extend_from_slice(b"{\"BOOL\":true"),
        T_NULL => out.extend_from_slice(b"{\"NULL\":true"),
        T_SS | T_NS | T_BS | T_L => {
            let open: &[u8] = match tag {
                T_SS => b"{\"SS\":[",
                T_NS => b"{\"NS\":[",
                T_BS => b"{\"BS\":[",
                _ => b"{\"L\":[",
            };
            out.extend_from_slice(open);
            let n = r.count()?;
            for i in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                match tag {
                    T_SS => {
                        let s = r.bytes()?;
                        stored_string(r, out, s)?;
                    }
                    T_NS => text_number(out, &r.number()?),
                    T_BS => text_base64(out, r.bytes()?),
                    _ => text_value(r, out, depth + 1)?,
                }
            }
            out.push(b']');
        }
        // T_M: the last tag, the range was checked above.
        _ => {
            out.extend_from_slice(b"{\"M\":");
            text_map(r, out, depth + 1)?;
        }
    }
    out.push(b'}');
    Ok(())
}

/// A stored string as a JSON string, checked to be UTF-8 as `Reader::str`
/// checks it (same error, same place). A string with nothing to escape and
/// no wide byte, the common case, is copied after one pass over it.
fn stored_string<'a>(r: &Reader<'a>, out: &mut Vec<u8>, bytes: &'a [u8]) -> Result<(), StorageError> {
    if first_special_or_wide(bytes).is_none() {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return Ok(());
    }
    text_string(out, r.utf8(bytes)?);
    Ok(())
}

/// A JSON string with serde_json's escapes: `"` and `\\`, the five short
/// forms for control characters that have one, `\u00xx` for the rest.
fn text_string(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    while let Some(at) = first_special(rest) {
        out.extend_from_slice(&rest[..at]);
        let b = rest[at];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            _ => b"",
        };
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
        } else {
            out.extend_from_slice(escape);
        }
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// A number's canonical text, quoted (it never needs escapes).
fn text_number(out: &mut Vec<u8>, n: &Number) {
    out.push(b'"');
    n.write_canonical(out);
    out.push(b'"');
}

/// Standard base64, quoted (its alphabet needs no escapes).
fn text_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0);
    let written = base64_engine().encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

/// The reader shared by the nested values of one stored item.
struct Walk<'w, 'a> {
    reader: RefCell<Reader<'a>>,
    error: &'w RefCell<Option<StorageError>>,
}

impl<'a> Walk<'_, 'a> {
    fn read<T, E: serde::ser::Error>(&self, f: impl FnOnce(&mut Reader<'a>) -> Result<T, StorageError>) -> Result<T, E> {
        let result = f(&mut self.reader.borrow_mut());
        result.map_err(|e| fail(self.error, e))
    }
}

/// A map of attributes: `count (name value)*count`, names strictly increasing.
struct StoredMap<'r, 'w, 'a> {
    walk: &'r Walk<'w, 'a>,
    depth: usize,
}

impl Serialize for StoredMap<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let n = self.walk.read(Reader::count)?;
        let mut map = serializer.serialize_map(Some(n))?;
        let mut previous: Option<&str> = None;
        for _ in 0..n {
            let name = self.walk.read(|r| r.name_after(previous))?;
            previous = Some(name);
            map.serialize_entry(name, &StoredValue { walk: self.walk, depth: self.depth })?;
        }
        map.end()
    }
}

/// One value: `tag payload`, written as `{"<type>": <body>}`.
struct StoredValue<'r, 'w, 'a> {
    walk: &'r Walk<'w, 'a>,
    depth: usize,
}

impl Serialize for StoredValue<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let walk = self.walk;
        let tag = walk.read(|r| {
            if self.depth > MAX_DECODE_DEPTH {
                return Err(r.corrupt("nesting too deep"));
            }
            let tag = r.byte()?;
            if !(T_S..=T_M).contains(&tag) {
                return Err(r.corrupt("unknown value tag"));
            }
            Ok(tag)
        })?;
        let mut map = serializer.serialize_map(Some(1))?;
        match tag {
            T_S => map.serialize_entry("S", walk.read::<_, S::Error>(Reader::str)?)?,
            T_N_POS | T_N_NEG | T_N_ZERO => {
                let n = walk.read::<_, S::Error>(|r| r.number_after_tag(tag))?;
                map.serialize_entry("N", &AsText(n))?
            }
            T_B => map.serialize_entry("B", &AsText(Base64(walk.read::<_, S::Error>(Reader::bytes)?)))?,
            T_FALSE => map.serialize_entry("BOOL", &false)?,
            T_TRUE => map.serialize_entry("BOOL", &true)?,
            T_NULL => map.serialize_entry("NULL", &true)?,
            T_SS => map.serialize_entry("SS", &StoredList { walk, depth: self.depth, element: Element::Str })?,
            T_NS => map.serialize_entry("NS", &StoredList { walk, depth: self.depth, element: Element::Number })?,
            T_BS => map.serialize_entry("BS", &StoredList { walk, depth: self.depth, element: Element::Bytes })?,
            T_L => map.serialize_entry("L", &StoredList { walk, depth: self.depth + 1, element: Element::Value })?,
            // T_M: the last tag, the range was checked above.
            _ => map.serialize_entry("M", &StoredMap { walk, depth: self.depth + 1 })?,
        }
        map.end()
    }
}

#[derive(Clone, Copy)]
enum Element {
    Str,
    Number,
    Bytes,
    Value,
}

/// A set or list: `count element*count`.
struct StoredList<'r, 'w, 'a> {
    walk: &'r Walk<'w, 'a>,
    depth: usize,
    element: Element,
}

impl Serialize for StoredList<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let n = self.walk.read(Reader::count)?;
        let mut seq = serializer.serialize_seq(Some(n))?;
        for _ in 0..n {
            match self.element {
                Element::Str => seq.serialize_element(self.walk.read::<_, S::Error>(Reader::str)?)?,
                Element::Number => seq.serialize_element(&AsText(self.walk.read::<_, S::Error>(Reader::number)?))?,
                Element::Bytes => seq.serialize_element(&AsText(Base64(self.walk.read::<_, S::Error>(Reader::bytes)?)))?,
                Element::Value => seq.serialize_element(&StoredValue { walk: self.walk, depth: self.depth })?,
            }
        }
        seq.end()
    }
}

/// A value serialized as the string its `Display` writes.
struct AsText<T>(T);

impl<T: std::fmt::Display> Serialize for AsText<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Standard base64 of some bytes, as `Display`.
struct Base64<'a>(&'a [u8]);

impl std::fmt::Display for Base64<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        base64::display::Base64Display::new(self.0, base64_engine()).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_in_small_and_large_sets() {
        for len in [2usize, 16, 17, 40] {
            let mut elements: Vec<String> = (0..len).map(|i| format!("e{i}")).collect();
            let set = |e: &[String]| attribute_value_from_json(&json!({"SS": e}));
            assert!(set(&elements).is_ok(), "{len} distinct");
            elements[len - 1] = elements[0].clone();
            assert!(set(&elements).is_err(), "{len} with a duplicate");
            let numbers: Vec<String> = (0..len).map(|i| if i == len - 1 { "0.0".into() } else { i.to_string() }).collect();
            assert!(attribute_value_from_json(&json!({"NS": numbers})).is_err(), "{len} numbers, 0 and 0.0");
        }
    }

    use serde_json::json;

    fn err(v: Value) -> (String, String) {
        let e = attribute_value_from_json(&v).unwrap_err();
        (e.name().to_string(), e.to_string())
    }

    #[test]
    fn parses_every_type_and_writes_it_back() {
        let item = json!({
            "s": {"S": "x"}, "e": {"S": ""}, "n": {"N": "1.50"}, "b": {"B": "AAEC"},
            "t": {"BOOL": true}, "z": {"NULL": true},
            "ss": {"SS": ["a", "b", ""]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]},
            "l": {"L": [{"N": "1"}, {"M": {}}]}, "m": {"M": {"k": {"S": "v"}}}
        });
        let parsed = item_from_json(&item).unwrap();
        assert_eq!(parsed["b"], AttributeValue::B(vec![0, 1, 2]));
        let back = item_to_json(&parsed);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        let mut expected = item.clone();
        expected["n"] = json!({"N": "1.5"});
        assert_eq!(back, expected);
        assert_eq!(item_from_json(&back).unwrap(), parsed);
    }

    #[test]
    fn validation_messages_follow_dynamodb() {
        let cases = [
            (json!({}), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
            (json!({"X": "1"}), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
            (json!({"S": null}), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
            (json!({"S": "a", "N": "1"}), "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
            (json!({"S": "a", "N": "x"}), "The parameter cannot be converted to a numeric value: x"),
            (json!({"N": ""}), "The parameter cannot be converted to a numeric value"),
            (json!({"N": "1e126"}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
            (json!({"NULL": false}), "One or more parameter values were invalid: Null attribute value types must have the value of true"),
            (json!({"SS": []}), "One or more parameter values were invalid: An string set  may not be empty"),
            (json!({"NS": []}), "One or more parameter values were invalid: An number set  may not be empty"),
            (json!({"BS": []}), "One or more parameter values were invalid: An binary set  may not be empty"),
            (json!({"SS": ["a", "a"]}), "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
            (json!({"NS": ["1", "1.0"]}), "Input collection contains duplicates"),
            (json!({"NS": ["1", "x"]}), "The parameter cannot be converted to a numeric value: x"),
            (json!({"BS": ["AA==", "AA=="]}), "One or more parameter values were invalid: Input collection [AA==, AA==]of type BS contains duplicates."),
        ];
        for (input, message) in cases {
            assert_eq!(err(input.clone()), ("ValidationException".into(), message.into()), "{input}");
        }
    }

    #[test]
    fn wrong_shapes_are_serialization_errors() {
        let cases = [
            (json!({"S": 1}), "class java.lang.Short can not be converted to an String"),
            (json!({"S": true}), "class java.lang.Boolean can not be converted to an String"),
            (json!({"S": {}}), "Start of structure or map found where not expected."),
            (json!({"S": []}), "Start of list found where not expected"),
            (json!({"BOOL": "yes"}), "'YES' can not be converted to an Boolean"),
            (json!({"SS": "a"}), "Expected list or null"),
            (json!({"M": "a"}), "Expected map or null"),
            (json!({"L": {}}), "Start of structure or map found where not expected."),
            (json!("x"), "Expected null"),
            (json!({"B": "abc"}), "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"),
            (json!({"B": "ab!="}), "'ab!=' can not be converted to a Blob: Invalid Base64 character: '!'"),
            (json!({"B": "a==="}), "'a===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"),
        ];
        for (input, message) in cases {
            assert_eq!(err(input.clone()), ("SerializationException".into(), message.into()), "{input}");
        }
    }

    fn nested(levels: usize) -> Value {
        let mut v = json!({"N": "1"});
        for _ in 1..levels {
            v = json!({"M": {"a": v}});
        }
        v
    }

    #[test]
    fn nesting_is_limited_to_32_levels() {
        assert!(attribute_value_from_json(&nested(32)).is_ok());
        let e = attribute_value_from_json(&nested(33)).unwrap_err();
        assert_eq!(e.to_string(), NESTING_MESSAGE);
        // Deep input far past the limit fails fast instead of overflowing the stack.
        assert!(attribute_value_from_json(&nested(120)).is_err());
    }

    #[test]
    fn items_must_be_maps() {
        assert_eq!(item_from_json(&json!([])).unwrap_err().name(), "SerializationException");
        assert_eq!(item_from_json(&json!({"a": {"S": "x"}, "b": null})).unwrap().len(), 1);
    }
}
