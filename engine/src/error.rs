//! Errors: one public [`Error`] whose variants are DynamoDB's exceptions, and
//! one internal [`StorageError`] for everything the file can do wrong.
//!
//! Every binding (CLI, HTTP server, JavaScript) reports an error by the string
//! [`Error::name`] returns and by its `Display` message, so the exception a user
//! sees is the same through every door. Messages follow DynamoDB's wording where
//! it is known; tests pin both the name and the message.
//!
//! Storage failures surface as `InternalServerError` and carry the
//! [`StorageError`] that explains them (what is damaged, and where).

use crate::model::value::Item;

/// The crate-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why one action of a transaction was (or was not) cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None` for actions that did not fail; otherwise e.g. `"ConditionalCheckFailed"`.
    pub code: Option<String>,
    pub message: Option<String>,
    /// The item as it was, when `ReturnValuesOnConditionCheckFailure` asked for it.
    pub item: Option<Item>,
}

/// A DynamoDB exception. The variant names follow DynamoDB's exception names
/// without the `Exception` suffix; [`Error::name`] gives the wire name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Validation(String),
    #[error("{message}")]
    ConditionalCheckFailed { message: String, item: Option<Box<Item>> },
    #[error("{message}")]
    TransactionCanceled { message: String, reasons: Vec<CancellationReason> },
    #[error("{0}")]
    TransactionConflict(String),
    #[error("{0}")]
    TransactionInProgress(String),
    #[error("{0}")]
    IdempotentParameterMismatch(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceInUse(String),
    #[error("{0}")]
    ItemCollectionSizeLimitExceeded(String),
    #[error("{0}")]
    DuplicateItem(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    Serialization(String),
    #[error("{0}")]
    UnknownOperation(String),
    #[error("{0}")]
    UnrecognizedClient(String),
    #[error("{0}")]
    ExpiredIterator(String),
    #[error("{0}")]
    TrimmedDataAccess(String),
    #[error("{0}")]
    AccessDenied(String),
    /// The database file cannot be used: damaged, locked, wrong passphrase,
    /// unsupported version, or an I/O failure.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Error {
    /// The exception name as DynamoDB sends it in `__type` (after the `#`).
    pub fn name(&self) -> &'static str {
        match self {
            Error::Validation(_) => "ValidationException",
            Error::ConditionalCheckFailed { .. } => "ConditionalCheckFailedException",
            Error::TransactionCanceled { .. } => "TransactionCanceledException",
            Error::TransactionConflict(_) => "TransactionConflictException",
            Error::TransactionInProgress(_) => "TransactionInProgressException",
            Error::IdempotentParameterMismatch(_) => "IdempotentParameterMismatchException",
            Error::ResourceNotFound(_) => "ResourceNotFoundException",
            Error::ResourceInUse(_) => "ResourceInUseException",
            Error::ItemCollectionSizeLimitExceeded(_) => "ItemCollectionSizeLimitExceededException",
            Error::DuplicateItem(_) => "DuplicateItemException",
            Error::LimitExceeded(_) => "LimitExceededException",
            Error::Serialization(_) => "SerializationException",
            Error::UnknownOperation(_) => "UnknownOperationException",
            Error::UnrecognizedClient(_) => "UnrecognizedClientException",
            Error::ExpiredIterator(_) => "ExpiredIteratorException",
            Error::TrimmedDataAccess(_) => "TrimmedDataAccessException",
            Error::AccessDenied(_) => "AccessDeniedException",
            Error::Storage(_) => "InternalServerError",
        }
    }

    /// The `__type` value DynamoDB's JSON protocol uses.
    pub fn wire_type(&self) -> String {
        format!("com.amazonaws.dynamodb.v20120810#{}", self.name())
    }

    /// The error as DynamoDB's JSON protocol sends it: `__type`, `message`,
    /// and for transactions `CancellationReasons` (and the failed item when
    /// `ReturnValuesOnConditionCheckFailure` asked for it).
    pub fn to_json(&self) -> serde_json::Value {
        use crate::model::json::item_to_json;
        use serde_json::json;
        let mut body = json!({ "__type": self.wire_type(), "message": self.to_string() });
        match self {
            Error::TransactionCanceled { reasons, .. } => {
                let reasons: Vec<serde_json::Value> = reasons
                    .iter()
                    .map(|r| {
                        let mut m = json!({ "Code": r.code.as_deref().unwrap_or("None") });
                        if let Some(msg) = &r.message {
                            m["Message"] = json!(msg);
                        }
                        if let Some(item) = &r.item {
                            m["Item"] = item_to_json(item);
                        }
                        m
                    })
                    .collect();
                body["CancellationReasons"] = json!(reasons);
            }
            Error::ConditionalCheckFailed { item: Some(item), .. } => body["Item"] = item_to_json(item),
            _ => {}
        }
        body
    }

    /// True for errors caused by the server rather than the request (HTTP 500).
    pub fn is_server_error(&self) -> bool {
        matches!(self, Error::Storage(_))
    }

    /// True when the same request may succeed if simply sent again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::TransactionConflict(_) | Error::TransactionInProgress(_)
        ) || matches!(self, Error::Storage(StorageError::Locked))
    }
}

