//! Expressions (precedence from loosest): `OR`, `AND`, `NOT`, predicates (comparisons
//! `= <> != < <= > >=`, `[NOT] BETWEEN`, `[NOT] IN`, `[NOT] LIKE`, `IS [NOT]
//! MISSING|NULL`), `+ - ||`, `* / %`, unary `-`/`+`, primaries (literals, `?`, paths,
//! calls, `[..]`, `{..}`, `<<..>>`, `(..)`). Nesting is bounded ([`MAX_DEPTH`]) so no
//! input can exhaust the stack. Expression forms DynamoDB rejects are still parsed, so
//! that the binder can answer with DynamoDB's specific message rather than a syntax
//! error.

use super::{MAX_DEPTH, MAX_INDEX, Parser};
use crate::partiql::ast::*;
use crate::partiql::keywords::is_reserved;
use crate::partiql::lexer::{Span, Tok};
use eddy_types::ApiError;

impl Parser<'_> {
    pub(super) fn enter(&mut self) -> Result<(), ApiError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error());
        }
        Ok(())
    }

    /// A full expression.
    pub(super) fn expr(&mut self) -> Result<Expr, ApiError> {
        self.enter()?;
        let mut e = self.and()?;
        while self.eat_kw("OR") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ApiError> {
        let mut e = self.not()?;
        while self.eat_kw("AND") {
            e = Expr::And(Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, ApiError> {
        if self.eat_kw("NOT") {
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, ApiError> {
        let left = self.additive()?;
        let cmp = match self.peek() {
            Tok::Sym("=") => Some(CmpOp::Eq),
            Tok::Sym("<>" | "!=") => Some(CmpOp::Ne),
            Tok::Sym("<") => Some(CmpOp::Lt),
            Tok::Sym("<=") => Some(CmpOp::Le),
            Tok::Sym(">") => Some(CmpOp::Gt),
            Tok::Sym(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = cmp {
            self.pos += 1;
            let right = self.additive()?;
            return Ok(Expr::Cmp(op, Box::new(left), Box::new(right)));
        }
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if self.eat_kw("MISSING") {
                return Ok(Expr::IsMissing(Box::new(left), negated));
            }
            self.expect_kw("NULL")?;
            return Ok(Expr::IsNull(Box::new(left), negated));
        }
        let negated = self.kw("NOT")
            && (self.kw_at(1, "BETWEEN") || self.kw_at(1, "IN") || self.kw_at(1, "LIKE"));
        if negated {
            self.pos += 1;
        }
        if self.eat_kw("BETWEEN") {
            let low = self.additive()?;
            self.expect_kw("AND")?;
            let high = self.additive()?;
            return Ok(Expr::Between(
                Box::new(left),
                Box::new(low),
                Box::new(high),
                negated,
            ));
        }
        if self.eat_kw("IN") {
            let list = if self.sym("(") && !self.kw_at(1, "SELECT") {
                let span = self.next().1;
                Expr::List(self.items(")")?, span)
            } else {
                self.additive()?
            };
            return Ok(Expr::In(Box::new(left), Box::new(list), negated));
        }
        if self.eat_kw("LIKE") {
            let pattern = self.additive()?;
            return Ok(Expr::Like(Box::new(left), Box::new(pattern)));
        }
        if negated {
            return Err(self.error());
        }
        Ok(left)
    }

    pub(super) fn additive(&mut self) -> Result<Expr, ApiError> {
        let mut e = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => ArithOp::Add,
                Tok::Sym("-") => ArithOp::Sub,
                Tok::Sym("||") => ArithOp::Concat,
                _ => return Ok(e),
            };
            let span = self.next().1;
            let right = self.multiplicative()?;
            e = Expr::Arith(op, Box::new(e), Box::new(right), span);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ApiError> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => ArithOp::Mul,
                Tok::Sym("/") => ArithOp::Div,
                Tok::Sym("%") => ArithOp::Mod,
                _ => return Ok(e),
            };
            let span = self.next().1;
            let right = self.unary()?;
            e = Expr::Arith(op, Box::new(e), Box::new(right), span);
        }
    }

    fn unary(&mut self) -> Result<Expr, ApiError> {
        match self.peek() {
            Tok::Sym("-") => {
                let span = self.next().1;
                self.enter()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Neg(Box::new(inner), span))
            }
            Tok::Sym("+") => {
                self.pos += 1;
                self.enter()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(inner)
            }
            _ => self.primary(),
        }
    }

    pub(super) fn primary(&mut self) -> Result<Expr, ApiError> {
        let (tok, span) = self.next();
        let e = match tok {
            Tok::Str(s) => Expr::Lit(Lit::Str(s), span),
            Tok::Num(n) => Expr::Lit(Lit::Num(n), span),
            Tok::Ion(s) => Expr::Lit(Lit::Ion(s), span),
            Tok::Sym("?") => {
                self.params += 1;
                Expr::Param(self.params - 1, span)
            }
            Tok::Sym("(") => {
                if self.kw("SELECT") {
                    self.pos += 1;
                    self.enter()?;
                    let sub = self.select_rest()?;
                    self.depth -= 1;
                    self.expect_sym(")")?;
                    return Ok(Expr::Subquery(Box::new(sub), span));
                }
                let inner = self.expr()?;
                self.expect_sym(")")?;
                return Ok(inner);
            }
            Tok::Sym("[") => Expr::List(self.items("]")?, span),
            Tok::Sym("<<") => Expr::Bag(self.items(">>")?, span),
            Tok::Sym("{") => Expr::Tuple(self.tuple_items()?, span),
            Tok::Quoted(name) => return self.path_rest(name, span),
            Tok::Ident(word) => {
                let upper = word.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" => Expr::Lit(Lit::Bool(true), span),
                    "FALSE" => Expr::Lit(Lit::Bool(false), span),
                    "NULL" => Expr::Lit(Lit::Null, span),
                    "MISSING" => Expr::Lit(Lit::Missing, span),
                    _ if self.sym("(") => {
                        self.pos += 1;
                        // `count(*)`: parsed so that it can be refused by name.
                        if self.sym("*") && matches!(self.peek_at(1), Tok::Sym(")")) {
                            self.pos += 2;
                            return Ok(Expr::Call(word, Vec::new(), span));
                        }
                        let args = self.items(")")?;
                        return Ok(Expr::Call(word, args, span));
                    }
                    _ if is_reserved(&word) => return Err(self.error()),
                    _ => return self.path_rest(word, span),
                }
            }
            _ => return Err(self.error()),
        };
        Ok(e)
    }

    /// Comma-separated expressions up to `close` (consumed); empty lists allowed.
    fn items(&mut self, close: &str) -> Result<Vec<Expr>, ApiError> {
        self.enter()?;
        let mut out = Vec::new();
        if !self.sym(close) {
            loop {
                out.push(self.expr()?);
                if !self.sym(",") {
                    break;
                }
                self.pos += 1;
            }
        }
        self.expect_sym(close)?;
        self.depth -= 1;
        Ok(out)
    }

    fn tuple_items(&mut self) -> Result<Vec<(Expr, Expr)>, ApiError> {
        self.enter()?;
        let mut out = Vec::new();
        if !self.sym("}") {
            loop {
                let key = self.expr()?;
                self.expect_sym(":")?;
                out.push((key, self.expr()?));
                if !self.sym(",") {
                    break;
                }
                self.pos += 1;
            }
        }
        self.expect_sym("}")?;
        self.depth -= 1;
        Ok(out)
    }

    /// The steps after a path's first name.
    fn path_rest(&mut self, root: String, span: Span) -> Result<Expr, ApiError> {
        let mut steps = Vec::new();
        loop {
            if self.sym(".") {
                match self.peek_at(1).clone() {
                    Tok::Ident(s) if is_reserved(&s) => return Err(self.error()),
                    Tok::Ident(s) | Tok::Quoted(s) => {
                        self.pos += 2;
                        steps.push(Step::Field(s));
                    }
                    _ => return Err(self.error()),
                }
            } else if self.sym("[") {
                self.pos += 1;
                match self.next().0 {
                    Tok::Num(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
                        let i = n.parse::<u64>().ok().filter(|i| *i <= MAX_INDEX);
                        steps.push(Step::Index(i.and_then(|i| usize::try_from(i).ok())));
                    }
                    Tok::Str(s) => steps.push(Step::Field(s)),
                    _ => return Err(self.error()),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(Expr::Path(PathExpr { root, steps, span }));
            }
        }
    }
}
