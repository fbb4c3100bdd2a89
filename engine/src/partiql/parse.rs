//! From statement text to [`Statement`]: a hand-written parser of DynamoDB's
//! PartiQL dialect (the cursor and the error position rule are shared with
//! the expression parser, see `crate::syntax`).
//!
//! The grammar, in PEG notation (`|` is ordered choice; comments `-- …` and
//! whitespace may separate tokens, except inside a path, where only
//! whitespace before `[` and inside brackets is allowed; keywords are
//! case-insensitive and may not run into a following name character;
//! identifiers are bare words that are not keywords, or double-quoted with
//! `""` for a quote; strings are single-quoted with `''` for a quote):
//!
//! ```text
//! statement = (select | insert | update | delete | exists) ";"?
//! select    = SELECT ("*" | path ("," path)*) FROM table (WHERE expr)?
//!             (ORDER BY path (ASC|DESC)? ("," path (ASC|DESC)?)*)? (LIMIT int)? (OFFSET int)?
//! table     = identifier ("." identifier)?
//! insert    = INSERT INTO table VALUE (map | "?")
//! update    = UPDATE table (SET path "=" term (("+"|"-") term)* ("," …)* | REMOVE path ("," path)*)+
//!             WHERE expr returning?
//! delete    = DELETE FROM table WHERE expr returning?
//! returning = RETURNING (ALL|MODIFIED) (OLD|NEW) "*"
//! expr      = and (OR and)*       and = not (AND not)*      not = NOT not | predicate
//! predicate = "(" expr ")" | exists | operand (compare operand | NOT? BETWEEN operand AND operand
//!             | NOT? IN ("[" operands "]" | "(" operands ")" | "?") | IS NOT? (MISSING|NULL))?
//! exists    = EXISTS "(" select ")"
//! operand   = name "(" operands? ")" | value | path      term = operand
//! path      = identifier ("." identifier | "[" (int | string) "]")*
//! value     = "?" | string | number | TRUE | FALSE | NULL | MISSING | map | list | set
//! map = "{" (string ":" value ("," …)*)? "}"   list = "[" values? "]"   set = "<<" values? ">>"
//! ```
//!
//! Syntax errors follow DynamoDB's envelope — `Statement wasn't well formed,
//! can't be processed: <what>` — and add where: `at line L, column C`, so that
//! a long statement typed in the shell points at its mistake. A statement
//! that does not begin with SELECT, INSERT, UPDATE or DELETE gets DynamoDB's
//! own `Expected data manipulation`. The position is the farthest place a
//! named part of the grammar (a keyword, a name, a value, a clause) was
//! expected and not found; punctuation written inside a rule (`,` `(` `{` …)
//! counts only through the rule around it.

use super::ast::*;
use crate::error::Error;
use crate::syntax::{keyword_len, line_col, Cursor};
use serde_json::json;

/// The longest statement DynamoDB accepts, in characters.
pub const MAX_STATEMENT_LENGTH: usize = 8192;

/// How deeply parentheses and brackets may nest before the statement is
/// refused (the parser recurses once per level; this keeps hostile input off
/// the stack).
const MAX_NESTING: usize = 64;

/// Parse one statement. Placeholders are numbered left to right from 0.
pub fn parse_statement(text: &str) -> Result<Statement, Error> {
    if text.trim().is_empty() {
        return Err(malformed("Empty statement".into()));
    }
    check_nesting(text)?;
    let mut p = Parser { c: Cursor::new(text), params: 0, deferred: None };
    match p.statement() {
        Some(statement) => match p.deferred {
            Some(e) => Err(e),
            None => Ok(statement),
        },
        None => Err(syntax_error(text, p.c.furthest)),
    }
}

