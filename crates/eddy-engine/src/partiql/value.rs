//! Constant PartiQL expressions to DynamoDB attribute values.
//!
//! Literals map as DynamoDB documents: `'s'` is `S`, numbers `N`, `true`/`false` `BOOL`,
//! `null` `NULL`, `[..]` `L`, `{'k': v}` `M`, `<<..>>` `SS` or `NS`; `?` takes the next
//! `Parameters` entry (the only way to write binaries). The error texts and positions
//! are DynamoDB's, including its path notation `root.b.0` for where inside a nested
//! literal the problem is.

use super::ast::{ArithOp, Expr, Lit};
use super::lexer::Span;
use eddy_types::number::NumberError;
use eddy_types::{ApiError, AttributeValue, Item, Number};
use std::collections::HashSet;

/// Containers may nest this deep (the attribute itself is level 1), as for items sent
/// as JSON.
const MAX_CONTAINER_LEVEL: usize = 32;

const NESTING: &str = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";

/// Converts expressions to values, with the statement's parameters.
#[derive(Clone, Copy)]
pub struct Values<'a> {
    /// The request's `Parameters`, in order.
    pub params: &'a [AttributeValue],
}

impl Values<'_> {
    /// The value of a constant expression (a top-level attribute value).
    pub fn value(&self, e: &Expr) -> Result<AttributeValue, ApiError> {
        self.convert(e, "root", 1)
    }

    /// The item written by `INSERT ... VALUE {...}`.
    pub fn item(&self, e: &Expr) -> Result<Item, ApiError> {
        let Expr::Tuple(fields, _) = e else {
            return Err(ApiError::validation(format!(
                "Unsupported format in item expression. Please use struct format {{...}} to express item values for insert statement. at {}",
                e.span()
            )));
        };
        let mut item = Item::new();
        for (k, v) in fields {
            let name = key_name(k, k.span(), &item)?;
            let value = self.convert(v, "root", 1)?;
            item.insert(name, value);
        }
        Ok(item)
    }

    fn convert(&self, e: &Expr, at: &str, level: usize) -> Result<AttributeValue, ApiError> {
        let top = at == "root";
        match e {
            Expr::Lit(lit, span) => literal(lit, *span, at, top),
            Expr::Param(i, _) => {
                let v = self.params.get(*i).cloned().ok_or_else(param_mismatch)?;
                if level + depth(&v) > MAX_CONTAINER_LEVEL + 1 {
                    return Err(ApiError::validation(NESTING));
                }
                Ok(v)
            }
            Expr::Neg(inner, span) => match &**inner {
                Expr::Lit(Lit::Num(n), _) => number(&format!("-{n}")),
                _ => Err(unsupported("-", at, *span)),
            },
            Expr::List(items, _) => {
                check_level(level)?;
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    out.push(self.convert(x, &format!("{at}.{i}"), level + 1)?);
                }
                Ok(AttributeValue::L(out))
            }
            Expr::Tuple(fields, span) => {
                check_level(level)?;
                let mut m = Item::new();
                for (k, v) in fields {
                    let name = key_name(k, *span, &m)?;
                    let value = self.convert(v, &format!("{at}.{name}"), level + 1)?;
                    m.insert(name, value);
                }
                Ok(AttributeValue::M(m))
            }
            Expr::Bag(items, span) => bag(items, *span),
            Expr::Arith(op, _, _, span) => Err(unsupported(op.symbol(), at, *span)),
            Expr::Path(p) => {
                let what = if top {
                    p.root.as_str()
                } else {
                    "VariableReference"
                };
                Err(unsupported(what, at, p.span))
            }
            other => Err(unsupported(kind_name(other), at, other.span())),
        }
    }
}

/// "Number of parameters in request and statement don't match."
pub fn param_mismatch() -> ApiError {
    ApiError::validation("Number of parameters in request and statement don't match.")
}

fn unsupported(what: &str, at: &str, span: Span) -> ApiError {
    ApiError::validation(format!(
        "Unsupported data type: {what} under key {at} at {span}"
    ))
}

fn kind_name(e: &Expr) -> &'static str {
    match e {
        Expr::Cmp(..) | Expr::Between(..) | Expr::In(..) | Expr::Like(..) => "NAry",
        Expr::And(..) | Expr::Or(..) | Expr::Not(_) => "NAry",
        Expr::IsMissing(..) | Expr::IsNull(..) => "Typed",
        Expr::Call(..) => "CallAgg",
        Expr::Subquery(..) => "Select",
        _ => "Expression",
    }
}

fn check_level(level: usize) -> Result<(), ApiError> {
    if level >= MAX_CONTAINER_LEVEL {
        return Err(ApiError::validation(NESTING));
    }
    Ok(())
}

