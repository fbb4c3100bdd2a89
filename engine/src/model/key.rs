//! Order-preserving, self-delimiting binary encoding of DynamoDB key values.
//!
//! The storage layer sees only byte strings ordered by `memcmp`. A stored key
//! is `table/index prefix ‖ enc(partition key) ‖ enc(sort key)?`, and two
//! properties make Query work on that:
//!
//! * **Order**: `enc(a) < enc(b)` exactly when `a < b` in DynamoDB's order —
//!   strings by their UTF-8 bytes, binary by unsigned bytes, numbers by value.
//!   So a range scan over a partition returns items in sort-key order.
//! * **Prefix-freeness**: no encoded value is a prefix of another, so a range
//!   over `prefix ‖ enc(pk)` holds exactly that partition's items (`"ab"` is
//!   not mixed into the `"a"` partition), and a key decodes without a length.
//!
//! The table's key schema fixes each attribute's type, so no type tag is
//! stored; decoding is told the [`ScalarType`].
//!
//! ## Byte layout
//!
//! ```text
//! S, B : bytes with every 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01
//! N    : zero       0x02
//!        positive   0x03, E+130, digit nibbles
//!        negative   0x01, then the positive form's bytes after the tag, each inverted (!b)
//!   E is the exponent of the leading digit (-130..=125, so E+130 fits a byte);
//!   digit nibbles are the significant digits (no leading/trailing zeros), each
//!   stored as digit+1 (1..=10), two per byte high nibble first, ended by a 0
//!   nibble (padding the last byte with 0 if needed): at most 1+1+20 bytes.
//! ```
//!
//! For numbers, the larger exponent wins among positives; with equal
//! exponents the digit strings compare lexicographically, and a 0 terminator
//! makes a shorter digit string (a shorter decimal expansion) sort first.
//! Inverting all bytes after the tag reverses this for negatives.

use super::number::{Number, MAX_DIGITS, MIN_LEADING_EXPONENT};
use super::value::AttributeValue;
use crate::error::{Error, StorageError};

const NUM_NEGATIVE: u8 = 0x01;
const NUM_ZERO: u8 = 0x02;
const NUM_POSITIVE: u8 = 0x03;
const ESCAPE: u8 = 0xFF;
const TERMINATOR: u8 = 0x01;

/// The type of a key attribute, as `AttributeDefinitions` declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    /// `"S"`, `"N"` or `"B"`; anything else is not a key type.
    pub fn parse(text: &str) -> Option<ScalarType> {
        match text {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }

    /// The scalar type of a value, if it can be a key.
    pub fn of(value: &AttributeValue) -> Option<ScalarType> {
        match value {
            AttributeValue::S(_) => Some(ScalarType::S),
            AttributeValue::N(_) => Some(ScalarType::N),
            AttributeValue::B(_) => Some(ScalarType::B),
            _ => None,
        }
    }
}

fn not_a_key_type(value: &AttributeValue) -> Error {
    crate::validation!(
        "One or more parameter values were invalid: Key attributes must be of type S, N or B, not {}",
        value.type_name()
    )
}

/// Append the encoding of one key value (S, N or B).
pub fn encode_key_value(value: &AttributeValue, out: &mut Vec<u8>) -> Result<(), Error> {
    match value {
        AttributeValue::S(s) => encode_bytes(s.as_bytes(), out),
        AttributeValue::B(b) => encode_bytes(b, out),
        AttributeValue::N(n) => encode_number(n, out),
        other => return Err(not_a_key_type(other)),
    }
    Ok(())
}

/// Append the escaped bytes of an S or B value without the terminator: every
/// encoded value that `begins_with` this value starts with these bytes, so
/// `prefix ‖ enc(pk) ‖ this` bounds a `begins_with` sort-key range.
pub fn encode_sort_key_prefix(value: &AttributeValue, out: &mut Vec<u8>) -> Result<(), Error> {
    match value {
        AttributeValue::S(s) => escape_bytes(s.as_bytes(), out),
        AttributeValue::B(b) => escape_bytes(b, out),
        other => return Err(not_a_key_type(other)),
    }
    Ok(())
}

