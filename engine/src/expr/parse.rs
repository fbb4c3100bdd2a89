//! Text → raw syntax trees, and DynamoDB's syntax-error message.
//!
//! The raw trees keep what the checks after parsing need and the typed trees
//! do not: parentheses (DynamoDB rejects redundant ones), unresolved `#name`
//! and `:value` references with their spelling, and function calls by name
//! (unknown and misplaced functions get their own messages). The check
//! passes in `condition.rs`, `update.rs` and `projection.rs` turn them into
//! the typed trees of `ast.rs`.
//!
//! The grammar (one for the four expression kinds, which share document
//! paths, operands and function calls), in PEG notation: `|` is ordered
//! choice, whitespace may separate any two tokens, keywords are
//! case-insensitive and may not run into a following word character (`ANDx`
//! is a name), and a name is a word that is not one of the keywords (other
//! reserved words parse as names; they are rejected afterwards with
//! DynamoDB's "reserved keyword" message):
//!
//! ```text
//! path      = name ("." name | "[" digits "]")*        name = word | "#" word-chars
//! operand   = function | ":" word-chars | path | "(" operand ")"
//! function  = word "(" operand ("," operand)* ")"
//! condition = and (OR and)*          and = unary (AND unary)*
//! unary     = NOT unary | operand comparator operand | operand BETWEEN operand AND operand
//!           | operand IN "(" operand ("," operand)* ")" | function | "(" condition ")"
//! update    = (SET set ("," set)* | REMOVE path ("," path)*
//!           | ADD path value ("," path value)* | DELETE path value ("," path value)*)+
//! set       = path "=" term (("+" | "-") term)?            term = function | value | path
//! projection = path ("," path)*
//! ```
//!
//! Syntax errors name the offending token and the text around it the way
//! DynamoDB does: `Syntax error; token: "=", near: "SET = 1"`, where `near`
//! spans the token before, the token itself and the token after, as written.
//! At the end of the input the token is `<EOF>`.

use super::ast::Comparator;
use crate::syntax::{keyword_len, Cursor};

