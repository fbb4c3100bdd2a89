//! Table-driven DynamoDB error behaviours: each case is one request in
//! DynamoDB JSON and the exception (name, and the message or its leading
//! part) it must raise. After every case the stored data must be exactly as
//! before: a rejected request never writes.

use kstone_engine::Database;
use serde_json::{json, Value};

fn setup() -> Database {
    let db = Database::in_memory().unwrap();
    for req in [
        json!({"TableName": "Users", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}),
        json!({"TableName": "Events", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            "BillingMode": "PAY_PER_REQUEST"}),
    ] {
        db.execute("CreateTable", &req).unwrap();
    }
    db.execute("PutItem", &json!({"TableName": "Users", "Item": {"pk": {"S": "u1"}, "n": {"N": "1"}, "s": {"S": "x"}}})).unwrap();
    db.execute("PutItem", &json!({"TableName": "Events", "Item": {"pk": {"S": "e"}, "sk": {"N": "1"}, "n": {"N": "5"}}})).unwrap();
    db
}

/// Everything a client can observe: the tables and every item.
fn snapshot(db: &Database) -> Value {
    let mut out = json!({"Tables": db.execute("ListTables", &json!({})).unwrap()});
    for t in ["Users", "Events"] {
        out[t] = db.execute("Scan", &json!({"TableName": t})).unwrap()["Items"].clone();
    }
    out
}

fn with(base: &Value, extra: Value) -> Value {
    let mut r = base.clone();
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            r.as_object_mut().unwrap().remove(k);
        } else {
            r[k] = v.clone();
        }
    }
    r
}

/// Requests that would succeed on `Users`, one per single-table operation.
fn base_requests() -> Vec<(&'static str, Value, bool)> {
    // (operation, request, true if a missing table is reported with the table name)
    vec![
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "new"}}}), false),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}}), false),
        ("DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "zz"}}}), false),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "zz"}}, "UpdateExpression": "SET a = :a",
            "ExpressionAttributeValues": {":a": {"S": "v"}}}), false),
        ("Query", json!({"TableName": "Users", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "u1"}}}), false),
        ("Scan", json!({"TableName": "Users"}), false),
        ("DescribeTable", json!({"TableName": "Users"}), true),
        ("DeleteTable", json!({"TableName": "Users"}), true),
        ("UpdateTable", json!({"TableName": "Users", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}), true),
    ]
}

