//! DynamoDB JSON *text* straight to [`AttributeValue`]s and items, with no
//! JSON tree in between.
//!
//! [`super::json`] decodes values from a `serde_json::Value` tree, and every
//! request can go that way. Building the tree first costs more than the rest
//! of a small PutItem (an allocation per key, per string and per one-entry
//! map, then freeing them all), so the text door (`Database::execute_json`)
//! reads the commonest requests with the [`Scanner`] here instead: one
//! forward pass over the bytes, strings borrowed from the text unless they
//! hold escapes, and each string's end found eight bytes at a time.
//!
//! The scanner accepts only well-formed JSON in the plain form an SDK
//! writes: an attribute value is an object with exactly one known
//! descriptor holding a valid value. Anything else — malformed JSON, a
//! `null`, an unknown or second descriptor, a number or base64 text the
//! rules reject, an empty or duplicated set, a name given twice, nesting
//! past [`MAX_NESTING_LEVELS`] — gives `None`: the caller declines the fast
//! way, and the request goes through the tree, which reports the error
//! exactly as DynamoDB does. So this module has no error messages of its
//! own, and whatever it accepts it decodes to the very value
//! [`super::json`] would (the rules are the same functions).

use super::json::{binary_set_of, decode_base64, number_set_of, string_set_of, MAX_NESTING_LEVELS};
use super::item::{container_size, put_bytes, put_value, put_varint, value_size, ITEM_FORMAT_VERSION, T_M, T_S};
use super::number::Number;
use super::value::{AttributeValue, Item};
use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Range;

/// The index of the first byte of `bytes` that a JSON string cannot hold
/// as it is — `"`, `\\` or a control character — tested eight bytes at a
/// time (most strings have none).
pub(crate) fn first_special(bytes: &[u8]) -> Option<usize> {
    first_of::<false>(bytes)
}

/// [`first_special`], also stopping at the first byte that is not ASCII.
pub(crate) fn first_special_or_wide(bytes: &[u8]) -> Option<usize> {
    first_of::<true>(bytes)
}

/// Bytes [`first_of`] stops at, one bit per class: special, and not ASCII.
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if b < 0x20 || b == b'"' as usize || b == b'\\' as usize {
            class[b] = 1;
        } else if b >= 0x80 {
            class[b] = 2;
        }
        b += 1;
    }
    class
};

fn first_of<const WIDE: bool>(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A high bit for each byte of `w` below `n` (n ≤ 128). A borrow runs
    // upwards only out of a byte that is below `n`, so the lowest flagged
    // byte is always a real one, which is all the position needs.
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGHS;
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        let w = u64::from_le_bytes(le);
        let wide = if WIDE { w & HIGHS } else { 0 };
        let hits = below(w, 0x20) | below(w ^ (ONES * 0x22), 1) | below(w ^ (ONES * 0x5c), 1) | wide;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let stop = if WIDE { 3 } else { 1 };
    bytes[at..].iter().position(|&b| CLASS[b as usize] & stop != 0).map(|p| at + p)
}

