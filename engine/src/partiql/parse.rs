//! From statement text to [`Statement`], with the pest grammar in
//! `grammar.pest`.
//!
//! Syntax errors follow DynamoDB's envelope — `Statement wasn't well formed,
//! can't be processed: <what>` — and add where: `at line L, column C`, so that
//! a long statement typed in the shell points at its mistake. A statement
//! that does not begin with SELECT, INSERT, UPDATE or DELETE gets DynamoDB's
//! own `Expected data manipulation`.

use super::ast::*;
use crate::error::Error;
use pest::iterators::Pair;
use pest::Parser;
use serde_json::json;

#[derive(pest_derive::Parser)]
#[grammar = "partiql/grammar.pest"]
struct PartiqlParser;

/// The longest statement DynamoDB accepts, in characters.
pub const MAX_STATEMENT_LENGTH: usize = 8192;

/// How deeply parentheses and NOTs may nest before the statement is refused
/// (pest recurses once per level; this keeps hostile input off the stack).
const MAX_NESTING: usize = 64;

/// Parse one statement. Placeholders are numbered left to right from 0.
pub fn parse_statement(text: &str) -> Result<Statement, Error> {
    if text.trim().is_empty() {
        return Err(malformed("Empty statement".into()));
    }
    check_nesting(text)?;
    let mut pairs = PartiqlParser::parse(Rule::statement, text).map_err(|e| syntax_error(text, e))?;
    // The grammar's `statement` rule always yields exactly one pair.
    let statement = pairs.next().expect("statement pair");
    let mut b = Builder { params: 0 };
    let inner = statement.kids().next().expect("statement body");
    b.statement(inner)
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

fn syntax_error(text: &str, e: pest::error::Error<Rule>) -> Error {
    let first_word: String =
        text.trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase();
    if !matches!(first_word.as_str(), "select" | "insert" | "update" | "delete" | "exists") {
        return malformed("Expected data manipulation".into());
    }
    let offset = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let (line, col) = match e.line_col {
        pest::error::LineColLocation::Pos(p) => p,
        pest::error::LineColLocation::Span(p, _) => p,
    };
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
        "select", "from", "where", "and", "or", "not", "between", "in", "is", "missing", "null", "true",
        "false", "insert", "into", "value", "values", "update", "set", "remove", "delete", "returning",
        "order", "by", "limit", "offset", "exists", "asc", "desc", "all", "modified", "old", "new",
    ];
    KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
}

/// Walks pest's pairs into the AST, numbering placeholders as it meets them.
struct Builder {
    params: usize,
}

type R<T> = Result<T, Error>;

impl Builder {
    fn statement(&mut self, p: Pair<Rule>) -> R<Statement> {
        Ok(match p.as_rule() {
            Rule::select => Statement::Select(self.select(p)?),
            Rule::insert => {
                let mut it = p.kids();
                let into = self.table_ref(it.next().expect("table"));
                let v = it.next().expect("item");
                let item = match v.as_rule() {
                    Rule::parameter => self.parameter(),
                    _ => self.map_literal(v)?,
                };
                Statement::Insert(Insert { into, item })
            }
            Rule::update => {
                let mut table = None;
                let mut actions = Vec::new();
                let mut filter = None;
                let mut returning = None;
                for part in p.kids() {
                    match part.as_rule() {
                        Rule::table_ref => table = Some(self.table_ref(part)),
                        Rule::update_clause => self.update_clause(part, &mut actions)?,
                        Rule::where_clause => filter = Some(self.where_clause(part)?),
                        Rule::returning => returning = Some(returning_of(part)),
                        _ => {}
                    }
                }
                Statement::Update(Update {
                    table: table.expect("table"),
                    actions,
                    filter: filter.expect("where"),
                    returning,
                })
            }
            Rule::delete => {
                let mut it = p.kids();
                let from = self.table_ref(it.next().expect("table"));
                let filter = self.where_clause(it.next().expect("where"))?;
                let returning = it.next().map(returning_of);
                Statement::Delete(Delete { from, filter, returning })
            }
            Rule::exists_call => Statement::Exists(self.select(p.kids().next().expect("select"))?),
            other => unreachable!("statement body cannot be {other:?}"),
        })
    }

