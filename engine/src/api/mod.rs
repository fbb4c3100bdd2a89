//! DynamoDB operations, one file per family. Each handler takes a typed
//! request and the database state and returns a typed response.
