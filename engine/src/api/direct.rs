//! PutItem and GetItem requests read straight from JSON text, for the text
//! door (`Database::execute_json`, which the HTTP server, the CLI and the
//! JavaScript package call).
//!
//! The decoders in [`super::item`] work on a `serde_json::Value` tree and
//! report every error in DynamoDB's order and words. Parsing the text into
//! that tree is most of what a small PutItem costs, so the requests SDKs send
//! most — a table name, an item or key, and the plain options below — are
//! read here in one pass over the text ([`crate::model::json_text`]).
//!
//! This is a shortcut, not a second decoder: it takes a request only when
//! the tree decoder would accept it, and then builds the same typed request.
//! Every member it does not know, every `null`, every value a rule rejects,
//! makes it decline (`None`), and the caller decodes the request through the
//! tree, which gives the error. The test below checks that whenever the
//! shortcut answers, the tree decoder gives the same request.

use super::json::{check_table_name_length, is_resource_name};
use super::keys::key_of_item;
use super::values::MAX_ITEM_BYTES;
use super::write::{commit, resolve_table};
use crate::db::Database;
use crate::error::Result;
use crate::lsm::WriteBatch;
use crate::model::item::{decode_value, exact};
use crate::model::json_text::{EncodedItem, Scanner};
use crate::model::schema::TableDef;
use crate::model::request::{Expressions, GetItemRequest, PutItemRequest, ReturnValues};
use crate::model::value::Item;

/// The members a shortcut request may have.
#[derive(Default)]
struct Members<'a> {
    table_name: Option<String>,
    item: Option<Item>,
    /// The item in stored form, and what was learnt of it on the way
    /// (instead of `item`, see [`Operation::StoredPut`]).
    stored: Option<(Vec<u8>, EncodedItem<'a>)>,
    return_values: Option<ReturnValues>,
    return_old_on_condition_failure: Option<bool>,
    consistent_read: Option<bool>,
    projection_expression: Option<String>,
    /// `ReturnConsumedCapacity` / `ReturnItemCollectionMetrics`: checked,
    /// then without effect (capacity is not metered).
    consumed_capacity: Option<()>,
    collection_metrics: Option<()>,
}

#[derive(Clone, Copy)]
enum Operation<'p> {
    Put,
    /// A put whose item is read straight into its stored form, unless what
    /// came before it in the request already rules that out: options that
    /// return the old item, or a table the function calls not plain
    /// ([`takes_stored_put`]). Then the item is built as for `Put`, so a
    /// put the stored way cannot take is still read only once.
    StoredPut(&'p dyn Fn(&str) -> bool),
    Get,
}

/// Set `slot` once: a member given twice declines.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

fn one_of(value: &str, allowed: &[&str]) -> Option<()> {
    allowed.contains(&value).then_some(())
}

/// Read one member of a request named `name`.
fn member<'a>(s: &mut Scanner<'a>, m: &mut Members<'a>, name: &str, operation: Operation<'_>) -> Option<()> {
    let put = !matches!(operation, Operation::Get);
    let stored = |plain: &dyn Fn(&str) -> bool| {
        matches!(m.return_values, None | Some(ReturnValues::None)) && m.table_name.as_deref().is_none_or(plain)
    };
    match name {
        "TableName" => once(&mut m.table_name, s.string()?.into_owned()),
        "Item" if matches!(operation, Operation::StoredPut(plain) if stored(plain)) => {
            let mut found = None;
            let bytes = exact(|out| {
                found = Some(s.encoded_item(out)?);
                Some(())
            })?;
            once(&mut m.stored, (bytes, found?))
        }
        "Item" if put => once(&mut m.item, s.item()?),
        "Key" if !put => once(&mut m.item, s.item()?),
        "ReturnValues" if put => once(&mut m.return_values, ReturnValues::parse(&s.string()?)?),
        "ReturnValuesOnConditionCheckFailure" if put => {
            let text = s.string()?;
            one_of(&text, &["ALL_OLD", "NONE"])?;
            once(&mut m.return_old_on_condition_failure, text == "ALL_OLD")
        }
        "ReturnItemCollectionMetrics" if put => {
            one_of(&s.string()?, &["SIZE", "NONE"])?;
            once(&mut m.collection_metrics, ())
        }
        "ReturnConsumedCapacity" => {
            one_of(&s.string()?, &["INDEXES", "TOTAL", "NONE"])?;
            once(&mut m.consumed_capacity, ())
        }
        "ConsistentRead" if !put => once(&mut m.consistent_read, s.boolean()?),
        "ProjectionExpression" if !put => once(&mut m.projection_expression, s.string()?.into_owned()),
        _ => None,
    }
}

