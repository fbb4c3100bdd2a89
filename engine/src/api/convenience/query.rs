//! The [`Query`] and [`Scan`] builders: a page of items of the default
//! table or of a named one, without writing expression text for the key.
//!
//! A builder becomes the same [`QueryRequest`]/[`ScanRequest`] the JSON door
//! decodes, and runs through [`crate::api::query_scan`]: paging (Limit, the
//! 1 MB page, `LastEvaluatedKey`), filters, projections and every error are
//! DynamoDB's. The key condition is written as expression text with the
//! placeholders `#kpk`/`:kpk` (partition key) and `#ksk`/`:ksk`, `:ksk2`
//! (sort key), so those names are not free for the caller's own expressions.
//!
//! ```
//! use kstone_engine::{Database, ItemBuilder};
//! use kstone_engine::api::convenience::Query;
//! let db = Database::in_memory().unwrap();
//! db.put(b"user#1", ItemBuilder::new().number("age", 30).build()).unwrap();
//! let page = db.query(Query::new().partition_key(b"user#1")).unwrap();
//! assert_eq!(page.items.len(), 1);
//! assert!(page.last_evaluated_key.is_none());
//! ```

use super::{Key, Target};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::expr::SortKeyCondition as SortKey;
use crate::model::json::item_from_json;
use crate::model::request::{Expressions, Names, QueryRequest, ScanRequest, Select, Values};
use crate::model::value::{AttributeValue, Item};
use serde_json::Value;

/// What Query and Scan share: filter, projection, substitutions, paging.
#[derive(Debug, Clone, Default, PartialEq)]
struct ReadOptions {
    index: Option<String>,
    filter: Option<String>,
    projection: Option<String>,
    names: Names,
    values: Values,
    limit: Option<usize>,
    start: Option<Item>,
    consistent: bool,
    count_only: bool,
}

impl ReadOptions {
    fn expressions(&self) -> Expressions {
        Expressions {
            names: (!self.names.is_empty()).then(|| self.names.clone()),
            values: (!self.values.is_empty()).then(|| self.values.clone()),
        }
    }

    fn limit(&self) -> Result<Option<usize>> {
        if self.limit == Some(0) {
            return Err(Error::Validation(
                "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
                    .into(),
            ));
        }
        Ok(self.limit)
    }

    fn select(&self) -> Option<Select> {
        self.count_only.then_some(Select::Count)
    }
}

macro_rules! read_option_methods {
    () => {
        /// Read a secondary index instead of the table.
        pub fn index(mut self, name: impl Into<String>) -> Self {
            self.options.index = Some(name.into());
            self
        }

        /// A FilterExpression, applied after the items are read.
        pub fn filter_expression(mut self, expression: impl Into<String>) -> Self {
            self.options.filter = Some(expression.into());
            self
        }

        /// A ProjectionExpression: the attributes to return.
        pub fn projection(mut self, expression: impl Into<String>) -> Self {
            self.options.projection = Some(expression.into());
            self
        }

        /// Bind `#alias` to an attribute name in the expressions.
        pub fn expression_name(mut self, alias: impl Into<String>, name: impl Into<String>) -> Self {
            self.options.names.insert(alias.into(), name.into());
            self
        }

        /// Bind `:placeholder` to a value in the expressions.
        pub fn expression_value(mut self, placeholder: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
            self.options.values.insert(placeholder.into(), value.into());
            self
        }

        /// Read at most `n` items (before the filter), as DynamoDB's `Limit`.
        pub fn limit(mut self, n: usize) -> Self {
            self.options.limit = Some(n);
            self
        }

        /// Continue after this key: a previous page's `last_evaluated_key`.
        pub fn start_after(mut self, key: Item) -> Self {
            self.options.start = Some(key);
            self
        }

        /// Ask for a strongly consistent read (every read here is).
        pub fn consistent_read(mut self, consistent: bool) -> Self {
            self.options.consistent = consistent;
            self
        }

        /// Count matching items instead of returning them (`Select: COUNT`).
        pub fn count_only(mut self) -> Self {
            self.options.count_only = true;
            self
        }
    };
}

