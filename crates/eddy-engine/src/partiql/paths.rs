//! SELECT lists: the name each projected path is returned under, and DynamoDB's checks
//! on the list (distinct names, no overlapping or conflicting paths, and for global
//! indexes only projected attributes), which UPDATE's target paths share.

use super::ast::{PathExpr, Step};
use super::cond::path;
use crate::model::{IndexDef, TableDef};
use eddy_expr::{Path, PathElement};
use eddy_types::ApiError;

/// The top-level attributes of a SELECT list that `index` does not project.
pub fn unprojected(def: &TableDef, index: &IndexDef, paths: &[(String, Path)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, p) in paths {
        let name = p.top_level();
        let projected = def.key.is_key(name)
            || index.key.is_key(name)
            || match index.projection.projection_type.as_str() {
                "ALL" => true,
                "INCLUDE" => index
                    .projection
                    .non_key_attributes
                    .as_ref()
                    .is_some_and(|n| n.iter().any(|a| a == name)),
                _ => false,
            };
        if !projected && !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
    out
}

/// Result names and paths of a projection list, with DynamoDB's checks: distinct
/// result names, then no two paths overlapping.
pub fn projection(paths: &[PathExpr]) -> Result<Vec<(String, Path)>, ApiError> {
    let mut out: Vec<(String, Path)> = Vec::with_capacity(paths.len());
    for p in paths {
        let name = result_name(p);
        if out.iter().any(|(n, _)| *n == name) {
            return Err(ApiError::validation(format!(
                "Duplicate identifiers in select clause: {name}"
            )));
        }
        out.push((name, path(p)?));
    }
    let resolved: Vec<Path> = out.iter().map(|(_, p)| p.clone()).collect();
    check_disjoint(&resolved)?;
    Ok(out)
}

/// The attribute name a projected path is returned under: its last name, with the
/// list indexes that follow it (`a.b[1]` is `b[1]`).
fn result_name(p: &PathExpr) -> String {
    let last_field = p.steps.iter().rposition(|s| matches!(s, Step::Field(_)));
    let (mut name, rest) = match last_field {
        Some(i) => match &p.steps[i] {
            Step::Field(f) => (f.clone(), &p.steps[i + 1..]),
            Step::Index(_) => (p.root.clone(), &p.steps[..]),
        },
        None => (p.root.clone(), &p.steps[..]),
    };
    for s in rest {
        if let Step::Index(Some(i)) = s {
            name.push_str(&format!("[{i}]"));
        }
    }
    name
}

/// DynamoDB's overlap and conflict checks between paths, later paths first.
pub fn check_disjoint(paths: &[Path]) -> Result<(), ApiError> {
    for (i, p) in paths.iter().enumerate() {
        for q in &paths[..i] {
            if let Some(what) = clash(p, q) {
                return Err(ApiError::validation(format!(
                    "Two document paths {what} with each other; must remove or rewrite one of these paths; path one: {p}, path two: {q}"
                )));
            }
        }
    }
    Ok(())
}

/// "overlap" when one path is a prefix of the other, "conflict" when they part where
/// one names a map key and the other a list index.
fn clash(a: &Path, b: &Path) -> Option<&'static str> {
    for (x, y) in a.elements.iter().zip(&b.elements) {
        match (x, y) {
            (PathElement::Attr(p), PathElement::Attr(q)) if p == q => {}
            (PathElement::Index(p), PathElement::Index(q)) if p == q => {}
            (PathElement::Attr(_), PathElement::Attr(_))
            | (PathElement::Index(_), PathElement::Index(_)) => return None,
            _ => return Some("conflict"),
        }
    }
    Some("overlap")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partiql::ast::{SelectList, Statement};
    use crate::partiql::parse;

    fn names(stmt: &str) -> Result<Vec<String>, String> {
        let parsed = parse(stmt).map_err(|e| e.to_string())?;
        let Statement::Select(s) = parsed.statement else {
            panic!("not a select")
        };
        let SelectList::Paths(paths) = s.list else {
            panic!("star")
        };
        projection(&paths)
            .map(|v| v.into_iter().map(|(n, _)| n).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn projection_names_and_checks() {
        assert_eq!(
            names("SELECT a.b[2].c, l[1], x, m.x.y FROM t").unwrap(),
            ["c", "l[1]", "x", "y"]
        );
        assert_eq!(
            names("SELECT n, n FROM t").unwrap_err(),
            "Duplicate identifiers in select clause: n"
        );
        assert_eq!(
            names("SELECT m, m.x FROM t").unwrap_err(),
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m]"
        );
        assert_eq!(
            names("SELECT a.b, a[0] FROM t").unwrap_err(),
            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]"
        );
    }
}
