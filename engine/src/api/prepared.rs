//! The expressions of one request, parsed once through one
//! [`ExpressionContext`] so that unused `#names`/`:values` are caught across
//! all of them, as DynamoDB does.

use crate::error::Result;
use crate::expr::{
    Condition, ConditionKind, ExpressionContext, KeyAttribute, KeyCondition, Projection, UpdateExpression,
};
use crate::model::request::Expressions;
use crate::model::schema::KeySchema;
use crate::model::value::Item;

/// Parsed expressions of a request; each `None` when the request had none.
#[derive(Debug, Default)]
pub struct Prepared {
    pub condition: Option<Condition>,
    pub update: Option<UpdateExpression>,
    pub projection: Option<Projection>,
    pub filter: Option<Condition>,
    pub key_condition: Option<KeyCondition>,
}

/// The expression texts to parse (in DynamoDB's checking order).
#[derive(Default)]
pub struct Texts<'a> {
    pub update: Option<&'a str>,
    pub condition: Option<&'a str>,
    pub key_condition: Option<(&'a str, &'a KeySchema)>,
    pub filter: Option<&'a str>,
    pub projection: Option<&'a str>,
}

/// Parse every expression of a request and check that every name and value
/// was used.
pub fn prepare(expressions: &Expressions, texts: Texts<'_>) -> Result<Prepared> {
    let mut ctx = ExpressionContext::new(expressions.names.as_ref(), expressions.values.as_ref())?;
    let mut out = Prepared::default();
    if let Some(t) = texts.update {
        out.update = Some(ctx.parse_update(t)?);
    }
    if let Some(t) = texts.condition {
        out.condition = Some(ctx.parse_condition(t, ConditionKind::Condition)?);
    }
    if let Some((t, schema)) = texts.key_condition {
        let hash = KeyAttribute { name: &schema.hash.name, type_name: schema.hash.key_type.as_str() };
        let range = schema.range.as_ref().map(|r| KeyAttribute { name: &r.name, type_name: r.key_type.as_str() });
        out.key_condition = Some(ctx.parse_key_condition(t, hash, range)?);
    }
    if let Some(t) = texts.filter {
        out.filter = Some(ctx.parse_condition(t, ConditionKind::Filter)?);
    }
    if let Some(t) = texts.projection {
        out.projection = Some(ctx.parse_projection(t)?);
    }
    ctx.finish()?;
    Ok(out)
}

/// Does the condition hold for the stored item (`None`: no item)?
pub fn condition_holds(condition: Option<&Condition>, item: Option<&Item>) -> bool {
    match condition {
        None => true,
        Some(c) => match item {
            Some(item) => c.evaluate(item),
            None => c.evaluate(&Item::new()),
        },
    }
}

/// The item as the projection shows it.
pub fn project(projection: Option<&Projection>, item: Item) -> Item {
    match projection {
        Some(p) => p.apply(&item),
        None => item,
    }
}