/// Container levels inside a value (0 for scalars and sets).
fn depth(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::L(l) => 1 + l.iter().map(depth).max().unwrap_or(0),
        AttributeValue::M(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A tuple key: a string literal, not empty, not seen before in this tuple (a repeated
/// key is reported at `dup_at`: DynamoDB points at the key in an INSERT's item and at
/// the tuple elsewhere).
fn key_name(k: &Expr, dup_at: Span, seen: &Item) -> Result<String, ApiError> {
    let name = match k {
        Expr::Lit(Lit::Str(s), _) => s.clone(),
        other => {
            let ty = match other {
                Expr::Lit(Lit::Num(n), _) if n.bytes().all(|b| b.is_ascii_digit()) => "INT",
                Expr::Lit(Lit::Num(_), _) => "DECIMAL",
                Expr::Lit(Lit::Bool(_), _) => "BOOL",
                Expr::Lit(Lit::Null, _) => "NULL",
                Expr::Path(_) => "VariableReference",
                _ => "Expression",
            };
            return Err(ApiError::validation(format!(
                "Tuple keys must be of type String. Actual type: {ty} under root at {}",
                other.span()
            )));
        }
    };
    if name.is_empty() {
        return Err(ApiError::validation(
            "Path component cannot be an empty string",
        ));
    }
    if seen.contains_key(&name) {
        return Err(ApiError::validation(format!(
            "Duplicate keys in tuple. Key: {name} under root at {dup_at}"
        )));
    }
    Ok(name)
}

fn literal(lit: &Lit, span: Span, at: &str, top: bool) -> Result<AttributeValue, ApiError> {
    Ok(match lit {
        Lit::Str(s) => AttributeValue::S(s.clone()),
        Lit::Num(n) => return number(n),
        Lit::Bool(b) => AttributeValue::Bool(*b),
        Lit::Null => AttributeValue::Null,
        Lit::Missing => {
            let what = if top { "MISSING" } else { "LiteralMissing" };
            return Err(unsupported(what, at, span));
        }
        Lit::Ion(text) => {
            return Err(ApiError::validation(format!(
                "Ion Literals are not supported: {} under key {at} at {span}",
                ion_type(text)
            )));
        }
    })
}

/// The Ion type DynamoDB names for a backtick literal.
fn ion_type(text: &str) -> &'static str {
    let t = text.trim();
    if t.starts_with('"') {
        "STRING"
    } else if t.parse::<i64>().is_ok() {
        "INT"
    } else if t.parse::<f64>().is_ok() && !t.contains(['e', 'E']) {
        "DECIMAL"
    } else if t.parse::<f64>().is_ok() {
        "FLOAT"
    } else if t == "true" || t == "false" {
        "BOOL"
    } else {
        "SYMBOL"
    }
}

/// A number literal with DynamoDB's limits.
pub fn number(text: &str) -> Result<AttributeValue, ApiError> {
    Number::parse(text)
        .map(AttributeValue::N)
        .map_err(|e| match e {
            NumberError::TooPrecise => {
                ApiError::validation("DynamoDB only supports precision up to 38 digits")
            }
            other => ApiError::validation(other.to_string()),
        })
}

/// `<<...>>`: a non-empty set of strings or of numbers, without duplicates.
fn bag(items: &[Expr], span: Span) -> Result<AttributeValue, ApiError> {
    let wrong_type = |at: Option<Span>| {
        let base = "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags";
        ApiError::validation(match at {
            Some(s) => format!("{base} at {s}"),
            None => base.to_string(),
        })
    };
    let Some(first) = items.first() else {
        return Err(ApiError::validation(format!(
            "Empty bags are not supported at {span}"
        )));
    };
    let dup = || ApiError::validation("Input collection contains duplicates");
    let is_num = |e: &Expr| match e {
        Expr::Lit(Lit::Num(_), _) => true,
        Expr::Neg(inner, _) => matches!(&**inner, Expr::Lit(Lit::Num(_), _)),
        _ => false,
    };
    for e in items {
        if !is_num(e) && !matches!(e, Expr::Lit(Lit::Str(_), _)) {
            return Err(wrong_type(Some(e.span())));
        }
    }
    if is_num(first) {
        let mut out: Vec<Number> = Vec::with_capacity(items.len());
        for e in items {
            let text = match e {
                Expr::Lit(Lit::Num(n), _) => n.clone(),
                Expr::Neg(inner, _) => match &**inner {
                    Expr::Lit(Lit::Num(n), _) => format!("-{n}"),
                    _ => return Err(wrong_type(None)),
                },
                // DynamoDB gives no position for a string in a number bag.
                _ => return Err(wrong_type(None)),
            };
            let AttributeValue::N(n) = number(&text)? else {
                return Err(wrong_type(None));
            };
            if out.contains(&n) {
                return Err(dup());
            }
            out.push(n);
        }
        return Ok(AttributeValue::Ns(out));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for e in items {
        let Expr::Lit(Lit::Str(s), _) = e else {
            // ... but the number's position for a number in a string bag.
            return Err(wrong_type(Some(e.span())));
        };
        if !seen.insert(s.as_str()) {
            return Err(dup());
        }
        out.push(s.clone());
    }
    Ok(AttributeValue::Ss(out))
}

/// Whether `op` can appear in an UPDATE's SET value.
pub fn is_update_arith(op: ArithOp) -> bool {
    matches!(op, ArithOp::Add | ArithOp::Sub)
}