/// A Query of one partition, optionally narrowed by a sort key condition.
///
/// ```
/// use kstone_engine::{Database, ItemBuilder};
/// use kstone_engine::api::convenience::Query;
/// let db = Database::in_memory().unwrap();
/// db.put(b"user#1", ItemBuilder::new().number("age", 30).build()).unwrap();
/// let page = db.query(Query::new().partition_key(b"user#1").filter_expression("age > :a").expression_value(":a", 40)).unwrap();
/// assert_eq!((page.count, page.scanned_count), (0, 1));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    partition: Option<Key>,
    sort: Option<SortKey>,
    forward: Option<bool>,
    options: ReadOptions,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    /// The partition to read (required).
    pub fn partition_key(mut self, key: impl Into<Key>) -> Self {
        self.partition = Some(key.into());
        self
    }

    fn sort(mut self, condition: SortKey) -> Self {
        self.sort = Some(condition);
        self
    }

    /// Sort key equal to `v`.
    pub fn sort_key_eq(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Eq(v.into()))
    }
    /// Sort key below `v`.
    pub fn sort_key_lt(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Lt(v.into()))
    }
    /// Sort key at most `v`.
    pub fn sort_key_le(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Le(v.into()))
    }
    /// Sort key above `v`.
    pub fn sort_key_gt(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Gt(v.into()))
    }
    /// Sort key at least `v`.
    pub fn sort_key_ge(self, v: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Ge(v.into()))
    }
    /// Sort key in `[low, high]`.
    pub fn sort_key_between(self, low: impl Into<AttributeValue>, high: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::Between(low.into(), high.into()))
    }
    /// Sort key starting with `prefix` (strings and binary).
    pub fn sort_key_begins_with(self, prefix: impl Into<AttributeValue>) -> Self {
        self.sort(SortKey::BeginsWith(prefix.into()))
    }

    /// Read in descending sort key order (`ScanIndexForward: false`).
    pub fn reverse(mut self) -> Self {
        self.forward = Some(false);
        self
    }

    /// `ScanIndexForward`.
    pub fn scan_forward(mut self, forward: bool) -> Self {
        self.forward = Some(forward);
        self
    }

    read_option_methods!();

    /// The typed request this builder stands for, on table `target`.
    pub(crate) fn request(self, db: &Database, target: &Target) -> Result<QueryRequest> {
        let def = target.resolve(db)?;
        let schema = match &self.options.index {
            Some(name) => def.index(name).map(|(i, _)| i.key_schema.clone()).unwrap_or_else(|| def.key_schema.clone()),
            None => def.key_schema.clone(),
        };
        let partition = self
            .partition
            .ok_or_else(|| Error::Validation("Query: a partition key is required (Query::partition_key)".into()))?
            .into_partition_value(&schema.hash.name)?;
        let mut options = self.options;
        let mut expression = String::from("#kpk = :kpk");
        options.names.insert("#kpk".into(), schema.hash.name.clone());
        options.values.insert(":kpk".into(), partition);
        if let Some(sort) = self.sort {
            let Some(range) = &schema.range else {
                return Err(Error::Validation("Query: a sort key condition on a table without a sort key".into()));
            };
            options.names.insert("#ksk".into(), range.name.clone());
            let (text, first, second) = match sort {
                SortKey::Eq(v) => ("#ksk = :ksk", v, None),
                SortKey::Lt(v) => ("#ksk < :ksk", v, None),
                SortKey::Le(v) => ("#ksk <= :ksk", v, None),
                SortKey::Gt(v) => ("#ksk > :ksk", v, None),
                SortKey::Ge(v) => ("#ksk >= :ksk", v, None),
                SortKey::Between(a, b) => ("#ksk BETWEEN :ksk AND :ksk2", a, Some(b)),
                SortKey::BeginsWith(v) => ("begins_with(#ksk, :ksk)", v, None),
            };
            expression.push_str(" AND ");
            expression.push_str(text);
            options.values.insert(":ksk".into(), first);
            if let Some(b) = second {
                options.values.insert(":ksk2".into(), b);
            }
        }
        Ok(QueryRequest {
            table_name: target.name().to_string(),
            index_name: options.index.clone(),
            key_condition_expression: expression,
            filter_expression: options.filter.clone(),
            projection_expression: options.projection.clone(),
            expressions: options.expressions(),
            select: options.select(),
            scan_index_forward: self.forward.unwrap_or(true),
            limit: options.limit()?,
            exclusive_start_key: options.start.clone(),
            consistent_read: options.consistent,
        })
    }

    pub(crate) fn run(self, db: &Database, target: &Target) -> Result<QueryResponse> {
        let req = self.request(db, target)?;
        page_of(crate::api::query_scan::query(db, &req)?)
    }
}