fn cases() -> Vec<(&'static str, Value, &'static str, String)> {
    let v = "ValidationException";
    let s = "SerializationException";
    let mut cases: Vec<(&'static str, Value, &'static str, String)> = Vec::new();

    // Generic table-name and shape faults, for every single-table operation.
    for (op, base, named) in base_requests() {
        cases.push((op, with(&base, json!({"TableName": null})), v,
            "The parameter 'TableName' is required but was not present in the request".into()));
        cases.push((op, with(&base, json!({"TableName": "ab"})), v,
            "TableName must be at least 3 characters long and at most 255 characters long".into()));
        cases.push((op, with(&base, json!({"TableName": "x".repeat(256)})), v,
            "TableName must be at least 3 characters long and at most 255 characters long".into()));
        cases.push((op, with(&base, json!({"TableName": 5})), s, "NUMBER_VALUE cannot be converted to String".into()));
        cases.push((op, with(&base, json!({"TableName": true})), s, "TRUE_VALUE cannot be converted to String".into()));
        cases.push((op, with(&base, json!({"TableName": ["Users"]})), s,
            "Unrecognized collection type class java.lang.String".into()));
        cases.push((op, with(&base, json!({"TableName": "bad name!"})), v,
            "1 validation error detected: Value 'bad name!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+".into()));
        let missing = if named { "Requested resource not found: Table: Nope not found" } else { "Requested resource not found" };
        cases.push((op, with(&base, json!({"TableName": "Nope"})), "ResourceNotFoundException", missing.into()));
        cases.push((op, json!([]), s, "Start of structure or map found where not expected".into()));
    }
    for op in ["BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems", "ListTables", "CreateTable"] {
        cases.push((op, json!("text"), s, "Start of structure or map found where not expected".into()));
    }

    let users_put = json!({"TableName": "Users", "Item": {"pk": {"S": "new"}}});
    let specific: Vec<(&'static str, Value, &'static str, &str)> = vec![
        // PutItem
        ("PutItem", json!({"TableName": "Users", "Item": {"id": {"S": "x"}}}), v, "One or more parameter values were invalid: Missing the key pk in the item"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"N": "1"}}}), v, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": ""}}}), v,
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "k".repeat(2049)}}}), v,
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"),
        ("PutItem", json!({"TableName": "Events", "Item": {"pk": {"S": "e"}, "sk": {"S": "1"}}}), v,
            "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"),
        ("PutItem", with(&users_put, json!({"ReturnValues": "ALL_NEW"})), v, "ReturnValues can only be ALL_OLD or NONE"),
        ("PutItem", with(&users_put, json!({"ReturnValues": "UPDATED_OLD"})), v, "ReturnValues can only be ALL_OLD or NONE"),
        ("PutItem", with(&users_put, json!({"ReturnValues": "BOGUS"})), v,
            "1 validation error detected: Value 'BOGUS' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"),
        ("PutItem", with(&users_put, json!({"ReturnConsumedCapacity": "ALL"})), v,
            "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"),
        ("PutItem", with(&users_put, json!({"ReturnValuesOnConditionCheckFailure": "ALL_NEW"})), v,
            "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"),
        ("PutItem", json!({"TableName": "Users"}), v, "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"N": "abc"}}}), v, "The parameter cannot be converted to a numeric value"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"S": 5}}}), s, ""),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {}}}), v, "Supplied AttributeValue is empty"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"SS": []}}}), v, "One or more parameter values were invalid"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"NULL": false}}}), v, "One or more parameter values were invalid: Null attribute value types must have the value of true"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "n": {"S": "a", "N": "1"}}}), v, "Supplied AttributeValue has more than one datatypes set"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "a"}, "big": {"S": "x".repeat(410_000)}}}), v, "Item size has exceeded the maximum allowed size"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "attribute_not_exists("})), v, "Invalid ConditionExpression: Syntax error"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "attribute_not_exists(pk)", "ExpressionAttributeValues": {":x": {"S": "a"}}})), v,
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "attribute_not_exists(#p)", "ExpressionAttributeNames": {"#p": "pk", "#q": "q"}})), v,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#q}"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "s = :missing"})), v, "Invalid ConditionExpression: An expression attribute value used in expression is not defined"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "name = :v", "ExpressionAttributeValues": {":v": {"S": "a"}}})), v,
            "Invalid ConditionExpression: Attribute name is a reserved keyword"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "", })), v, "Invalid ConditionExpression: The expression can not be empty;"),
        ("PutItem", with(&users_put, json!({"ExpressionAttributeNames": {"#a": "a"}})), v, "ExpressionAttributeNames can only be specified when using expressions"),
        ("PutItem", with(&users_put, json!({"ExpressionAttributeValues": {":a": {"S": "a"}}})), v,
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
        ("PutItem", with(&users_put, json!({"ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": {}})), v, "ExpressionAttributeValues must not be empty"),
        ("PutItem", with(&users_put, json!({"Expected": {"pk": {"Exists": false}}})), v, "The legacy parameter Expected is not supported by KeystoneDB"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "u1"}}, "ConditionExpression": "attribute_not_exists(pk)"}),
            "ConditionalCheckFailedException", "The conditional request failed"),
        ("PutItem", json!({"TableName": "Users", "Item": {"pk": {"S": "u1"}}, "ConditionExpression": "n > :z", "ExpressionAttributeValues": {":z": {"N": "5"}}}),
            "ConditionalCheckFailedException", "The conditional request failed"),
        // GetItem
        ("GetItem", json!({"TableName": "Users", "Key": {"id": {"S": "u1"}}}), v, "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}, "x": {"S": "y"}}}), v, "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"N": "1"}}}), v, "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Events", "Key": {"pk": {"S": "e"}}}), v, "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": ""}}}), v,
            "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
        ("GetItem", json!({"TableName": "Users"}), v, "1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ProjectionExpression": "a,,b"}), v, "Invalid ProjectionExpression: Syntax error"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConsistentRead": "maybe"}), s, "Unexpected token received from parser"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConsistentRead": 1}), s, "NUMBER_VALUE cannot be converted to Boolean"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "AttributesToGet": ["n"]}), v, "The legacy parameter AttributesToGet"),
        ("GetItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ProjectionExpression": "n", "ExpressionAttributeNames": {"#x": "x"}}), v,
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"),
        // DeleteItem
        ("DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ReturnValues": "ALL_NEW"}), v, "ReturnValues can only be ALL_OLD or NONE"),
        ("DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConditionExpression": "n = :z", "ExpressionAttributeValues": {":z": {"N": "0"}}}),
            "ConditionalCheckFailedException", "The conditional request failed"),
        ("DeleteItem", json!({"TableName": "Events", "Key": {"pk": {"S": "e"}, "sk": {"S": "1"}}}), v, "The provided key element does not match the schema"),
        ("DeleteItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ExpressionAttributeValues": {":a": {"S": "a"}}}), v,
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
        // UpdateItem
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}), v,
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "REMOVE pk"}), v,
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET pk.a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}), v,
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET = 1"}), v, "Invalid UpdateExpression: Syntax error"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET n = n + :s", "ExpressionAttributeValues": {":s": {"S": "x"}}}), v,
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET a = :a, a = :a", "ExpressionAttributeValues": {":a": {"S": "x"}}}), v,
            "Invalid UpdateExpression: Two document paths overlap with each other"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET a = :a", "ConditionExpression": "n = :z",
            "ExpressionAttributeValues": {":a": {"S": "x"}, ":z": {"N": "9"}}}), "ConditionalCheckFailedException", "The conditional request failed"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"S": "x"}, ":b": {"S": "y"}}}), v,
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "AttributeUpdates": {"a": {"Action": "DELETE"}}}), v, "The legacy parameter AttributeUpdates"),
        ("UpdateItem", json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET big = :b", "ExpressionAttributeValues": {":b": {"S": "x".repeat(410_000)}}}), v,
            "Item size to update has exceeded the maximum allowed size"),
        // Query
        ("Query", json!({"TableName": "Events"}), v, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "n = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}}), v, ""),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p OR sk = :s", "ExpressionAttributeValues": {":p": {"S": "e"}, ":s": {"N": "1"}}}), v, ""),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}}), v, ""),
        ("Query", json!({"TableName": "Users", "KeyConditionExpression": "pk = :p AND sk > :s", "ExpressionAttributeValues": {":p": {"S": "e"}, ":s": {"N": "1"}}}), v, ""),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Limit": 0}), v,
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Select": "SOME"}), v,
            "1 validation error detected: Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Select": "COUNT", "ProjectionExpression": "n"}), v,
            "One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get COUNT"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "n"}), v,
            "One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Select": "SPECIFIC_ATTRIBUTES"}), v,
            "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires a ProjectionExpression"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "IndexName": "nope"}), v,
            "The table does not have the specified index: nope"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}},
            "ExclusiveStartKey": {"pk": {"S": "other"}, "sk": {"N": "1"}}}), v, "The provided starting key is outside query boundaries based on provided conditions"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p AND sk > :s", "ExpressionAttributeValues": {":p": {"S": "e"}, ":s": {"N": "5"}},
            "ExclusiveStartKey": {"pk": {"S": "e"}, "sk": {"N": "1"}}}), v, "The provided starting key does not match the range key predicate"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}},
            "ExclusiveStartKey": {"pk": {"S": "e"}}}), v, "The provided starting key is invalid"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "FilterExpression": "sk > :s", "ExpressionAttributeValues": {":p": {"S": "e"}, ":s": {"N": "1"}}}), v,
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "ScanIndexForward": "sideways"}), s,
            "Unexpected token received from parser"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "KeyConditions": {}}), v,
            "The legacy parameter KeyConditions"),
        ("Query", json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "e"}}, "Limit": "5"}), s,
            "STRING_VALUE cannot be converted to Long"),
        // Scan
        ("Scan", json!({"TableName": "Events", "Segment": 1}), v,
            "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"),
        ("Scan", json!({"TableName": "Events", "TotalSegments": 2}), v,
            "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"),
        ("Scan", json!({"TableName": "Events", "Segment": 2, "TotalSegments": 2}), v,
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2"),
        ("Scan", json!({"TableName": "Events", "Segment": 0, "TotalSegments": 0}), v,
            "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("Scan", json!({"TableName": "Events", "Segment": -1, "TotalSegments": 2}), v,
            "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0"),
        ("Scan", json!({"TableName": "Events", "Segment": 0, "TotalSegments": 1000001}), v,
            "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"),
        ("Scan", json!({"TableName": "Events", "FilterExpression": "n >"}), v, "Invalid FilterExpression: Syntax error"),
        ("Scan", json!({"TableName": "Events", "ScanFilter": {}}), v, "The legacy parameter ScanFilter"),
        ("Scan", json!({"TableName": "Events", "ExclusiveStartKey": {"pk": {"S": "e"}}}), v, "The provided starting key is invalid"),
        ("Scan", json!({"TableName": "Events", "ExpressionAttributeValues": {":a": {"S": "a"}}}), v,
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null"),
        // BatchWriteItem
        ("BatchWriteItem", json!({"RequestItems": {"Users": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}, {"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}}), v,
            "Provided list of item keys contains duplicates"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}}), v,
            "Provided list of item keys contains duplicates"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": [{"PutRequest": {"Item": {"id": {"S": "a"}}}}]}}), v, "The provided key element does not match the schema"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}, "DeleteRequest": {"Key": {"pk": {"S": "b"}}}}]}}), v,
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
        ("BatchWriteItem", json!({"RequestItems": {}}), v,
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("BatchWriteItem", json!({}), v, "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null"),
        ("BatchWriteItem", json!({"RequestItems": {"Nope": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}}), "ResourceNotFoundException", "Requested resource not found"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}], "Events": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}}), v,
            "The provided key element does not match the schema"),
        ("BatchWriteItem", json!({"RequestItems": {"Users": {}}}), s, "Start of structure or map found where not expected"),
        // BatchGetItem
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": [{"pk": {"S": "u1"}}, {"pk": {"S": "u1"}}]}}}), v, "Provided list of item keys contains duplicates"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": (0..101).map(|i| json!({"pk": {"S": format!("k{i}")}})).collect::<Vec<_>>()}}}), v,
            "1 validation error detected: Value null at 'requestItems.Users.member.keys' failed to satisfy constraint: Member must have length less than or equal to 100"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": (0..60).map(|i| json!({"pk": {"S": format!("k{i}")}})).collect::<Vec<_>>()},
            "Events": {"Keys": (0..60).map(|i| json!({"pk": {"S": "e"}, "sk": {"N": i.to_string()}})).collect::<Vec<_>>()}}}), v,
            "Too many items requested for the BatchGetItem call"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": []}}}), v,
            "1 validation error detected: Value '[]' at 'requestItems.Users.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {}}}), v,
            "1 validation error detected: Value null at 'requestItems.Users.member.keys' failed to satisfy constraint: Member must not be null"),
        ("BatchGetItem", json!({"RequestItems": {"Users": {"Keys": [{"id": {"S": "u1"}}]}}}), v, "The provided key element does not match the schema"),
        ("BatchGetItem", json!({"RequestItems": {"Nope": {"Keys": [{"pk": {"S": "u1"}}]}}}), "ResourceNotFoundException", "Requested resource not found"),
        // TransactWriteItems
        ("TransactWriteItems", json!({"TransactItems": []}), v,
            "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("TransactWriteItems", json!({}), v, "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null"),
        ("TransactWriteItems", json!({"TransactItems": (0..101).map(|i| json!({"Put": {"TableName": "Users", "Item": {"pk": {"S": format!("k{i}")}}}})).collect::<Vec<_>>()}), v,
            "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}}}, {"Delete": {"TableName": "Users", "Key": {"pk": {"S": "a"}}}}]}), v,
            "Transaction request cannot include multiple operations on one item"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}}, "Delete": {"TableName": "Users", "Key": {"pk": {"S": "b"}}}}]}), v,
            "TransactItems can only contain one of Check, Put, Update or Delete"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Nope", "Item": {"pk": {"S": "a"}}}}]}), "ResourceNotFoundException", "Requested resource not found"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}}},
            {"ConditionCheck": {"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "ConditionExpression": "attribute_not_exists(pk)"}}]}),
            "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"),
        ("TransactWriteItems", json!({"TransactItems": [{"Update": {"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET pk = :v",
            "ExpressionAttributeValues": {":v": {"S": "x"}}}}]}), v,
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"}},
            {"Put": {"TableName": "Users", "Item": {"pk": {"N": "1"}}}}]}), v,
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
        ("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "a"}}}}], "ClientRequestToken": "x".repeat(37)}), v, "1 validation error detected"),
        // TransactGetItems
        ("TransactGetItems", json!({"TransactItems": []}), v,
            "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        ("TransactGetItems", json!({"TransactItems": [{"Get": {"TableName": "Users", "Key": {"pk": {"S": "u1"}}}}, {"Get": {"TableName": "Users", "Key": {"pk": {"S": "u1"}}}}]}), v,
            "Transaction request cannot include multiple operations on one item"),
        ("TransactGetItems", json!({"TransactItems": [{"Get": {"TableName": "Users", "Key": {"id": {"S": "u1"}}}}]}), v, "The provided key element does not match the schema"),
        // Tables
        ("CreateTable", json!({"TableName": "Users", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}), "ResourceInUseException", "Table already exists: Users"),
        ("UpdateTable", json!({"TableName": "Users"}), v,
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"),
        ("UpdateTable", json!({"TableName": "Users", "BillingMode": "PROVISIONED"}), v,
            "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"),
        ("UpdateTable", json!({"TableName": "Users", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}), v,
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"),
        ("UpdateTable", json!({"TableName": "Users", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]}), "ResourceNotFoundException",
            "Requested resource not found: Index: nope not found for table Users"),
        ("UpdateTable", json!({"TableName": "Users", "KeystoneSchema": {"Attributes": {"age": {"Type": "Q"}}}}), v, "KeystoneSchema: attribute age: unknown Type Q"),
        ("UpdateTable", json!({"TableName": "Users", "KeystoneSchema": {"Attributes": {"e": {"Pattern": "("}}}}), v, "KeystoneSchema: attribute e: bad Pattern"),
        ("ListTables", json!({"Limit": 101}), v,
            "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"),
        ("ListTables", json!({"ExclusiveStartTableName": "a"}), v,
            "1 validation error detected: Value 'a' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater than or equal to 3"),
        ("ListTables", json!({"Limit": "ten"}), s, "STRING_VALUE cannot be converted to Long"),
        ("NoSuchThing", json!({}), "UnknownOperationException", "Unknown operation: NoSuchThing"),
    ];
    for (op, req, name, msg) in specific {
        cases.push((op, req, name, msg.to_string()));
    }
    cases
}

