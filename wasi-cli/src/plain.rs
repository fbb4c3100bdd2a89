//! Plain JSON values and their DynamoDB JSON form.
//!
//! `kstone put db key '{"name":"Alice","age":30}'` takes an item as plain
//! JSON; the engine speaks DynamoDB JSON (`{"name":{"S":"Alice"},"age":{"N":"30"}}`).
//! The mapping is the one `@aws-sdk/util-dynamodb` uses in `marshall` /
//! `unmarshall`, so a value reads the same from the CLI as from JavaScript:
//!
//! | plain JSON        | DynamoDB        | back to plain              |
//! |-------------------|-----------------|----------------------------|
//! | `null`            | `NULL`          | `null`                     |
//! | `true` / `false`  | `BOOL`          | the boolean                |
//! | number            | `N` (exact text)| the number, digit for digit|
//! | string            | `S`             | the string                 |
//! | array             | `L`             | array                      |
//! | object            | `M`             | object                     |
//! | —                 | `B`             | base64 string              |
//! | —                 | `SS`/`NS`/`BS`  | array of the members       |
//!
//! Numbers must survive exactly: DynamoDB numbers have 38 significant digits,
//! far beyond an `f64`. serde_json turns numbers into `u64`/`i64`/`f64` unless
//! its `arbitrary_precision` feature is on, and that feature would change
//! number handling in every crate of the workspace that shares the build. So
//! [`Plain::parse`] uses serde_json's `RawValue` instead: it validates the
//! whole text once (errors carry line and column), then splits containers into
//! raw members and keeps each number's text untouched. Each nesting level is
//! rescanned once, which is cheap for items (at most 400 KB, 32 levels).
//!
//! Binary and set types have no plain JSON form of their own, so printing is
//! lossy for them; `kstone request` and `kstone export` keep DynamoDB JSON.

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A JSON value whose numbers are kept as their exact text.
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    /// The number's JSON text, e.g. `30` or `-1.5E+40`.
    Number(String),
    String(String),
    Array(Vec<Plain>),
    Object(IndexMap<String, Plain>),
}

impl Plain {
    /// Parse JSON text losslessly. The error message names line and column.
    pub fn parse(text: &str) -> Result<Plain, serde_json::Error> {
        let raw: Box<RawValue> = serde_json::from_str(text)?;
        Self::from_raw(&raw)
    }