    fn select(&mut self, p: Pair<Rule>) -> R<Select> {
        let mut s = Select {
            projection: None,
            from: TableRef { table: String::new(), index: None },
            filter: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
        };
        for part in p.kids() {
            match part.as_rule() {
                Rule::projection => {
                    let mut paths = Vec::new();
                    for item in part.kids() {
                        if item.as_rule() == Rule::projected {
                            paths.push(self.path(item.kids().next().expect("path"))?);
                        }
                    }
                    s.projection = if paths.is_empty() { None } else { Some(paths) };
                }
                Rule::table_ref => s.from = self.table_ref(part),
                Rule::where_clause => s.filter = Some(self.where_clause(part)?),
                Rule::order_by => {
                    for key in part.kids() {
                        let mut it = key.kids();
                        let path = self.path(it.next().expect("order path"))?;
                        let descending = it.next().is_some_and(|d| d.as_str().eq_ignore_ascii_case("desc"));
                        s.order_by.push(OrderKey { path, descending });
                    }
                }
                Rule::limit_clause => s.limit = Some(integer(part.kids().next().expect("n"))?),
                Rule::offset_clause => s.offset = Some(integer(part.kids().next().expect("n"))?),
                _ => {}
            }
        }
        Ok(s)
    }

    fn table_ref(&mut self, p: Pair<Rule>) -> TableRef {
        let mut it = p.kids();
        let table = identifier(it.next().expect("table name"));
        let index = it.next().map(identifier);
        TableRef { table, index }
    }

    fn update_clause(&mut self, p: Pair<Rule>, actions: &mut Vec<UpdateAction>) -> R<()> {
        let clause = p.kids().next().expect("clause");
        match clause.as_rule() {
            Rule::set_clause => {
                for a in clause.kids() {
                    let mut it = a.kids();
                    let path = self.path(it.next().expect("path"))?;
                    let value = self.set_value(it.next().expect("value"))?;
                    actions.push(UpdateAction::Set(path, value));
                }
            }
            Rule::remove_clause => {
                for path in clause.kids() {
                    actions.push(UpdateAction::Remove(self.path(path)?));
                }
            }
            other => unreachable!("update clause cannot be {other:?}"),
        }
        Ok(())
    }

    fn set_value(&mut self, p: Pair<Rule>) -> R<SetValue> {
        let mut it = p.kids();
        let first = self.set_term(it.next().expect("term"))?;
        let mut rest = Vec::new();
        while let Some(op) = it.next() {
            let op = if op.as_str() == "+" { ArithOp::Add } else { ArithOp::Sub };
            rest.push((op, self.set_term(it.next().expect("term"))?));
        }
        Ok(SetValue { first, rest })
    }

    fn set_term(&mut self, p: Pair<Rule>) -> R<Operand> {
        let inner = p.kids().next().expect("term");
        self.operand_inner(inner)
    }

    fn where_clause(&mut self, p: Pair<Rule>) -> R<Expr> {
        self.expr(p.kids().next().expect("expr"))
    }

    fn expr(&mut self, p: Pair<Rule>) -> R<Expr> {
        let mut terms = Vec::new();
        for part in p.kids() {
            if part.as_rule() == Rule::and_expr {
                terms.push(self.and_expr(part)?);
            }
        }
        Ok(if terms.len() == 1 { terms.pop().expect("one term") } else { Expr::Or(terms) })
    }

    fn and_expr(&mut self, p: Pair<Rule>) -> R<Expr> {
        let mut terms = Vec::new();
        for part in p.kids() {
            if part.as_rule() == Rule::not_expr {
                terms.push(self.not_expr(part)?);
            }
        }
        Ok(if terms.len() == 1 { terms.pop().expect("one term") } else { Expr::And(terms) })
    }

    fn not_expr(&mut self, p: Pair<Rule>) -> R<Expr> {
        let mut it = p.kids();
        let first = it.next().expect("not_expr body");
        match first.as_rule() {
            Rule::not_op => Ok(Expr::Not(Box::new(self.not_expr(it.next().expect("negated"))?))),
            _ => self.predicate(first),
        }
    }

    fn predicate(&mut self, p: Pair<Rule>) -> R<Expr> {
        let mut it = p.kids();
        let first = it.next().expect("predicate body");
        match first.as_rule() {
            Rule::expr => self.expr(first),
            Rule::exists_call => {
                let select = self.select(first.kids().next().expect("select"))?;
                Ok(Expr::Exists(Box::new(select)))
            }
            Rule::operand => {
                let left = self.operand(first)?;
                match it.next() {
                    None => Ok(Expr::Operand(left)),
                    Some(tail) => self.predicate_tail(left, tail),
                }
            }
            other => unreachable!("predicate cannot start with {other:?}"),
        }
    }