/// The members of `text`, when it is a request the shortcut takes: a JSON
/// object, nothing after it, and a valid table name.
fn members<'a>(text: &'a str, operation: Operation<'_>) -> Option<Members<'a>> {
    let mut s = Scanner::new(text);
    let mut m = Members::default();
    s.members(|s, name| member(s, &mut m, &name, operation))?;
    s.end()?;
    let name = m.table_name.as_deref()?;
    if check_table_name_length(name).is_err() || !is_resource_name(name) || (m.item.is_none() && m.stored.is_none()) {
        return None;
    }
    Some(m)
}

/// A PutItem of a table name, an item and the return options, or `None`.
pub(crate) fn put_item(text: &str) -> Option<PutItemRequest> {
    put_request(members(text, Operation::Put)?)
}

/// The request of members read with their item built.
fn put_request(m: Members<'_>) -> Option<PutItemRequest> {
    Some(PutItemRequest {
        table_name: m.table_name?,
        item: m.item?,
        condition_expression: None,
        expressions: Expressions::default(),
        return_values: m.return_values.unwrap_or_default(),
        return_old_on_condition_failure: m.return_old_on_condition_failure.unwrap_or(false),
    })
}

/// Whether a put into `def` can be done with the item in its stored form
/// alone: a secondary index or an attribute schema wants the item itself.
fn takes_stored_put(def: &TableDef) -> bool {
    def.local_indexes.is_empty() && def.global_indexes.is_empty() && def.attribute_schema.is_none()
}

/// A PutItem read by [`put_item_text`].
pub(crate) enum PutText {
    /// Done with the item read straight into its stored form: the answer.
    Stored(Result<String>),
    /// The request, with its item built, for the tree path's put.
    Request(PutItemRequest),
}

/// A PutItem of a table name, an item and the return options, or `None`.
///
/// When the put needs nothing but the item's bytes and its key (no old
/// item to return, a table that [`takes_stored_put`]), it is done here
/// with the item read straight into its stored form: no item is built,
/// checked and encoded on the way. Every check the tree path makes of such
/// a put is made with the same rules (size, then key) on what the scanner
/// learnt of the item. Otherwise it is a [`PutText::Request`]: read so at
/// once when the table or the options come before the item in the text (as
/// SDKs write them), read again from the text when they come after it or a
/// check fails (the tree path then reports the error).
pub(crate) fn put_item_text(db: &Database, text: &str) -> Option<PutText> {
    // Held until the commit, as on the tree path: no table change between.
    let catalog = db.catalog_read();
    let plain = |name: &str| catalog.get(name).is_some_and(|def| takes_stored_put(def));
    let mut m = members(text, Operation::StoredPut(&plain))?;
    let Some((bytes, found)) = m.stored.take() else {
        drop(catalog);
        return put_request(m).map(PutText::Request);
    };
    let stored = (|| {
        if !matches!(m.return_values, None | Some(ReturnValues::None)) {
            return None;
        }
        let def = resolve_table(&catalog, m.table_name.as_deref()?).ok()?;
        if !takes_stored_put(&def) || found.size() > MAX_ITEM_BYTES {
            return None;
        }
        let mut key_attributes = Item::new();
        for attribute in def.key_schema.attributes() {
            let range = found.value_range(&attribute.name)?;
            key_attributes.insert(attribute.name.clone(), decode_value(bytes.get(range)?).ok()?);
        }
        key_of_item(&def, &key_attributes).ok()
    })();
    match stored {
        Some(key) => {
            let mut batch = WriteBatch::new();
            batch.put(key, bytes);
            let answer = commit(db.tree_write(), batch).map(|()| "{}".to_string());
            drop(catalog);
            Some(PutText::Stored(answer))
        }
        None => {
            drop(catalog);
            put_item(text).map(PutText::Request)
        }
    }
}

