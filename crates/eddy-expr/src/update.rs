//! Update expressions: grammar, checks and resolution into an [`UpdateExpr`].
//! (Applying one to an item is in `apply.rs`.)
//!
//! ```text
//! update     := section+
//! section    := SET path = value (, path = value)*
//!             | REMOVE path (, path)*
//!             | ADD path :v (, path :v)*
//!             | DELETE path :v (, path :v)*
//! value      := operand [(+|-) operand] | ( operand (+|-) operand )
//! operand    := path | :v | if_not_exists(path, operand) | list_append(operand, operand)
//!             | ( operand )
//! ```

use crate::ast::{Path, SetValue, UpdateAction, UpdateDialect, UpdateExpr, UpdateOperand};
use crate::condition::{MAX_RESOLVE_DEPTH, UPDATE_FUNCTIONS, limits};
use crate::errors::{self, ExprKind};
use crate::lexer::{Kw, Tok};
use crate::parser::{Node, Parser, PreOrder, RawOperand, RawPath};
use crate::resolve::{
    ExprAttrs, check_path_depth, check_path_words, resolve_disjoint_paths, resolve_path,
};
use eddy_types::{ApiError, AttributeValue};

const KIND: ExprKind = ExprKind::Update;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArithOp {
    Plus,
    Minus,
}

impl ArithOp {
    fn symbol(self) -> &'static str {
        match self {
            ArithOp::Plus => "+",
            ArithOp::Minus => "-",
        }
    }
}

#[derive(Debug, Clone)]
enum RawSetValue {
    Operand(RawOperand),
    Arith(ArithOp, RawOperand, RawOperand),
    /// `( a + b )`.
    Paren(Box<RawSetValue>),
}

#[derive(Debug, Clone)]
enum RawAction {
    Set(RawPath, RawSetValue),
    Remove(RawPath),
    Add(RawPath, String),
    Delete(RawPath, String),
}

impl RawAction {
    fn path(&self) -> &RawPath {
        match self {
            RawAction::Set(p, _)
            | RawAction::Remove(p)
            | RawAction::Add(p, _)
            | RawAction::Delete(p, _) => p,
        }
    }
}

/// Parses, checks and resolves an update expression.
pub fn parse_update(text: &str, attrs: &mut ExprAttrs) -> Result<UpdateExpr, ApiError> {
    let mut parser = Parser::new(text, KIND)?;
    let sections = sections(&mut parser)?;
    let actions: Vec<&RawAction> = sections.iter().flat_map(|(_, a)| a).collect();

    // Pass 2: words and function placement, then duplicate sections.
    for action in &actions {
        check_path_words(KIND, action.path())?;
        if let RawAction::Set(_, v) = action {
            words_set_value(v)?;
        }
    }
    let mut seen: Vec<Kw> = Vec::new();
    for (kw, _) in &sections {
        if seen.contains(kw) {
            return Err(errors::duplicate_section(KIND, section_name(*kw)));
        }
        seen.push(*kw);
    }

    // Pass 3: nesting depth.
    for action in &actions {
        check_path_depth(KIND, action.path())?;
        if let RawAction::Set(_, v) = action
            && limits(KIND, value_roots(v))? > MAX_RESOLVE_DEPTH
        {
            // Unreachable within the size limit: only `list_append` (rejected in pass 2)
            // nests this deep in 4 KB.
            return Err(errors::function_misused(KIND, "if_not_exists"));
        }
    }

    // Pass 4: target paths (last to first, with overlap checks), then the values.
    let targets: Vec<&RawPath> = actions.iter().map(|a| a.path()).collect();
    let paths = resolve_disjoint_paths(KIND, &targets, attrs)?;
    let mut out = Vec::with_capacity(actions.len());
    for (action, path) in actions.into_iter().zip(paths) {
        out.push(match action {
            RawAction::Set(_, v) => UpdateAction::Set(path, resolve_set_value(v, attrs)?),
            RawAction::Remove(_) => UpdateAction::Remove(path),
            RawAction::Add(_, ph) => {
                let v = attrs.value(KIND, ph)?;
                if !matches!(
                    v,
                    AttributeValue::N(_)
                        | AttributeValue::Ss(_)
                        | AttributeValue::Ns(_)
                        | AttributeValue::Bs(_)
                ) {
                    return Err(errors::clause_operand_type(KIND, "ADD", type_name(&v)));
                }
                UpdateAction::Add(path, v)
            }
            RawAction::Delete(_, ph) => {
                let v = attrs.value(KIND, ph)?;
                if !matches!(
                    v,
                    AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
                ) {
                    return Err(errors::clause_operand_type(KIND, "DELETE", type_name(&v)));
                }
                UpdateAction::Delete(path, v)
            }
        });
    }
    Ok(UpdateExpr {
        actions: out,
        dialect: UpdateDialect::Expression,
    })
}