/// The full stored key: `prefix ‖ enc(pk) ‖ enc(sk)?`.
pub fn encode_primary_key(
    prefix: &[u8],
    partition: &AttributeValue,
    sort: Option<&AttributeValue>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(prefix.len() + 32);
    out.extend_from_slice(prefix);
    encode_key_value(partition, &mut out)?;
    if let Some(sort) = sort {
        encode_key_value(sort, &mut out)?;
    }
    Ok(out)
}

/// Decode a stored key made by [`encode_primary_key`] after `prefix_len`
/// bytes of prefix. Trailing bytes after the last value are corruption.
pub fn decode_primary_key(
    key: &[u8],
    prefix_len: usize,
    partition_type: ScalarType,
    sort_type: Option<ScalarType>,
) -> Result<(AttributeValue, Option<AttributeValue>), StorageError> {
    let rest = key.get(prefix_len..).ok_or_else(|| corrupt("key shorter than its prefix", 0))?;
    let (partition, used) = decode_key_value(rest, partition_type)?;
    let rest = &rest[used..];
    let (sort, rest) = match sort_type {
        Some(ty) => {
            let (sort, used) = decode_key_value(rest, ty)?;
            (Some(sort), &rest[used..])
        }
        None => (None, rest),
    };
    if !rest.is_empty() {
        return Err(corrupt("trailing bytes after key", (key.len() - rest.len()) as u64));
    }
    Ok((partition, sort))
}

/// Decode one key value from the front of `input`; returns it and the number
/// of bytes it used.
pub fn decode_key_value(input: &[u8], ty: ScalarType) -> Result<(AttributeValue, usize), StorageError> {
    match ty {
        ScalarType::S => {
            let (bytes, used) = decode_bytes(input)?;
            let s = String::from_utf8(bytes).map_err(|_| corrupt("string key is not UTF-8", 0))?;
            Ok((AttributeValue::S(s), used))
        }
        ScalarType::B => {
            let (bytes, used) = decode_bytes(input)?;
            Ok((AttributeValue::B(bytes), used))
        }
        ScalarType::N => {
            let (n, used) = decode_number(input)?;
            Ok((AttributeValue::N(n), used))
        }
    }
}

/// The smallest byte string greater than every string starting with
/// `prefix`, or `None` if there is none (the prefix is all 0xFF).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let last = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut out = prefix[..=last].to_vec();
    out[last] += 1;
    Some(out)
}

fn corrupt(what: &str, offset: u64) -> StorageError {
    StorageError::corrupted(format!("key encoding: {what}"), offset)
}

fn escape_bytes(mut bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 2);
    // Runs without a zero byte (most keys are one run) are copied whole.
    while let Some(zero) = bytes.iter().position(|&b| b == 0) {
        out.extend_from_slice(&bytes[..=zero]);
        out.push(ESCAPE);
        bytes = &bytes[zero + 1..];
    }
    out.extend_from_slice(bytes);
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    escape_bytes(bytes, out);
    out.push(0);
    out.push(TERMINATOR);
}

fn decode_bytes(input: &[u8]) -> Result<(Vec<u8>, usize), StorageError> {
    let mut out = Vec::with_capacity(input.len().min(64));
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b != 0 {
            out.push(b);
            i += 1;
            continue;
        }
        match input.get(i + 1) {
            Some(&ESCAPE) => {
                out.push(0);
                i += 2;
            }
            Some(&TERMINATOR) => return Ok((out, i + 2)),
            _ => return Err(corrupt("bad escape in string or binary key", i as u64)),
        }
    }
    Err(corrupt("unterminated string or binary key", input.len() as u64))
}

fn encode_number(n: &Number, out: &mut Vec<u8>) {
    if n.is_zero() {
        out.push(NUM_ZERO);
        return;
    }
    let (negative, mantissa, _) = n.parts();
    let start = out.len();
    out.push(if negative { NUM_NEGATIVE } else { NUM_POSITIVE });
    // The leading exponent is within -130..=125 for every valid Number.
    out.push((n.leading_exponent() as i64 - MIN_LEADING_EXPONENT) as u8);
    let digits = mantissa.to_string();
    let mut nibbles = digits.bytes().map(|d| d - b'0' + 1).chain(std::iter::once(0));
    while let Some(high) = nibbles.next() {
        let low = nibbles.next().unwrap_or(0);
        out.push(high << 4 | low);
        if low == 0 {
            break;
        }
    }
    if negative {
        for b in &mut out[start + 1..] {
            *b = !*b;
        }
    }
}

