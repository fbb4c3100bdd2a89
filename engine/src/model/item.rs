//! The stored form of an item: a compact binary codec, and DynamoDB's item-size
//! measure.
//!
//! Every stored item is decoded on each GetItem, Query and Scan, so the codec
//! is a single forward pass over the bytes with no JSON and no intermediate
//! buffers: strings are validated as UTF-8 and copied once into the item,
//! numbers are stored as their normalized parts (no text to re-parse), and
//! lengths are LEB128 varints. The first byte is a format version, so a later
//! layout can be introduced without rewriting existing files.
//!
//! Stored bytes are checked while decoding: a bad tag, a length past the end,
//! invalid UTF-8, an out-of-range number, a duplicate map key, nesting deeper
//! than any valid item or trailing bytes all yield `StorageError::Corrupted`,
//! never a panic, and a damaged count cannot trigger a huge allocation
//! (capacities are bounded by the bytes left).
//!
//! ## Byte layout (version 1)
//!
//! ```text
//! item    := 0x01 varint(count) attr*count          attributes in name order
//! attr    := name value
//! name    := varint(len) utf8-bytes
//! value   := tag payload
//!   0x01 S      varint(len) utf8-bytes
//!   0x02 N>0    varint(mantissa) zigzag-varint(exponent)   value = mantissa × 10^exponent
//!   0x03 N<0    varint(mantissa) zigzag-varint(exponent)   value = -mantissa × 10^exponent
//!   0x04 N=0
//!   0x05 B      varint(len) bytes
//!   0x06 false  0x07 true  0x08 NULL
//!   0x09 SS     varint(count) (varint(len) utf8-bytes)*count
//!   0x0A NS     varint(count) (number tag 0x02..0x04 and its payload)*count
//!   0x0B BS     varint(count) (varint(len) bytes)*count
//!   0x0C L      varint(count) value*count
//!   0x0D M      varint(count) attr*count                 keys in name order
//! varint  := LEB128, 7 bits per byte, low group first (u128 for mantissas)
//! ```

use super::number::Number;
use super::value::{AttributeValue, Item};
use crate::error::StorageError;
use std::collections::BTreeMap;

/// The first byte of every encoded item.
pub const ITEM_FORMAT_VERSION: u8 = 1;

pub(crate) const T_S: u8 = 0x01;
pub(crate) const T_N_POS: u8 = 0x02;
pub(crate) const T_N_NEG: u8 = 0x03;
pub(crate) const T_N_ZERO: u8 = 0x04;
pub(crate) const T_B: u8 = 0x05;
pub(crate) const T_FALSE: u8 = 0x06;
pub(crate) const T_TRUE: u8 = 0x07;
pub(crate) const T_NULL: u8 = 0x08;
pub(crate) const T_SS: u8 = 0x09;
pub(crate) const T_NS: u8 = 0x0A;
pub(crate) const T_BS: u8 = 0x0B;
pub(crate) const T_L: u8 = 0x0C;
pub(crate) const T_M: u8 = 0x0D;

/// Deeper than any item DynamoDB accepts (32 levels), so only damage reaches it.
pub(crate) const MAX_DECODE_DEPTH: usize = 40;

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    if v < 0x80 {
        out.push(v as u8);
        return;
    }
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u128);
    out.extend_from_slice(bytes);
}

fn put_number(out: &mut Vec<u8>, n: &Number) {
    let (negative, mantissa, exponent) = n.parts();
    if mantissa == 0 {
        out.push(T_N_ZERO);
        return;
    }
    out.push(if negative { T_N_NEG } else { T_N_POS });
    put_varint(out, mantissa);
    let zigzag = ((exponent << 1) ^ (exponent >> 31)) as u32;
    put_varint(out, u128::from(zigzag));
}

