//! Recursive-descent parser: text to a raw syntax tree (placeholders unresolved).
//!
//! Syntax errors are reported at the first token that cannot continue the expression,
//! with DynamoDB's rendering: the token text (`<EOF>` at the end) and the source text from
//! the start of the previous token to the end of the next one. Redundant parentheses
//! (`((x))`) are rejected while parsing, as DynamoDB does, before any later syntax error.
//!
//! This module holds the shared grammar (paths, operands) and the condition grammar;
//! `update.rs` and `projection.rs` add theirs on top of [`Parser`].

use crate::ast::CompareOp;
use crate::errors::{self, ExprKind};
use crate::lexer::{Kw, Tok, Token, tokenize};
use eddy_types::ApiError;

/// Longest expression DynamoDB accepts, in UTF-16 code units.
pub(crate) const MAX_EXPRESSION_SIZE: usize = 4096;

/// One raw path step.
#[derive(Debug, Clone)]
pub(crate) enum RawElem {
    /// A bare name (checked against the reserved words).
    Name(String),
    /// `#placeholder`.
    NamePh(String),
    /// `[digits]`, range-checked later.
    Index(String),
}

/// A raw document path.
#[derive(Debug, Clone)]
pub(crate) struct RawPath {
    pub elems: Vec<RawElem>,
}

/// A function call `name(args)`.
#[derive(Debug, Clone)]
pub(crate) struct RawCall {
    pub name: String,
    pub args: Vec<RawOperand>,
}

/// A raw operand.
#[derive(Debug, Clone)]
pub(crate) enum RawOperand {
    Path(RawPath),
    /// `:placeholder`.
    Value(String),
    Call(RawCall),
    Paren(Box<RawOperand>),
}

/// A raw condition.
#[derive(Debug, Clone)]
pub(crate) enum RawCond {
    Compare(CompareOp, RawOperand, RawOperand),
    Between(RawOperand, RawOperand, RawOperand),
    In(RawOperand, Vec<RawOperand>),
    /// A function used as a condition.
    Call(RawCall),
    And(Box<RawCond>, Box<RawCond>),
    Or(Box<RawCond>, Box<RawCond>),
    Not(Box<RawCond>),
    Paren(Box<RawCond>),
}

/// Either a condition or an operand: inside parentheses the parser cannot tell which
/// until it has seen what follows.
enum Either {
    Cond(RawCond),
    Operand(RawOperand),
}

/// Token cursor shared by the three grammars.
pub(crate) struct Parser<'t> {
    text: &'t str,
    toks: Vec<Token>,
    pos: usize,
    pub kind: ExprKind,
}

impl<'t> Parser<'t> {
    /// Checks the size limit and emptiness, then tokenizes.
    pub fn new(text: &'t str, kind: ExprKind) -> Result<Self, ApiError> {
        let size = text.encode_utf16().count();
        if size > MAX_EXPRESSION_SIZE {
            return Err(errors::too_large(kind, size));
        }
        if text.is_empty() {
            return Err(errors::empty(kind));
        }
        Ok(Parser {
            text,
            toks: tokenize(text),
            pos: 0,
            kind,
        })
    }

    fn current(&self) -> Token {
        self.toks.get(self.pos).copied().unwrap_or(Token {
            kind: Tok::Eof,
            start: self.text.len(),
            end: self.text.len(),
        })
    }

    /// The current token's kind.
    pub fn peek(&self) -> Tok {
        self.current().kind
    }

    /// The kind of the token after the current one.
    fn peek2(&self) -> Tok {
        self.toks.get(self.pos + 1).map_or(Tok::Eof, |t| t.kind)
    }