/// Count the `?` placeholders of a parsed statement's text, for the
/// parameter-count check.
pub fn parameter_count(statement: &Statement) -> usize {
    fn value(v: &Value, n: &mut usize) {
        match v {
            Value::Parameter(i) => *n = (*n).max(i + 1),
            Value::Map(entries) => entries.iter().for_each(|(_, v)| value(v, n)),
            Value::List(items) | Value::Set(items) => items.iter().for_each(|v| value(v, n)),
            Value::Scalar(_) | Value::Missing => {}
        }
    }
    fn operand(o: &Operand, n: &mut usize) {
        match o {
            Operand::Value(v) => value(v, n),
            Operand::Call { args, .. } => args.iter().for_each(|a| operand(a, n)),
            Operand::Path(_) => {}
        }
    }
    fn expr(e: &Expr, n: &mut usize) {
        match e {
            Expr::Or(v) | Expr::And(v) => v.iter().for_each(|e| expr(e, n)),
            Expr::Not(e) => expr(e, n),
            Expr::Compare(a, _, b) => {
                operand(a, n);
                operand(b, n);
            }
            Expr::Between { operand: o, low, high, .. } => {
                operand(o, n);
                operand(low, n);
                operand(high, n);
            }
            Expr::In { operand: o, list, .. } => {
                operand(o, n);
                match list {
                    InList::Items(items) => items.iter().for_each(|i| operand(i, n)),
                    InList::Parameter(i) => *n = (*n).max(i + 1),
                }
            }
            Expr::Is { operand: o, .. } => operand(o, n),
            Expr::Exists(s) => select(s, n),
            Expr::Operand(o) => operand(o, n),
        }
    }
    fn select(s: &Select, n: &mut usize) {
        if let Some(f) = &s.filter {
            expr(f, n);
        }
    }
    let mut n = 0;
    match statement {
        Statement::Select(s) => select(s, &mut n),
        Statement::Insert(i) => value(&i.item, &mut n),
        Statement::Update(u) => {
            for a in &u.actions {
                if let UpdateAction::Set(_, sv) = a {
                    operand(&sv.first, &mut n);
                    sv.rest.iter().for_each(|(_, o)| operand(o, &mut n));
                }
            }
            expr(&u.filter, &mut n);
        }
        Statement::Delete(d) => expr(&d.filter, &mut n),
        Statement::Exists(s) => select(s, &mut n),
    }
    n
}

fn malformed(detail: String) -> Error {
    Error::Validation(format!("Statement wasn't well formed, can't be processed: {detail}"))
}

fn check_nesting(text: &str) -> Result<(), Error> {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => {
                depth += 1;
                max = max.max(depth);
            }
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_NESTING {
        return Err(malformed("Statement is nested too deeply".into()));
    }
    Ok(())
}

fn syntax_error(text: &str, offset: usize) -> Error {
    let first_word: String =
        text.trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase();
    if !matches!(first_word.as_str(), "select" | "insert" | "update" | "delete" | "exists") {
        return malformed("Expected data manipulation".into());
    }
    let (line, col) = line_col(text, offset);
    let rest = &text[offset.min(text.len())..];
    let token: String = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
    } else {
        rest.chars().take(1).collect()
    };
    let detail = if token.is_empty() {
        "Unexpected end of statement".to_string()
    } else if is_keyword(&token) {
        format!("Unexpected keyword '{token}'")
    } else {
        format!("Unexpected token '{token}'")
    };
    malformed(format!("{detail} at line {line}, column {col}"))
}

fn is_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "select",
        "from",
        "where",
        "and",
        "or",
        "not",
        "between",
        "in",
        "is",
        "missing",
        "null",
        "true",
        "false",
        "insert",
        "into",
        "value",
        "values",
        "update",
        "set",
        "remove",
        "delete",
        "returning",
        "order",
        "by",
        "limit",
        "offset",
        "exists",
        "asc",
        "desc",
        "all",
        "modified",
        "old",
        "new",
    ];
    KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
}

/// Words that are never bare identifiers (see `keyword_len` for why
/// `insert`, `into` and `order`, which an earlier word begins, still are).
const KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "between",
    "in",
    "is",
    "missing",
    "null",
    "true",
    "false",
    "insert",
    "into",
    "value",
    "update",
    "set",
    "remove",
    "delete",
    "returning",
    "order",
    "by",
    "limit",
    "offset",
    "exists",
];

const COMPARE_OPS: &[&str] = &["<>", "!=", "<=", ">=", "=", "<", ">"];

fn ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Where to go back to when an alternative fails: the position, the next
/// placeholder number and whether an error had been deferred.
#[derive(Clone, Copy)]
struct Mark {
    pos: usize,
    params: usize,
    deferred: bool,
}

/// A predicate's continuation after its first operand.
enum Tail {
    Compare(CompareOp, Operand),
    Between(Operand, Operand, bool),
    In(InList, bool),
    Is(IsTarget, bool),
}

/// Each rule returns `None` when it does not match, with the cursor back
/// where it began. Rules that the grammar names record their start as a
/// failed attempt when they fail (`fail`); punctuation inside a rule does not.
struct Parser<'s> {
    c: Cursor<'s>,
    params: usize,
    /// The first error of a statement that parses but is not acceptable (a
    /// number too large, a duplicate map key, an empty name), in the order
    /// the parts were read.
    deferred: Option<Error>,
}

type P<T> = Option<T>;

impl<'s> Parser<'s> {
    fn mark(&self) -> Mark {
        Mark { pos: self.c.pos, params: self.params, deferred: self.deferred.is_some() }
    }

    fn reset(&mut self, m: Mark) {
        self.c.pos = m.pos;
        self.params = m.params;
        if !m.deferred {
            self.deferred = None;
        }
    }

    /// A named rule starts: after whitespace and comments.
    fn begin(&mut self) -> Mark {
        self.skip();
        self.mark()
    }