/// Shorthand for a `ValidationException` with a formatted message.
#[macro_export]
macro_rules! validation {
    ($($arg:tt)*) => { $crate::error::Error::Validation(format!($($arg)*)) };
}

/// What can go wrong below the data model: the file and its contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database is corrupted: {what} at offset {offset}")]
    Corrupted { what: String, offset: u64 },
    #[error("checksum mismatch in {what} at offset {offset}")]
    ChecksumMismatch { what: String, offset: u64 },
    #[error("not a KeystoneDB database file")]
    NotADatabase,
    #[error("unsupported format version {found} (this build reads versions up to {supported})")]
    UnsupportedFormatVersion { found: u32, supported: u32 },
    #[error("wrong passphrase for this encrypted database")]
    WrongPassphrase,
    #[error("the database is encrypted: a passphrase is required")]
    PassphraseRequired,
    #[error("the database is not encrypted, but a passphrase was given")]
    NotEncrypted,
    #[error("the database is locked by another process or tab")]
    Locked,
    #[error("the database is closed")]
    Closed,
    #[error("an earlier write or sync failed; reopen the database to continue")]
    PreviousIoFailed,
    #[error("storage quota exceeded")]
    QuotaExceeded,
    #[error("the database is open read-only")]
    ReadOnly,
    /// A read-only open found work a crash interrupted (an index build or
    /// drop) that only a writable open can finish.
    #[error("the database is open read-only, and an index build a crash interrupted must first be finished by opening it for writing")]
    NeedsWritableOpen,
}

impl StorageError {
    pub fn corrupted(what: impl Into<String>, offset: u64) -> Self {
        StorageError::Corrupted { what: what.into(), offset }
    }

    /// Shifts the offset of a `Corrupted` or `ChecksumMismatch` error by
    /// `base`: block transforms report offsets relative to the block, and the
    /// caller that knows where the block lives turns them into file offsets.
    pub fn offset_by(self, base: u64) -> Self {
        match self {
            StorageError::Corrupted { what, offset } => {
                StorageError::Corrupted { what, offset: offset.saturating_add(base) }
            }
            StorageError::ChecksumMismatch { what, offset } => {
                StorageError::ChecksumMismatch { what, offset: offset.saturating_add(base) }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_dynamodb_name() {
        let cases: Vec<(Error, &str)> = vec![
            (Error::Validation(String::new()), "ValidationException"),
            (
                Error::ConditionalCheckFailed { message: String::new(), item: None },
                "ConditionalCheckFailedException",
            ),
            (
                Error::TransactionCanceled { message: String::new(), reasons: vec![] },
                "TransactionCanceledException",
            ),
            (Error::TransactionConflict(String::new()), "TransactionConflictException"),
            (Error::TransactionInProgress(String::new()), "TransactionInProgressException"),
            (
                Error::IdempotentParameterMismatch(String::new()),
                "IdempotentParameterMismatchException",
            ),
            (Error::ResourceNotFound(String::new()), "ResourceNotFoundException"),
            (Error::ResourceInUse(String::new()), "ResourceInUseException"),
            (
                Error::ItemCollectionSizeLimitExceeded(String::new()),
                "ItemCollectionSizeLimitExceededException",
            ),
            (Error::DuplicateItem(String::new()), "DuplicateItemException"),
            (Error::LimitExceeded(String::new()), "LimitExceededException"),
            (Error::Serialization(String::new()), "SerializationException"),
            (Error::UnknownOperation(String::new()), "UnknownOperationException"),
            (Error::UnrecognizedClient(String::new()), "UnrecognizedClientException"),
            (Error::ExpiredIterator(String::new()), "ExpiredIteratorException"),
            (Error::TrimmedDataAccess(String::new()), "TrimmedDataAccessException"),
            (Error::AccessDenied(String::new()), "AccessDeniedException"),
            (Error::Storage(StorageError::Closed), "InternalServerError"),
        ];
        for (err, name) in cases {
            assert_eq!(err.name(), name);
            assert_eq!(err.wire_type(), format!("com.amazonaws.dynamodb.v20120810#{name}"));
        }
    }

    #[test]
    fn renders_dynamodb_error_bodies() {
        let e = Error::TransactionCanceled {
            message: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]".into(),
            reasons: vec![
                CancellationReason { code: None, message: None, item: None },
                CancellationReason {
                    code: Some("ConditionalCheckFailed".into()),
                    message: Some("The conditional request failed".into()),
                    item: None,
                },
            ],
        };
        assert_eq!(
            e.to_json(),
            serde_json::json!({
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
                "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
            })
        );
    }

    #[test]
    fn offset_by_moves_block_relative_offsets_to_file_offsets() {
        let moved = StorageError::corrupted("zstd data", 5).offset_by(4096);
        assert!(matches!(moved, StorageError::Corrupted { offset: 4101, .. }));
        let moved = StorageError::ChecksumMismatch { what: "block".into(), offset: 0 }.offset_by(7);
        assert!(matches!(moved, StorageError::ChecksumMismatch { offset: 7, .. }));
        assert!(matches!(StorageError::Closed.offset_by(7), StorageError::Closed));
    }

    #[test]
    fn storage_errors_are_server_errors() {
        assert!(Error::from(StorageError::NotADatabase).is_server_error());
        assert!(!Error::Validation("x".into()).is_server_error());
    }
}