pub(crate) fn put_value(out: &mut Vec<u8>, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push(T_S);
            put_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => put_number(out, n),
        AttributeValue::B(b) => {
            out.push(T_B);
            put_bytes(out, b);
        }
        AttributeValue::Bool(b) => out.push(if *b { T_TRUE } else { T_FALSE }),
        AttributeValue::Null => out.push(T_NULL),
        AttributeValue::Ss(set) => {
            out.push(T_SS);
            put_varint(out, set.len() as u128);
            set.iter().for_each(|s| put_bytes(out, s.as_bytes()));
        }
        AttributeValue::Ns(set) => {
            out.push(T_NS);
            put_varint(out, set.len() as u128);
            set.iter().for_each(|n| put_number(out, n));
        }
        AttributeValue::Bs(set) => {
            out.push(T_BS);
            put_varint(out, set.len() as u128);
            set.iter().for_each(|b| put_bytes(out, b));
        }
        AttributeValue::L(list) => {
            out.push(T_L);
            put_varint(out, list.len() as u128);
            list.iter().for_each(|v| put_value(out, v));
        }
        AttributeValue::M(map) => {
            out.push(T_M);
            put_map(out, map);
        }
    }
}

fn put_map(out: &mut Vec<u8>, map: &BTreeMap<String, AttributeValue>) {
    put_varint(out, map.len() as u128);
    for (name, value) in map {
        put_bytes(out, name.as_bytes());
        put_value(out, value);
    }
}

/// Append the encoding of `item` to `out`.
pub fn encode_item_into(item: &Item, out: &mut Vec<u8>) {
    out.push(ITEM_FORMAT_VERSION);
    put_map(out, item);
}

/// The encoding of `item`, in a buffer of exactly its length (the memtable
/// keeps it as it is).
pub fn encode_item(item: &Item) -> Vec<u8> {
    exact(|out| {
        encode_item_into(item, out);
        Some(())
    })
    .unwrap_or_default()
}

/// What `write` appends to an empty buffer, in a buffer of exactly its
/// length, or `None` if `write` gives up. It is written into a reused
/// scratch buffer first: measuring an item to size the buffer would cost
/// more than the copy.
pub(crate) fn exact(write: impl FnOnce(&mut Vec<u8>) -> Option<()>) -> Option<Vec<u8>> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let out = write(&mut buf).map(|()| buf.to_vec());
            // A huge item's buffer is not kept for the next one.
            if buf.capacity() > 64 * 1024 {
                *buf = Vec::new();
            }
            out
        }
        Err(_) => {
            let mut out = Vec::new();
            write(&mut out).map(|()| out)
        }
    })
}

/// Decode an item written by [`encode_item`].
pub fn decode_item(bytes: &[u8]) -> Result<Item, StorageError> {
    let mut reader = Reader::start(bytes)?;
    let item = reader.map(0)?;
    reader.finish()?;
    Ok(item)
}

/// Decode one value in stored form (`bytes` holds exactly the value, as
/// within an encoded item), checked as [`decode_item`] checks values.
pub(crate) fn decode_value(bytes: &[u8]) -> Result<AttributeValue, StorageError> {
    let mut reader = Reader { buf: bytes, pos: 0 };
    let value = reader.value(0)?;
    reader.finish()?;
    Ok(value)
}