    /// The current token's text.
    pub fn text_of_current(&self) -> &'t str {
        let t = self.current();
        self.text.get(t.start..t.end).unwrap_or_default()
    }

    pub fn advance(&mut self) {
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
    }

    /// A syntax error at the current token.
    pub fn error(&self) -> ApiError {
        let cur = self.current();
        let token = if cur.kind == Tok::Eof {
            "<EOF>"
        } else {
            self.text.get(cur.start..cur.end).unwrap_or_default()
        };
        let start = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.start);
        let end = if cur.kind == Tok::Eof {
            self.text.len()
        } else {
            self.toks.get(self.pos + 1).map_or(self.text.len(), |t| {
                if t.kind == Tok::Eof {
                    self.text.len()
                } else {
                    t.end
                }
            })
        };
        let near = self.text.get(start..end).unwrap_or_default();
        errors::syntax(self.kind, token, near)
    }

    /// Consumes a token of kind `tok` or fails at the current one.
    pub fn expect(&mut self, tok: Tok) -> Result<(), ApiError> {
        if self.peek() == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// Fails unless the whole input has been consumed.
    pub fn expect_end(&self) -> Result<(), ApiError> {
        if self.peek() == Tok::Eof {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    // ---- paths and operands ----

    /// `name-or-#ph ( . name-or-#ph | [ index ] )*`
    pub fn path(&mut self) -> Result<RawPath, ApiError> {
        let mut elems = vec![self.path_name()?];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.advance();
                    elems.push(self.path_name()?);
                }
                Tok::LBracket => {
                    self.advance();
                    if self.peek() != Tok::Number {
                        return Err(self.error());
                    }
                    elems.push(RawElem::Index(self.text_of_current().to_string()));
                    self.advance();
                    self.expect(Tok::RBracket)?;
                }
                _ => return Ok(RawPath { elems }),
            }
        }
    }

    fn path_name(&mut self) -> Result<RawElem, ApiError> {
        let elem = match self.peek() {
            Tok::Ident => RawElem::Name(self.text_of_current().to_string()),
            Tok::NamePh => RawElem::NamePh(self.text_of_current().to_string()),
            _ => return Err(self.error()),
        };
        self.advance();
        Ok(elem)
    }

    /// `( operand ) | name(operand, ...) | path | :value`, parsed with an explicit
    /// stack so that deep nesting (`size(size(...))`, `((((...`) costs no call depth.
    pub fn operand(&mut self) -> Result<RawOperand, ApiError> {
        enum Frame {
            Paren,
            Call(String, Vec<RawOperand>),
        }
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let mut value = match self.peek() {
                Tok::LParen => {
                    self.advance();
                    stack.push(Frame::Paren);
                    continue;
                }
                Tok::Ident if self.peek2() == Tok::LParen => {
                    let name = self.text_of_current().to_string();
                    self.advance();
                    self.advance();
                    stack.push(Frame::Call(name, Vec::new()));
                    continue;
                }
                Tok::Ident | Tok::NamePh => RawOperand::Path(self.path()?),
                Tok::ValuePh => {
                    let v = self.text_of_current().to_string();
                    self.advance();
                    RawOperand::Value(v)
                }
                _ => return Err(self.error()),
            };
            // Close every frame the value completes.
            loop {
                match stack.last_mut() {
                    None => return Ok(value),
                    Some(Frame::Paren) => {
                        self.expect(Tok::RParen)?;
                        stack.pop();
                        value = self.paren_operand(value)?;
                    }
                    Some(Frame::Call(_, args)) => match self.peek() {
                        Tok::Comma => {
                            self.advance();
                            args.push(value);
                            break;
                        }
                        Tok::RParen => {
                            self.advance();
                            let Some(Frame::Call(name, mut args)) = stack.pop() else {
                                return Err(self.error());
                            };
                            args.push(value);
                            value = RawOperand::Call(RawCall { name, args });
                        }
                        _ => return Err(self.error()),
                    },
                }
            }
        }
    }

    /// Wraps `inner` in parentheses, rejecting `((x))`.
    pub fn paren_operand(&self, inner: RawOperand) -> Result<RawOperand, ApiError> {
        if matches!(inner, RawOperand::Paren(_)) {
            return Err(errors::redundant_parens(self.kind));
        }
        Ok(RawOperand::Paren(Box::new(inner)))
    }

    // ---- conditions ----

    /// A whole condition expression.
    ///
    /// Operator precedence (NOT > AND > OR) is resolved with an operator stack per
    /// parenthesis group, and groups are kept on an explicit stack, so nesting costs heap,
    /// not call depth. Errors are reported at the same tokens a recursive-descent parser
    /// would report them.
    pub fn condition(&mut self) -> Result<RawCond, ApiError> {
        // The innermost open group, and the groups enclosing it.
        let mut cur = Group::default();
        let mut outer: Vec<Group> = Vec::new();
        loop {
            // At the start of a unit: NOTs, opening parentheses, then an operand.
            let mut unit = loop {
                match self.peek() {
                    Tok::Kw(Kw::Not) => {
                        self.advance();
                        cur.ops.push(Pending::Not);
                    }
                    Tok::LParen => {
                        self.advance();
                        outer.push(std::mem::take(&mut cur));
                    }
                    _ => break Either::Operand(self.operand()?),
                }
            };
            // After a unit: comparisons, pending NOTs, closing parentheses, then AND/OR.
            loop {
                if let Either::Operand(o) = unit {
                    unit = if self.at_comparison() {
                        Either::Cond(self.comparison_tail(o)?)
                    } else {
                        Either::Operand(o)
                    };
                }
                while cur.ops.last() == Some(&Pending::Not) {
                    cur.ops.pop();
                    unit = Either::Cond(RawCond::Not(Box::new(self.to_cond(unit)?)));
                }
                match self.peek() {
                    Tok::RParen if !outer.is_empty() => {
                        let inner = self.finish(&mut cur, unit)?;
                        cur = outer.pop().unwrap_or_default();
                        self.advance();
                        unit = match inner {
                            Either::Cond(RawCond::Paren(_)) => {
                                return Err(errors::redundant_parens(self.kind));
                            }
                            Either::Cond(c) => Either::Cond(RawCond::Paren(Box::new(c))),
                            Either::Operand(o) => Either::Operand(self.paren_operand(o)?),
                        };
                    }
                    Tok::Kw(kw @ (Kw::And | Kw::Or)) => {
                        let c = self.to_cond(unit)?;
                        cur.vals.push(c);
                        let op = if kw == Kw::And {
                            Pending::And
                        } else {
                            Pending::Or
                        };
                        cur.reduce(op);
                        cur.ops.push(op);
                        self.advance();
                        break;
                    }
                    Tok::Eof if outer.is_empty() => {
                        let whole = self.finish(&mut cur, unit)?;
                        return self.to_cond(whole);
                    }
                    _ => return Err(self.error()),
                }
            }
        }
    }

    /// Closes a group whose last unit is `last`: a lone unit stays as it is (it may be a
    /// parenthesized operand); otherwise every operand must be a condition.
    fn finish(&self, group: &mut Group, last: Either) -> Result<Either, ApiError> {
        if group.ops.is_empty() {
            return Ok(last);
        }
        let c = self.to_cond(last)?;
        group.vals.push(c);
        group.reduce(Pending::Or);
        match (group.vals.pop(), group.vals.is_empty()) {
            (Some(c), true) => Ok(Either::Cond(c)),
            _ => Err(self.error()),
        }
    }

    /// An operand is a condition only if it is a function call (`attribute_exists(a)`);
    /// anything else needs a comparison, so the current token is the error.
    fn to_cond(&self, x: Either) -> Result<RawCond, ApiError> {
        match x {
            Either::Cond(c) => Ok(c),
            Either::Operand(o) => into_call_cond(o).ok_or_else(|| self.error()),
        }
    }

    fn at_comparison(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Eq
                | Tok::Ne
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
                | Tok::Kw(Kw::Between)
                | Tok::Kw(Kw::In)
        )
    }

    fn comparison_tail(&mut self, left: RawOperand) -> Result<RawCond, ApiError> {
        let op = match self.peek() {
            Tok::Eq => CompareOp::Eq,
            Tok::Ne => CompareOp::Ne,
            Tok::Lt => CompareOp::Lt,
            Tok::Le => CompareOp::Le,
            Tok::Gt => CompareOp::Gt,
            Tok::Ge => CompareOp::Ge,
            Tok::Kw(Kw::Between) => {
                self.advance();
                let low = self.operand()?;
                self.expect(Tok::Kw(Kw::And))?;
                let high = self.operand()?;
                return Ok(RawCond::Between(left, low, high));
            }
            Tok::Kw(Kw::In) => {
                self.advance();
                self.expect(Tok::LParen)?;
                let mut list = vec![self.operand()?];
                while self.peek() == Tok::Comma {
                    self.advance();
                    list.push(self.operand()?);
                }
                self.expect(Tok::RParen)?;
                return Ok(RawCond::In(left, list));
            }
            _ => return Err(self.error()),
        };
        self.advance();
        let right = self.operand()?;
        Ok(RawCond::Compare(op, left, right))
    }
}