#[test]
fn bad_requests_raise_dynamodb_exceptions_and_change_nothing() {
    let db = setup();
    let before = snapshot(&db);
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    for (i, (op, req, name, msg)) in cases.iter().enumerate() {
        let err = match db.execute(op, req) {
            Ok(out) => panic!("case {i}: {op} {req} succeeded: {out}"),
            Err(e) => e,
        };
        assert_eq!(err.name(), *name, "case {i}: {op} {req}: {err}");
        assert!(err.to_string().starts_with(msg.as_str()), "case {i}: {op} {req}:\n  got  {err}\n  want {msg}");
        assert_eq!(snapshot(&db), before, "case {i}: {op} changed stored data");
    }
}

/// The same cases through the text door (`execute_json`, which the HTTP
/// server and the JavaScript package call, and which reads plain PutItem and
/// GetItem requests without a JSON tree): the same exception, the same
/// message, nothing changed.
#[test]
fn bad_requests_raise_the_same_exceptions_through_the_text_door() {
    let db = setup();
    let before = snapshot(&db);
    for (i, (op, req, name, msg)) in cases().iter().enumerate() {
        let err = match db.execute_json(op, &req.to_string()) {
            Ok(out) => panic!("case {i}: {op} {req} succeeded: {out}"),
            Err(e) => e,
        };
        assert_eq!(err.name(), *name, "case {i}: {op} {req}: {err}");
        assert!(err.to_string().starts_with(msg.as_str()), "case {i}: {op} {req}:\n  got  {err}\n  want {msg}");
        assert_eq!(snapshot(&db), before, "case {i}: {op} changed stored data");
    }
}

