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
use crate::model::json_text::Scanner;
use crate::model::request::{Expressions, GetItemRequest, PutItemRequest, ReturnValues};
use crate::model::value::Item;

/// The members a shortcut request may have.
#[derive(Default)]
struct Members {
    table_name: Option<String>,
    item: Option<Item>,
    return_values: Option<ReturnValues>,
    return_old_on_condition_failure: Option<bool>,
    consistent_read: Option<bool>,
    projection_expression: Option<String>,
    /// `ReturnConsumedCapacity` / `ReturnItemCollectionMetrics`: checked,
    /// then without effect (capacity is not metered).
    consumed_capacity: Option<()>,
    collection_metrics: Option<()>,
}

#[derive(Clone, Copy, PartialEq)]
enum Operation {
    Put,
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
fn member(s: &mut Scanner<'_>, m: &mut Members, name: &str, operation: Operation) -> Option<()> {
    let put = operation == Operation::Put;
    match name {
        "TableName" => once(&mut m.table_name, s.string()?.into_owned()),
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
fn members(text: &str, operation: Operation) -> Option<Members> {
    let mut s = Scanner::new(text);
    let mut m = Members::default();
    s.members(|s, name| member(s, &mut m, &name, operation))?;
    s.end()?;
    let name = m.table_name.as_deref()?;
    if check_table_name_length(name).is_err() || !is_resource_name(name) || m.item.is_none() {
        return None;
    }
    Some(m)
}

/// A PutItem of a table name, an item and the return options, or `None`.
pub(crate) fn put_item(text: &str) -> Option<PutItemRequest> {
    let m = members(text, Operation::Put)?;
    Some(PutItemRequest {
        table_name: m.table_name?,
        item: m.item?,
        condition_expression: None,
        expressions: Expressions::default(),
        return_values: m.return_values.unwrap_or_default(),
        return_old_on_condition_failure: m.return_old_on_condition_failure.unwrap_or(false),
    })
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