fn section_name(kw: Kw) -> &'static str {
    match kw {
        Kw::Set => "SET",
        Kw::Remove => "REMOVE",
        Kw::Add => "ADD",
        _ => "DELETE",
    }
}

/// The type names DynamoDB uses in `ADD`/`DELETE` operand errors.
pub(crate) fn type_name(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
        AttributeValue::M(_) => "MAP",
        AttributeValue::L(_) => "LIST",
        AttributeValue::Null => "NULL",
        AttributeValue::Bool(_) => "BOOLEAN",
    }
}

// ---- grammar ----

fn sections(p: &mut Parser) -> Result<Vec<(Kw, Vec<RawAction>)>, ApiError> {
    let mut out = Vec::new();
    loop {
        let kw = match p.peek() {
            Tok::Kw(kw @ (Kw::Set | Kw::Remove | Kw::Add | Kw::Delete)) => kw,
            Tok::Eof if !out.is_empty() => return Ok(out),
            _ => return Err(p.error()),
        };
        p.advance();
        let mut actions = Vec::new();
        loop {
            actions.push(action(p, kw)?);
            if p.peek() != Tok::Comma {
                break;
            }
            p.advance();
        }
        out.push((kw, actions));
    }
}

fn action(p: &mut Parser, kw: Kw) -> Result<RawAction, ApiError> {
    let path = p.path()?;
    match kw {
        Kw::Set => {
            p.expect(Tok::Eq)?;
            Ok(RawAction::Set(path, set_value(p)?))
        }
        Kw::Remove => Ok(RawAction::Remove(path)),
        _ => {
            if p.peek() != Tok::ValuePh {
                return Err(p.error());
            }
            let ph = p.text_of_current().to_string();
            p.advance();
            Ok(if kw == Kw::Add {
                RawAction::Add(path, ph)
            } else {
                RawAction::Delete(path, ph)
            })
        }
    }
}

/// `value := ( value ) | operand [(+|-) operand]`, with leading parentheses counted
/// rather than recursed into: `((:a) + :b)` groups an operand, `((:a + :b))` is redundant.
fn set_value(p: &mut Parser) -> Result<RawSetValue, ApiError> {
    let mut open = 0usize;
    while p.peek() == Tok::LParen {
        p.advance();
        open += 1;
    }
    let mut lhs = p.operand()?;
    loop {
        let op = match p.peek() {
            Tok::Plus => Some(ArithOp::Plus),
            Tok::Minus => Some(ArithOp::Minus),
            _ => None,
        };
        let Some(op) = op else {
            if open == 0 {
                return Ok(RawSetValue::Operand(lhs));
            }
            p.expect(Tok::RParen)?;
            open -= 1;
            lhs = p.paren_operand(lhs)?;
            continue;
        };
        p.advance();
        let rhs = p.operand()?;
        let arith = RawSetValue::Arith(op, lhs, rhs);
        if open == 0 {
            return Ok(arith);
        }
        p.expect(Tok::RParen)?;
        if open > 1 {
            // `((a + b))`, or `((a + b) + c)`, which fails at the `+`.
            p.expect(Tok::RParen)?;
            return Err(errors::redundant_parens(KIND));
        }
        return Ok(RawSetValue::Paren(Box::new(arith)));
    }
}

// ---- passes 2 and 3 ----

/// The operands of a `SET` value, as roots for the tree walks.
fn value_roots(v: &RawSetValue) -> Vec<Node<'_>> {
    match v {
        RawSetValue::Operand(o) => vec![Node::Operand(o, true)],
        RawSetValue::Arith(_, a, b) => vec![Node::Operand(a, false), Node::Operand(b, false)],
        RawSetValue::Paren(inner) => value_roots(inner),
    }
}