/// A forward pass over an encoded item, checking as it goes. Besides
/// [`decode_item`], [`super::json::StoredItemJson`] walks stored items with
/// it to write them as DynamoDB JSON without building the item first.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader positioned after the format version byte.
    pub(crate) fn start(bytes: &'a [u8]) -> Result<Reader<'a>, StorageError> {
        let mut reader = Reader { buf: bytes, pos: 0 };
        match reader.byte()? {
            ITEM_FORMAT_VERSION => Ok(reader),
            other => Err(reader.corrupt(&format!("unknown item format version {other}"))),
        }
    }

    /// The item must end where its top-level map ends.
    pub(crate) fn finish(&self) -> Result<(), StorageError> {
        if self.pos != self.buf.len() {
            return Err(self.corrupt("trailing bytes after item"));
        }
        Ok(())
    }

    pub(crate) fn corrupt(&self, what: &str) -> StorageError {
        StorageError::corrupted(format!("item encoding: {what}"), self.pos as u64)
    }

    pub(crate) fn byte(&mut self) -> Result<u8, StorageError> {
        let b = *self.buf.get(self.pos).ok_or_else(|| self.corrupt("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u128, StorageError> {
        // Most lengths, counts and exponents fit one byte.
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u128::from(b));
            }
        }
        self.long_varint()
    }

    #[cold]
    fn long_varint(&mut self) -> Result<u128, StorageError> {
        let mut value: u128 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            // The 19th group holds the top 2 bits of a u128 and must end it.
            if shift == 126 && b > 0x03 {
                return Err(self.corrupt("varint too long"));
            }
            value |= u128::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// A count or length, bounded by the bytes left (each element needs ≥ 1).
    pub(crate) fn count(&mut self) -> Result<usize, StorageError> {
        let n = self.varint()?;
        if n > (self.buf.len() - self.pos) as u128 {
            return Err(self.corrupt("count or length past the end"));
        }
        Ok(n as usize)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], StorageError> {
        let len = self.count()?;
        let slice = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(slice)
    }

    /// A string, borrowed from the encoded bytes.
    pub(crate) fn str(&mut self) -> Result<&'a str, StorageError> {
        let bytes = self.bytes()?;
        self.utf8(bytes)
    }

    /// The bytes of a string just read, checked to be UTF-8.
    pub(crate) fn utf8(&self, bytes: &'a [u8]) -> Result<&'a str, StorageError> {
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8. Most names and strings are
            // ASCII, and this check costs a fraction of the full one.
            return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).map_err(|_| self.corrupt("string is not UTF-8"))
    }

    /// The next attribute name of a map, which must sort after `previous`
    /// (names are written in strictly increasing order, so this also rules
    /// out duplicates).
    pub(crate) fn name_after(&mut self, previous: Option<&str>) -> Result<&'a str, StorageError> {
        let name = self.str()?;
        self.check_name_order(previous.map(str::as_bytes), name.as_bytes())?;
        Ok(name)
    }

    /// The order check of [`Self::name_after`], on a name's bytes (byte
    /// order is character order in UTF-8).
    pub(crate) fn check_name_order(&self, previous: Option<&[u8]>, name: &[u8]) -> Result<(), StorageError> {
        if previous.is_some_and(|p| p >= name) {
            return Err(self.corrupt("attribute names out of order or duplicated"));
        }
        Ok(())
    }

    fn string(&mut self) -> Result<String, StorageError> {
        self.str().map(str::to_owned)
    }

    pub(crate) fn number_after_tag(&mut self, tag: u8) -> Result<Number, StorageError> {
        if tag == T_N_ZERO {
            return Ok(Number::ZERO);
        }
        let mantissa = self.varint()?;
        let zigzag = self.varint()?;
        let zigzag = u32::try_from(zigzag).map_err(|_| self.corrupt("number exponent"))?;
        let exponent = ((zigzag >> 1) as i32) ^ -((zigzag & 1) as i32);
        if mantissa == 0 {
            return Err(self.corrupt("number with zero mantissa"));
        }
        Number::from_parts(tag == T_N_NEG, mantissa, i64::from(exponent)).map_err(|_| self.corrupt("number out of range"))
    }

    pub(crate) fn number(&mut self) -> Result<Number, StorageError> {
        match self.byte()? {
            tag @ (T_N_POS | T_N_NEG | T_N_ZERO) => self.number_after_tag(tag),
            _ => Err(self.corrupt("number set element is not a number")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<AttributeValue, StorageError> {
        if depth > MAX_DECODE_DEPTH {
            return Err(self.corrupt("nesting too deep"));
        }
        let tag = self.byte()?;
        Ok(match tag {
            T_S => AttributeValue::S(self.string()?),
            T_N_POS | T_N_NEG | T_N_ZERO => AttributeValue::N(self.number_after_tag(tag)?),
            T_B => AttributeValue::B(self.bytes()?.to_vec()),
            T_FALSE => AttributeValue::Bool(false),
            T_TRUE => AttributeValue::Bool(true),
            T_NULL => AttributeValue::Null,
            T_SS => {
                let n = self.count()?;
                let mut set = Vec::with_capacity(n);
                for _ in 0..n {
                    set.push(self.string()?);
                }
                AttributeValue::Ss(set)
            }
            T_NS => {
                let n = self.count()?;
                let mut set = Vec::with_capacity(n);
                for _ in 0..n {
                    set.push(self.number()?);
                }
                AttributeValue::Ns(set)
            }
            T_BS => {
                let n = self.count()?;
                let mut set = Vec::with_capacity(n);
                for _ in 0..n {
                    set.push(self.bytes()?.to_vec());
                }
                AttributeValue::Bs(set)
            }
            T_L => {
                let n = self.count()?;
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(self.value(depth + 1)?);
                }
                AttributeValue::L(list)
            }
            T_M => AttributeValue::M(self.map(depth + 1)?),
            _ => return Err(self.corrupt("unknown value tag")),
        })
    }

    fn map(&mut self, depth: usize) -> Result<BTreeMap<String, AttributeValue>, StorageError> {
        let n = self.count()?;
        // Names come in strictly increasing order (checked), so the map can
        // be bulk-built.
        let mut entries: Vec<(String, AttributeValue)> = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.name_after(entries.last().map(|(prev, _)| prev.as_str()))?.to_owned();
            let value = self.value(depth)?;
            entries.push((name, value));
        }
        Ok(BTreeMap::from_iter(entries))
    }

    /// [`Self::value`]'s DynamoDB size ([`value_size`]), with the same checks
    /// and errors, building nothing.
    fn value_size_only(&mut self, depth: usize) -> Result<usize, StorageError> {
        if depth > MAX_DECODE_DEPTH {
            return Err(self.corrupt("nesting too deep"));
        }
        let tag = self.byte()?;
        Ok(match tag {
            T_S => self.str()?.len(),
            T_N_POS | T_N_NEG | T_N_ZERO => number_size(&self.number_after_tag(tag)?),
            T_B => self.bytes()?.len(),
            T_FALSE | T_TRUE | T_NULL => 1,
            T_SS | T_NS | T_BS | T_L => {
                let n = self.count()?;
                let mut size = if tag == T_L { 3 } else { 0 };
                for _ in 0..n {
                    size += match tag {
                        T_SS => self.str()?.len(),
                        T_NS => number_size(&self.number()?),
                        T_BS => self.bytes()?.len(),
                        _ => self.value_size_only(depth + 1)? + 1,
                    };
                }
                size
            }
            T_M => {
                let n = self.count()?;
                let mut size = 3;
                let mut previous: Option<&str> = None;
                for _ in 0..n {
                    let name = self.name_after(previous)?;
                    previous = Some(name);
                    size += name.len() + self.value_size_only(depth + 1)? + 1;
                }
                size
            }
            _ => return Err(self.corrupt("unknown value tag")),
        })
    }
}