    fn predicate_tail(&mut self, left: Operand, p: Pair<Rule>) -> R<Expr> {
        let tail = p.kids().next().expect("tail");
        let rule = tail.as_rule();
        let mut it = tail.kids().peekable();
        let negated = it.peek().is_some_and(|n| n.as_rule() == Rule::not_op);
        if negated {
            it.next();
        }
        match rule {
            Rule::comparison => {
                let op = match it.next().expect("op").as_str() {
                    "=" => CompareOp::Eq,
                    "<>" | "!=" => CompareOp::Ne,
                    "<" => CompareOp::Lt,
                    "<=" => CompareOp::Le,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                let right = self.operand(it.next().expect("right"))?;
                Ok(Expr::Compare(left, op, right))
            }
            Rule::between => {
                let low = self.operand(it.next().expect("low"))?;
                it.next(); // AND
                let high = self.operand(it.next().expect("high"))?;
                Ok(Expr::Between { operand: left, low, high, negated })
            }
            Rule::in_list => {
                let mut items = Vec::new();
                let mut param = None;
                for part in it {
                    match part.as_rule() {
                        Rule::operand => items.push(self.operand(part)?),
                        Rule::parameter => {
                            param = Some(self.params);
                            self.params += 1;
                        }
                        _ => {}
                    }
                }
                let list = match param {
                    Some(i) => InList::Parameter(i),
                    None => InList::Items(items),
                };
                Ok(Expr::In { operand: left, list, negated })
            }
            Rule::is_test => {
                let target = it.next().expect("target");
                let target =
                    if target.as_str().eq_ignore_ascii_case("missing") { IsTarget::Missing } else { IsTarget::Null };
                Ok(Expr::Is { operand: left, target, negated })
            }
            other => unreachable!("predicate tail cannot be {other:?}"),
        }
    }

    fn operand(&mut self, p: Pair<Rule>) -> R<Operand> {
        self.operand_inner(p.kids().next().expect("operand body"))
    }

    fn operand_inner(&mut self, p: Pair<Rule>) -> R<Operand> {
        match p.as_rule() {
            Rule::function_call => {
                let mut it = p.kids();
                let name = it.next().expect("name").as_str().to_ascii_lowercase();
                let args = it.map(|a| self.operand(a)).collect::<R<Vec<_>>>()?;
                Ok(Operand::Call { name, args })
            }
            Rule::value => Ok(Operand::Value(self.value(p)?)),
            Rule::path => Ok(Operand::Path(self.path(p)?)),
            other => unreachable!("operand cannot be {other:?}"),
        }
    }

    fn path(&mut self, p: Pair<Rule>) -> R<Path> {
        let mut steps = Vec::new();
        for part in p.kids() {
            match part.as_rule() {
                Rule::identifier => steps.push(PathStep::Name(identifier(part))),
                Rule::path_step => {
                    let step = part.kids().next().expect("step");
                    match step.as_rule() {
                        Rule::identifier => steps.push(PathStep::Name(identifier(step))),
                        Rule::integer => {
                            let ix = step
                                .as_str()
                                .parse::<u32>()
                                .map_err(|_| malformed(format!("List index is too large: {}", step.as_str())))?;
                            steps.push(PathStep::Index(ix));
                        }
                        Rule::string => steps.push(PathStep::Name(unquote_string(step.as_str()))),
                        other => unreachable!("path step cannot be {other:?}"),
                    }
                }
                _ => {}
            }
        }
        if steps.iter().any(|s| matches!(s, PathStep::Name(n) if n.is_empty())) {
            return Err(Error::Validation("Path component cannot be an empty string".into()));
        }
        Ok(Path(steps))
    }

    fn parameter(&mut self) -> Value {
        let i = self.params;
        self.params += 1;
        Value::Parameter(i)
    }

    fn value(&mut self, p: Pair<Rule>) -> R<Value> {
        let inner = p.kids().next().expect("value body");
        Ok(match inner.as_rule() {
            Rule::parameter => self.parameter(),
            Rule::string => Value::Scalar(json!({ "S": unquote_string(inner.as_str()) })),
            Rule::number => {
                let text = inner.as_str();
                let text = text.strip_prefix('+').unwrap_or(text);
                Value::Scalar(json!({ "N": text }))
            }
            Rule::boolean => Value::Scalar(json!({ "BOOL": inner.as_str().eq_ignore_ascii_case("true") })),
            Rule::null => Value::Scalar(json!({ "NULL": true })),
            Rule::missing => Value::Missing,
            Rule::map_literal => self.map_literal(inner)?,
            Rule::list_literal => {
                Value::List(inner.kids().map(|v| self.value(v)).collect::<R<Vec<_>>>()?)
            }
            Rule::set_literal => Value::Set(inner.kids().map(|v| self.value(v)).collect::<R<Vec<_>>>()?),
            other => unreachable!("value cannot be {other:?}"),
        })
    }

    fn map_literal(&mut self, p: Pair<Rule>) -> R<Value> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        for entry in p.kids() {
            let mut it = entry.kids();
            let key = unquote_string(it.next().expect("key").as_str());
            let value = self.value(it.next().expect("value"))?;
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(malformed(format!("Duplicate map key '{key}'")));
            }
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// Children of a pair without the keyword tokens, which exist as rules only
/// so that syntax errors can name the keyword that was expected.
trait Kids<'i> {
    fn kids(self) -> std::iter::Filter<pest::iterators::Pairs<'i, Rule>, fn(&Pair<'i, Rule>) -> bool>;
}