/// Reserved words and function placement: only `if_not_exists` and `list_append`
/// exist here, and `list_append` only as the whole value.
fn words_set_value(v: &RawSetValue) -> Result<(), ApiError> {
    for (node, _) in PreOrder::new(value_roots(v)) {
        match node {
            Node::Operand(RawOperand::Path(p), _) => check_path_words(KIND, p)?,
            Node::Operand(RawOperand::Call(call), top) => {
                let name = call.name.as_str();
                if !UPDATE_FUNCTIONS.contains(&name) {
                    return Err(if is_condition_function(name) {
                        errors::function_not_in_update(KIND, name)
                    } else {
                        errors::bad_function(KIND, name)
                    });
                }
                if name == "list_append" && !top {
                    return Err(errors::function_misused(KIND, name));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_condition_function(name: &str) -> bool {
    matches!(
        name,
        "attribute_exists"
            | "attribute_not_exists"
            | "attribute_type"
            | "begins_with"
            | "contains"
            | "size"
    )
}

// ---- pass 4 ----

fn resolve_set_value(v: &RawSetValue, attrs: &mut ExprAttrs) -> Result<SetValue, ApiError> {
    match v {
        RawSetValue::Operand(o) => Ok(SetValue::Operand(resolve_operand(o, attrs)?)),
        RawSetValue::Paren(inner) => resolve_set_value(inner, attrs),
        RawSetValue::Arith(op, a, b) => {
            let a = resolve_operand(a, attrs)?;
            let b = resolve_operand(b, attrs)?;
            for o in [&a, &b] {
                if let UpdateOperand::Value(v) = o
                    && !matches!(v, AttributeValue::N(_))
                {
                    return Err(errors::operand_type(KIND, op.symbol(), v.type_tag()));
                }
            }
            Ok(match op {
                ArithOp::Plus => SetValue::Plus(a, b),
                ArithOp::Minus => SetValue::Minus(a, b),
            })
        }
    }
}

fn resolve_operand(mut o: &RawOperand, attrs: &mut ExprAttrs) -> Result<UpdateOperand, ApiError> {
    while let RawOperand::Paren(inner) = o {
        o = inner;
    }
    match o {
        RawOperand::Path(p) => Ok(UpdateOperand::Path(resolve_path(KIND, p, attrs)?)),
        RawOperand::Value(ph) => Ok(UpdateOperand::Value(attrs.value(KIND, ph)?)),
        RawOperand::Paren(inner) => resolve_operand(inner, attrs),
        RawOperand::Call(call) => {
            let name = call.name.as_str();
            let args = call
                .args
                .iter()
                .map(|a| resolve_operand(a, attrs))
                .collect::<Result<Vec<_>, _>>()?;
            let n = args.len();
            let [a, b] =
                <[UpdateOperand; 2]>::try_from(args).map_err(|_| errors::arity(KIND, name, n))?;
            if name == "if_not_exists" {
                let UpdateOperand::Path(path) = a else {
                    return Err(errors::needs_path(KIND, name));
                };
                return Ok(UpdateOperand::IfNotExists(path, Box::new(b)));
            }
            for o in [&a, &b] {
                if let UpdateOperand::Value(v) = o
                    && !matches!(v, AttributeValue::L(_))
                {
                    return Err(errors::operand_type(KIND, name, v.type_tag()));
                }
            }
            Ok(UpdateOperand::ListAppend(Box::new(a), Box::new(b)))
        }
    }
}

impl UpdateExpr {
    /// The paths the update writes, as a projection (for `ReturnValues` `UPDATED_OLD` /
    /// `UPDATED_NEW`).
    pub fn updated_paths(&self) -> crate::Projection {
        crate::Projection {
            paths: self.actions.iter().map(|a| a.path().clone()).collect(),
        }
    }

    /// The distinct top-level attributes the update writes, in order of first mention.
    pub fn top_level_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.actions {
            let name = a.path().top_level();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// The paths written, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.actions.iter().map(UpdateAction::path)
    }
}