/// What a Query page needs of an item it answers with as stored: the item's
/// DynamoDB size ([`item_size`]) and the attributes named in `names` (its
/// key attributes). The other attributes are measured, not built. The bytes
/// are checked exactly as [`decode_item`] checks them, with the same errors.
pub fn stored_size_and_attributes(bytes: &[u8], names: &[&str]) -> Result<(usize, Item), StorageError> {
    let mut reader = Reader::start(bytes)?;
    let n = reader.count()?;
    let mut size = 0;
    let mut picked = Item::new();
    let mut previous: Option<&str> = None;
    for _ in 0..n {
        let name = reader.name_after(previous)?;
        previous = Some(name);
        if names.contains(&name) {
            let value = reader.value(0)?;
            size += name.len() + value_size(&value);
            picked.insert(name.to_string(), value);
        } else {
            size += name.len() + reader.value_size_only(0)?;
        }
    }
    reader.finish()?;
    Ok((size, picked))
}

/// DynamoDB's size of a list or map value from the sizes of its entries (an
/// element's, or a name's and its value's): 3 bytes, and 1 per entry.
pub(crate) fn container_size(entries: impl Iterator<Item = usize>) -> usize {
    3 + entries.map(|e| e + 1).sum::<usize>()
}

/// The size DynamoDB bills and limits (400 KB) for a number: one byte per
/// two significant digits in base-100 alignment, one for the exponent, and
/// one more for a negative number.
pub fn number_size(n: &Number) -> usize {
    if n.is_zero() {
        return 1;
    }
    let digits = n.significant_digits() as usize;
    let leading_even = n.leading_exponent().rem_euclid(2) == 0;
    // Digits group in base-100 pairs aligned on even powers of ten; a leading
    // digit at an even power starts a pair of its own.
    let pairs = digits.div_ceil(2) + usize::from(digits % 2 == 0 && leading_even);
    1 + pairs + usize::from(n.is_negative())
}

