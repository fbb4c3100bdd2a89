//! ProjectionExpression: which attributes (or parts of them) to return.
//!
//! The listed paths are merged into a tree once at parse time; applying it
//! walks the item and the tree together. Nested paths keep their structure
//! (`a.b` returns `{a: {b: ...}}`), and list indexes keep their order but
//! not their positions: `l[3], l[1]` returns `l` as a two-element list
//! `[l[1], l[3]]`, as DynamoDB does. Paths that name nothing in the item are
//! left out, and a map or list none of whose projected parts exist is left
//! out too (never returned empty).
//!
//! The same overlap rules serve update expressions: two paths *overlap* when
//! one is a prefix of (or equal to) the other, and *conflict* when they walk
//! the same steps and then use the same position once as a map key and once
//! as a list index. Overlaps are reported before conflicts, each for the
//! first offending pair in textual order.

use super::ast::{DocumentPath, PathElement};
use super::condition::{check_reserved, resolve_path};
use super::names::ExpressionContext;
use super::parse::parse_projection;
use crate::model::value::{AttributeValue, Item};
use std::collections::BTreeMap;

/// A parsed projection: its paths, merged into a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    paths: Vec<DocumentPath>,
    root: ProjectionNode,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct ProjectionNode {
    /// The whole value at this node is projected.
    whole: bool,
    keys: BTreeMap<String, ProjectionNode>,
    indexes: BTreeMap<usize, ProjectionNode>,
}

impl Projection {
    /// A projection of the given (already non-overlapping) paths.
    pub fn from_paths(paths: Vec<DocumentPath>) -> Projection {
        let mut root = ProjectionNode::default();
        for path in &paths {
            let mut node = &mut root;
            for element in &path.elements {
                node = match element {
                    PathElement::Attribute(name) => node.keys.entry(name.clone()).or_default(),
                    PathElement::Index(i) => node.indexes.entry(*i).or_default(),
                };
            }
            node.whole = true;
        }
        Projection { paths, root }
    }

    /// The projected paths, in the order written.
    pub fn paths(&self) -> &[DocumentPath] {
        &self.paths
    }

    /// The top-level attribute names this projection reads.
    pub fn top_level_names(&self) -> impl Iterator<Item = &str> {
        self.root.keys.keys().map(String::as_str)
    }

    /// The projected copy of `item`.
    pub fn apply(&self, item: &Item) -> Item {
        let mut out = Item::new();
        for (name, node) in &self.root.keys {
            if let Some(projected) = item.get(name).and_then(|v| node.project(v)) {
                out.insert(name.clone(), projected);
            }
        }
        out
    }
}

impl ProjectionNode {
    fn project(&self, value: &AttributeValue) -> Option<AttributeValue> {
        if self.whole {
            return Some(value.clone());
        }
        match value {
            AttributeValue::M(map) if !self.keys.is_empty() => {
                let projected: BTreeMap<String, AttributeValue> = self
                    .keys
                    .iter()
                    .filter_map(|(k, node)| Some((k.clone(), node.project(map.get(k)?)?)))
                    .collect();
                (!projected.is_empty()).then_some(AttributeValue::M(projected))
            }
            AttributeValue::L(list) if !self.indexes.is_empty() => {
                let projected: Vec<AttributeValue> =
                    self.indexes.iter().filter_map(|(i, node)| node.project(list.get(*i)?)).collect();
                (!projected.is_empty()).then_some(AttributeValue::L(projected))
            }
            _ => None,
        }
    }
}

/// Parses and checks a projection expression (errors without the prefix).
pub(crate) fn build_projection(text: &str, ctx: &mut ExpressionContext<'_>) -> Result<Projection, String> {
    let raw = parse_projection(text)?;
    check_reserved(&raw.iter().collect::<Vec<_>>())?;
    let mut paths = Vec::with_capacity(raw.len());
    for path in &raw {
        paths.push(resolve_path(path, ctx)?);
    }
    check_overlaps(&paths)?;
    Ok(Projection::from_paths(paths))
}

/// DynamoDB's overlap and conflict checks over a list of paths.
pub(crate) fn check_overlaps(paths: &[DocumentPath]) -> Result<(), String> {
    for (i, first) in paths.iter().enumerate() {
        for second in &paths[i + 1..] {
            let common = first.elements.len().min(second.elements.len());
            if first.elements[..common] == second.elements[..common] {
                return Err(format!(
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    first.bracketed(),
                    second.bracketed()
                ));
            }
        }
    }
    for (i, first) in paths.iter().enumerate() {
        for second in &paths[i + 1..] {
            let differing = first.elements.iter().zip(&second.elements).find(|(a, b)| a != b);
            if let Some((a, b)) = differing {
                let kinds_differ = matches!(
                    (a, b),
                    (PathElement::Attribute(_), PathElement::Index(_))
                        | (PathElement::Index(_), PathElement::Attribute(_))
                );
                if kinds_differ {
                    return Err(format!(
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                        first.bracketed(),
                        second.bracketed()
                    ));
                }
            }
        }
    }
    Ok(())
}
