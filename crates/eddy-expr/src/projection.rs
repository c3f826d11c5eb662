//! Projection expressions (`path (, path)*`) and applying a [`Projection`] to an item.
//!
//! The result keeps the item's nested shape: projecting `a.b[1]` out of
//! `{a: {b: [x, y, z], c: 1}}` gives `{a: {b: [y]}}`; several indexes of one list keep
//! their original order; paths that lead nowhere contribute nothing.

use crate::ast::{Path, PathElement, Projection};
use crate::errors::ExprKind;
use crate::lexer::Tok;
use crate::parser::Parser;
use crate::resolve::{ExprAttrs, check_path_depth, check_path_words, resolve_disjoint_paths};
use eddy_types::{ApiError, AttributeValue, Item};
use std::collections::BTreeMap;

const KIND: ExprKind = ExprKind::Projection;

/// Parses, checks and resolves a projection expression.
pub fn parse_projection(text: &str, attrs: &mut ExprAttrs) -> Result<Projection, ApiError> {
    let mut p = Parser::new(text, KIND)?;
    let mut raw = vec![p.path()?];
    while p.peek() == Tok::Comma {
        p.advance();
        raw.push(p.path()?);
    }
    p.expect_end()?;
    for path in &raw {
        check_path_words(KIND, path)?;
    }
    for path in &raw {
        check_path_depth(KIND, path)?;
    }
    let refs: Vec<_> = raw.iter().collect();
    let paths = resolve_disjoint_paths(KIND, &refs, attrs)?;
    Ok(Projection { paths })
}

/// Projection of the legacy `AttributesToGet`: each name is one top-level attribute,
/// taken literally (`a.b` is the attribute named `a.b`).
pub fn projection_from_attributes_to_get(names: &[String]) -> Projection {
    Projection {
        paths: names.iter().map(Path::attr).collect(),
    }
}

/// DynamoDB's check of `AttributesToGet`: "Cannot have two attributes with the same name".
pub fn validate_attributes_to_get(names: &[String]) -> Result<(), ApiError> {
    let mut seen = std::collections::HashSet::new();
    if names.iter().all(|n| seen.insert(n)) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "Cannot have two attributes with the same name",
        ))
    }
}

/// The tree of projected paths.
#[derive(Default)]
struct Node<'p> {
    whole: bool,
    keys: BTreeMap<&'p str, Node<'p>>,
    indexes: BTreeMap<usize, Node<'p>>,
}

impl Projection {
    /// The parts of `item` the projection selects, in DynamoDB's shape.
    pub fn apply(&self, item: &Item) -> Item {
        let mut root = Node::default();
        for path in &self.paths {
            let mut node = &mut root;
            for e in &path.elements {
                node = match e {
                    PathElement::Attr(name) => node.keys.entry(name.as_str()).or_default(),
                    PathElement::Index(i) => node.indexes.entry(*i).or_default(),
                };
            }
            node.whole = true;
        }
        project_map(item, &root).unwrap_or_default()
    }

    /// The distinct top-level attributes the projection reads, in order of first mention.
    pub fn top_level_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.paths {
            let name = p.top_level();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

fn project_map(map: &Item, node: &Node) -> Option<Item> {
    let mut out = Item::new();
    for (key, child) in &node.keys {
        if let Some(v) = map.get(*key).and_then(|v| project(v, child)) {
            out.insert((*key).to_string(), v);
        }
    }
    (!out.is_empty()).then_some(out)
}

fn project(v: &AttributeValue, node: &Node) -> Option<AttributeValue> {
    if node.whole {
        return Some(v.clone());
    }
    match v {
        AttributeValue::M(m) => project_map(m, node).map(AttributeValue::M),
        AttributeValue::L(l) => {
            let out: Vec<AttributeValue> = node
                .indexes
                .iter()
                .filter_map(|(i, child)| l.get(*i).and_then(|e| project(e, child)))
                .collect();
            (!out.is_empty()).then_some(AttributeValue::L(out))
        }
        _ => None,
    }
}