/// The size of one attribute value as DynamoDB measures it.
pub fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(number_size).sum(),
        AttributeValue::Bs(set) => set.iter().map(Vec::len).sum(),
        AttributeValue::L(list) => container_size(list.iter().map(value_size)),
        AttributeValue::M(map) => container_size(map.iter().map(|(k, v)| k.len() + value_size(v))),
    }
}

/// The item size DynamoDB checks against its 400 KB limit: for each attribute,
/// the UTF-8 length of its name plus the size of its value.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn sample() -> Item {
        let mut inner = BTreeMap::new();
        inner.insert("k".to_string(), AttributeValue::S("v".into()));
        inner.insert("z".to_string(), AttributeValue::Null);
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("user#1".into()));
        item.insert("n".into(), AttributeValue::N(n("-12.50")));
        item.insert("zero".into(), AttributeValue::N(Number::ZERO));
        item.insert("tiny".into(), AttributeValue::N(n("1E-130")));
        item.insert("b".into(), AttributeValue::B(vec![0, 1, 255]));
        item.insert("t".into(), AttributeValue::Bool(true));
        item.insert("f".into(), AttributeValue::Bool(false));
        item.insert("ss".into(), AttributeValue::Ss(vec!["a".into(), "".into()]));
        item.insert("ns".into(), AttributeValue::Ns(vec![n("1"), n("-2"), Number::ZERO]));
        item.insert("bs".into(), AttributeValue::Bs(vec![vec![], vec![7]]));
        item.insert("l".into(), AttributeValue::L(vec![AttributeValue::N(n("3")), AttributeValue::M(inner.clone())]));
        item.insert("m".into(), AttributeValue::M(inner));
        item.insert("é".into(), AttributeValue::S("ü".into()));
        item
    }

    #[test]
    fn items_round_trip() {
        let item = sample();
        let bytes = encode_item(&item);
        assert_eq!(bytes[0], ITEM_FORMAT_VERSION);
        assert_eq!(decode_item(&bytes).unwrap(), item);
        assert_eq!(decode_item(&encode_item(&Item::new())).unwrap(), Item::new());
    }

    #[test]
    fn damage_is_reported_not_panicked() {
        let bytes = encode_item(&sample());
        for cut in 0..bytes.len() {
            assert!(decode_item(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_item(&extra).is_err());
        let mut version = bytes.clone();
        version[0] = 9;
        assert!(matches!(decode_item(&version), Err(StorageError::Corrupted { .. })));
        // Over-long varints are refused (no shift overflow).
        assert!(decode_item(&[1, 1, 1, b'a', T_N_POS, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0]).is_err());
        // A huge claimed count must not allocate.
        assert!(decode_item(&[1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).is_err());
        // Deep nesting from damaged bytes is refused before the stack runs out.
        let mut deep = vec![1, 1, 1, b'a'];
        for _ in 0..100_000 {
            deep.extend_from_slice(&[T_L, 1]);
        }
        assert!(decode_item(&deep).is_err());
    }

    #[test]
    fn sizes_follow_dynamodb_rules() {
        assert_eq!(number_size(&Number::ZERO), 1);
        assert_eq!(number_size(&n("1")), 2);
        assert_eq!(number_size(&n("12")), 2);
        assert_eq!(number_size(&n("123")), 3);
        assert_eq!(number_size(&n("1.2")), 3);
        assert_eq!(number_size(&n("-1")), 3);
        assert_eq!(number_size(&n(&"9".repeat(38))), 20);
        let mut item = Item::new();
        item.insert("name".into(), AttributeValue::S("héllo".into()));
        item.insert("flag".into(), AttributeValue::Bool(true));
        item.insert("l".into(), AttributeValue::L(vec![AttributeValue::Null, AttributeValue::S("ab".into())]));
        let mut map = BTreeMap::new();
        map.insert("k".into(), AttributeValue::S("v".into()));
        item.insert("m".into(), AttributeValue::M(map));
        item.insert("ss".into(), AttributeValue::Ss(vec!["a".into(), "bc".into()]));
        // name: 4 + 6; flag: 4 + 1; l: 1 + (3 + (1+1) + (2+1)); m: 1 + (3 + 1 + 1 + 1); ss: 2 + 3
        assert_eq!(item_size(&item), 10 + 5 + 9 + 7 + 5);
    }

    fn any_number() -> impl Strategy<Value = Number> {
        (any::<bool>(), 0u128..10u128.pow(38), -167i64..=125).prop_filter_map("range", |(neg, m, e)| Number::from_parts(neg, m, e).ok())
    }

    fn any_value() -> impl Strategy<Value = AttributeValue> {
        let leaf = prop_oneof![
            ".{0,8}".prop_map(AttributeValue::S),
            any_number().prop_map(AttributeValue::N),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(AttributeValue::B),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null),
            proptest::collection::vec(".{0,4}", 1..4).prop_map(AttributeValue::Ss),
            proptest::collection::vec(any_number(), 1..4).prop_map(AttributeValue::Ns),
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..4), 1..4).prop_map(AttributeValue::Bs),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
                proptest::collection::btree_map(".{0,4}", inner, 0..4).prop_map(AttributeValue::M),
            ]
        })
    }

    /// [`super::super::json::StoredItemJson`] must write exactly the JSON of
    /// the decoded item, as a tree and as text, and fail exactly where
    /// decoding fails.
    fn check_stored_json(bytes: &[u8]) -> Result<(), TestCaseError> {
        use super::super::json::{item_to_json, StoredItemJson};
        let tree = StoredItemJson::new(bytes).to_value();
        let mut text = Vec::new();
        let written = StoredItemJson::new(bytes).write_to(&mut text);
        // The first attribute of an item that decodes, and a name that is rare.
        let first = decode_item(bytes).ok().and_then(|item| item.keys().next().cloned()).unwrap_or_default();
        let names = [first.as_str(), "a"];
        let measured = stored_size_and_attributes(bytes, &names);
        match decode_item(bytes) {
            Ok(item) => {
                let picked: Item = item.iter().filter(|(k, _)| names.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
                prop_assert_eq!(measured.unwrap(), (item_size(&item), picked));
                let expected = item_to_json(&item);
                prop_assert_eq!(tree.unwrap(), expected.clone());
                prop_assert!(written.is_ok());
                prop_assert_eq!(String::from_utf8(text).unwrap(), expected.to_string());
            }
            Err(e) => {
                prop_assert_eq!(measured.unwrap_err().to_string(), e.to_string());
                prop_assert_eq!(tree.unwrap_err().to_string(), e.to_string());
                prop_assert_eq!(written.unwrap_err().to_string(), e.to_string());
            }
        }
        Ok(())
    }

    #[test]
    fn stored_json_of_the_sample_and_its_damage() {
        let bytes = encode_item(&sample());
        check_stored_json(&bytes).unwrap();
        for cut in 0..bytes.len() {
            check_stored_json(&bytes[..cut]).unwrap();
        }
        let mut deep = vec![1, 1, 1, b'a'];
        for _ in 0..100 {
            deep.extend_from_slice(&[T_L, 1]);
        }
        check_stored_json(&deep).unwrap();
    }

    proptest! {
        #[test]
        fn stored_json_matches_the_decoded_item(item in proptest::collection::btree_map(".{0,6}", any_value(), 0..8)) {
            check_stored_json(&encode_item(&item))?;
        }

        #[test]
        fn stored_json_of_damaged_bytes(item in proptest::collection::btree_map(".{0,6}", any_value(), 1..6), at in any::<usize>(), bit in 0u8..8) {
            let mut bytes = encode_item(&item);
            let i = at % bytes.len();
            bytes[i] ^= 1 << bit;
            check_stored_json(&bytes)?;
        }

        #[test]
        fn random_items_round_trip(item in proptest::collection::btree_map(".{0,6}", any_value(), 0..8)) {
            prop_assert_eq!(decode_item(&encode_item(&item)).unwrap(), item);
        }

        #[test]
        fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_item(&bytes);
            bytes.insert(0, ITEM_FORMAT_VERSION);
            let _ = decode_item(&bytes);
        }

        #[test]
        fn flipped_bytes_never_panic(item in proptest::collection::btree_map(".{0,6}", any_value(), 1..6), at in any::<usize>(), bit in 0u8..8) {
            let mut bytes = encode_item(&item);
            let i = at % bytes.len();
            bytes[i] ^= 1 << bit;
            let _ = decode_item(&bytes);
        }
    }
}