/// One step of a path as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawElement<'s> {
    /// A bare name; `alias` for `#name` references.
    Name {
        text: &'s str,
        alias: bool,
    },
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPath<'s> {
    pub elements: Vec<RawElement<'s>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawFunction<'s> {
    pub name: &'s str,
    pub args: Vec<RawOperand<'s>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawOperand<'s> {
    Path(RawPath<'s>),
    Value(&'s str),
    Function(RawFunction<'s>),
    Paren(Box<RawOperand<'s>>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawCondition<'s> {
    Compare(Comparator, RawOperand<'s>, RawOperand<'s>),
    Between(RawOperand<'s>, RawOperand<'s>, RawOperand<'s>),
    In(RawOperand<'s>, Vec<RawOperand<'s>>),
    Function(RawFunction<'s>),
    Paren(Box<RawCondition<'s>>),
    Not(Box<RawCondition<'s>>),
    And(Vec<RawCondition<'s>>),
    Or(Vec<RawCondition<'s>>),
}

/// The right-hand side of one `SET` action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawSetValue<'s> {
    Operand(RawOperand<'s>),
    Plus(RawOperand<'s>, RawOperand<'s>),
    Minus(RawOperand<'s>, RawOperand<'s>),
}

/// An update expression as written: its clauses in order of appearance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawClause<'s> {
    Set(Vec<(RawPath<'s>, RawSetValue<'s>)>),
    Remove(Vec<RawPath<'s>>),
    Add(Vec<(RawPath<'s>, &'s str)>),
    Delete(Vec<(RawPath<'s>, &'s str)>),
}

/// Deepest nesting of parentheses and `NOT`s accepted. The parser recurses;
/// without a bound a long run of `(` in a 4 KB expression could exhaust the
/// stack of a small (browser worker, WASI) thread.
const MAX_NESTING: usize = 100;

/// Parses a condition (also filter and key condition) expression.
pub(crate) fn parse_condition(text: &str) -> Result<RawCondition<'_>, String> {
    check_nesting(text)?;
    let mut p = Parser::new(text);
    let parsed = p.or_condition();
    p.finish(parsed)
}

/// Parses an update expression into its clauses.
pub(crate) fn parse_update(text: &str) -> Result<Vec<RawClause<'_>>, String> {
    check_nesting(text)?;
    let mut p = Parser::new(text);
    let parsed = p.update_clauses();
    p.finish(parsed)
}

/// Parses a projection expression into its paths.
pub(crate) fn parse_projection(text: &str) -> Result<Vec<RawPath<'_>>, String> {
    let mut p = Parser::new(text);
    let parsed = p.list(Parser::path);
    p.finish(parsed)
}

/// The grammar's keywords: never names or function names.
const KEYWORDS: &[&str] = &["between", "and", "or", "not", "in", "set", "remove", "add", "delete"];

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where to go back to: the position and the first too-large list index
/// met on the way there (reported only if the whole text parses).
#[derive(Clone, Copy)]
struct Mark {
    pos: usize,
    overflow: Option<usize>,
}

/// Each rule returns `None` when it does not match, with the cursor back
/// where the rule began.
struct Parser<'s> {
    c: Cursor<'s>,
    overflow: Option<usize>,
}

impl<'s> Parser<'s> {
    fn new(text: &'s str) -> Self {
        Parser { c: Cursor::new(text), overflow: None }
    }

    fn mark(&self) -> Mark {
        Mark { pos: self.c.pos, overflow: self.overflow }
    }

    fn reset(&mut self, m: Mark) {
        self.c.pos = m.pos;
        self.overflow = m.overflow;
    }

    /// The whole text must be `parsed`, up to trailing whitespace.
    fn finish<T>(&mut self, parsed: Option<T>) -> Result<T, String> {
        match parsed {
            Some(tree) if self.end() => match self.overflow {
                Some(at) => Err(syntax_error(self.c.text, at)),
                None => Ok(tree),
            },
            _ => Err(syntax_error(self.c.text, self.c.furthest)),
        }
    }

    fn skip_space(&mut self) {
        self.c.eat_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    }

    fn end(&mut self) -> bool {
        self.skip_space();
        let at_end = self.c.pos == self.c.text.len();
        if !at_end {
            self.c.miss(self.c.pos);
        }
        at_end
    }

    /// One token: whitespace, then what `lex` consumes (it returns false,
    /// having consumed nothing, if the token is not there).
    fn token(&mut self, lex: impl FnOnce(&mut Cursor<'s>) -> bool) -> Option<&'s str> {
        let before = self.c.pos;
        self.skip_space();
        let start = self.c.pos;
        if lex(&mut self.c) {
            Some(self.c.since(start))
        } else {
            self.c.miss(start);
            self.c.pos = before;
            None
        }
    }

    fn punct(&mut self, p: &str) -> bool {
        self.token(|c| c.eat(p)).is_some()
    }

    fn keyword(&mut self, word: &str) -> bool {
        self.token(|c| keyword_len(c.rest(), &[word], word_byte).is_some() && c.eat_insensitive(word)).is_some()
    }

    /// A name or function name: a word that is not a keyword.
    fn word(&mut self) -> Option<&'s str> {
        self.token(|c| {
            if keyword_len(c.rest(), KEYWORDS, word_byte).is_some()
                || !c.at_byte(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                return false;
            }
            c.eat_while(word_byte);
            true
        })
    }

    /// `#name` or `:value`: the sigil and at least one word byte.
    fn reference(&mut self, sigil: &'static str) -> Option<&'s str> {
        self.token(|c| {
            let start = c.pos;
            if c.eat(sigil) && c.eat_while(word_byte) > 0 {
                return true;
            }
            c.pos = start;
            false
        })
    }

    fn comparator(&mut self) -> Option<Comparator> {
        let symbol = self.token(|c| [">=", "<=", "<>", "=", "<", ">"].iter().any(|s| c.eat(s)))?;
        Comparator::from_symbol(symbol)
    }

    /// `item ("," item)*`
    fn list<T>(&mut self, item: fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        loop {
            let m = self.mark();
            if self.punct(",") {
                if let Some(next) = item(self) {
                    items.push(next);
                    continue;
                }
            }
            self.reset(m);
            return Some(items);
        }
    }

    fn path(&mut self) -> Option<RawPath<'s>> {
        let mut elements = vec![self.path_name()?];
        loop {
            let m = self.mark();
            if self.punct(".") {
                if let Some(name) = self.path_name() {
                    elements.push(name);
                    continue;
                }
            } else if self.punct("[") {
                if let Some(digits) = self.token(|c| c.eat_while(|b| b.is_ascii_digit()) > 0) {
                    if self.punct("]") {
                        let index = digits.parse::<usize>().unwrap_or_else(|_| {
                            self.overflow.get_or_insert(self.c.offset_of(digits));
                            0
                        });
                        elements.push(RawElement::Index(index));
                        continue;
                    }
                }
            }
            self.reset(m);
            return Some(RawPath { elements });
        }
    }

    fn path_name(&mut self) -> Option<RawElement<'s>> {
        if let Some(text) = self.word() {
            return Some(RawElement::Name { text, alias: false });
        }
        self.reference("#").map(|text| RawElement::Name { text, alias: true })
    }

    fn function(&mut self) -> Option<RawFunction<'s>> {
        let m = self.mark();
        if let Some(name) = self.word() {
            if self.punct("(") {
                if let Some(args) = self.list(Self::operand) {
                    if self.punct(")") {
                        return Some(RawFunction { name, args });
                    }
                }
            }
        }
        self.reset(m);
        None
    }

    fn operand(&mut self) -> Option<RawOperand<'s>> {
        if let Some(f) = self.function() {
            return Some(RawOperand::Function(f));
        }
        if let Some(v) = self.reference(":") {
            return Some(RawOperand::Value(v));
        }
        if let Some(p) = self.path() {
            return Some(RawOperand::Path(p));
        }
        let m = self.mark();
        if self.punct("(") {
            if let Some(inner) = self.operand() {
                if self.punct(")") {
                    return Some(RawOperand::Paren(Box::new(inner)));
                }
            }
        }
        self.reset(m);
        None
    }

    fn or_condition(&mut self) -> Option<RawCondition<'s>> {
        self.chain("or", Self::and_condition, RawCondition::Or)
    }

    fn and_condition(&mut self) -> Option<RawCondition<'s>> {
        self.chain("and", Self::unary, RawCondition::And)
    }

    /// `term (KEYWORD term)*`, one term as itself.
    fn chain(
        &mut self,
        keyword: &str,
        term: fn(&mut Self) -> Option<RawCondition<'s>>,
        many: fn(Vec<RawCondition<'s>>) -> RawCondition<'s>,
    ) -> Option<RawCondition<'s>> {
        let mut terms = vec![term(self)?];
        loop {
            let m = self.mark();
            if self.keyword(keyword) {
                if let Some(next) = term(self) {
                    terms.push(next);
                    continue;
                }
            }
            self.reset(m);
            return Some(if terms.len() == 1 { terms.pop().expect("one term") } else { many(terms) });
        }
    }

    fn unary(&mut self) -> Option<RawCondition<'s>> {
        let m = self.mark();
        if self.keyword("not") {
            if let Some(inner) = self.unary() {
                return Some(RawCondition::Not(Box::new(inner)));
            }
            self.reset(m);
        }
        self.primary()
    }

    fn primary(&mut self) -> Option<RawCondition<'s>> {
        let m = self.mark();
        // The three forms that start with an operand: it is parsed once, and
        // each form's continuation is tried after it.
        if let Some(left) = self.operand() {
            let after = self.mark();
            if let Some(comparator) = self.comparator() {
                if let Some(right) = self.operand() {
                    return Some(RawCondition::Compare(comparator, left, right));
                }
            }
            self.reset(after);
            if self.keyword("between") {
                if let Some(lower) = self.operand() {
                    if self.keyword("and") {
                        if let Some(upper) = self.operand() {
                            return Some(RawCondition::Between(left, lower, upper));
                        }
                    }
                }
            }
            self.reset(after);
            if self.keyword("in") && self.punct("(") {
                if let Some(list) = self.list(Self::operand) {
                    if self.punct(")") {
                        return Some(RawCondition::In(left, list));
                    }
                }
            }
            self.reset(m);
        }
        if let Some(f) = self.function() {
            return Some(RawCondition::Function(f));
        }
        if self.punct("(") {
            if let Some(inner) = self.or_condition() {
                if self.punct(")") {
                    return Some(RawCondition::Paren(Box::new(inner)));
                }
            }
        }
        self.reset(m);
        None
    }

    fn update_clauses(&mut self) -> Option<Vec<RawClause<'s>>> {
        let mut clauses = vec![self.update_clause()?];
        while let Some(clause) = self.update_clause() {
            clauses.push(clause);
        }
        Some(clauses)
    }

    fn update_clause(&mut self) -> Option<RawClause<'s>> {
        let m = self.mark();
        if self.keyword("set") {
            if let Some(actions) = self.list(Self::set_action) {
                return Some(RawClause::Set(actions));
            }
            self.reset(m);
        }
        if self.keyword("remove") {
            if let Some(paths) = self.list(Self::path) {
                return Some(RawClause::Remove(paths));
            }
            self.reset(m);
        }
        if self.keyword("add") {
            if let Some(actions) = self.list(Self::path_and_value) {
                return Some(RawClause::Add(actions));
            }
            self.reset(m);
        }
        if self.keyword("delete") {
            if let Some(actions) = self.list(Self::path_and_value) {
                return Some(RawClause::Delete(actions));
            }
            self.reset(m);
        }
        None
    }

    fn path_and_value(&mut self) -> Option<(RawPath<'s>, &'s str)> {
        let m = self.mark();
        if let Some(path) = self.path() {
            if let Some(value) = self.reference(":") {
                return Some((path, value));
            }
        }
        self.reset(m);
        None
    }

    fn set_action(&mut self) -> Option<(RawPath<'s>, RawSetValue<'s>)> {
        let m = self.mark();
        if let Some(path) = self.path() {
            if self.punct("=") {
                if let Some(left) = self.update_operand() {
                    let after = self.mark();
                    let plus = self.punct("+");
                    if plus || self.punct("-") {
                        if let Some(right) = self.update_operand() {
                            let value =
                                if plus { RawSetValue::Plus(left, right) } else { RawSetValue::Minus(left, right) };
                            return Some((path, value));
                        }
                    }
                    self.reset(after);
                    return Some((path, RawSetValue::Operand(left)));
                }
            }
        }
        self.reset(m);
        None
    }

    /// An operand of SET's right-hand side: no parentheses around it.
    fn update_operand(&mut self) -> Option<RawOperand<'s>> {
        if let Some(f) = self.function() {
            return Some(RawOperand::Function(f));
        }
        if let Some(v) = self.reference(":") {
            return Some(RawOperand::Value(v));
        }
        self.path().map(RawOperand::Path)
    }
}

