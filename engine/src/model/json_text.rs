//! DynamoDB JSON *text* straight to [`AttributeValue`]s and items, with no
//! JSON tree in between.
//!
//! [`super::json`] decodes values from a `serde_json::Value` tree, and every
//! request can go that way. Building the tree first costs more than the rest
//! of a small PutItem (an allocation per key, per string and per one-entry
//! map, then freeing them all), so the text door (`Database::execute_json`)
//! reads the commonest requests through the seeds here instead.
//!
//! These seeds accept only the plain form of a value, the form an SDK
//! writes: an object with exactly one known descriptor holding a valid
//! value. Anything else — a `null` member, an unknown or second descriptor,
//! a number or base64 text the rules reject, an empty or duplicated set,
//! nesting past [`MAX_NESTING_LEVELS`] — is not reported here: decoding
//! fails, the caller declines the fast way, and the request goes through the
//! tree, which reports the error exactly as DynamoDB does. So this module
//! has no error messages of its own, and whatever it accepts it decodes to
//! the very value [`super::json`] would (the rules are the same functions).

use super::json::{binary_set_of, decode_base64, number_set_of, string_set_of, MAX_NESTING_LEVELS};
use super::number::Number;
use super::value::{AttributeValue, Item};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// The error that makes a caller decline the fast way. Its text is never
/// shown: the tree decoder reports the real error.
pub(crate) fn decline<E: de::Error>() -> E {
    E::custom("declined")
}

/// A JSON string, borrowed from the request text unless it had escapes.
pub(crate) struct Text<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

/// One attribute value at nesting `level` (a top-level value is at 1).
#[derive(Clone, Copy)]
pub(crate) struct ValueSeed {
    pub level: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = AttributeValue;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AttributeValue, D::Error> {
        if self.level > MAX_NESTING_LEVELS {
            return Err(decline());
        }
        d.deserialize_map(self)
    }
}

fn texts<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Vec<Text<'de>>, A::Error> {
    map.next_value::<Vec<Text<'de>>>()
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = AttributeValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        let Some(descriptor) = map.next_key::<Text>()? else { return Err(decline()) };
        let ok = |r: Result<AttributeValue, crate::error::Error>| r.map_err(|_| decline());
        let value = match &*descriptor.0 {
            "S" => AttributeValue::S(map.next_value::<Text>()?.0.into_owned()),
            "N" => AttributeValue::N(Number::parse(&map.next_value::<Text>()?.0).map_err(|_| decline())?),
            "B" => AttributeValue::B(decode_base64(&map.next_value::<Text>()?.0).map_err(|_| decline())?),
            "BOOL" => AttributeValue::Bool(map.next_value::<bool>()?),
            "NULL" => match map.next_value::<bool>()? {
                true => AttributeValue::Null,
                false => return Err(decline()),
            },
            "SS" => ok(string_set_of(texts(&mut map)?.iter().map(|t| &*t.0).collect()))?,
            "NS" => ok(number_set_of(&texts(&mut map)?.iter().map(|t| &*t.0).collect::<Vec<_>>()))?,
            "BS" => ok(binary_set_of(&texts(&mut map)?.iter().map(|t| &*t.0).collect::<Vec<_>>()))?,
            "L" => AttributeValue::L(map.next_value_seed(ListSeed { level: self.level + 1 })?),
            "M" => AttributeValue::M(map.next_value_seed(MapSeed { level: self.level + 1 })?),
            _ => return Err(decline()),
        };
        // Exactly one descriptor.
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(decline());
        }
        Ok(value)
    }
}

/// The elements of an `L` value, each at `level`.
struct ListSeed {
    level: usize,
}

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = Vec<AttributeValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<AttributeValue>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = Vec<AttributeValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of attribute values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<AttributeValue>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(ValueSeed { level: self.level })? {
            out.push(v);
        }
        Ok(out)
    }
}

/// A map of attribute values (an item, a key, an `M` value), each at `level`.
/// A name given twice keeps its last value, as the tree decoder does.
#[derive(Clone, Copy)]
pub(crate) struct MapSeed {
    pub level: usize,
}

impl MapSeed {
    /// An `Item` or `Key` member of a request.
    pub const ITEM: MapSeed = MapSeed { level: 1 };
}

impl<'de> DeserializeSeed<'de> for MapSeed {
    type Value = BTreeMap<String, AttributeValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MapSeed {
    type Value = BTreeMap<String, AttributeValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of attribute values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(ValueSeed { level: self.level })?;
            out.insert(name, value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::json::item_from_json;
    use serde_json::{json, Value};

    fn direct(text: &str) -> Option<Item> {
        let mut de = serde_json::Deserializer::from_str(text);
        let item = MapSeed::ITEM.deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(item)
    }

    #[test]
    fn plain_values_decode_as_the_tree_decoder_decodes_them() {
        let item = json!({
            "s": {"S": "x\u{e9}\"y"}, "n": {"N": "-1.50e3"}, "b": {"B": "AAEC"}, "t": {"BOOL": true},
            "z": {"NULL": true}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]},
            "l": {"L": [{"S": "a"}, {"L": []}, {"M": {"k": {"N": "7"}}}]}, "m": {"M": {"a": {"M": {}}}}
        });
        let text = item.to_string();
        assert_eq!(direct(&text), Some(item_from_json(&item).unwrap()));
    }

    #[test]
    fn anything_unusual_declines() {
        for text in [
            r#"{"a": {"S": "x", "N": "1"}}"#,
            r#"{"a": {"S": null}}"#,
            r#"{"a": null}"#,
            r#"{"a": {}}"#,
            r#"{"a": {"X": "1"}}"#,
            r#"{"a": {"N": "1e500"}}"#,
            r#"{"a": {"N": 1}}"#,
            r#"{"a": {"NULL": false}}"#,
            r#"{"a": {"SS": []}}"#,
            r#"{"a": {"SS": ["x", "x"]}}"#,
            r#"{"a": {"NS": ["1", "1.0"]}}"#,
            r#"{"a": {"B": "abc"}}"#,
            r#"{"a": {"M": {"b": null}}}"#,
            r#"{"a": {"L": {}}}"#,
            r#"[]"#,
        ] {
            assert_eq!(direct(text), None, "{text}");
            // The tree decoder has an error for each (or, for a null
            // member the tree skips, a value of its own).
            let tree: Value = serde_json::from_str(text).unwrap();
            let _ = item_from_json(&tree);
        }
    }

    #[test]
    fn nesting_declines_exactly_where_the_tree_decoder_fails() {
        fn nested(levels: usize) -> String {
            let mut v = json!({"S": "leaf"});
            for _ in 1..levels {
                v = json!({"L": [v]});
            }
            json!({"a": v}).to_string()
        }
        for levels in [31, 32, 33, 40] {
            let tree: Value = serde_json::from_str(&nested(levels)).unwrap();
            assert_eq!(direct(&nested(levels)).is_some(), item_from_json(&tree).is_ok(), "{levels} levels");
        }
        assert!(direct(&nested(32)).is_some());
        assert!(direct(&nested(33)).is_none());
    }
}