/// A forward pass over JSON text. Every method returns `None` where the
/// text is not what it expects.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, pos: 0 }
    }

    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Whether the next token is `byte`, taking it if so.
    fn take(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.text.as_bytes().get(self.pos) == Some(&byte);
        self.pos += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.take(byte).then_some(())
    }

    /// Nothing but white space is left.
    pub fn end(mut self) -> Option<()> {
        self.skip_space();
        (self.pos == self.text.len()).then_some(())
    }

    pub fn boolean(&mut self) -> Option<bool> {
        self.skip_space();
        let rest = &self.text.as_bytes()[self.pos..];
        let (value, len) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        self.pos += len;
        Some(value)
    }

    /// A string, borrowed from the text unless it holds escapes.
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.expect(b'"')?;
        let start = self.pos;
        let len = first_special(&self.text.as_bytes()[start..])?;
        self.pos = start + len;
        // Every byte `first_special` stops at is ASCII, so `pos` is a
        // character boundary.
        let head = self.text.get(start..self.pos)?;
        if self.text.as_bytes()[self.pos] == b'"' {
            self.pos += 1;
            return Some(Cow::Borrowed(head));
        }
        let mut out = String::with_capacity(head.len() + 16);
        out.push_str(head);
        loop {
            match self.text.as_bytes()[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    let escape = *self.text.as_bytes().get(self.pos + 1)?;
                    self.pos += 2;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                // A raw control character.
                _ => return None,
            }
            let run = first_special(&self.text.as_bytes()[self.pos..])?;
            out.push_str(self.text.get(self.pos..self.pos + run)?);
            self.pos += run;
        }
    }

    /// A value's descriptor (`S`, `BOOL`, ...): the bytes of a string of at
    /// most four letters without escapes (a descriptor has no other form).
    fn descriptor(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let rest = &self.text.as_bytes()[self.pos..];
        let len = rest.iter().take(5).position(|&b| b == b'"')?;
        self.pos += len + 1;
        Some(&rest[..len])
    }

    /// The character of a `\u` escape whose four hex digits come next; a
    /// surrogate must be a high one followed by an escaped low one.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xE000).contains(&high) {
            return char::from_u32(high);
        }
        if high >= 0xDC00 || !self.text.as_bytes()[self.pos..].starts_with(b"\\u") {
            return None;
        }
        self.pos += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.as_bytes().get(self.pos..self.pos + 4)?;
        let mut value = 0;
        for &d in digits {
            value = value * 16 + char::from(d).to_digit(16)?;
        }
        self.pos += 4;
        Some(value)
    }

    /// An object, calling `member` with each name; `member` reads the value.
    pub fn members(&mut self, mut member: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.take(b'}') {
            return Some(());
        }
        loop {
            let name = self.string()?;
            self.expect(b':')?;
            member(self, name)?;
            if !self.take(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// An array, calling `element` to read each element.
    fn elements(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.take(b']') {
            return Some(());
        }
        loop {
            element(self)?;
            if !self.take(b',') {
                return self.expect(b']');
            }
        }
    }

    fn strings(&mut self) -> Option<Vec<Cow<'a, str>>> {
        let mut out = Vec::new();
        self.elements(|s| Some(out.push(s.string()?)))?;
        Some(out)
    }

    /// An `Item` or `Key` member of a request (its values at level 1).
    pub fn item(&mut self) -> Option<Item> {
        self.map(1)
    }

    /// A map of attribute values (an item, a key, an `M` value), each at
    /// `level`.
    fn map(&mut self, level: usize) -> Option<BTreeMap<String, AttributeValue>> {
        let mut out = BTreeMap::new();
        self.members(|s, name| {
            let value = s.value(level)?;
            match out.entry(name.into_owned()) {
                Entry::Vacant(slot) => {
                    slot.insert(value);
                    Some(())
                }
                // The tree keeps the last value; let it decide.
                Entry::Occupied(_) => None,
            }
        })?;
        Some(out)
    }

    /// One attribute value at nesting `level` (a top-level value is at 1).
    fn value(&mut self, level: usize) -> Option<AttributeValue> {
        let descriptor = self.value_start(level)?;
        let value = self.value_of(descriptor, level)?;
        // Exactly one descriptor.
        self.expect(b'}')?;
        Some(value)
    }

    /// The opening of a value at `level`: `{`, the descriptor, `:`.
    fn value_start(&mut self, level: usize) -> Option<&'a [u8]> {
        if level > MAX_NESTING_LEVELS {
            return None;
        }
        self.expect(b'{')?;
        let descriptor = self.descriptor()?;
        self.expect(b':')?;
        Some(descriptor)
    }

    /// What follows `descriptor` in a value at `level`.
    fn value_of(&mut self, descriptor: &[u8], level: usize) -> Option<AttributeValue> {
        Some(match descriptor {
            b"S" => AttributeValue::S(self.string()?.into_owned()),
            b"N" => AttributeValue::N(Number::parse(&self.string()?).ok()?),
            b"B" => AttributeValue::B(decode_base64(&self.string()?).ok()?),
            b"BOOL" => AttributeValue::Bool(self.boolean()?),
            b"NULL" => match self.boolean()? {
                true => AttributeValue::Null,
                false => return None,
            },
            b"SS" => string_set_of(texts(&self.strings()?)).ok()?,
            b"NS" => number_set_of(&texts(&self.strings()?)).ok()?,
            b"BS" => binary_set_of(&texts(&self.strings()?)).ok()?,
            b"L" => {
                let mut list = Vec::new();
                self.elements(|s| Some(list.push(s.value(level + 1)?)))?;
                AttributeValue::L(list)
            }
            b"M" => AttributeValue::M(self.map(level + 1)?),
            _ => return None,
        })
    }

    /// An `Item` member of a request straight in its stored form
    /// ([`crate::model::item`]), appended to `out`: exactly the bytes
    /// `encode_item(&self.item()?)` would be, without building the item.
    /// Names, strings and maps, most of an item, are copied from the text
    /// into place; other values go through [`AttributeValue`] and its
    /// encoder. Also gives the item's DynamoDB size and where each
    /// attribute's value lies in `out`, so a put needs no second pass.
    pub fn encoded_item(&mut self, out: &mut Vec<u8>) -> Option<EncodedItem<'a>> {
        let start = out.len();
        out.push(ITEM_FORMAT_VERSION);
        let mut attributes = self.encoded_map(1, out)?;
        for a in &mut attributes {
            a.value = a.value.start - start..a.value.end - start;
        }
        Some(EncodedItem { attributes })
    }

    /// A map at `level` in stored form: its entries are encoded as they
    /// come, then written in name order (the order a `BTreeMap` keeps).
    fn encoded_map(&mut self, level: usize, out: &mut Vec<u8>) -> Option<Vec<EncodedAttribute<'a>>> {
        let mut entries: Vec<EncodedAttribute<'a>> = Vec::with_capacity(16);
        // The values of an item's top map are most of what is left of the
        // text; a nested map is usually small.
        let hint = if level == 1 { (self.text.len() - self.pos).min(64 * 1024) } else { 256 };
        let mut values = Vec::with_capacity(hint);
        self.members(|s, name| {
            let start = values.len();
            let size = name.len() + s.encoded_value(level, &mut values)?;
            let order = name_order(name.as_bytes());
            entries.push(EncodedAttribute { name, value: start..values.len(), size, order });
            Some(())
        })?;
        // Names often come in order already (serializers that sort keys);
        // strictly ascending names also have no duplicates.
        if !entries.windows(2).all(|w| by_name(&w[0], &w[1]).is_lt()) {
            entries.sort_unstable_by(by_name);
            // A name given twice: the tree keeps the last value; let it decide.
            if entries.windows(2).any(|w| w[0].name == w[1].name) {
                return None;
            }
        }
        put_varint(out, entries.len() as u128);
        for e in &mut entries {
            put_bytes(out, e.name.as_bytes());
            let at = out.len();
            out.extend_from_slice(&values[e.value.clone()]);
            e.value = at..out.len();
        }
        Some(entries)
    }

    /// One value at `level` in stored form, appended to `out`; gives its
    /// DynamoDB size ([`value_size`]).
    fn encoded_value(&mut self, level: usize, out: &mut Vec<u8>) -> Option<usize> {
        let descriptor = self.value_start(level)?;
        let size = match descriptor {
            b"S" => {
                let s = self.string()?;
                out.push(T_S);
                put_bytes(out, s.as_bytes());
                s.len()
            }
            b"M" => {
                out.push(T_M);
                container_size(self.encoded_map(level + 1, out)?.iter().map(|e| e.size))
            }
            other => {
                let value = self.value_of(other, level)?;
                put_value(out, &value);
                value_size(&value)
            }
        };
        self.expect(b'}')?;
        Some(size)
    }
}