/// A GetItem of a table name, a key, and optionally `ConsistentRead` and a
/// projection without name aliases, or `None`.
pub(crate) fn get_item(text: &str) -> Option<GetItemRequest> {
    let m = members(text, Operation::Get)?;
    Some(GetItemRequest {
        table_name: m.table_name?,
        key: m.item?,
        projection_expression: m.projection_expression,
        expressions: Expressions::default(),
        consistent_read: m.consistent_read.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::item::{parse_get_item, parse_put_item};
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Attribute values, most of them plain, some with a flaw the shortcut
    /// must decline (or, for flaws the tree decoder tolerates, decode alike).
    fn attribute() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            8 => "[a-z\"\\\\é\n\u{1}]{0,6}".prop_map(|s| json!({"S": s})),
            4 => prop_oneof![4 => Just("1"), 4 => Just("-0.50"), 4 => Just("1e3"), 1 => Just("x"), 1 => Just("1E126"), 1 => Just("")]
                .prop_map(|n| json!({"N": n})),
            2 => prop_oneof![4 => Just("AAEC"), 4 => Just(""), 1 => Just("abc"), 1 => Just("A===")].prop_map(|b| json!({"B": b})),
            2 => any::<bool>().prop_map(|b| json!({"BOOL": b})),
            2 => prop_oneof![6 => Just(true), 1 => Just(false)].prop_map(|b| json!({"NULL": b})),
            2 => proptest::collection::vec("[ab]{1,2}", 0..4).prop_map(|v| json!({"SS": v})),
            2 => proptest::collection::vec(prop_oneof![Just("1"), Just("1.0"), Just("2"), Just("z")], 0..3)
                .prop_map(|v| json!({"NS": v})),
            2 => proptest::collection::vec(prop_oneof![Just("AA=="), Just("AQ=="), Just("!!")], 0..3)
                .prop_map(|v| json!({"BS": v})),
            1 => prop_oneof![
                Just(json!({"S": "x", "N": "1"})),
                Just(json!({"S": "x", "Q": 1})),
                Just(json!({"S": null})),
                Just(json!({})),
                Just(json!({"S": 5})),
                Just(json!({"BOOL": "true"})),
                Just(Value::Null),
            ],
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"L": v})),
                proptest::collection::btree_map("[a-c]", inner, 0..4).prop_map(|m| json!({"M": m})),
            ]
        })
    }

    fn item() -> impl Strategy<Value = Value> {
        proptest::collection::btree_map("[a-d]{1,2}", attribute(), 0..4).prop_map(|m| json!(m))
    }

    fn request(body: &'static str) -> impl Strategy<Value = Value> {
        (
            prop_oneof![
                8 => Just(json!("Users")),
                1 => proptest::sample::select(vec![json!("ab"), json!("a b c"), json!(5), Value::Null]),
            ],
            item(),
            proptest::option::of(proptest::sample::select(vec![
                json!({"ReturnValues": "ALL_OLD"}),
                json!({"ReturnValues": "NONE"}),
                json!({"ReturnValues": "UPDATED_NEW"}),
                json!({"ReturnValues": "nope"}),
                json!({"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
                json!({"ReturnValuesOnConditionCheckFailure": "SOME"}),
                json!({"ReturnConsumedCapacity": "TOTAL"}),
                json!({"ReturnConsumedCapacity": "ALL"}),
                json!({"ReturnItemCollectionMetrics": "SIZE"}),
                json!({"ConsistentRead": true}),
                json!({"ConsistentRead": "yes"}),
                json!({"ProjectionExpression": "a, b"}),
                json!({"ConditionExpression": "attribute_exists(a)"}),
                json!({"Expected": {}}),
                json!({"Unknown": 1}),
            ])),
            proptest::bool::weighted(0.05),
        )
            .prop_map(move |(name, item, extra, drop_name)| {
                let mut r = json!({body: item});
                if !drop_name {
                    r["TableName"] = name;
                }
                if let Some(Value::Object(extra)) = extra {
                    for (k, v) in extra {
                        r[k.as_str()] = v;
                    }
                }
                r
            })
    }

    /// Run `check` on 3,000 generated requests with member `body`; it
    /// returns whether the shortcut took the request. Both outcomes must be
    /// common, or the comparison would test nothing.
    fn compare(body: &'static str, check: impl Fn(&Value) -> Result<bool, TestCaseError>) {
        use proptest::test_runner::{Config, TestRunner};
        let taken = std::cell::Cell::new(0u32);
        let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
        runner
            .run(&request(body), |r| {
                taken.set(taken.get() + check(&r)? as u32);
                Ok(())
            })
            .unwrap();
        assert!((150..2850).contains(&taken.get()), "the shortcut took {} of 3000", taken.get());
    }

    #[test]
    fn a_put_the_shortcut_takes_is_the_put_the_tree_decoder_gives() {
        compare("Item", |r| {
            let Some(fast) = put_item(&r.to_string()) else { return Ok(false) };
            prop_assert_eq!(Ok(fast), parse_put_item(r).map_err(|e| e.to_string()));
            Ok(true)
        });
    }

    #[test]
    fn a_get_the_shortcut_takes_is_the_get_the_tree_decoder_gives() {
        compare("Key", |r| {
            let Some(fast) = get_item(&r.to_string()) else { return Ok(false) };
            prop_assert_eq!(Ok(fast), parse_get_item(r).map_err(|e| e.to_string()));
            Ok(true)
        });
    }

    /// The answer of a put done the stored way, or `None`.
    fn put_item_stored(db: &Database, text: &str) -> Option<Result<String>> {
        match put_item_text(db, text)? {
            PutText::Stored(answer) => Some(answer),
            PutText::Request(_) => None,
        }
    }

    /// Two databases, each with table `Users` keyed by `pk` and table
    /// `Indexed` with a global index (which the stored put declines).
    fn twin_databases() -> (Database, Database) {
        let make = || {
            let db = Database::in_memory().unwrap();
            db.execute("CreateTable", &json!({"TableName": "Users",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST"})).unwrap();
            db
        };
        (make(), make())
    }

    #[test]
    fn a_put_the_stored_way_answers_and_stores_what_the_tree_way_does() {
        let (fast, tree) = twin_databases();
        let keys = [json!({"S": "k1"}), json!({"S": "k2"}), json!({"S": ""}), json!({"N": "1"}), Value::Null];
        let counter = std::cell::Cell::new(0usize);
        compare("Item", |r| {
            let mut r = r.clone();
            let i = counter.get();
            counter.set(i + 1);
            if let Some(item) = r.get_mut("Item").and_then(Value::as_object_mut) {
                match &keys[i % keys.len()] {
                    Value::Null => None,
                    key => item.insert("pk".into(), key.clone()),
                };
            }
            let text = r.to_string();
            let (answer, taken) = match put_item_stored(&fast, &text) {
                Some(answer) => (answer, true),
                None => (fast.execute_json("PutItem", &text), false),
            };
            let expected = tree.execute("PutItem", &r);
            prop_assert_eq!(
                answer.map_err(|e| (e.name(), e.to_string())),
                expected.map(|v| v.to_string()).map_err(|e| (e.name(), e.to_string()))
            );
            for key in ["k1", "k2"] {
                let get = json!({"TableName": "Users", "Key": {"pk": {"S": key}}});
                prop_assert_eq!(fast.execute("GetItem", &get).unwrap(), tree.execute("GetItem", &get).unwrap());
            }
            Ok(taken)
        });
    }

    #[test]
    fn the_stored_put_leaves_indexes_schemas_and_old_items_to_the_tree() {
        let (db, _) = twin_databases();
        db.execute("CreateTable", &json!({"TableName": "Indexed",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexes": [{"IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"})).unwrap();
        let put = |table: &str, extra: &str| {
            format!(r#"{{"TableName": "{table}", "Item": {{"pk": {{"S": "a"}}, "g": {{"S": "x"}}}}{extra}}}"#)
        };
        assert!(put_item_stored(&db, &put("Users", "")).is_some());
        assert!(put_item_stored(&db, &put("Users", r#", "ReturnValues": "NONE""#)).is_some());
        assert!(put_item_stored(&db, &put("Users", r#", "ReturnValues": "ALL_OLD""#)).is_none());
        assert!(put_item_stored(&db, &put("Indexed", "")).is_none());
        // Its table named first, the indexed put is read for the tree at once.
        let request = match put_item_text(&db, &put("Indexed", "")) {
            Some(PutText::Request(request)) => request,
            _ => panic!("an indexed put is a request for the tree"),
        };
        assert_eq!(Ok(request), parse_put_item(&serde_json::from_str(&put("Indexed", "")).unwrap()).map_err(|e| e.to_string()));
        assert!(put_item_stored(&db, &put("Missing", "")).is_none());
        // 400 KB as DynamoDB counts it is the most an item may hold.
        let sized = |bytes: usize| {
            let big = "x".repeat(bytes - "pk".len() - "a".len() - "big".len());
            format!(r#"{{"TableName": "Users", "Item": {{"pk": {{"S": "a"}}, "big": {{"S": "{big}"}}}}}}"#)
        };
        assert!(put_item_stored(&db, &sized(MAX_ITEM_BYTES)).is_some());
        assert!(put_item_stored(&db, &sized(MAX_ITEM_BYTES + 1)).is_none());
        let error = db.execute_json("PutItem", &sized(MAX_ITEM_BYTES + 1)).unwrap_err();
        assert_eq!((error.name(), error.to_string().as_str()), ("ValidationException", "Item size has exceeded the maximum allowed size"));
        // The index still gets its entry through the text door.
        db.execute_json("PutItem", &put("Indexed", "")).unwrap();
        let query = json!({"TableName": "Indexed", "IndexName": "byG", "KeyConditionExpression": "g = :g",
                           "ExpressionAttributeValues": {":g": {"S": "x"}}});
        assert_eq!(db.execute("Query", &query).unwrap()["Count"], json!(1));
    }

    #[test]
    fn the_shortcut_takes_what_sdks_send() {
        let put = json!({"TableName": "Users", "Item": {"pk": {"S": "u1"}, "n": {"N": "1.50"}},
                         "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL"});
        assert_eq!(put_item(&put.to_string()), Some(parse_put_item(&put).unwrap()));
        let get = json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConsistentRead": true,
                         "ProjectionExpression": "a, b"});
        assert_eq!(get_item(&get.to_string()), Some(parse_get_item(&get).unwrap()));
    }

    #[test]
    fn members_given_twice_or_trailing_text_decline() {
        assert!(put_item(r#"{"TableName": "Users", "Item": {}}"#).is_some());
        assert!(put_item(r#"{"TableName": "Users", "Item": {}, "TableName": "Other"}"#).is_none());
        assert!(put_item(r#"{"TableName": "Users", "Item": {}} x"#).is_none());
        assert!(put_item(r#"{"TableName": "Users"}"#).is_none());
        assert!(get_item(r#"{"TableName": "Users", "Item": {}}"#).is_none());
        assert!(put_item(r#"{"TableName": "Users", "Key": {}}"#).is_none());
    }
}