    fn from_raw(raw: &RawValue) -> Result<Plain, serde_json::Error> {
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'{') => {
                let members: IndexMap<String, Box<RawValue>> = serde_json::from_str(text)?;
                let mut object = IndexMap::with_capacity(members.len());
                for (name, member) in members {
                    object.insert(name, Self::from_raw(&member)?);
                }
                Ok(Plain::Object(object))
            }
            Some(b'[') => {
                let members: Vec<Box<RawValue>> = serde_json::from_str(text)?;
                members.iter().map(|m| Self::from_raw(m)).collect::<Result<_, _>>().map(Plain::Array)
            }
            Some(b'-' | b'0'..=b'9') => Ok(Plain::Number(text.to_string())),
            _ => Ok(match serde_json::from_str::<Value>(text)? {
                Value::Null => Plain::Null,
                Value::Bool(b) => Plain::Bool(b),
                Value::String(s) => Plain::String(s),
                // RawValue starts with `{`, `[`, a digit or `-` for these,
                // all handled above; keep a safe answer anyway.
                other => Plain::String(other.to_string()),
            }),
        }
    }

    /// This value as a DynamoDB `AttributeValue` in DynamoDB JSON.
    pub fn to_dynamodb(&self) -> Value {
        let (tag, inner) = match self {
            Plain::Null => ("NULL", Value::Bool(true)),
            Plain::Bool(b) => ("BOOL", Value::Bool(*b)),
            Plain::Number(n) => ("N", Value::String(n.clone())),
            Plain::String(s) => ("S", Value::String(s.clone())),
            Plain::Array(items) => ("L", Value::Array(items.iter().map(Plain::to_dynamodb).collect())),
            Plain::Object(members) => ("M", Value::Object(object_to_dynamodb(members))),
        };
        let mut wrapper = Map::with_capacity(1);
        wrapper.insert(tag.to_string(), inner);
        Value::Object(wrapper)
    }

    /// Read one DynamoDB JSON `AttributeValue` back as plain JSON.
    pub fn from_dynamodb(value: &Value) -> Result<Plain, String> {
        let (tag, inner) = match value.as_object() {
            Some(object) if object.len() == 1 => object.iter().next().ok_or("empty attribute value")?,
            _ => return Err(format!("not a DynamoDB attribute value: {value}")),
        };
        let string = |v: &Value| v.as_str().map(str::to_string).ok_or_else(|| format!("{tag} must hold a string"));
        let list = |v: &Value| v.as_array().ok_or_else(|| format!("{tag} must hold an array")).cloned();
        Ok(match tag.as_str() {
            "NULL" => Plain::Null,
            "BOOL" => Plain::Bool(inner.as_bool().ok_or("BOOL must hold a boolean")?),
            "S" | "B" => Plain::String(string(inner)?),
            "N" => number(&string(inner)?),
            "SS" | "BS" => Plain::Array(list(inner)?.iter().map(|m| string(m).map(Plain::String)).collect::<Result<_, _>>()?),
            "NS" => Plain::Array(list(inner)?.iter().map(|m| string(m).map(|n| number(&n))).collect::<Result<_, _>>()?),
            "L" => Plain::Array(list(inner)?.iter().map(Plain::from_dynamodb).collect::<Result<_, _>>()?),
            "M" => Plain::Object(item_from_dynamodb(inner)?),
            other => return Err(format!("unknown attribute type {other}")),
        })
    }

    /// Compact JSON text, numbers exact.
    pub fn to_json(&self) -> String {
        // Serialising to a String cannot fail: every map key is a string and
        // every number's text was checked when it was parsed or converted.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON text, numbers exact.
    pub fn to_json_pretty(&self) -> String {
        // As in `to_json`: serialising this type to a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Text for one table or CSV cell: strings bare, everything else as JSON.
    pub fn to_cell(&self) -> String {
        match self {
            Plain::String(s) => s.clone(),
            Plain::Number(n) => n.clone(),
            other => other.to_json(),
        }
    }
}

/// A number from its DynamoDB text; text that is not a JSON number (which the
/// engine never produces) stays visible as a string rather than being lost.
fn number(text: &str) -> Plain {
    match serde_json::from_str::<Box<RawValue>>(text) {
        Ok(raw) if matches!(raw.get().as_bytes().first(), Some(b'-' | b'0'..=b'9')) => Plain::Number(text.to_string()),
        _ => Plain::String(text.to_string()),
    }
}

/// A plain object as a DynamoDB item (attribute name → AttributeValue).
pub fn object_to_dynamodb(members: &IndexMap<String, Plain>) -> Map<String, Value> {
    members.iter().map(|(name, value)| (name.clone(), value.to_dynamodb())).collect()
}

/// A DynamoDB item (a JSON object of AttributeValues) as a plain object.
pub fn item_from_dynamodb(item: &Value) -> Result<IndexMap<String, Plain>, String> {
    let object = item.as_object().ok_or_else(|| format!("an item must be a JSON object, not {item}"))?;
    object.iter().map(|(name, value)| Ok((name.clone(), Plain::from_dynamodb(value)?))).collect()
}

impl Serialize for Plain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Plain::Null => serializer.serialize_unit(),
            Plain::Bool(b) => serializer.serialize_bool(*b),
            Plain::Number(text) => {
                // The text was validated as a JSON number on the way in.
                let raw = RawValue::from_string(text.clone()).map_err(serde::ser::Error::custom)?;
                raw.serialize(serializer)
            }
            Plain::String(s) => serializer.serialize_str(s),
            Plain::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Plain::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (name, value) in members {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marshalls_like_util_dynamodb() {
        let plain = Plain::parse(r#"{"name":"Alice","age":30,"ok":true,"none":null,"tags":["a",1],"addr":{"zip":"123"}}"#).unwrap();
        assert_eq!(
            plain.to_dynamodb(),
            json!({"M": {
                "name": {"S": "Alice"},
                "age": {"N": "30"},
                "ok": {"BOOL": true},
                "none": {"NULL": true},
                "tags": {"L": [{"S": "a"}, {"N": "1"}]},
                "addr": {"M": {"zip": {"S": "123"}}}
            }})
        );
    }

    #[test]
    fn keeps_numbers_digit_for_digit() {
        let text = r#"{"big":12345678901234567890123456789012345678,"small":-0.000000000000000000000000000000000001,"exp":1.5E+40}"#;
        let plain = Plain::parse(text).unwrap();
        assert_eq!(plain.to_json(), text);
        let dynamodb = plain.to_dynamodb();
        assert_eq!(dynamodb["M"]["big"], json!({"N": "12345678901234567890123456789012345678"}));
        assert_eq!(Plain::from_dynamodb(&dynamodb).unwrap(), plain);
    }

    #[test]
    fn keeps_member_order_and_whitespace_free_output() {
        let plain = Plain::parse("{ \"z\" : 1 ,\n \"a\" : [ 2 , 3 ] }").unwrap();
        assert_eq!(plain.to_json(), r#"{"z":1,"a":[2,3]}"#);
        assert_eq!(plain.to_json_pretty(), "{\n  \"z\": 1,\n  \"a\": [\n    2,\n    3\n  ]\n}");
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let err = Plain::parse("{\"a\": 1,\n \"b\": }").unwrap_err();
        assert_eq!((err.line(), err.column()), (2, 7));
        assert!(err.to_string().contains("line 2 column 7"), "{err}");
    }

    #[test]
    fn unmarshalls_binary_and_sets_as_plain_arrays() {
        let value = json!({"M": {
            "b": {"B": "AAE="}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA=="]}
        }});
        assert_eq!(Plain::from_dynamodb(&value).unwrap().to_json(), r#"{"b":"AAE=","ss":["x","y"],"ns":[1,2.5],"bs":["AA=="]}"#);
    }

    #[test]
    fn rejects_what_is_not_an_attribute_value() {
        assert!(Plain::from_dynamodb(&json!({"S": 1})).is_err());
        assert!(Plain::from_dynamodb(&json!({"X": "1"})).is_err());
        assert!(Plain::from_dynamodb(&json!({"S": "a", "N": "1"})).is_err());
        assert!(Plain::from_dynamodb(&json!("a")).is_err());
    }

    #[test]
    fn cells_show_strings_bare() {
        assert_eq!(Plain::String("a,b".into()).to_cell(), "a,b");
        assert_eq!(Plain::Number("1.50".into()).to_cell(), "1.50");
        assert_eq!(Plain::parse(r#"{"a":[true,null]}"#).unwrap().to_cell(), r#"{"a":[true,null]}"#);
    }
}
