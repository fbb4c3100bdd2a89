//! DynamoDB's size limits and the checks the API runs against them, with
//! DynamoDB's messages (including its quirks, such as the missing space in
//! "limit of2048 bytes", which clients and tests match on).
//!
//! Sizes are measured as DynamoDB measures them ([`super::item::item_size`]):
//! UTF-8 bytes of names and strings, raw bytes of binary, and DynamoDB's
//! number-size rule. Numbers in keys have no size limit of their own (38 digits
//! are at most 21 bytes).

use super::item::item_size;
use super::value::{AttributeValue, Item};
use crate::error::{Error, Result};

/// Largest item, in DynamoDB's measure (400 KB).
pub const MAX_ITEM_SIZE: usize = 409_600;
/// Largest partition key value, in bytes.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// Largest sort key value, in bytes.
pub const MAX_SORT_KEY_BYTES: usize = 1024;
/// Largest attribute name in an item (names must be under 64 KB).
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;
/// Largest name of a key attribute or index key attribute (KeySchema).
pub const MAX_KEY_ATTRIBUTE_NAME_BYTES: usize = 255;
/// Largest expression string (condition, update, filter, projection, key condition).
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// Table and index names: 3 to 255 characters of `[a-zA-Z0-9_.-]`.
pub const MIN_TABLE_NAME_CHARS: usize = 3;
pub const MAX_TABLE_NAME_CHARS: usize = 255;
/// The regular expression DynamoDB reports for table and index names.
pub const TABLE_NAME_PATTERN: &str = "[a-zA-Z0-9_.-]+";

/// Reject an item over 400 KB; returns its size otherwise.
pub fn check_item_size(item: &Item) -> Result<usize> {
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        return Err(Error::Validation("Item size has exceeded the maximum allowed size".into()));
    }
    Ok(size)
}

/// Check one key attribute value against DynamoDB's key rules: not an empty
/// string or binary, and within the partition- or sort-key size limit. The
/// type of the value is checked against the schema by the caller.
pub fn check_key_value(name: &str, value: &AttributeValue, is_partition_key: bool) -> Result<()> {
    let (len, kind) = match value {
        AttributeValue::S(s) => (s.len(), "string"),
        AttributeValue::B(b) => (b.len(), "binary"),
        _ => return Ok(()),
    };
    if len == 0 {
        return Err(crate::validation!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
        ));
    }
    if is_partition_key && len > MAX_PARTITION_KEY_BYTES {
        return Err(crate::validation!(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of{MAX_PARTITION_KEY_BYTES} bytes"
        ));
    }
    if !is_partition_key && len > MAX_SORT_KEY_BYTES {
        return Err(crate::validation!(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of {MAX_SORT_KEY_BYTES} bytes"
        ));
    }
    Ok(())
}

/// Check every attribute name in an item, at every depth, against the 64 KB limit.
pub fn check_attribute_names(item: &Item) -> Result<()> {
    fn walk(value: &AttributeValue) -> Result<()> {
        match value {
            AttributeValue::M(map) => map.iter().try_for_each(|(name, v)| check_attribute_name(name).and_then(|_| walk(v))),
            AttributeValue::L(list) => list.iter().try_for_each(walk),
            _ => Ok(()),
        }
    }
    item.iter().try_for_each(|(name, v)| check_attribute_name(name).and_then(|_| walk(v)))
}

/// One attribute name against the 64 KB limit.
pub fn check_attribute_name(name: &str) -> Result<()> {
    if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
        return Err(Error::Validation(
            "1 validation error detected: Attribute name is too large, must be less than 65536 bytes".into(),
        ));
    }
    Ok(())
}

/// An expression string against the 4 KB limit; `label` is the request field,
/// e.g. `"ConditionExpression"`.
pub fn check_expression_size(label: &str, expression: &str) -> Result<()> {
    let size = expression.len();
    if size > MAX_EXPRESSION_BYTES {
        return Err(crate::validation!(
            "Invalid {label}: Expression size has exceeded the maximum allowed size; expression size: {size}"
        ));
    }
    Ok(())
}

/// True when `name` is a valid table or index name (3–255 characters of
/// `[a-zA-Z0-9_.-]`). The request readers in `api` report the individual
/// violations with DynamoDB's messages; this is for the Rust-side builders.
pub fn is_valid_table_name(name: &str) -> bool {
    (MIN_TABLE_NAME_CHARS..=MAX_TABLE_NAME_CHARS).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::ItemBuilder;

    #[test]
    fn item_size_limit_is_400_kb_inclusive() {
        // Name "a" (1 byte) + string value.
        let at_limit = ItemBuilder::new().string("a", "x".repeat(MAX_ITEM_SIZE - 1)).build();
        assert_eq!(check_item_size(&at_limit).unwrap(), MAX_ITEM_SIZE);
        let over = ItemBuilder::new().string("a", "x".repeat(MAX_ITEM_SIZE)).build();
        assert_eq!(check_item_size(&over).unwrap_err().to_string(), "Item size has exceeded the maximum allowed size");
    }

    #[test]
    fn key_values_follow_dynamodb_rules() {
        let s = |n: usize| AttributeValue::S("k".repeat(n));
        assert!(check_key_value("pk", &s(2048), true).is_ok());
        assert_eq!(
            check_key_value("pk", &s(2049), true).unwrap_err().to_string(),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
        );
        assert!(check_key_value("sk", &s(1024), false).is_ok());
        assert_eq!(
            check_key_value("sk", &s(1025), false).unwrap_err().to_string(),
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
        );
        assert_eq!(
            check_key_value("pk", &s(0), true).unwrap_err().to_string(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
        );
        assert_eq!(
            check_key_value("sk", &AttributeValue::B(vec![]), false).unwrap_err().to_string(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk"
        );
        // Multi-byte characters count in UTF-8 bytes.
        assert!(check_key_value("pk", &AttributeValue::S("é".repeat(1025)), true).is_err());
    }

    #[test]
    fn names_and_expressions_are_bounded() {
        let long = "n".repeat(MAX_ATTRIBUTE_NAME_BYTES + 1);
        let nested = ItemBuilder::new().map("m", ItemBuilder::new().null(long.clone()).build()).build();
        assert!(check_attribute_names(&nested).is_err());
        assert!(check_attribute_names(&ItemBuilder::new().null("n".repeat(MAX_ATTRIBUTE_NAME_BYTES)).build()).is_ok());
        assert!(check_expression_size("FilterExpression", &"a".repeat(4096)).is_ok());
        assert_eq!(
            check_expression_size("FilterExpression", &"a".repeat(4097)).unwrap_err().to_string(),
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"
        );
    }

    #[test]
    fn table_names() {
        for ok in ["abc", "My_Table.v-2", &"a".repeat(255)] {
            assert!(is_valid_table_name(ok), "{ok}");
        }
        for bad in ["ab", "", "has space", "é-table", &"a".repeat(256)] {
            assert!(!is_valid_table_name(bad), "{bad}");
        }
    }
}