/// Operators waiting for their right operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Not,
    And,
    Or,
}

/// One parenthesis group (or the whole expression) being parsed.
#[derive(Default)]
struct Group {
    ops: Vec<Pending>,
    vals: Vec<RawCond>,
}

impl Group {
    /// Applies the pending binary operators that bind at least as tightly as `next`
    /// (AND before OR, left to right).
    fn reduce(&mut self, next: Pending) {
        while let Some(&op) = self.ops.last() {
            if op == Pending::Or && next == Pending::And || op == Pending::Not {
                return;
            }
            self.ops.pop();
            let (Some(r), Some(l)) = (self.vals.pop(), self.vals.pop()) else {
                return;
            };
            self.vals.push(match op {
                Pending::And => RawCond::And(Box::new(l), Box::new(r)),
                _ => RawCond::Or(Box::new(l), Box::new(r)),
            });
        }
    }
}

/// `f(x)` or `(f(x))` as a condition.
fn into_call_cond(o: RawOperand) -> Option<RawCond> {
    match o {
        RawOperand::Call(call) => Some(RawCond::Call(call)),
        RawOperand::Paren(inner) => into_call_cond(*inner).map(|c| RawCond::Paren(Box::new(c))),
        _ => None,
    }
}

/// A node of a raw tree, for the iterative walks of the checking passes.
#[derive(Clone, Copy)]
pub(crate) enum Node<'a> {
    Cond(&'a RawCond),
    /// An operand; `top` marks an update value's outermost operand.
    Operand(&'a RawOperand, bool),
}

/// Pre-order walk (a node before its children, children left to right), with an explicit
/// stack so that deep trees cost no call depth.
pub(crate) struct PreOrder<'a> {
    stack: Vec<(Node<'a>, usize)>,
}

impl<'a> PreOrder<'a> {
    pub fn new(roots: impl IntoIterator<Item = Node<'a>>) -> Self {
        let mut stack: Vec<(Node<'a>, usize)> = roots.into_iter().map(|n| (n, 1)).collect();
        stack.reverse();
        PreOrder { stack }
    }
}

impl<'a> Iterator for PreOrder<'a> {
    /// The node and its depth, not counting parentheses (the root is at depth 1).
    type Item = (Node<'a>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (node, depth) = self.stack.pop()?;
        let start = self.stack.len();
        let d = depth + 1;
        match node {
            Node::Cond(c) => match c {
                RawCond::Compare(_, a, b) => {
                    self.stack.push((Node::Operand(a, false), d));
                    self.stack.push((Node::Operand(b, false), d));
                }
                RawCond::Between(a, b, e) => {
                    for o in [a, b, e] {
                        self.stack.push((Node::Operand(o, false), d));
                    }
                }
                RawCond::In(a, list) => {
                    self.stack.push((Node::Operand(a, false), d));
                    for o in list {
                        self.stack.push((Node::Operand(o, false), d));
                    }
                }
                RawCond::Call(call) => {
                    for o in &call.args {
                        self.stack.push((Node::Operand(o, false), d));
                    }
                }
                RawCond::And(a, b) | RawCond::Or(a, b) => {
                    self.stack.push((Node::Cond(a), d));
                    self.stack.push((Node::Cond(b), d));
                }
                RawCond::Not(a) => self.stack.push((Node::Cond(a), d)),
                RawCond::Paren(a) => self.stack.push((Node::Cond(a), depth)),
            },
            Node::Operand(o, top) => match o {
                RawOperand::Path(_) | RawOperand::Value(_) => {}
                RawOperand::Paren(inner) => self.stack.push((Node::Operand(inner, top), depth)),
                RawOperand::Call(call) => {
                    for a in &call.args {
                        self.stack.push((Node::Operand(a, false), d));
                    }
                }
            },
        }
        if let Some(children) = self.stack.get_mut(start..) {
            children.reverse();
        }
        Some((node, depth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The syntax error for `text`, as (token, near).
    fn syntax(text: &str) -> String {
        let mut p = Parser::new(text, ExprKind::Condition).expect("within limits");
        match p.condition() {
            Ok(c) => format!("parsed: {c:?}"),
            Err(e) => e
                .to_string()
                .trim_start_matches("Invalid ConditionExpression: ")
                .to_string(),
        }
    }

    #[test]
    fn syntax_errors_name_the_token_and_its_neighbours() {
        let table = [
            ("a =", "<EOF>", "="),
            ("a = ", "<EOF>", "= "),
            (" ", "<EOF>", " "),
            ("a = = :v", "=", "= = :v"),
            ("  = :v", "=", "  = :v"),
            ("a = :v)", ")", ":v)"),
            ("a IN ()", ")", "()"),
            ("(a) AND b = :v", "AND", ") AND b"),
            ("(a OR b = :v)", "OR", "a OR b"),
            ("a BETWEEN :n :m", ":m", ":n :m"),
            ("NOT NOT", "<EOF>", "NOT"),
            ("a < :v < :v", "<", ":v < :v"),
            ("size(a :v)", ":v", "a :v)"),
            ("a[01] = :v", "1", "01]"),
            ("#n#n = :v", "#n", "#n#n ="),
        ];
        for (text, token, near) in table {
            assert_eq!(
                syntax(text),
                format!("Syntax error; token: \"{token}\", near: \"{near}\""),
                "{text:?}"
            );
        }
    }

    #[test]
    fn precedence_is_not_and_or() {
        let mut p = Parser::new("NOT a = :v AND b = :v OR c = :v", ExprKind::Condition).unwrap();
        let c = p.condition().unwrap();
        let RawCond::Or(left, _) = c else {
            panic!("OR at the top: {c:?}")
        };
        let RawCond::And(not, _) = *left else {
            panic!("AND below OR")
        };
        assert!(matches!(*not, RawCond::Not(_)));
    }

    #[test]
    fn redundant_parentheses_are_rejected_while_parsing() {
        for text in [
            "((a)) = :v",
            "((a = :v))",
            "a = ((:v))",
            "NOT ((a = :v))",
            "size(((a))) = :v",
        ] {
            assert_eq!(
                syntax(text),
                "The expression has redundant parentheses;",
                "{text}"
            );
        }
        for text in [
            "((a = :v) AND (b = :v))",
            "(a) = (:v)",
            "a IN ((:v))",
            "(size(a)) = :v",
        ] {
            assert!(syntax(text).starts_with("parsed"), "{text}");
        }
    }
}