/// One attribute of a map read by [`Scanner::encoded_item`].
pub struct EncodedAttribute<'a> {
    pub name: Cow<'a, str>,
    /// Where the value lies in the item's bytes.
    pub value: Range<usize>,
    /// The name's and the value's DynamoDB size.
    pub size: usize,
    /// The name's first eight bytes as a big-endian word ([`name_order`]).
    order: u64,
}

/// The first eight bytes of `name`, zero-padded, as a big-endian word:
/// names whose words differ are in the order of their words, so most
/// comparisons while sorting a map's names are one integer comparison.
fn name_order(name: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = name.len().min(8);
    word[..n].copy_from_slice(&name[..n]);
    u64::from_be_bytes(word)
}

/// Name order (bytewise, as a `BTreeMap<String, _>` keeps its keys).
fn by_name(a: &EncodedAttribute<'_>, b: &EncodedAttribute<'_>) -> std::cmp::Ordering {
    a.order.cmp(&b.order).then_with(|| a.name.as_bytes().cmp(b.name.as_bytes()))
}

/// What [`Scanner::encoded_item`] learns of an item on the way: its
/// attributes in name order.
pub struct EncodedItem<'a> {
    pub attributes: Vec<EncodedAttribute<'a>>,
}

impl EncodedItem<'_> {
    /// The item's DynamoDB size ([`crate::model::item::item_size`]).
    pub fn size(&self) -> usize {
        self.attributes.iter().map(|a| a.size).sum()
    }

    /// Where attribute `name`'s value lies in the item's bytes.
    pub fn value_range(&self, name: &str) -> Option<Range<usize>> {
        let i = self.attributes.binary_search_by(|a| (*a.name).cmp(name)).ok()?;
        Some(self.attributes[i].value.clone())
    }
}