/// Rejects nesting deeper than [`MAX_NESTING`] before the parser recurses into it.
fn check_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut nots = 0usize;
    for token in tokenize(text) {
        match &text[token.0..token.1] {
            "(" => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ")" => depth = depth.saturating_sub(1),
            word if word.eq_ignore_ascii_case("not") => nots += 1,
            _ => {}
        }
        if deepest + nots > MAX_NESTING {
            return Err(format!("The expression has too many levels of nesting; the limit is {MAX_NESTING}"));
        }
    }
    Ok(())
}

/// Splits `text` into DynamoDB-like tokens, as byte ranges: words
/// (`[A-Za-z0-9_]+`), `#name` and `:value` references (the sigil alone when
/// nothing follows it), the two-character comparators, and any other single
/// character.
fn tokenize(text: &str) -> Vec<(usize, usize)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        if is_word(c) || c == '#' || c == ':' {
            while let Some(&(i, d)) = chars.peek() {
                if !is_word(d) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
        } else if c == '<' || c == '>' {
            if let Some(&(i, d)) = chars.peek() {
                if d == '=' || (c == '<' && d == '>') {
                    end = i + 1;
                    chars.next();
                }
            }
        }
        tokens.push((start, end));
    }
    tokens
}

/// DynamoDB's syntax error for a failure at byte `position` of `text`.
pub(crate) fn syntax_error(text: &str, position: usize) -> String {
    let tokens = tokenize(text);
    match tokens.iter().position(|&(_, end)| end > position) {
        None => {
            let near = tokens.last().map(|&(s, e)| &text[s..e]).unwrap_or("");
            format!("Syntax error; token: \"<EOF>\", near: \"{near}\"")
        }
        Some(i) => {
            let (start, end) = tokens[i];
            let near_start = if i > 0 { tokens[i - 1].0 } else { start };
            let near_end = tokens.get(i + 1).map(|t| t.1).unwrap_or(end);
            format!("Syntax error; token: \"{}\", near: \"{}\"", &text[start..end], &text[near_start..near_end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_quote_token_and_neighbours() {
        assert_eq!(parse_update("SET = 1").unwrap_err(), "Syntax error; token: \"=\", near: \"SET = 1\"");
        assert_eq!(parse_update("ADD hits : incr").unwrap_err(), "Syntax error; token: \":\", near: \"hits : incr\"");
        assert_eq!(
            parse_update("INVALID SYNTAX HERE").unwrap_err(),
            "Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""
        );
        assert_eq!(parse_update("SET").unwrap_err(), "Syntax error; token: \"<EOF>\", near: \"SET\"");
        assert_eq!(parse_projection("a,").unwrap_err(), "Syntax error; token: \"<EOF>\", near: \",\"");
        assert_eq!(parse_projection("a b").unwrap_err(), "Syntax error; token: \"b\", near: \"a b\"");
    }

    #[test]
    fn conditions_keep_precedence_and_parentheses() {
        let parsed = parse_condition("a = :a OR NOT b = :b AND (c < :c)").unwrap();
        let RawCondition::Or(terms) = parsed else { panic!("expected OR at the top") };
        assert!(matches!(terms[0], RawCondition::Compare(Comparator::Eq, _, _)));
        let RawCondition::And(ands) = &terms[1] else { panic!("expected AND under OR") };
        assert!(matches!(ands[0], RawCondition::Not(_)));
        assert!(matches!(ands[1], RawCondition::Paren(_)));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("{}a = :a{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse_condition(&text).unwrap_err().contains("nesting"));
        let text = format!("{}a = :a", "NOT ".repeat(5000));
        assert!(parse_condition(&text).is_err());
    }
}
