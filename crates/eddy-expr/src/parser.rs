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

    /// `( operand ) | name(args) | path | :value`
    pub fn operand(&mut self) -> Result<RawOperand, ApiError> {
        match self.peek() {
            Tok::LParen => {
                self.advance();
                let inner = self.operand()?;
                self.expect(Tok::RParen)?;
                self.paren_operand(inner)
            }
            Tok::Ident if self.peek2() == Tok::LParen => Ok(RawOperand::Call(self.call()?)),
            Tok::Ident | Tok::NamePh => Ok(RawOperand::Path(self.path()?)),
            Tok::ValuePh => {
                let v = self.text_of_current().to_string();
                self.advance();
                Ok(RawOperand::Value(v))
            }
            _ => Err(self.error()),
        }
    }

    /// Wraps `inner` in parentheses, rejecting `((x))`.
    pub fn paren_operand(&self, inner: RawOperand) -> Result<RawOperand, ApiError> {
        if matches!(inner, RawOperand::Paren(_)) {
            return Err(errors::redundant_parens(self.kind));
        }
        Ok(RawOperand::Paren(Box::new(inner)))
    }

    /// `name ( operand (, operand)* )`, the current token being the name.
    fn call(&mut self) -> Result<RawCall, ApiError> {
        let name = self.text_of_current().to_string();
        self.advance();
        self.expect(Tok::LParen)?;
        let mut args = vec![self.operand()?];
        while self.peek() == Tok::Comma {
            self.advance();
            args.push(self.operand()?);
        }
        self.expect(Tok::RParen)?;
        Ok(RawCall { name, args })
    }

    // ---- conditions ----

    /// A whole condition expression.
    pub fn condition(&mut self) -> Result<RawCond, ApiError> {
        let x = self.or_x()?;
        let c = self.to_cond(x)?;
        self.expect_end()?;
        Ok(c)
    }

    /// An operand is a condition only if it is a function call (`attribute_exists(a)`);
    /// anything else needs a comparison, so the current token is the error.
    fn to_cond(&self, x: Either) -> Result<RawCond, ApiError> {
        match x {
            Either::Cond(c) => Ok(c),
            Either::Operand(o) => into_call_cond(o).ok_or_else(|| self.error()),
        }
    }

    fn or_x(&mut self) -> Result<Either, ApiError> {
        let first = self.and_x()?;
        if self.peek() != Tok::Kw(Kw::Or) {
            return Ok(first);
        }
        let mut c = self.to_cond(first)?;
        while self.peek() == Tok::Kw(Kw::Or) {
            self.advance();
            let r = self.and_x()?;
            let r = self.to_cond(r)?;
            c = RawCond::Or(Box::new(c), Box::new(r));
        }
        Ok(Either::Cond(c))
    }

    fn and_x(&mut self) -> Result<Either, ApiError> {
        let first = self.not_x()?;
        if self.peek() != Tok::Kw(Kw::And) {
            return Ok(first);
        }
        let mut c = self.to_cond(first)?;
        while self.peek() == Tok::Kw(Kw::And) {
            self.advance();
            let r = self.not_x()?;
            let r = self.to_cond(r)?;
            c = RawCond::And(Box::new(c), Box::new(r));
        }
        Ok(Either::Cond(c))
    }

    fn not_x(&mut self) -> Result<Either, ApiError> {
        if self.peek() == Tok::Kw(Kw::Not) {
            self.advance();
            let inner = self.not_x()?;
            let inner = self.to_cond(inner)?;
            return Ok(Either::Cond(RawCond::Not(Box::new(inner))));
        }
        self.primary_x()
    }

    fn primary_x(&mut self) -> Result<Either, ApiError> {
        let x = if self.peek() == Tok::LParen {
            self.advance();
            let inner = self.or_x()?;
            self.expect(Tok::RParen)?;
            match inner {
                Either::Cond(c) => {
                    if matches!(c, RawCond::Paren(_)) {
                        return Err(errors::redundant_parens(self.kind));
                    }
                    Either::Cond(RawCond::Paren(Box::new(c)))
                }
                Either::Operand(o) => Either::Operand(self.paren_operand(o)?),
            }
        } else {
            Either::Operand(self.operand()?)
        };
        match x {
            Either::Operand(o) if self.at_comparison() => {
                Ok(Either::Cond(self.comparison_tail(o)?))
            }
            other => Ok(other),
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

/// `f(x)` or `(f(x))` as a condition.
fn into_call_cond(o: RawOperand) -> Option<RawCond> {
    match o {
        RawOperand::Call(call) => Some(RawCond::Call(call)),
        RawOperand::Paren(inner) => into_call_cond(*inner).map(|c| RawCond::Paren(Box::new(c))),
        _ => None,
    }
}