    /// A named rule failed: its start is an attempt that failed.
    fn fail<T>(&mut self, m: Mark) -> P<T> {
        self.c.miss(m.pos);
        self.reset(m);
        None
    }

    fn defer(&mut self, e: Error) {
        self.deferred.get_or_insert(e);
    }

    fn skip(&mut self) {
        loop {
            self.c.eat_while(space);
            if !self.c.eat("--") {
                return;
            }
            self.c.eat_while(|b| b != b'\n');
        }
    }

    /// Punctuation inside a rule: not an attempt of its own.
    fn lit(&mut self, s: &str) -> bool {
        self.skip();
        self.c.eat(s)
    }

    /// A keyword token (`kw_select` and friends, `and_op`, `or_op`, `not_op`).
    fn kw(&mut self, word: &str) -> bool {
        let m = self.begin();
        if self.c.eat_insensitive(word) && !self.c.at_byte(ident_byte) {
            return true;
        }
        self.fail::<()>(m);
        false
    }

    /// A named rule matching one of `options` (exactly, or in any ASCII case).
    fn one_of(&mut self, options: &[&str], any_case: bool) -> P<&'s str> {
        let m = self.begin();
        for o in options {
            if if any_case { self.c.eat_insensitive(o) } else { self.c.eat(o) } {
                return Some(self.c.since(m.pos));
            }
        }
        self.fail(m)
    }

    /// A named rule here (no skipping): the first of `words` the text starts
    /// with, if no name character follows it.
    fn word_here(&mut self, words: &[&str]) -> P<&'s str> {
        let at = self.c.pos;
        if let Some(len) = keyword_len(self.c.rest(), words, ident_byte) {
            self.c.pos += len;
            return Some(self.c.since(at));
        }
        self.c.miss(at);
        None
    }

    fn parameter(&mut self) -> Value {
        self.params += 1;
        Value::Parameter(self.params - 1)
    }

    fn statement(&mut self) -> P<Statement> {
        self.skip();
        let statement = if let Some(s) = self.select() {
            Statement::Select(s)
        } else if let Some(s) = self.insert() {
            s
        } else if let Some(s) = self.update() {
            s
        } else if let Some(s) = self.delete() {
            s
        } else {
            Statement::Exists(self.exists_call()?)
        };
        self.lit(";");
        self.skip();
        if self.c.pos < self.c.text.len() {
            self.c.miss(self.c.pos);
            return None;
        }
        Some(statement)
    }

    fn select(&mut self) -> P<Select> {
        let m = self.begin();
        if !self.kw("select") {
            return self.fail(m);
        }
        let Some(projection) = self.projection() else {
            return self.fail(m);
        };
        if !self.kw("from") {
            return self.fail(m);
        }
        let Some(from) = self.table_ref() else {
            return self.fail(m);
        };
        let filter = self.where_clause();
        let order_by = self.order_by().unwrap_or_default();
        let limit = self.count("limit");
        let offset = self.count("offset");
        Some(Select { projection, from, filter, order_by, limit, offset })
    }

    /// `"*"` (None) or the projected paths.
    fn projection(&mut self) -> P<Option<Vec<Path>>> {
        let m = self.begin();
        if self.one_of(&["*"], false).is_some() {
            return Some(None);
        }
        match self.list(Self::path) {
            Some(paths) => Some(Some(paths)),
            None => self.fail(m),
        }
    }

    /// `item ("," item)*`
    fn list<T>(&mut self, item: fn(&mut Self) -> P<T>) -> P<Vec<T>> {
        let mut items = vec![item(self)?];
        loop {
            let m = self.mark();
            if self.lit(",") {
                if let Some(next) = item(self) {
                    items.push(next);
                    continue;
                }
            }
            self.reset(m);
            return Some(items);
        }
    }

    fn table_ref(&mut self) -> P<TableRef> {
        let m = self.begin();
        let Some(table) = self.identifier_here() else {
            return self.fail(m);
        };
        let dot = self.mark();
        let mut index = None;
        if self.lit(".") {
            self.skip();
            index = self.identifier_here();
        }
        if index.is_none() {
            self.reset(dot);
        }
        Some(TableRef { table, index })
    }

    fn where_clause(&mut self) -> P<Expr> {
        let m = self.begin();
        if self.kw("where") {
            if let Some(e) = self.expr() {
                return Some(e);
            }
        }
        self.fail(m)
    }

    fn order_by(&mut self) -> P<Vec<OrderKey>> {
        let m = self.begin();
        if self.kw("order") && self.kw("by") {
            if let Some(keys) = self.list(Self::order_key) {
                return Some(keys);
            }
        }
        self.fail(m)
    }

    fn order_key(&mut self) -> P<OrderKey> {
        let m = self.begin();
        let Some(path) = self.path() else {
            return self.fail(m);
        };
        let descending = self.one_of(&["asc", "desc"], true).is_some_and(|d| d.eq_ignore_ascii_case("desc"));
        Some(OrderKey { path, descending })
    }

    /// `LIMIT n` or `OFFSET n`.
    fn count(&mut self, keyword: &str) -> P<u64> {
        let m = self.begin();
        if self.kw(keyword) {
            self.skip();
            if let Some(digits) = self.integer_here() {
                let n = digits.parse::<u64>().unwrap_or_else(|_| {
                    self.defer(malformed(format!("Integer is too large: {digits}")));
                    0
                });
                return Some(n);
            }
        }
        self.fail(m)
    }

    fn integer_here(&mut self) -> P<&'s str> {
        let at = self.c.pos;
        if self.c.eat_while(|b| b.is_ascii_digit()) > 0 {
            return Some(self.c.since(at));
        }
        self.c.miss(at);
        None
    }

    fn insert(&mut self) -> P<Statement> {
        let m = self.begin();
        if !(self.kw("insert") && self.kw("into")) {
            return self.fail(m);
        }
        let Some(into) = self.table_ref() else {
            return self.fail(m);
        };
        if !self.kw("value") {
            return self.fail(m);
        }
        let item = match self.map_literal() {
            Some(map) => map,
            None if self.one_of(&["?"], false).is_some() => self.parameter(),
            None => return self.fail(m),
        };
        Some(Statement::Insert(Insert { into, item }))
    }

    fn update(&mut self) -> P<Statement> {
        let m = self.begin();
        if !self.kw("update") {
            return self.fail(m);
        }
        let Some(table) = self.table_ref() else {
            return self.fail(m);
        };
        let mut actions = Vec::new();
        while let Some(clause) = self.update_clause() {
            actions.extend(clause);
        }
        if actions.is_empty() {
            return self.fail(m);
        }
        let Some(filter) = self.where_clause() else {
            return self.fail(m);
        };
        let returning = self.returning();
        Some(Statement::Update(Update { table, actions, filter, returning }))
    }

    /// `SET assignments` or `REMOVE paths`: at least one action either way.
    fn update_clause(&mut self) -> P<Vec<UpdateAction>> {
        let m = self.begin();
        if self.kw("set") {
            if let Some(actions) = self.list(Self::assignment) {
                return Some(actions);
            }
        }
        self.fail::<()>(m);
        if self.kw("remove") {
            if let Some(paths) = self.list(Self::path) {
                return Some(paths.into_iter().map(UpdateAction::Remove).collect());
            }
        }
        self.fail(m)
    }

    fn assignment(&mut self) -> P<UpdateAction> {
        let m = self.begin();
        if let Some(path) = self.path() {
            if self.lit("=") {
                if let Some(value) = self.set_value() {
                    return Some(UpdateAction::Set(path, value));
                }
            }
        }
        self.fail(m)
    }

    fn set_value(&mut self) -> P<SetValue> {
        let m = self.begin();
        let Some(first) = self.operand() else {
            return self.fail(m);
        };
        let mut rest = Vec::new();
        loop {
            let before = self.mark();
            if let Some(op) = self.one_of(&["+", "-"], false) {
                if let Some(term) = self.operand() {
                    rest.push((if op == "+" { ArithOp::Add } else { ArithOp::Sub }, term));
                    continue;
                }
            }
            self.reset(before);
            return Some(SetValue { first, rest });
        }
    }

    fn delete(&mut self) -> P<Statement> {
        let m = self.begin();
        if !(self.kw("delete") && self.kw("from")) {
            return self.fail(m);
        }
        let Some(from) = self.table_ref() else {
            return self.fail(m);
        };
        let Some(filter) = self.where_clause() else {
            return self.fail(m);
        };
        let returning = self.returning();
        Some(Statement::Delete(Delete { from, filter, returning }))
    }

    fn returning(&mut self) -> P<Returning> {
        let m = self.begin();
        if self.kw("returning") {
            if let Some(kind) = self.one_of(&["all", "modified"], true) {
                if let Some(image) = self.one_of(&["old", "new"], true) {
                    if self.lit("*") {
                        let all = kind.eq_ignore_ascii_case("all");
                        let old = image.eq_ignore_ascii_case("old");
                        return Some(match (all, old) {
                            (true, true) => Returning::AllOld,
                            (false, true) => Returning::ModifiedOld,
                            (true, false) => Returning::AllNew,
                            (false, false) => Returning::ModifiedNew,
                        });
                    }
                }
            }
        }
        self.fail(m)
    }

    fn expr(&mut self) -> P<Expr> {
        self.chain("or", Self::and_expr, Expr::Or)
    }

    fn and_expr(&mut self) -> P<Expr> {
        self.chain("and", Self::not_expr, Expr::And)
    }

    /// `term (KEYWORD term)*`, one term as itself.
    fn chain(&mut self, keyword: &str, term: fn(&mut Self) -> P<Expr>, many: fn(Vec<Expr>) -> Expr) -> P<Expr> {
        let m = self.begin();
        let Some(first) = term(self) else {
            return self.fail(m);
        };
        let mut terms = vec![first];
        loop {
            let before = self.mark();
            if self.kw(keyword) {
                if let Some(next) = term(self) {
                    terms.push(next);
                    continue;
                }
            }
            self.reset(before);
            return Some(if terms.len() == 1 { terms.pop().expect("one term") } else { many(terms) });
        }
    }

    fn not_expr(&mut self) -> P<Expr> {
        let m = self.begin();
        if self.kw("not") {
            if let Some(inner) = self.not_expr() {
                return Some(Expr::Not(Box::new(inner)));
            }
            self.reset(m);
        }
        match self.predicate() {
            Some(p) => Some(p),
            None => self.fail(m),
        }
    }

    fn predicate(&mut self) -> P<Expr> {
        let m = self.begin();
        if self.lit("(") {
            if let Some(inner) = self.expr() {
                if self.lit(")") {
                    return Some(inner);
                }
            }
            self.reset(m);
        }
        if let Some(select) = self.exists_call() {
            return Some(Expr::Exists(Box::new(select)));
        }
        let Some(operand) = self.operand() else {
            return self.fail(m);
        };
        Some(match self.predicate_tail() {
            None => Expr::Operand(operand),
            Some(Tail::Compare(op, right)) => Expr::Compare(operand, op, right),
            Some(Tail::Between(low, high, negated)) => Expr::Between { operand, low, high, negated },
            Some(Tail::In(list, negated)) => Expr::In { operand, list, negated },
            Some(Tail::Is(target, negated)) => Expr::Is { operand, target, negated },
        })
    }

    /// Comparison, BETWEEN, IN or IS after a predicate's first operand. Each
    /// alternative is a named rule beginning where the tail begins.
    fn predicate_tail(&mut self) -> P<Tail> {
        let m = self.begin();
        if let Some(op) = self.one_of(COMPARE_OPS, false) {
            if let Some(right) = self.operand() {
                let op = match op {
                    "=" => CompareOp::Eq,
                    "<>" | "!=" => CompareOp::Ne,
                    "<" => CompareOp::Lt,
                    "<=" => CompareOp::Le,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                return Some(Tail::Compare(op, right));
            }
        }
        self.fail::<()>(m);
        let negated = self.kw("not");
        if self.kw("between") {
            if let Some(low) = self.operand() {
                if self.kw("and") {
                    if let Some(high) = self.operand() {
                        return Some(Tail::Between(low, high, negated));
                    }
                }
            }
        }
        self.fail::<()>(m);
        let negated = self.kw("not");
        if self.kw("in") {
            let list = self.mark();
            for (open, close) in [("[", "]"), ("(", ")")] {
                if self.lit(open) {
                    if let Some(items) = self.list(Self::operand) {
                        if self.lit(close) {
                            return Some(Tail::In(InList::Items(items), negated));
                        }
                    }
                }
                self.reset(list);
            }
            if self.one_of(&["?"], false).is_some() {
                self.params += 1;
                return Some(Tail::In(InList::Parameter(self.params - 1), negated));
            }
        }
        self.fail::<()>(m);
        if self.kw("is") {
            let negated = self.kw("not");
            if let Some(target) = self.one_of(&["missing", "null"], true) {
                let target = if target.eq_ignore_ascii_case("missing") { IsTarget::Missing } else { IsTarget::Null };
                return Some(Tail::Is(target, negated));
            }
        }
        self.fail(m)
    }

    fn exists_call(&mut self) -> P<Select> {
        let m = self.begin();
        if self.kw("exists") && self.lit("(") {
            if let Some(select) = self.select() {
                if self.lit(")") {
                    return Some(select);
                }
            }
        }
        self.fail(m)
    }

    fn operand(&mut self) -> P<Operand> {
        let m = self.begin();
        if let Some(call) = self.function_call() {
            return Some(call);
        }
        if let Some(value) = self.value() {
            return Some(Operand::Value(value));
        }
        if let Some(path) = self.path() {
            return Some(Operand::Path(path));
        }
        self.fail(m)
    }

    /// `name(args)`: the name must be followed by `(` (after whitespace only).
    fn function_call(&mut self) -> P<Operand> {
        let m = self.begin();
        if self.c.at_byte(name_start) {
            self.c.eat_while(|b| b.is_ascii_alphanumeric() || b == b'_');
            let name = self.c.since(m.pos).to_ascii_lowercase();
            let end = self.c.pos;
            self.c.eat_while(space);
            let called = self.c.peek() == Some(b'(');
            self.c.pos = end;
            if called && self.lit("(") {
                let args = self.list(Self::operand).unwrap_or_default();
                if self.lit(")") {
                    return Some(Operand::Call { name, args });
                }
            }
        }
        self.fail(m)
    }

    fn path(&mut self) -> P<Path> {
        let m = self.begin();
        let Some(first) = self.identifier_here() else {
            return self.fail(m);
        };
        let mut steps = vec![PathStep::Name(first)];
        while let Some(step) = self.path_step() {
            steps.push(step);
        }
        if steps.iter().any(|s| matches!(s, PathStep::Name(n) if n.is_empty())) {
            self.defer(Error::Validation("Path component cannot be an empty string".into()));
        }
        Some(Path(steps))
    }

    /// `.name`, `[n]` or `['name']`, right after the previous step.
    fn path_step(&mut self) -> P<PathStep> {
        let m = self.mark();
        if self.c.eat(".") {
            if let Some(name) = self.identifier_here() {
                return Some(PathStep::Name(name));
            }
            self.reset(m);
        }
        self.c.eat_while(space);
        if self.c.eat("[") {
            self.c.eat_while(space);
            let step = if let Some(digits) = self.integer_here() {
                Some(PathStep::Index(digits.parse::<u32>().unwrap_or_else(|_| {
                    self.defer(malformed(format!("List index is too large: {digits}")));
                    0
                })))
            } else {
                self.quoted_here(b'\'').map(|s| PathStep::Name(unquote(s, "''", "'")))
            };
            if let Some(step) = step {
                self.c.eat_while(space);
                if self.c.eat("]") {
                    return Some(step);
                }
            }
        }
        self.fail(m)
    }

    /// A quoted identifier or a bare one that is not a keyword.
    fn identifier_here(&mut self) -> P<String> {
        let at = self.c.pos;
        if let Some(quoted) = self.quoted_here(b'"') {
            return Some(unquote(quoted, "\"\"", "\""));
        }
        if keyword_len(self.c.rest(), KEYWORDS, ident_byte).is_none() && self.c.at_byte(name_start) {
            self.c.eat_while(ident_byte);
            return Some(self.c.since(at).to_string());
        }
        self.c.miss(at);
        None
    }

    /// Text between two `quote`s, a doubled quote standing for one; with
    /// the quotes.
    fn quoted_here(&mut self, quote: u8) -> P<&'s str> {
        let at = self.c.pos;
        if self.c.peek() == Some(quote) {
            self.c.pos += 1;
            loop {
                match self.c.rest() {
                    [q, r, ..] if *q == quote && *r == quote => self.c.pos += 2,
                    [q, ..] if *q == quote => {
                        self.c.pos += 1;
                        return Some(self.c.since(at));
                    }
                    [] => break,
                    _ => self.c.pos += self.c.text[self.c.pos..].chars().next().map_or(1, char::len_utf8),
                }
            }
        }
        self.c.pos = at;
        self.c.miss(at);
        None
    }

    fn value(&mut self) -> P<Value> {
        let m = self.begin();
        if self.one_of(&["?"], false).is_some() {
            return Some(self.parameter());
        }
        if let Some(s) = self.quoted_here(b'\'') {
            return Some(Value::Scalar(json!({ "S": unquote(s, "''", "'") })));
        }
        if let Some(n) = self.number_here() {
            return Some(Value::Scalar(json!({ "N": n.strip_prefix('+').unwrap_or(n) })));
        }
        if let Some(b) = self.word_here(&["true", "false"]) {
            return Some(Value::Scalar(json!({ "BOOL": b.eq_ignore_ascii_case("true") })));
        }
        if self.word_here(&["null"]).is_some() {
            return Some(Value::Scalar(json!({ "NULL": true })));
        }
        if self.word_here(&["missing"]).is_some() {
            return Some(Value::Missing);
        }
        if let Some(map) = self.map_literal() {
            return Some(map);
        }
        if let Some(items) = self.values_between("[", "]") {
            return Some(Value::List(items));
        }
        if let Some(items) = self.values_between("<<", ">>") {
            return Some(Value::Set(items));
        }
        self.fail(m)
    }

    /// A number: sign, digits with an optional fraction (or a fraction
    /// alone), an optional exponent, and no name character after it.
    fn number_here(&mut self) -> P<&'s str> {
        let at = self.c.pos;
        let digits = |b: u8| b.is_ascii_digit();
        let _ = self.c.eat("-") || self.c.eat("+");
        let mantissa = if self.c.eat_while(digits) > 0 {
            if self.c.eat(".") {
                self.c.eat_while(digits);
            }
            true
        } else {
            self.c.eat(".") && self.c.eat_while(digits) > 0
        };
        if mantissa {
            let exponent = self.c.pos;
            if self.c.eat_insensitive("e") {
                let _ = self.c.eat("-") || self.c.eat("+");
                if self.c.eat_while(digits) == 0 {
                    self.c.pos = exponent;
                }
            }
            if !self.c.at_byte(ident_byte) {
                return Some(self.c.since(at));
            }
        }
        self.c.pos = at;
        self.c.miss(at);
        None
    }

    fn map_literal(&mut self) -> P<Value> {
        let m = self.begin();
        if !self.c.eat("{") {
            return self.fail(m);
        }
        let mut entries: Vec<(String, Value)> = Vec::new();
        if let Some(entry) = self.map_entry() {
            entries.push(entry);
            loop {
                let before = self.mark();
                if self.lit(",") {
                    if let Some((key, value)) = self.map_entry() {
                        if entries.iter().any(|(k, _)| *k == key) {
                            self.defer(malformed(format!("Duplicate map key '{key}'")));
                        }
                        entries.push((key, value));
                        continue;
                    }
                }
                self.reset(before);
                break;
            }
        }
        if !self.lit("}") {
            return self.fail(m);
        }
        Some(Value::Map(entries))
    }

    fn map_entry(&mut self) -> P<(String, Value)> {
        let m = self.begin();
        if let Some(key) = self.quoted_here(b'\'') {
            let key = unquote(key, "''", "'");
            if self.lit(":") {
                if let Some(value) = self.value() {
                    return Some((key, value));
                }
            }
        }
        self.fail(m)
    }

    /// `open (value ("," value)*)? close`
    fn values_between(&mut self, open: &str, close: &str) -> P<Vec<Value>> {
        let m = self.begin();
        if self.c.eat(open) {
            let items = self.list(Self::value).unwrap_or_default();
            if self.lit(close) {
                return Some(items);
            }
        }
        self.fail(m)
    }
}

