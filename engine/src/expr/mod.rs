//! DynamoDB expressions: condition/filter, update, projection and key
//! condition, parsed with pest grammars and evaluated against items.
