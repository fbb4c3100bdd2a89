//! Text → raw syntax trees, with pest, and DynamoDB's syntax-error message.
//!
//! The raw trees keep what the checks after parsing need and the typed trees
//! do not: parentheses (DynamoDB rejects redundant ones), unresolved `#name`
//! and `:value` references with their spelling, and function calls by name
//! (unknown and misplaced functions get their own messages). The check
//! passes in `condition.rs`, `update.rs` and `projection.rs` turn them into
//! the typed trees of `ast.rs`.
//!
//! Syntax errors name the offending token and the text around it the way
//! DynamoDB does: `Syntax error; token: "=", near: "SET = 1"`, where `near`
//! spans the token before, the token itself and the token after, as written.
//! At the end of the input the token is `<EOF>`.

use super::ast::Comparator;
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "expr/grammar.pest"]
struct ExpressionParser;

/// One step of a path as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawElement<'s> {
    /// A bare name; `alias` for `#name` references.
    Name { text: &'s str, alias: bool },
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

/// Deepest nesting of parentheses and `NOT`s accepted. pest parses
/// recursively; without a bound a long run of `(` in a 4 KB expression could
/// exhaust the stack of a small (browser worker, WASI) thread.
const MAX_NESTING: usize = 100;

/// Parses a condition (also filter and key condition) expression.
pub(crate) fn parse_condition(text: &str) -> Result<RawCondition<'_>, String> {
    check_nesting(text)?;
    let mut pairs = ExpressionParser::parse(Rule::condition_expression, text)
        .map_err(|e| syntax_error(text, error_position(&e)))?;
    let top = first_inner(&mut pairs);
    build_or(top, text)
}

/// Parses an update expression into its clauses.
pub(crate) fn parse_update(text: &str) -> Result<Vec<RawClause<'_>>, String> {
    check_nesting(text)?;
    let pairs = ExpressionParser::parse(Rule::update_expression, text)
        .map_err(|e| syntax_error(text, error_position(&e)))?;
    let mut clauses = Vec::new();
    for top in pairs {
        for clause in top.into_inner() {
            let rule = clause.as_rule();
            let mut actions = clause.into_inner().filter(|p| !is_keyword(p.as_rule()));
            let built = match rule {
                Rule::set_clause => RawClause::Set(
                    actions.map(|a| build_set_action(a, text)).collect::<Result<_, _>>()?,
                ),
                Rule::remove_clause => {
                    RawClause::Remove(actions.map(|p| build_path(p, text)).collect::<Result<_, _>>()?)
                }
                Rule::add_clause | Rule::delete_clause => {
                    let mut list = Vec::new();
                    for action in actions.by_ref() {
                        let mut inner = action.into_inner();
                        let path = build_path(next(&mut inner), text)?;
                        list.push((path, next(&mut inner).as_str()));
                    }
                    if rule == Rule::add_clause {
                        RawClause::Add(list)
                    } else {
                        RawClause::Delete(list)
                    }
                }
                _ => continue, // EOI
            };
            clauses.push(built);
        }
    }
    Ok(clauses)
}

/// Parses a projection expression into its paths.
pub(crate) fn parse_projection(text: &str) -> Result<Vec<RawPath<'_>>, String> {
    let pairs = ExpressionParser::parse(Rule::projection_expression, text)
        .map_err(|e| syntax_error(text, error_position(&e)))?;
    let mut paths = Vec::new();
    for top in pairs {
        for pair in top.into_inner() {
            if pair.as_rule() == Rule::path {
                paths.push(build_path(pair, text)?);
            }
        }
    }
    Ok(paths)
}

/// Pairs that carry no meaning for the trees: keywords, punctuation, EOI.
fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lparen
            | Rule::rparen
            | Rule::comma
            | Rule::dot
            | Rule::lbracket
            | Rule::rbracket
            | Rule::equals
            | Rule::kw_and
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_between
            | Rule::kw_in
            | Rule::kw_set
            | Rule::kw_remove
            | Rule::kw_add
            | Rule::kw_delete
            | Rule::EOI
    )
}

/// The next child of a pair whose grammar rule guarantees it is there.
fn next<'s>(pairs: &mut pest::iterators::Pairs<'s, Rule>) -> Pair<'s, Rule> {
    // Invariant: only called where the grammar rule has a mandatory child at
    // this position, so a successful parse always provides it.
    pairs.find(|p| !is_keyword(p.as_rule())).expect("grammar guarantees this child")
}

fn first_inner<'s>(pairs: &mut pest::iterators::Pairs<'s, Rule>) -> Pair<'s, Rule> {
    // Invariant: a successful parse of an entry rule yields that rule's pair,
    // whose first child is the expression itself.
    let top = next(pairs);
    next(&mut top.into_inner())
}

fn build_or<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawCondition<'s>, String> {
    let mut terms: Vec<RawCondition<'s>> = Vec::new();
    for child in pair.into_inner().filter(|p| !is_keyword(p.as_rule())) {
        terms.push(build_and(child, text)?);
    }
    Ok(if terms.len() == 1 { terms.remove(0) } else { RawCondition::Or(terms) })
}

fn build_and<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawCondition<'s>, String> {
    let mut terms: Vec<RawCondition<'s>> = Vec::new();
    for child in pair.into_inner().filter(|p| !is_keyword(p.as_rule())) {
        terms.push(build_unary(child, text)?);
    }
    Ok(if terms.len() == 1 { terms.remove(0) } else { RawCondition::And(terms) })
}