/// The text between the quotes of `quoted`, `doubled` read as `single`.
fn unquote(quoted: &str, doubled: &str, single: &str) -> String {
    quoted[1..quoted.len() - 1].replace(doubled, single)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Scalar(json!({ "S": v }))
    }
    fn n(v: &str) -> Value {
        Value::Scalar(json!({ "N": v }))
    }
    fn attr(name: &str) -> Operand {
        Operand::Path(Path(vec![PathStep::Name(name.into())]))
    }

    #[test]
    fn parses_the_seed_select() {
        let st = parse_statement("SELECT * FROM users WHERE pk = 'user#123'").unwrap();
        let Statement::Select(sel) = st else { panic!("not a select") };
        assert_eq!(sel.from, TableRef { table: "users".into(), index: None });
        assert_eq!(sel.projection, None);
        assert_eq!(sel.filter, Some(Expr::Compare(attr("pk"), CompareOp::Eq, Operand::Value(s("user#123")))));
    }

    #[test]
    fn parses_projection_index_order_limit_offset() {
        let st = parse_statement(
            r#"select name, "e-mail", a.b[2].c from "T"."byAge" where age > 25 order by age desc limit 10 offset 20"#,
        )
        .unwrap();
        let Statement::Select(sel) = st else { panic!("not a select") };
        let proj = sel.projection.unwrap();
        assert_eq!(proj.len(), 3);
        assert_eq!(proj[1].as_attribute(), Some("e-mail"));
        assert_eq!(proj[2].to_string(), "a.b[2].c");
        assert_eq!(sel.from.index.as_deref(), Some("byAge"));
        assert_eq!(sel.order_by[0].descending, true);
        assert_eq!((sel.limit, sel.offset), (Some(10), Some(20)));
    }

    #[test]
    fn numbers_placeholders_in_text_order() {
        let st = parse_statement("UPDATE T SET a = ?, b = b + ? WHERE pk = ? AND c IN [?, 'x']").unwrap();
        assert_eq!(parameter_count(&st), 4);
        let Statement::Update(u) = st else { panic!("not an update") };
        assert_eq!(u.actions.len(), 2);
        let UpdateAction::Set(_, sv) = &u.actions[1] else { panic!() };
        assert_eq!(sv.rest, vec![(ArithOp::Add, Operand::Value(Value::Parameter(1)))]);
    }

    #[test]
    fn parses_insert_literals() {
        let st = parse_statement(
            "INSERT INTO users VALUE {'pk': 'user#456', 'age': 35, 'tags': <<'a','b'>>, 'm': {'x': [1, null, true]}}",
        )
        .unwrap();
        let Statement::Insert(ins) = st else { panic!() };
        let Value::Map(entries) = ins.item else { panic!() };
        assert_eq!(entries[0], ("pk".into(), s("user#456")));
        assert_eq!(entries[1], ("age".into(), n("35")));
        assert!(matches!(&entries[2].1, Value::Set(v) if v.len() == 2));
    }

    #[test]
    fn parses_delete_returning_and_precedence() {
        let st =
            parse_statement("DELETE FROM T WHERE pk = 1 AND a = 1 OR NOT b IS MISSING RETURNING ALL OLD *").unwrap();
        let Statement::Delete(d) = st else { panic!() };
        assert_eq!(d.returning, Some(Returning::AllOld));
        let Expr::Or(branches) = d.filter else { panic!("OR binds loosest") };
        assert!(matches!(branches[0], Expr::And(_)));
        assert!(
            matches!(&branches[1], Expr::Not(inner) if matches!(**inner, Expr::Is { target: IsTarget::Missing, negated: false, .. }))
        );
    }

    #[test]
    fn keywords_are_case_insensitive_and_strings_unescape() {
        let st = parse_statement("sElEcT * FrOm T wHeRe name = 'O''Brien' AnD x BETWEEN 1 and 5").unwrap();
        let Statement::Select(sel) = st else { panic!() };
        let Some(Expr::And(terms)) = sel.filter else { panic!() };
        assert_eq!(terms[0], Expr::Compare(attr("name"), CompareOp::Eq, Operand::Value(s("O'Brien"))));
        assert!(matches!(terms[1], Expr::Between { .. }));
    }

    #[test]
    fn functions_parse_as_calls() {
        let st = parse_statement("SELECT * FROM T WHERE begins_with(sk, 'a') AND size(tags) > 2").unwrap();
        let Statement::Select(sel) = st else { panic!() };
        let Some(Expr::And(terms)) = sel.filter else { panic!() };
        assert!(
            matches!(&terms[0], Expr::Operand(Operand::Call { name, args }) if name == "begins_with" && args.len() == 2)
        );
        assert!(matches!(&terms[1], Expr::Compare(Operand::Call { name, .. }, CompareOp::Gt, _) if name == "size"));
    }

    #[test]
    fn words_an_earlier_keyword_begins_are_names() {
        // `in` and `or` come first in the keyword list, so `into`, `insert`
        // and `order` never read as keywords where a name is expected.
        let st = parse_statement("SELECT order, insert FROM T WHERE into = 1").unwrap();
        let Statement::Select(sel) = st else { panic!() };
        let names: Vec<_> = sel.projection.unwrap().iter().map(|p| p.to_string()).collect();
        assert_eq!(names, ["order", "insert"]);
        assert_eq!(sel.filter, Some(Expr::Compare(attr("into"), CompareOp::Eq, Operand::Value(n("1")))));
        assert!(parse_statement("SELECT in FROM T").is_err());
    }

    #[test]
    fn calls_comments_and_placeholders() {
        let st = parse_statement("SELECT * FROM T -- all of it\nWHERE size (a) > ? AND b IN ?").unwrap();
        let Statement::Select(sel) = st else { panic!() };
        let Some(Expr::And(terms)) = sel.filter else { panic!() };
        assert!(
            matches!(&terms[0], Expr::Compare(Operand::Call { name, .. }, CompareOp::Gt, Operand::Value(Value::Parameter(0))) if name == "size")
        );
        assert!(matches!(&terms[1], Expr::In { list: InList::Parameter(1), negated: false, .. }));
        // Between a function's name and its `(` only whitespace may stand.
        assert!(parse_statement("SELECT * FROM T WHERE size -- c\n(a) > 1").is_err());
    }

    #[test]
    fn unacceptable_parts_are_reported_after_the_syntax() {
        let err = parse_statement("SELECT * FROM T WHERE a[99999999999] = 1").unwrap_err();
        assert!(err.to_string().ends_with("List index is too large: 99999999999"), "{err}");
        let err = parse_statement("INSERT INTO T VALUE {'a': 1, 'a': 2}").unwrap_err();
        assert!(err.to_string().ends_with("Duplicate map key 'a'"), "{err}");
        // A syntax error wins over them.
        let err = parse_statement("INSERT INTO T VALUE {'a': 1, 'a': 2} x").unwrap_err();
        assert!(err.to_string().contains("Unexpected token 'x'"), "{err}");
        let err = parse_statement("SELECT * FROM T WHERE \"\" = 1").unwrap_err();
        assert_eq!(err.to_string(), "Path component cannot be an empty string");
    }

    #[test]
    fn non_dml_is_expected_data_manipulation() {
        let err = parse_statement("CREATE TABLE x").unwrap_err();
        assert_eq!(err.to_string(), "Statement wasn't well formed, can't be processed: Expected data manipulation");
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse_statement("SELECT * FROM T WHERE").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Statement wasn't well formed, can't be processed: Unexpected end of statement at line 1, column 22"
        );
        let err = parse_statement("SELECT * FROM WHERE a = 1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Statement wasn't well formed, can't be processed: Unexpected keyword 'WHERE' at line 1, column 15"
        );
    }
}