/// A Scan of a whole table, or of one segment of a parallel scan.
///
/// ```
/// use kstone_engine::{Database, ItemBuilder};
/// use kstone_engine::api::convenience::Scan;
/// let db = Database::in_memory().unwrap();
/// for pk in [&b"a"[..], b"b", b"c", b"d"] {
///     db.put(pk, ItemBuilder::new().build()).unwrap();
/// }
/// // Every item lands in exactly one of the segments.
/// let total: usize = (0..3).map(|s| db.scan(Scan::new().parallel(3, s)).unwrap().count).sum();
/// assert_eq!(total, 4);
/// // Paging: two items a page.
/// let first = db.scan(Scan::new().limit(2)).unwrap();
/// let rest = db.scan(Scan::new().start_after(first.last_evaluated_key.unwrap())).unwrap();
/// assert_eq!(first.count + rest.count, 4);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    segment: Option<(u32, u32)>,
    options: ReadOptions,
}

/// The seed's name for the scan builder; [`Scan::build`] ends the chain.
pub type ScanBuilder = Scan;

impl Scan {
    pub fn new() -> Self {
        Self::default()
    }

    /// Read segment `segment` of `total` (`Segment`/`TotalSegments`).
    pub fn parallel(mut self, total: u32, segment: u32) -> Self {
        self.segment = Some((segment, total));
        self
    }

    read_option_methods!();

    /// The finished scan (the builder already is one; kept for the seed's
    /// `ScanBuilder::new()...build()` style).
    pub fn build(self) -> Scan {
        self
    }

    pub(crate) fn request(self, db: &Database, target: &Target) -> Result<ScanRequest> {
        target.resolve(db)?;
        if let Some((segment, total)) = self.segment {
            if total == 0 || total > 1_000_000 || segment >= total {
                return Err(Error::Validation(format!(
                    "Scan: segment {segment} of {total}: TotalSegments must be 1..=1000000 and Segment below it"
                )));
            }
        }
        let o = self.options;
        Ok(ScanRequest {
            table_name: target.name().to_string(),
            index_name: o.index.clone(),
            filter_expression: o.filter.clone(),
            projection_expression: o.projection.clone(),
            expressions: o.expressions(),
            select: o.select(),
            limit: o.limit()?,
            exclusive_start_key: o.start.clone(),
            segment: self.segment,
            consistent_read: o.consistent,
        })
    }

    pub(crate) fn run(self, db: &Database, target: &Target) -> Result<ScanResponse> {
        let req = self.request(db, target)?;
        page_of(crate::api::query_scan::scan(db, &req)?)
    }
}

/// One page of a Query or Scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResponse {
    /// The items that passed the filter (empty with `count_only`).
    pub items: Vec<Item>,
    /// How many items passed the filter (`Count`).
    pub count: usize,
    /// How many items were read (`ScannedCount`).
    pub scanned_count: usize,
    /// Where the next page starts, when this one stopped early.
    pub last_evaluated_key: Option<Item>,
}

/// A Scan's page has the same shape.
pub type ScanResponse = QueryResponse;

fn page_of(out: Value) -> Result<QueryResponse> {
    let count = |field: &str| out.get(field).and_then(Value::as_u64).unwrap_or(0) as usize;
    let items = match out.get("Items").and_then(Value::as_array) {
        Some(list) => list.iter().map(item_from_json).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let last_evaluated_key = out.get("LastEvaluatedKey").map(item_from_json).transpose()?;
    Ok(QueryResponse { items, count: count("Count"), scanned_count: count("ScannedCount"), last_evaluated_key })
}