fn build_unary<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawCondition<'s>, String> {
    let rule = pair.as_rule();
    let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
    Ok(match rule {
        Rule::not_condition => RawCondition::Not(Box::new(build_unary(next_of(&mut inner), text)?)),
        Rule::comparison => {
            let left = build_operand(next_of(&mut inner), text)?;
            let symbol = next_of(&mut inner).as_str();
            let right = build_operand(next_of(&mut inner), text)?;
            // Invariant: the `comparator` rule only matches the six symbols.
            let comparator = Comparator::from_symbol(symbol).expect("grammar matches only comparators");
            RawCondition::Compare(comparator, left, right)
        }
        Rule::between => {
            let value = build_operand(next_of(&mut inner), text)?;
            let lower = build_operand(next_of(&mut inner), text)?;
            let upper = build_operand(next_of(&mut inner), text)?;
            RawCondition::Between(value, lower, upper)
        }
        Rule::in_list => {
            let value = build_operand(next_of(&mut inner), text)?;
            let list = inner.map(|p| build_operand(p, text)).collect::<Result<_, _>>()?;
            RawCondition::In(value, list)
        }
        Rule::function_condition => {
            RawCondition::Function(build_function(next_of(&mut inner), text)?)
        }
        Rule::paren_condition => RawCondition::Paren(Box::new(build_or(next_of(&mut inner), text)?)),
        // Invariant: and_condition's children are only the rules above.
        other => unreachable!("unexpected condition rule {other:?}"),
    })
}

fn next_of<'s>(pairs: &mut impl Iterator<Item = Pair<'s, Rule>>) -> Pair<'s, Rule> {
    // Invariant: as for `next`, the grammar guarantees the child exists.
    pairs.next().expect("grammar guarantees this child")
}

pub(crate) fn build_operand<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawOperand<'s>, String> {
    // `operand` and `update_operand` wrap exactly one alternative.
    let child = next(&mut pair.into_inner());
    Ok(match child.as_rule() {
        Rule::function => RawOperand::Function(build_function(child, text)?),
        Rule::value_ref => RawOperand::Value(child.as_str()),
        Rule::path => RawOperand::Path(build_path(child, text)?),
        Rule::paren_operand => {
            RawOperand::Paren(Box::new(build_operand(next(&mut child.into_inner()), text)?))
        }
        other => unreachable!("unexpected operand rule {other:?}"),
    })
}

fn build_function<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawFunction<'s>, String> {
    let mut inner = pair.into_inner();
    let name = next(&mut inner).as_str();
    let args = inner
        .filter(|p| !is_keyword(p.as_rule()))
        .map(|p| build_operand(p, text))
        .collect::<Result<_, _>>()?;
    Ok(RawFunction { name, args })
}

fn build_path<'s>(pair: Pair<'s, Rule>, text: &'s str) -> Result<RawPath<'s>, String> {
    let mut elements = Vec::new();
    for part in pair.into_inner() {
        elements.push(match part.as_rule() {
            Rule::identifier => RawElement::Name { text: part.as_str(), alias: false },
            Rule::name_ref => RawElement::Name { text: part.as_str(), alias: true },
            Rule::index => match part.as_str().parse::<usize>() {
                Ok(index) => RawElement::Index(index),
                Err(_) => return Err(syntax_error(text, part.as_span().start())),
            },
            _ => continue, // punctuation
        });
    }
    Ok(RawPath { elements })
}

fn build_set_action<'s>(
    pair: Pair<'s, Rule>,
    text: &'s str,
) -> Result<(RawPath<'s>, RawSetValue<'s>), String> {
    let mut inner = pair.into_inner();
    let path = build_path(next(&mut inner), text)?;
    let mut value = next(&mut inner).into_inner();
    let left = build_operand(next(&mut value), text)?;
    let set_value = match value.next() {
        None => RawSetValue::Operand(left),
        Some(op) => {
            let right = build_operand(next(&mut value), text)?;
            if op.as_rule() == Rule::plus {
                RawSetValue::Plus(left, right)
            } else {
                RawSetValue::Minus(left, right)
            }
        }
    };
    Ok((path, set_value))
}

fn error_position(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    }
}

/// Rejects nesting deeper than [`MAX_NESTING`] before pest recurses into it.
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
            return Err(format!(
                "The expression has too many levels of nesting; the limit is {MAX_NESTING}"
            ));
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
            format!(
                "Syntax error; token: \"{}\", near: \"{}\"",
                &text[start..end],
                &text[near_start..near_end]
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_quote_token_and_neighbours() {
        assert_eq!(
            parse_update("SET = 1").unwrap_err(),
            "Syntax error; token: \"=\", near: \"SET = 1\""
        );
        assert_eq!(
            parse_update("ADD hits : incr").unwrap_err(),
            "Syntax error; token: \":\", near: \"hits : incr\""
        );
        assert_eq!(
            parse_update("INVALID SYNTAX HERE").unwrap_err(),
            "Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""
        );
        assert_eq!(parse_update("SET").unwrap_err(), "Syntax error; token: \"<EOF>\", near: \"SET\"");
        assert_eq!(parse_projection("a,").unwrap_err(), "Syntax error; token: \"<EOF>\", near: \",\"");
        assert_eq!(
            parse_projection("a b").unwrap_err(),
            "Syntax error; token: \"b\", near: \"a b\""
        );
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