#[test]
fn schema_extension_rejects_writes_that_break_its_rules() {
    let db = setup();
    db.execute(
        "UpdateTable",
        &json!({"TableName": "Users", "KeystoneSchema": {"Attributes": {
            "age": {"Type": "N", "Min": 0, "Max": 150},
            "email": {"Type": "S", "Pattern": "^[^@]+@[^@]+$"},
            "status": {"Enum": [{"S": "active"}, {"S": "banned"}]},
            "name": {"Required": true, "MaxLength": 5}
        }}}),
    )
    .unwrap();
    let before = snapshot(&db);
    let bad = [
        (json!({"pk": {"S": "a"}, "age": {"N": "10"}}), "name: the attribute is required"),
        (json!({"pk": {"S": "a"}, "name": {"S": "Al"}, "age": {"N": "151"}}), "age: value 151 is greater than the maximum 150"),
        (json!({"pk": {"S": "a"}, "name": {"S": "Al"}, "age": {"S": "old"}}), "age: expected type N, found S"),
        (json!({"pk": {"S": "a"}, "name": {"S": "Al"}, "email": {"S": "nope"}}), "email: the value does not match the pattern"),
        (json!({"pk": {"S": "a"}, "name": {"S": "Al"}, "status": {"S": "gone"}}), "status: the value is not one of the allowed values"),
        (json!({"pk": {"S": "a"}, "name": {"S": "Alexander"}}), "name: length 9 is greater than the maximum length 5"),
    ];
    for (item, rule) in bad {
        let e = db.execute("PutItem", &json!({"TableName": "Users", "Item": item})).unwrap_err();
        assert_eq!(e.name(), "ValidationException");
        assert!(e.to_string().contains(rule), "{e}");
    }
    // The result of an update is checked too, and so are transactions.
    let e = db
        .execute("UpdateItem", &json!({"TableName": "Users", "Key": {"pk": {"S": "u1"}}, "UpdateExpression": "SET age = :a",
            "ExpressionAttributeValues": {":a": {"N": "-1"}}}))
        .unwrap_err();
    assert!(e.to_string().contains("age: value -1 is less than the minimum 0"), "{e}");
    let e = db
        .execute("TransactWriteItems", &json!({"TransactItems": [{"Put": {"TableName": "Users", "Item": {"pk": {"S": "t"}}}}]}))
        .unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    assert_eq!(snapshot(&db), before);
    db.execute("PutItem", &json!({"TableName": "Users", "Item": {"pk": {"S": "ok"}, "name": {"S": "Al"}, "age": {"N": "3"},
        "email": {"S": "a@b"}, "status": {"S": "active"}}})).unwrap();
    let d = db.execute("DescribeTable", &json!({"TableName": "Users"})).unwrap();
    assert_eq!(d["Table"]["KeystoneSchema"]["Attributes"]["age"]["Max"], "150");
}