fn decode_number(input: &[u8]) -> Result<(Number, usize), StorageError> {
    let tag = *input.first().ok_or_else(|| corrupt("empty number key", 0))?;
    let negative = match tag {
        NUM_ZERO => return Ok((Number::ZERO, 1)),
        NUM_POSITIVE => false,
        NUM_NEGATIVE => true,
        _ => return Err(corrupt("bad number tag", 0)),
    };
    let flip = |b: u8| if negative { !b } else { b };
    let exp_byte = flip(*input.get(1).ok_or_else(|| corrupt("truncated number key", 1))?);
    let leading_exponent = i64::from(exp_byte) + MIN_LEADING_EXPONENT;
    let mut mantissa: u128 = 0;
    let mut count = 0usize;
    let mut last_digit = 0u8;
    let mut i = 2;
    loop {
        let byte = flip(*input.get(i).ok_or_else(|| corrupt("unterminated number key", i as u64))?);
        i += 1;
        let (high, low) = (byte >> 4, byte & 0x0F);
        let mut ended = false;
        for nibble in [high, low] {
            if ended {
                if nibble != 0 {
                    return Err(corrupt("bad number padding", i as u64));
                }
                continue;
            }
            if nibble == 0 {
                ended = true;
                continue;
            }
            if nibble > 10 || count == MAX_DIGITS || (count == 0 && nibble == 1) {
                return Err(corrupt("bad number digits", i as u64));
            }
            last_digit = nibble - 1;
            mantissa = mantissa * 10 + u128::from(last_digit);
            count += 1;
        }
        if ended {
            break;
        }
    }
    if count == 0 || last_digit == 0 {
        return Err(corrupt("number digits not normalized", i as u64));
    }
    let exponent = leading_exponent - (count as i64 - 1);
    let n = Number::from_parts(negative, mantissa, exponent)
        .map_err(|_| corrupt("number out of range", 1))?;
    Ok((n, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(v: &AttributeValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key_value(v, &mut out).unwrap();
        out
    }

    fn num(s: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(s).unwrap())
    }

    #[test]
    fn numbers_sort_by_value() {
        let sorted = [
            "-9.9999999999999999999999999999999999999E+125", "-1E125", "-100", "-99.5", "-12", "-1.2", "-1.11", "-1.1", "-1",
            "-1E-130", "0", "1E-130", "0.001", "1", "1.1", "1.11", "1.2", "12", "99.5", "100", "1E125",
        ];
        for pair in sorted.windows(2) {
            assert!(enc(&num(pair[0])) < enc(&num(pair[1])), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn strings_and_binary_sort_by_bytes_and_are_prefix_free() {
        let sorted = ["", "\0", "\0\0", "\0a", "a", "a\0", "a\0b", "ab", "b", "é"];
        for pair in sorted.windows(2) {
            let (a, b) = (AttributeValue::S(pair[0].into()), AttributeValue::S(pair[1].into()));
            assert!(enc(&a) < enc(&b), "{:?} < {:?}", pair[0], pair[1]);
            assert!(!enc(&b).starts_with(&enc(&a)));
        }
    }

    #[test]
    fn primary_keys_round_trip() {
        let pk = AttributeValue::S("user\0x".into());
        let sk = num("-12.5");
        let key = encode_primary_key(b"T1", &pk, Some(&sk)).unwrap();
        let (p, s) = decode_primary_key(&key, 2, ScalarType::S, Some(ScalarType::N)).unwrap();
        assert_eq!((p, s), (pk, Some(sk)));
        let key = encode_primary_key(b"", &AttributeValue::B(vec![0, 255, 0]), None).unwrap();
        assert_eq!(decode_primary_key(&key, 0, ScalarType::B, None).unwrap().0, AttributeValue::B(vec![0, 255, 0]));
    }

    #[test]
    fn rejects_non_scalar_keys() {
        let err = encode_primary_key(b"", &AttributeValue::Bool(true), None).unwrap_err();
        assert_eq!(err.name(), "ValidationException");
    }

    #[test]
    fn damaged_keys_are_errors() {
        let cases: [(&[u8], ScalarType); 8] = [
            (b"abc", ScalarType::S),
            (b"a\0\x05", ScalarType::S),
            (b"\xff\xfe\0\x01", ScalarType::S),
            (b"", ScalarType::N),
            (b"\x09", ScalarType::N),
            (b"\x03\x80", ScalarType::N),
            (b"\x03\x80\x10", ScalarType::N),
            (b"\x03\x80\xb0", ScalarType::N),
        ];
        for (bytes, ty) in cases {
            assert!(decode_key_value(bytes, ty).is_err(), "{bytes:?}");
        }
        assert!(decode_primary_key(b"\x02\x02", 0, ScalarType::N, None).is_err());
    }

    #[test]
    fn begins_with_prefix_bounds_the_range() {
        let mut prefix = Vec::new();
        encode_sort_key_prefix(&AttributeValue::S("ab".into()), &mut prefix).unwrap();
        let upper = prefix_successor(&prefix).unwrap();
        for s in ["ab", "ab\0", "abc", "ab\u{10FFFF}"] {
            let e = enc(&AttributeValue::S(s.into()));
            assert!(e.as_slice() >= prefix.as_slice() && e < upper, "{s:?}");
        }
        for s in ["a", "aa", "ac", "b"] {
            let e = enc(&AttributeValue::S(s.into()));
            assert!(!(e.as_slice() >= prefix.as_slice() && e < upper), "{s:?}");
        }
        assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_successor(&[0xFF]), None);
    }

    fn any_number() -> impl Strategy<Value = Number> {
        prop_oneof![
            (any::<bool>(), 0u128..10u128.pow(38), -167i64..=125),
            (any::<bool>(), 0u128..1000, -5i64..5),
        ]
        .prop_filter_map("in range", |(neg, m, e)| Number::from_parts(neg, m, e).ok())
    }

    proptest! {
        #[test]
        fn number_encoding_preserves_order_and_round_trips(a in any_number(), b in any_number()) {
            let (ea, eb) = (enc(&AttributeValue::N(a)), enc(&AttributeValue::N(b)));
            prop_assert_eq!(ea.cmp(&eb), a.cmp(&b));
            prop_assert_eq!(decode_key_value(&ea, ScalarType::N).unwrap(), (AttributeValue::N(a), ea.len()));
            if a != b {
                prop_assert!(!eb.starts_with(&ea));
            }
        }

        #[test]
        fn string_encoding_preserves_utf8_order(a in "[\0a-c\u{e9}\u{10000}]{0,6}", b in "[\0a-c\u{e9}\u{10000}]{0,6}") {
            let (ea, eb) = (enc(&AttributeValue::S(a.clone())), enc(&AttributeValue::S(b.clone())));
            prop_assert_eq!(ea.cmp(&eb), a.as_bytes().cmp(b.as_bytes()));
            prop_assert_eq!(decode_key_value(&ea, ScalarType::S).unwrap(), (AttributeValue::S(a.clone()), ea.len()));
            if a != b {
                prop_assert!(!eb.starts_with(&ea));
            }
        }

        #[test]
        fn binary_encoding_preserves_unsigned_order(a in proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(255), any::<u8>()], 0..8),
                                                    b in proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(255), any::<u8>()], 0..8)) {
            let (ea, eb) = (enc(&AttributeValue::B(a.clone())), enc(&AttributeValue::B(b.clone())));
            prop_assert_eq!(ea.cmp(&eb), a.cmp(&b));
            prop_assert_eq!(decode_key_value(&ea, ScalarType::B).unwrap(), (AttributeValue::B(a.clone()), ea.len()));
            if a != b {
                prop_assert!(!eb.starts_with(&ea));
            }
        }

        #[test]
        fn composite_keys_order_by_partition_then_sort(p1 in "[a\0b]{0,3}", p2 in "[a\0b]{0,3}", s1 in any_number(), s2 in any_number()) {
            let k1 = encode_primary_key(b"t", &AttributeValue::S(p1.clone()), Some(&AttributeValue::N(s1))).unwrap();
            let k2 = encode_primary_key(b"t", &AttributeValue::S(p2.clone()), Some(&AttributeValue::N(s2))).unwrap();
            prop_assert_eq!(k1.cmp(&k2), p1.as_bytes().cmp(p2.as_bytes()).then(s1.cmp(&s2)));
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            for ty in [ScalarType::S, ScalarType::N, ScalarType::B] {
                let _ = decode_key_value(&bytes, ty);
            }
        }
    }
}