/// The elements of a set, as the set rules take them.
fn texts<'t>(elements: &'t [Cow<'_, str>]) -> Vec<&'t str> {
    elements.iter().map(|t| &**t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::json::item_from_json;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// The item the scanner reads from `text`, checking that its stored
    /// form read straight from the text is the item's encoding, and that
    /// both ways decline alike.
    fn direct(text: &str) -> Option<Item> {
        let item = (|| {
            let mut scanner = Scanner::new(text);
            let item = scanner.item()?;
            scanner.end()?;
            Some(item)
        })();
        let mut encoded = Vec::new();
        let taken = (|| {
            let mut scanner = Scanner::new(text);
            let found = scanner.encoded_item(&mut encoded)?;
            scanner.end()?;
            Some(found)
        })();
        assert_eq!(taken.is_some(), item.is_some(), "{text}");
        if let (Some(item), Some(found)) = (&item, taken) {
            assert_eq!(encoded, crate::model::item::encode_item(item), "{text}");
            assert_eq!(found.size(), crate::model::item::item_size(item), "{text}");
            assert_eq!(found.attributes.len(), item.len(), "{text}");
            for (name, value) in item {
                let range = found.value_range(name).unwrap();
                assert_eq!(&crate::model::item::decode_value(&encoded[range]).unwrap(), value, "{text}");
            }
        }
        item
    }

    #[test]
    fn first_special_finds_the_first_special_byte_at_every_position() {
        for len in 0..20 {
            for at in 0..len {
                for b in 0u8..=255 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    // A second special byte after the first must not hide it.
                    if at + 1 < len {
                        bytes[at + 1] = b'"';
                    }
                    let naive = bytes.iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\');
                    assert_eq!(first_special(&bytes), naive, "byte {b:#x} at {at} of {len}");
                }
            }
        }
        // Bytes of multi-byte characters are never special, but they are wide.
        assert_eq!(first_special("é😀 ünïcode text".as_bytes()), None);
        for len in 0..20 {
            for at in 0..len {
                for b in 0u8..=255 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let naive = bytes.iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\' || c >= 0x80);
                    assert_eq!(first_special_or_wide(&bytes), naive, "byte {b:#x} at {at} of {len}");
                }
            }
        }
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
        let spaced = serde_json::to_string_pretty(&item).unwrap();
        assert_eq!(direct(&spaced), Some(item_from_json(&item).unwrap()));
    }

    #[test]
    fn escapes_decode_as_serde_json_decodes_them() {
        for text in [
            r#""a\"b""#,
            r#""\\\/\b\f\n\r\t""#,
            r#""\u00e9\u0000\uffff""#,
            r#""x\ud83d\ude00y""#,
            r#""é\n😀""#,
            r#""long text before the escape\tand after it""#,
        ] {
            let mut scanner = Scanner::new(text);
            let ours = scanner.string().map(Cow::into_owned);
            assert_eq!(ours, serde_json::from_str::<String>(text).ok(), "{text}");
            assert!(ours.is_some(), "{text}");
        }
        for text in [r#""\ud83d""#, r#""\ude00""#, r#""\ud83dx""#, r#""\ud83d\u0041""#, r#""\x""#, r#""\u12""#, "\"a\u{1}\"", r#""open"#, "\"\\"] {
            assert_eq!(Scanner::new(text).string(), None, "{text}");
        }
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
            r#"{"a": {"BOOL": truex}}"#,
            r#"{"a": {"SS": []}}"#,
            r#"{"a": {"SS": ["x", "x"]}}"#,
            r#"{"a": {"SS": ["x",]}}"#,
            r#"{"a": {"NS": ["1", "1.0"]}}"#,
            r#"{"a": {"B": "abc"}}"#,
            r#"{"a": {"M": {"b": null}}}"#,
            r#"{"a": {"L": {}}}"#,
            r#"{"a": {"S": "x"},}"#,
            r#"{"a": {"S": "x"}, "a": {"S": "y"}}"#,
            r#"{"a": {"S": "x"}"#,
            r#"{"a": {"S": "x"}} x"#,
            r#"[]"#,
            // A descriptor written with an escape is left to the tree.
            r#"{"a": {"\u0053": "x"}}"#,
        ] {
            assert_eq!(direct(text), None, "{text}");
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

    #[test]
    fn names_are_stored_in_byte_order_whatever_order_they_come_in() {
        // Names equal in their first eight bytes, shorter than eight, with
        // NUL and wide bytes: the word comparison must agree with bytes.
        let names = ["abcdefgh", "abcdefgh0", "abcdefgh\u{0}", "abcdefg", "a", "a\u{0}", "\u{0}", "b", "é", "zz", "abcdefgi"];
        let mut order: Vec<usize> = (0..names.len()).collect();
        for round in 0..40 {
            // A different order each round: rotations, then reversals.
            order.rotate_left(round % names.len());
            if round % 3 == 0 {
                order.reverse();
            }
            let members: Vec<String> = order.iter().map(|&i| format!("{}:{{\"S\":\"{i}\"}}", json!(names[i]))).collect();
            let text = format!("{{{}}}", members.join(","));
            let nested = format!("{{\"m\":{{\"M\":{text}}}}}");
            assert!(direct(&text).is_some(), "{text}");
            assert!(direct(&nested).is_some(), "{nested}");
        }
        // A name given twice declines, however alike the names start.
        for (first, second) in [("abcdefghij", "abcdefghij"), ("a", "a"), ("x", "y")] {
            let text = format!("{{\"{first}\":{{\"S\":\"1\"}},\"q\":{{\"N\":\"1\"}},\"{second}\":{{\"S\":\"2\"}}}}");
            let mut out = Vec::new();
            let taken = Scanner::new(&text).encoded_item(&mut out).is_some();
            assert_eq!(taken, first != second, "{text}");
        }
    }

    proptest! {
        /// Any text at all: the scanner never panics, and whatever it takes
        /// is valid JSON that the tree decoder decodes to the same item.
        #[test]
        fn what_the_scanner_takes_the_tree_decodes_alike(text in r#"[{}\[\]":, SNLMBOL1a\\u0-9e.]{0,40}"#) {
            if let Some(item) = direct(&text) {
                let tree: Value = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(Ok(item), item_from_json(&tree).map_err(|e| e.to_string()));
            }
        }
    }
}