impl<'i> Kids<'i> for Pair<'i, Rule> {
    fn kids(self) -> std::iter::Filter<pest::iterators::Pairs<'i, Rule>, fn(&Pair<'i, Rule>) -> bool> {
        fn not_keyword(p: &Pair<'_, Rule>) -> bool {
            !matches!(p.as_rule(), Rule::kw_select | Rule::kw_from | Rule::kw_where | Rule::kw_order | Rule::kw_by | Rule::kw_limit | Rule::kw_offset | Rule::kw_insert | Rule::kw_into | Rule::kw_value | Rule::kw_update | Rule::kw_set | Rule::kw_remove | Rule::kw_delete | Rule::kw_returning | Rule::kw_all | Rule::kw_modified | Rule::kw_old | Rule::kw_new | Rule::kw_between | Rule::kw_in | Rule::kw_is | Rule::kw_exists | Rule::kw_asc | Rule::kw_desc)
        }
        self.into_inner().filter(not_keyword as fn(&Pair<'i, Rule>) -> bool)
    }
}

fn returning_of(p: Pair<Rule>) -> Returning {
    let mut it = p.kids();
    let all = it.next().is_some_and(|k| k.as_str().eq_ignore_ascii_case("all"));
    let old = it.next().is_some_and(|k| k.as_str().eq_ignore_ascii_case("old"));
    match (all, old) {
        (true, true) => Returning::AllOld,
        (false, true) => Returning::ModifiedOld,
        (true, false) => Returning::AllNew,
        (false, false) => Returning::ModifiedNew,
    }
}

fn identifier(p: Pair<Rule>) -> String {
    let inner = p.kids().next().expect("identifier body");
    match inner.as_rule() {
        Rule::quoted_identifier => {
            let s = inner.as_str();
            s[1..s.len() - 1].replace("\"\"", "\"")
        }
        _ => inner.as_str().to_string(),
    }
}

fn unquote_string(s: &str) -> String {
    s[1..s.len() - 1].replace("''", "'")
}

fn integer(p: Pair<Rule>) -> R<u64> {
    p.as_str().parse::<u64>().map_err(|_| malformed(format!("Integer is too large: {}", p.as_str())))
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
        let st =
            parse_statement("INSERT INTO users VALUE {'pk': 'user#456', 'age': 35, 'tags': <<'a','b'>>, 'm': {'x': [1, null, true]}}")
                .unwrap();
        let Statement::Insert(ins) = st else { panic!() };
        let Value::Map(entries) = ins.item else { panic!() };
        assert_eq!(entries[0], ("pk".into(), s("user#456")));
        assert_eq!(entries[1], ("age".into(), n("35")));
        assert!(matches!(&entries[2].1, Value::Set(v) if v.len() == 2));
    }

    #[test]
    fn parses_delete_returning_and_precedence() {
        let st = parse_statement("DELETE FROM T WHERE pk = 1 AND a = 1 OR NOT b IS MISSING RETURNING ALL OLD *").unwrap();
        let Statement::Delete(d) = st else { panic!() };
        assert_eq!(d.returning, Some(Returning::AllOld));
        let Expr::Or(branches) = d.filter else { panic!("OR binds loosest") };
        assert!(matches!(branches[0], Expr::And(_)));
        assert!(matches!(&branches[1], Expr::Not(inner) if matches!(**inner, Expr::Is { target: IsTarget::Missing, negated: false, .. })));
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
        assert!(matches!(&terms[0], Expr::Operand(Operand::Call { name, args }) if name == "begins_with" && args.len() == 2));
        assert!(matches!(&terms[1], Expr::Compare(Operand::Call { name, .. }, CompareOp::Gt, _) if name == "size"));
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
