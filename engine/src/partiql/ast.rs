//! The PartiQL syntax tree: what a statement says, before any table is looked
//! at. Values stay in DynamoDB JSON form (`{"S": "x"}`), and `?` placeholders
//! are numbered in the order they appear in the text, so binding parameters is
//! a lookup and the translator never needs the item codec.

use serde_json::Value as Json;

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(Select),
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    /// `EXISTS(SELECT …)` as a whole statement: a condition check inside
    /// ExecuteTransaction.
    Exists(Select),
}

impl Statement {
    /// The table (and index) the statement names.
    pub fn target(&self) -> &TableRef {
        match self {
            Statement::Select(s) => &s.from,
            Statement::Insert(s) => &s.into,
            Statement::Update(s) => &s.table,
            Statement::Delete(s) => &s.from,
            Statement::Exists(s) => &s.from,
        }
    }

    pub fn is_read(&self) -> bool {
        matches!(self, Statement::Select(_))
    }
}

/// `"Table"` or `"Table"."Index"`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    pub table: String,
    pub index: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `None` for `SELECT *`.
    pub projection: Option<Vec<Path>>,
    pub from: TableRef,
    pub filter: Option<Expr>,
    pub order_by: Vec<OrderKey>,
    /// Extension: at most this many items are returned.
    pub limit: Option<u64>,
    /// Extension: this many matching items are skipped first.
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    pub path: Path,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    pub into: TableRef,
    /// A map literal, or a parameter holding an `M`.
    pub item: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub table: TableRef,
    pub actions: Vec<UpdateAction>,
    pub filter: Expr,
    pub returning: Option<Returning>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(Path, SetValue),
    Remove(Path),
}

/// The right-hand side of `SET path = …`: terms joined by `+` / `-`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetValue {
    pub first: Operand,
    pub rest: Vec<(ArithOp, Operand)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub from: TableRef,
    pub filter: Expr,
    pub returning: Option<Returning>,
}

/// `RETURNING ALL OLD *` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

impl Returning {
    /// The `ReturnValues` setting of the equivalent item request.
    pub fn return_values(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL_OLD",
            Returning::ModifiedOld => "UPDATED_OLD",
            Returning::AllNew => "ALL_NEW",
            Returning::ModifiedNew => "UPDATED_NEW",
        }
    }

    pub fn as_sql(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL OLD",
            Returning::ModifiedOld => "MODIFIED OLD",
            Returning::AllNew => "ALL NEW",
            Returning::ModifiedNew => "MODIFIED NEW",
        }
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Operand, CompareOp, Operand),
    Between { operand: Operand, low: Operand, high: Operand, negated: bool },
    In { operand: Operand, list: InList, negated: bool },
    Is { operand: Operand, target: IsTarget, negated: bool },
    /// `EXISTS(SELECT …)`: only inside ExecuteTransaction.
    Exists(Box<Select>),
    /// A bare operand, e.g. `begins_with(a, 'x')`.
    Operand(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub enum InList {
    Items(Vec<Operand>),
    /// `IN ?` with a list parameter.
    Parameter(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    /// The operator in DynamoDB's condition-expression syntax.
    pub fn as_expression(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsTarget {
    Missing,
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(Value),
    Call { name: String, args: Vec<Operand> },
}

/// A document path: `a.b[2]."c d"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<PathStep>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Name(String),
    Index(u32),
}

impl Path {
    /// The attribute name when the path is a single top-level attribute.
    pub fn as_attribute(&self) -> Option<&str> {
        match self.0.as_slice() {
            [PathStep::Name(n)] => Some(n),
            _ => None,
        }
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Name(n) if i == 0 => write!(f, "{n}")?,
                PathStep::Name(n) => write!(f, ".{n}")?,
                PathStep::Index(ix) => write!(f, "[{ix}]")?,
            }
        }
        Ok(())
    }
}

/// A literal or a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The Nth `?` of the statement (0-based).
    Parameter(usize),
    /// A scalar literal already in DynamoDB JSON: `{"S":"x"}`, `{"N":"1"}`,
    /// `{"BOOL":true}`, `{"NULL":true}`.
    Scalar(Json),
    Map(Vec<(String, Value)>),
    List(Vec<Value>),
    Set(Vec<Value>),
    Missing,
}
