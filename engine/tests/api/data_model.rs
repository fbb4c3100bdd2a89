//! Public-API tests of the data model: wire JSON in, stored bytes, wire JSON out.

use kstone_engine::model::item::{decode_item, encode_item, item_size};
use kstone_engine::model::json::{item_from_json, item_to_json};
use kstone_engine::model::key::{decode_primary_key, encode_primary_key, ScalarType};
use kstone_engine::model::limits::check_item_size;
use kstone_engine::{AttributeValue, ItemBuilder, Number};
use serde_json::json;

#[test]
fn a_wire_item_survives_storage_in_canonical_form() {
    let wire = json!({
        "pk": {"S": "user#1"}, "sk": {"N": "0010.500"},
        "tags": {"SS": ["a", "b"]}, "doc": {"M": {"deep": {"L": [{"B": "AAE="}, {"NULL": true}]}}}
    });
    let item = item_from_json(&wire).unwrap();
    let stored = encode_item(&item);
    let back = item_to_json(&decode_item(&stored).unwrap());
    let mut expected = wire.clone();
    expected["sk"] = json!({"N": "10.5"});
    assert_eq!(back, expected);
    assert_eq!(check_item_size(&item).unwrap(), item_size(&item));
}

#[test]
fn stored_keys_rebuild_the_key_attributes() {
    let item = ItemBuilder::new().string("pk", "a\0b").decimal("sk", "-1e-3").unwrap().build();
    let key = encode_primary_key(b"\x00\x01", &item["pk"], Some(&item["sk"])).unwrap();
    let (pk, sk) = decode_primary_key(&key, 2, ScalarType::S, Some(ScalarType::N)).unwrap();
    assert_eq!(pk, AttributeValue::S("a\0b".into()));
    assert_eq!(sk, Some(AttributeValue::N(Number::parse("-0.001").unwrap())));
}

#[test]
fn bad_numbers_are_validation_errors_through_json() {
    let err = item_from_json(&json!({"n": {"N": "1e400"}})).unwrap_err();
    assert_eq!(err.name(), "ValidationException");
    assert_eq!(
        err.to_string(),
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    );
}
