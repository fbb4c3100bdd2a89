//! Public-API tests of DynamoDB expressions: table-driven parse errors with
//! DynamoDB's exact messages, evaluation per operator and function, update
//! application, projection, key conditions, and a no-panic property test.

use kstone_engine::expr::{
    ConditionKind, ExpressionContext, ExpressionNames, ExpressionValues, KeyAttribute, SortKeyCondition,
};
use kstone_engine::model::number::Number;
use kstone_engine::{AttributeValue as V, Item};
use proptest::prelude::*;

fn s(x: &str) -> V {
    V::S(x.to_string())
}
fn n(x: &str) -> V {
    V::N(Number::parse(x).unwrap())
}
fn ss(x: &[&str]) -> V {
    V::Ss(x.iter().map(|e| e.to_string()).collect())
}
fn ns(x: &[&str]) -> V {
    V::Ns(x.iter().map(|e| Number::parse(e).unwrap()).collect())
}
fn m(entries: &[(&str, V)]) -> V {
    V::M(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}
fn item(entries: &[(&str, V)]) -> Item {
    entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Names `#a`→a, `#b`→b, `#c`→c, `#d`→"[3]" and a spread of values.
fn standard_maps() -> (ExpressionNames, ExpressionValues) {
    let names: ExpressionNames = [("#a", "a"), ("#b", "b"), ("#c", "c"), ("#d", "[3]"), ("#s", "status")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let values: ExpressionValues = [
        (":s", s("a")),
        (":s2", s("b")),
        (":n", n("1")),
        (":n2", n("5")),
        (":b", V::B(b"ab".to_vec())),
        (":bool", V::Bool(true)),
        (":null", V::Null),
        (":ss", ss(&["x"])),
        (":ns", ns(&["1"])),
        (":l", V::L(vec![n("1")])),
        (":m", m(&[])),
        (":type", s("S")),
        (":badtype", s("1")),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    (names, values)
}

fn condition_error(text: &str) -> String {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_condition(text, ConditionKind::Filter).map(|_| ()).unwrap_err().to_string()
}

fn update_error(text: &str) -> String {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_update(text).map(|_| ()).unwrap_err().to_string()
}

fn projection_error(text: &str) -> String {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_projection(text).map(|_| ()).unwrap_err().to_string()
}

fn key_error(text: &str, range: bool) -> String {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let hash = KeyAttribute { name: "a", type_name: "S" };
    let range = range.then_some(KeyAttribute { name: "b", type_name: "N" });
    ctx.parse_key_condition(text, hash, range).map(|_| ()).unwrap_err().to_string()
}

const FILTER_ERRORS: &[(&str, &str)] = &[
    ("a > 4", "Invalid FilterExpression: Syntax error; token: \"4\", near: \"> 4\""),
    ("things are not gonna be ok", "Invalid FilterExpression: Syntax error; token: \"are\", near: \"things are not\""),
    ("attribute_exists(Pictures-RearView)", "Invalid FilterExpression: Syntax error; token: \"-\", near: \"Pictures-RearView\""),
    ("a in (:s,:n,)", "Invalid FilterExpression: Syntax error; token: \")\", near: \",)\""),
    ("a = :s AND", "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"AND\""),
    ("a = ", "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"=\""),
    ("size(a).b > a", "Invalid FilterExpression: Syntax error; token: \".\", near: \").b\""),
    ("b[:s] > a", "Invalid FilterExpression: Syntax error; token: \":s\", near: \"[:s]\""),
    ("ü > a", "Invalid FilterExpression: Syntax error; token: \"ü\", near: \"ü >\""),
    ("a == :s", "Invalid FilterExpression: Syntax error; token: \"=\", near: \"== :s\""),
    ("a = ((:s))", "Invalid FilterExpression: The expression has redundant parentheses;"),
    ("a = :s AND ((a = :s AND b = :s)) AND c = :s", "Invalid FilterExpression: The expression has redundant parentheses;"),
    ("a = :s and whatever((:s)) > a", "Invalid FilterExpression: Invalid function name; function: whatever"),
    ("attRIbute_exIsts(a)", "Invalid FilterExpression: Invalid function name; function: attRIbute_exIsts"),
    ("attribute_not_exists(a) > b", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: attribute_not_exists"),
    ("size(contains(a, b)) > a", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: contains"),
    ("size(a)", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: size"),
    ("a between b and attribute_exists(c)", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"),
    ("status = :s", "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status"),
    (":undefined < abOrT", "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: abOrT"),
    ("a.Size = :s", "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Size"),
    ("#zz = :s", "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"),
    ("a.#q[1] = :s", "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #q"),
    ("a = :zz", "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :zz"),
    ("begins_with(:zz, #a, #b)", "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :zz"),
    ("attribute_exists(a, b)", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"),
    ("attribute_type(a)", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: attribute_type, number of operands: 1"),
    ("begins_with(a, size(b), c)", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 3"),
    ("contains(a)", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1"),
    ("size(a, b) > :n", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"),
    ("a = a", "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"),
    ("#a <> a", "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: <>, first operand: [a]"),
    ("contains(x.y[1].a, x.y[1].#a)", "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [x, y, [1], a]"),
    ("attribute_type(a, :n)", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"),
    ("attribute_type(a, size(b))", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"),
    ("attribute_type(a, :badtype)", "Invalid FilterExpression: Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"),
    ("begins_with(a, :n)", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
    ("begins_with(:ss, a)", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: SS"),
    ("begins_with(a, size(a))", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"),
    ("size(size(a)) > :n", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"),
    ("size(:bool) > a", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: BOOL"),
    ("size(:null) > a", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: NULL"),
    ("attribute_exists(:s)", "Invalid FilterExpression: Operator or function requires a document path; operator or function: attribute_exists"),
    ("attribute_not_exists(size(:s))", "Invalid FilterExpression: Operator or function requires a document path; operator or function: attribute_not_exists"),
    ("a BETWEEN :n AND :s", "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"),
    ("a BETWEEN :s2 AND :s", "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"),
    ("", "Invalid FilterExpression: The expression can not be empty;"),
    ("   ", "Invalid FilterExpression: The expression can not be empty;"),
];

#[test]
fn malformed_filters_get_dynamodb_messages() {
    for (text, expected) in FILTER_ERRORS {
        assert_eq!(&condition_error(text), expected, "expression: {text}");
    }
}

#[test]
fn condition_kind_sets_the_message_prefix() {
    let mut ctx = ExpressionContext::empty();
    let err = ctx.parse_condition("a = status", ConditionKind::Condition).unwrap_err();
    assert_eq!(err.name(), "ValidationException");
    assert_eq!(
        err.to_string(),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
}

#[test]
fn expressions_are_limited_to_four_kilobytes() {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let padded = |len: usize| format!("a = :s{}", " ".repeat(len - 6));
    ctx.parse_condition(&padded(4096), ConditionKind::Filter).unwrap();
    assert_eq!(
        ctx.parse_condition(&padded(5872), ConditionKind::Filter).unwrap_err().to_string(),
        "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 5872"
    );
    let err = ctx.parse_update(&format!("REMOVE a{}", " ".repeat(4100))).unwrap_err().to_string();
    assert!(err.starts_with("Invalid UpdateExpression: Expression size has exceeded"), "{err}");
}

#[test]
fn in_lists_hold_at_most_one_hundred_operands() {
    let list = |count: usize| vec![":n"; count].join(", ");
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_condition(&format!("a IN ({})", list(100)), ConditionKind::Filter).unwrap();
    let err = ctx.parse_condition(&format!("a IN ({})", list(101)), ConditionKind::Filter).unwrap_err();
    assert!(err.to_string().contains("number of operands: 102"), "{err}");
}

const UPDATE_ERRORS: &[(&str, &str)] = &[
    ("SET = 1", "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"SET = 1\""),
    ("ADD hits : incr", "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\""),
    ("whatever", "Invalid UpdateExpression: Syntax error; token: \"whatever\", near: \"whatever\""),
    ("set a", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"a\""),
    ("set a=set", "Invalid UpdateExpression: Syntax error; token: \"set\", near: \"=set\""),
    ("remove a = b", "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"a = b\""),
    ("delete a b", "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\""),
    ("set :s = b", "Invalid UpdateExpression: Syntax error; token: \":s\", near: \"set :s =\""),
    ("set a = b / c", "Invalid UpdateExpression: Syntax error; token: \"/\", near: \"b / c\""),
    ("set a[1] = 1", "Invalid UpdateExpression: Syntax error; token: \"1\", near: \"= 1\""),
    ("set a = b + c + d", "Invalid UpdateExpression: Syntax error; token: \"+\", near: \"c + d\""),
    ("SET if_not_exists(a, b) = a", "Invalid UpdateExpression: Syntax error; token: \"(\", near: \"if_not_exists(a\""),
    ("SET a = b,", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\""),
    ("set #c = if_not_exist(:s) set c = d", "Invalid UpdateExpression: Invalid function name; function: if_not_exist"),
    ("set a = size(b)", "Invalid UpdateExpression: Invalid function name; function: size"),
    (" set #c = :s set abOrt = true ", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"),
    ("remove Absolute", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute"),
    ("set a = #zz set c = :zz", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
    ("remove #zz set a = b remove e", "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;"),
    ("add #a :n set x = y add e :n", "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update expression;"),
    ("delete #a :ss set x = y delete e :ss", "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an update expression;"),
    ("SET #zz = if_not_exists(:s)", "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"),
    ("SET a = :zz", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"),
    ("ADD a :zz", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz"),
    ("set b = list_append(:s, a), c = if_not_exists(a) add a.b :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
    ("delete a.b :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING"),
    ("add a :null", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: NULL"),
    ("add a :bool", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"),
    ("add a :b", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"),
    ("add a :m", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: MAP"),
    ("add a :l", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"),
    ("delete a :n", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"),
    ("SET a = :s, a.b = :s", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"),
    ("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]"),
    ("set #c[3].#d = a, #c[3] = a", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]"),
    ("SET a = :s REMOVE a", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"),
    ("set #c[3].#d = a, #c.#d[3] = if_not_exists(a)", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]"),
    ("remove a.#c set a[1] = #d", "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]"),
    ("set a = if_not_exists(c)", "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1"),
    ("set a = list_append(c)", "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"),
    ("set a = if_not_exists(:s, c)", "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"),
    ("set a = if_not_exists(if_not_exists(a, b), c)", "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"),
    ("set a = list_append(:s, a)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"),
    ("set a = list_append(a, :n)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"),
    ("set a = list_append(:m, a)", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: M"),
    ("set a = a + :s", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"),
    ("set a = :b + a", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: B"),
    ("set a = a - :ss", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: SS"),
    ("set a = a - :l", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: L"),
    ("", "Invalid UpdateExpression: The expression can not be empty;"),
];

#[test]
fn malformed_updates_get_dynamodb_messages() {
    for (text, expected) in UPDATE_ERRORS {
        assert_eq!(&update_error(text), expected, "expression: {text}");
    }
}

const PROJECTION_ERRORS: &[(&str, &str)] = &[
    ("whatever(stuff)", "Invalid ProjectionExpression: Syntax error; token: \"(\", near: \"whatever(stuff\""),
    (":s", "Invalid ProjectionExpression: Syntax error; token: \":s\", near: \":s\""),
    ("a,,b", "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",,b\""),
    ("a..b", "Invalid ProjectionExpression: Syntax error; token: \".\", near: \"..b\""),
    ("a[b]", "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"[b]\""),
    ("(a)", "Invalid ProjectionExpression: Syntax error; token: \"(\", near: \"(a\""),
    ("a-b", "Invalid ProjectionExpression: Syntax error; token: \"-\", near: \"a-b\""),
    ("a.abORt", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: abORt"),
    ("#a,ABSoLUTE", "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: ABSoLUTE"),
    ("a,b,a,#zz", "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz"),
    ("b[1], b.a, #a.b, a", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"),
    ("a, #a[1]", "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, [1]]"),
    ("a.b, #a[1], #b", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"),
    ("a[3].b, #a.#d.b", "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [3], b], path two: [a, [3], b]"),
    ("", "Invalid ProjectionExpression: The expression can not be empty;"),
];

#[test]
fn malformed_projections_get_dynamodb_messages() {
    for (text, expected) in PROJECTION_ERRORS {
        assert_eq!(&projection_error(text), expected, "expression: {text}");
    }
}

const KEY_ERRORS: &[(&str, bool, &str)] = &[
    ("a > 4", true, "Invalid KeyConditionExpression: Syntax error; token: \"4\", near: \"> 4\""),
    ("", true, "Invalid KeyConditionExpression: The expression can not be empty;"),
    ("attribute_type(a, :type)", true, "Invalid operator used in KeyConditionExpression: attribute_type"),
    ("attribute_type(a, :n)", true, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"),
    ("a > b and size(b) > c or a > c", true, "Invalid operator used in KeyConditionExpression: OR"),
    ("a in (b, size(c), d)", true, "Invalid operator used in KeyConditionExpression: IN"),
    ("attribute_exists(a)", true, "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("contains(a.d, b)", true, "Invalid operator used in KeyConditionExpression: contains"),
    ("not a > b", true, "Invalid operator used in KeyConditionExpression: NOT"),
    ("a <> b", true, "Invalid operator used in KeyConditionExpression: <>"),
    (":s between size(b) and size(a) and b > :n", true, "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"),
    ("begins_with(:s, b) and a > :n", true, "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"),
    ("size(b) > a AND a.b > b AND b > c", true, "KeyConditionExpressions cannot contain nested operations"),
    ("a > size(b.d)", true, "KeyConditionExpressions cannot contain nested operations"),
    ("b > a.b", true, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("a between b and size(a)", true, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("begins_with(a, b)", true, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
    ("b.d > a AND c.d > e.f", true, "KeyConditionExpressions cannot have conditions on nested attributes"),
    ("b[0] > a", true, "KeyConditionExpressions cannot have conditions on nested attributes"),
    (":n2 > :n AND a < :n2", true, "Invalid condition in KeyConditionExpression: No key attribute specified"),
    ("b > :n AND b < :n and c = :n and d = :n", true, "KeyConditionExpressions must only contain one condition per key"),
    (":s = a and b = :s and :s = c", true, "Conditions can be of length 1 or 2 only"),
    ("a between :n2 and :n", true, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"),
    (":n > a", false, "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("a > :s", false, "Query key condition not supported"),
    ("begins_with(a, :s)", false, "Query key condition not supported"),
    ("a = :s AND b = :n", false, "Query key condition not supported"),
    ("y = :s and z = :s", false, "Query key condition not supported"),
    ("z = :s", true, "Query condition missed key schema element: a"),
    ("a = :s and c = :n", true, "Query condition missed key schema element: b"),
];

#[test]
fn malformed_key_conditions_get_dynamodb_messages() {
    for (text, range, expected) in KEY_ERRORS {
        assert_eq!(&key_error(text, *range), expected, "expression: {text}");
    }
}

#[test]
fn key_conditions_become_typed_ranges() {
    let values: ExpressionValues =
        [(":p".to_string(), s("user")), (":lo".to_string(), n("1")), (":hi".to_string(), n("9"))].into();
    let names: ExpressionNames = [("#pk".to_string(), "pk".to_string())].into();
    let hash = KeyAttribute { name: "pk", type_name: "S" };
    let range = Some(KeyAttribute { name: "sk", type_name: "N" });
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let kc = ctx.parse_key_condition("#pk = :p AND sk BETWEEN :lo AND :hi", hash, range).unwrap();
    ctx.finish().unwrap();
    assert_eq!(kc.partition, s("user"));
    assert_eq!(kc.sort, Some(SortKeyCondition::Between(n("1"), n("9"))));
    let sort = kc.sort.unwrap();
    assert!(sort.matches(&n("1")) && sort.matches(&n("9")) && !sort.matches(&n("10")));

    let mut ctx = ExpressionContext::new(None, Some(&values)).unwrap();
    let kc = ctx.parse_key_condition(":lo <= sk AND pk = :p", hash, range).unwrap();
    assert_eq!(kc.sort, Some(SortKeyCondition::Ge(n("1"))));
    let kc = ctx.parse_key_condition("(pk = :p)", hash, range).unwrap();
    assert_eq!(kc.sort, None);
}

fn eval(text: &str, item: &Item) -> bool {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_condition(text, ConditionKind::Condition).unwrap().evaluate(item)
}

#[test]
fn conditions_follow_dynamodb_semantics() {
    let it = item(&[
        ("a", s("a")),
        ("num", n("3")),
        ("bin", V::B(b"abc".to_vec())),
        ("tags", ss(&["x", "y"])),
        ("nums", ns(&["1", "2"])),
        ("lst", V::L(vec![s("a"), n("1")])),
        ("mp", m(&[("inr", m(&[("deep", n("5"))])), ("l", V::L(vec![n("1"), n("2")]))])),
        ("flag", V::Bool(true)),
        ("nil", V::Null),
    ]);
    let cases: &[(&str, bool)] = &[
        ("a = :s", true),
        ("a <> :s", false),
        ("a = :n", false),
        ("a <> :n", true),
        ("absent = :s", false),
        ("absent <> :s", true),
        ("num > :n", true),
        ("num >= :n2", false),
        ("num < :n2", true),
        ("num <= :n", false),
        ("a < :s2", true),
        ("a < :n", false),
        ("a > :n", false),
        ("num BETWEEN :n AND :n2", true),
        ("a BETWEEN :s AND :s2", true),
        ("absent BETWEEN :n AND :n2", false),
        ("num IN (:n, :n2)", false),
        ("a IN (:n, :s)", true),
        ("attribute_exists(mp.inr.deep)", true),
        ("attribute_exists(mp.inr.nope)", false),
        ("attribute_not_exists(mp.l[5])", true),
        ("attribute_exists(mp.l[1])", true),
        ("attribute_exists(a.b)", false),
        ("attribute_type(a, :type)", true),
        ("attribute_type(num, :type)", false),
        ("begins_with(a, :s)", true),
        ("begins_with(a, :s2)", false),
        ("begins_with(bin, :b)", true),
        ("contains(a, :s)", true),
        ("contains(tags, :s)", false),
        ("contains(nums, :n)", true),
        ("contains(lst, :n)", true),
        ("contains(bin, :b)", true),
        ("size(a) = :n", true),
        ("size(tags) > :n", true),
        ("size(mp) < :n2", true),
        ("size(num) = :n", false),
        ("size(absent) <> :n", true),
        ("mp.inr.deep = :n2", true),
        ("mp.l[0] = :n", true),
        ("flag = :bool", true),
        ("nil = :null", true),
        ("NOT a = :s", false),
        ("a = :n OR num = :n OR flag = :bool", true),
        ("a = :s AND num = :n", false),
        ("NOT a = :n AND num > :n", true),
        ("a = :n AND num = :n OR flag = :bool", true),
        ("a = :n AND (num = :n OR flag = :bool)", false),
        ("(a) = (:s)", true),
        ("((a = :s) OR (a = :n))", true),
    ];
    for (text, expected) in cases {
        assert_eq!(eval(text, &it), *expected, "condition: {text}");
    }
}

fn apply(text: &str, before: &Item) -> Result<Item, String> {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let update = ctx.parse_update(text).map_err(|e| e.to_string())?;
    update.apply(before).map(|(after, _)| after).map_err(|e| e.to_string())
}

#[test]
fn updates_apply_like_dynamodb() {
    let before = item(&[
        ("a", s("a")),
        ("num", n("3")),
        ("tags", ss(&["x", "y"])),
        ("nums", ns(&["1", "2"])),
        ("lst", V::L(vec![n("0"), n("1"), n("2"), n("3")])),
        ("mp", m(&[("k", s("v"))])),
    ]);
    let cases: &[(&str, &[(&str, V)])] = &[
        ("SET num = num + :n", &[("num", n("4"))]),
        ("SET num = num - :n2", &[("num", n("-2"))]),
        ("SET fresh = if_not_exists(fresh, :n), a = if_not_exists(a, :s2)", &[("fresh", n("1")), ("a", s("a"))]),
        ("SET lst = list_append(lst, :l)", &[("lst", V::L(vec![n("0"), n("1"), n("2"), n("3"), n("1")]))]),
        ("SET lst = list_append(:l, lst)", &[("lst", V::L(vec![n("1"), n("0"), n("1"), n("2"), n("3")]))]),
        ("SET lst[1] = :s", &[("lst", V::L(vec![n("0"), s("a"), n("2"), n("3")]))]),
        ("SET lst[10] = :s", &[("lst", V::L(vec![n("0"), n("1"), n("2"), n("3"), s("a")]))]),
        ("SET mp.k2 = :n", &[("mp", m(&[("k", s("v")), ("k2", n("1"))]))]),
        ("SET dup = a, a = num", &[("dup", s("a")), ("a", n("3"))]),
        ("REMOVE lst[1], lst[3]", &[("lst", V::L(vec![n("0"), n("2")]))]),
        ("REMOVE lst[9], mp.nope, nope", &[]),
        ("ADD num :n2", &[("num", n("8"))]),
        ("ADD hits :n", &[("hits", n("1"))]),
        ("ADD tags :ss", &[("tags", ss(&["x", "y"]))]),
        ("ADD nums :ns", &[("nums", ns(&["1", "2"]))]),
        ("ADD newset :ss", &[("newset", ss(&["x"]))]),
        ("DELETE nums :ns", &[("nums", ns(&["2"]))]),
        ("DELETE nope :ns", &[]),
    ];
    for (text, changes) in cases {
        let mut expected = before.clone();
        for (k, v) in changes.iter() {
            expected.insert(k.to_string(), v.clone());
        }
        assert_eq!(apply(text, &before).unwrap(), expected, "update: {text}");
    }
    let after = apply("REMOVE a, mp.k DELETE tags :ss", &before).unwrap();
    assert!(!after.contains_key("a"));
    assert_eq!(after["mp"], m(&[]));
    assert_eq!(after["tags"], ss(&["y"]));
    let one = item(&[("tags", ss(&["x"]))]);
    assert!(!apply("DELETE tags :ss", &one).unwrap().contains_key("tags"));
}

#[test]
fn update_runtime_errors_match_dynamodb() {
    let before = item(&[("a", s("a")), ("num", n("3")), ("nums", ns(&["1"])), ("mp", m(&[]))]);
    let absent = "The provided expression refers to an attribute that does not exist in the item";
    let bad_type = "An operand in the update expression has an incorrect data type";
    let bad_path = "The document path provided in the update expression is invalid for update";
    let cases: &[(&str, &str)] = &[
        ("SET x = nope", absent),
        ("SET x = list_append(nope, :l)", absent),
        ("SET x = a + :n", bad_type),
        ("SET x = list_append(a, :l)", bad_type),
        ("ADD a :n", bad_type),
        ("ADD nums :ss", bad_type),
        ("DELETE a :ss", bad_type),
        ("DELETE nums :ss", bad_type),
        ("SET nope.x = :s", bad_path),
        ("SET a.x = :s", bad_path),
        ("SET mp[0] = :s", bad_path),
        ("REMOVE nope.x", bad_path),
        ("ADD nope.x :n", bad_path),
        ("DELETE mp[1] :ss", bad_path),
    ];
    for (text, expected) in cases {
        assert_eq!(apply(text, &before).unwrap_err(), *expected, "update: {text}");
    }
}

#[test]
fn updated_paths_project_old_and_new_values() {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let update = ctx.parse_update("SET mp.k = :n, num = :n2 REMOVE gone").unwrap();
    let before = item(&[("mp", m(&[("k", s("v")), ("o2", s("o"))])), ("num", n("1")), ("gone", s("g"))]);
    let (after, updated) = update.apply(&before).unwrap();
    assert_eq!(updated.project(&before), item(&[("mp", m(&[("k", s("v"))])), ("num", n("1")), ("gone", s("g"))]));
    assert_eq!(updated.project(&after), item(&[("mp", m(&[("k", n("1"))])), ("num", n("5"))]));
}

#[test]
fn projections_keep_nested_structure() {
    let it = item(&[
        ("a", s("a")),
        ("b", m(&[("c", n("1")), ("d", n("2"))])),
        ("l", V::L(vec![n("0"), m(&[("x", n("1")), ("y", n("2"))]), n("2"), n("3")])),
    ]);
    let mut ctx = ExpressionContext::empty();
    let p = ctx.parse_projection("b.c, l[3], l[1].y, absent, b.nope, l[9]").unwrap();
    assert_eq!(
        p.apply(&it),
        item(&[("b", m(&[("c", n("1"))])), ("l", V::L(vec![m(&[("y", n("2"))]), n("3")]))])
    );
    let p = ctx.parse_projection("a").unwrap();
    assert_eq!(p.apply(&it), item(&[("a", s("a"))]));
}

#[test]
fn unused_names_and_values_are_reported_across_expressions() {
    let (names, values) = standard_maps();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    ctx.parse_condition("#a = :s", ConditionKind::Condition).unwrap();
    ctx.parse_update("SET #b = :n REMOVE #c, #d, #s").unwrap();
    let err = ctx.finish().unwrap_err().to_string();
    assert!(err.starts_with("Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :badtype"), "{err}");

    let names: ExpressionNames = [("#x".to_string(), "x".to_string())].into();
    let ctx = ExpressionContext::new(Some(&names), None).unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().to_string(),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"
    );
}

#[test]
fn aliases_reach_reserved_and_odd_names() {
    let names: ExpressionNames =
        [("#s".to_string(), "status".to_string()), ("#dot".to_string(), "a.b".to_string())].into();
    let values: ExpressionValues = [(":v".to_string(), s("on"))].into();
    let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
    let cond = ctx.parse_condition("#s = :v AND attribute_not_exists(#dot)", ConditionKind::Condition).unwrap();
    ctx.finish().unwrap();
    assert!(cond.evaluate(&item(&[("status", s("on")), ("a", m(&[("b", s("x"))]))])));
    assert!(!cond.evaluate(&item(&[("status", s("on")), ("a.b", s("x"))])));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_never_panics(text in "[ a-z#:()\\[\\].,=<>0-9_+-]{0,40}") {
        let (names, values) = standard_maps();
        let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
        let it = item(&[("a", s("a")), ("b", V::L(vec![n("1")]))]);
        if let Ok(c) = ctx.parse_condition(&text, ConditionKind::Filter) {
            c.evaluate(&it);
        }
        if let Ok(u) = ctx.parse_update(&text) {
            let _ = u.apply(&it);
        }
        if let Ok(p) = ctx.parse_projection(&text) {
            p.apply(&it);
        }
        let _ = ctx.parse_key_condition(&text, KeyAttribute { name: "a", type_name: "S" }, None);
    }

    #[test]
    fn keyword_soup_never_panics(words in proptest::collection::vec(
        prop_oneof![
            Just("a"), Just("#a"), Just(":s"), Just(":n"), Just("AND"), Just("OR"), Just("NOT"),
            Just("BETWEEN"), Just("IN"), Just("("), Just(")"), Just(","), Just("="), Just("<"),
            Just("size"), Just("contains"), Just("SET"), Just("REMOVE"), Just("ADD"), Just("DELETE"),
            Just("+"), Just("list_append"), Just("if_not_exists"), Just("[1]"), Just(".b"),
        ],
        0..16,
    )) {
        let text = words.join(" ");
        let (names, values) = standard_maps();
        let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
        let it = item(&[("a", n("1"))]);
        if let Ok(c) = ctx.parse_condition(&text, ConditionKind::Filter) {
            c.evaluate(&it);
        }
        if let Ok(u) = ctx.parse_update(&text) {
            let _ = u.apply(&it);
        }
    }
}

/// Well-formed condition text over attributes `a`, `n` and `l`, built from
/// the grammar, so the property below exercises the evaluator, not just
/// the error paths.
fn condition_text() -> impl Strategy<Value = String> {
    let operand = prop_oneof![
        Just("a".to_string()),
        Just("n".to_string()),
        Just("l[0]".to_string()),
        Just("#a".to_string()),
        Just(":s".to_string()),
        Just(":n".to_string()),
        Just("size(a)".to_string()),
    ];
    let leaf = prop_oneof![
        (operand.clone(), prop_oneof![Just("="), Just("<>"), Just("<"), Just("<="), Just(">"), Just(">=")], operand.clone())
            .prop_map(|(x, op, y)| format!("{x} {op} {y}")),
        operand.clone().prop_map(|x| format!("{x} BETWEEN :n AND :n2")),
        (operand.clone(), operand.clone()).prop_map(|(x, y)| format!("{x} IN ({y}, :s)")),
        Just("attribute_exists(l[1])".to_string()),
        Just("attribute_not_exists(zz)".to_string()),
        Just("begins_with(a, :s)".to_string()),
        Just("contains(l, :n)".to_string()),
        Just("attribute_type(n, :type)".to_string()),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("{x} AND {y}")),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("{x} OR {y}")),
            inner.clone().prop_map(|x| format!("NOT ({x})")),
            inner.prop_map(|x| format!("({x})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_conditions_parse_and_negate_consistently(text in condition_text()) {
        let (names, values) = standard_maps();
        let mut ctx = ExpressionContext::new(Some(&names), Some(&values)).unwrap();
        let parsed = ctx.parse_condition(&text, ConditionKind::Filter);
        // Generated text may still repeat an operand (`a = a`) or wrap twice
        // (`((x))`); those are DynamoDB errors. Everything else must parse.
        match parsed {
            Ok(condition) => {
                let negated = ctx.parse_condition(&format!("NOT ({text})"), ConditionKind::Filter);
                let it = item(&[("a", s("a")), ("n", n("3")), ("l", V::L(vec![n("1"), s("b")]))]);
                if let Ok(negated) = negated {
                    prop_assert_eq!(negated.evaluate(&it), !condition.evaluate(&it));
                }
                prop_assert_eq!(condition.evaluate(&Item::new()), condition.evaluate(&Item::new()));
            }
            Err(err) => {
                let message = err.to_string();
                prop_assert!(
                    message.contains("distinct") || message.contains("redundant parentheses"),
                    "unexpected error for {}: {}", text, message
                );
            }
        }
    }
}
