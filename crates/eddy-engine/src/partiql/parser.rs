//! Recursive-descent parser for the statements DynamoDB accepts.
//!
//! ```text
//! statement := (select | insert | update | delete | EXISTS '(' select ')') [';']
//! select    := SELECT ('*' | path (',' path)*) FROM name ['.' name]
//!              [WHERE expr] [ORDER BY path [ASC|DESC] (',' ...)*]
//! insert    := INSERT INTO name VALUE expr
//! update    := UPDATE name (SET path '=' expr (',' path '=' expr)* | REMOVE path)+
//!              [WHERE expr] [RETURNING (ALL|MODIFIED) (OLD|NEW) '*']
//! delete    := DELETE FROM name [WHERE expr] [RETURNING ALL OLD '*']
//! ```
//!
//! Expressions are parsed in `parser/expr.rs`.

mod expr;

use super::ast::*;
use super::keywords::is_reserved;
use super::lexer::{Span, Tok, tokenize};
use super::{Returning, syntax_error};
use eddy_types::ApiError;

/// Deepest expression nesting accepted (parentheses, lists, maps, operators).
pub const MAX_DEPTH: usize = 100;

/// Largest list index DynamoDB accepts.
const MAX_INDEX: u64 = i32::MAX as u64;

/// A parsed statement plus what only the parser knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The statement.
    pub statement: Statement,
    /// How many `?` it contains.
    pub params: usize,
    /// The `RETURNING` clause of an UPDATE or DELETE.
    pub returning: Option<Returning>,
}

/// Parses one statement.
pub fn parse(text: &str) -> Result<Parsed, ApiError> {
    let toks = tokenize(text).map_err(|_| syntax_error(text))?;
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        depth: 0,
        params: 0,
    };
    let (statement, returning) = p.statement()?;
    if p.sym(";") {
        p.pos += 1;
    }
    if p.peek() != &Tok::End {
        return Err(p.error());
    }
    Ok(Parsed {
        statement,
        params: p.params,
        returning,
    })
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
    params: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.toks.get(self.pos + ahead).map_or(&Tok::End, |t| &t.0)
    }

    fn next(&mut self) -> (Tok, Span) {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .unwrap_or((Tok::End, Span::default()));
        if t.0 != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn error(&self) -> ApiError {
        syntax_error(self.text)
    }

    fn sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), ApiError> {
        if !self.sym(s) {
            return Err(self.error());
        }
        self.pos += 1;
        Ok(())
    }

    fn kw_at(&self, ahead: usize, kw: &str) -> bool {
        matches!(self.peek_at(ahead), Tok::Ident(w) if w.eq_ignore_ascii_case(kw))
    }

    fn kw(&self, kw: &str) -> bool {
        self.kw_at(0, kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let found = self.kw(kw);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn statement(&mut self) -> Result<(Statement, Option<Returning>), ApiError> {
        if self.eat_kw("SELECT") {
            return Ok((Statement::Select(self.select_rest()?), None));
        }
        if self.eat_kw("INSERT") {
            self.expect_kw("INTO")?;
            let table = self.name()?;
            self.expect_kw("VALUE")?;
            let value = self.expr()?;
            if !matches!(value, Expr::Tuple(..)) {
                return Err(ApiError::validation(format!(
                    "Unsupported format in item expression. Please use struct format {{...}} to express item values for insert statement. at {}",
                    value.span()
                )));
            }
            return Ok((Statement::Insert(Insert { table, value }), None));
        }
        if self.eat_kw("UPDATE") {
            let update = self.update_rest()?;
            let returning = self.returning()?;
            return Ok((Statement::Update(update), returning));
        }
        if self.eat_kw("DELETE") {
            self.expect_kw("FROM")?;
            let table = self.name()?;
            let filter = self.where_clause()?;
            let returning = self.returning()?;
            return Ok((Statement::Delete(Delete { table, filter }), returning));
        }
        if self.kw("EXISTS") && matches!(self.peek_at(1), Tok::Sym("(")) {
            self.pos += 2;
            self.expect_kw("SELECT")?;
            let select = self.select_rest()?;
            self.expect_sym(")")?;
            return Ok((Statement::Exists(select), None));
        }
        Err(self.unsupported())
    }

    /// A statement that is not DML: DynamoDB names what it found.
    fn unsupported(&mut self) -> ApiError {
        for verb in ["CREATE", "DROP"] {
            if self.kw(verb) {
                for object in ["TABLE", "INDEX"] {
                    if self.kw_at(1, object) {
                        let name = format!("{}{}", title(verb), title(object));
                        return ApiError::validation(format!("Unsupported operation: {name}"));
                    }
                }
            }
        }
        let what = match self.expr() {
            Ok(Expr::Path(p)) if p.steps.is_empty() => "VariableReference",
            Ok(Expr::Lit(..)) => "Literal",
            _ => return self.error(),
        };
        if self.peek() != &Tok::End {
            return self.error();
        }
        ApiError::validation(format!("Unsupported operation: {what}"))
    }

    fn select_rest(&mut self) -> Result<Select, ApiError> {
        let list = if self.sym("*") {
            self.pos += 1;
            SelectList::Star
        } else {
            let mut paths = vec![self.select_item()?];
            while self.sym(",") {
                self.pos += 1;
                paths.push(self.select_item()?);
            }
            SelectList::Paths(paths)
        };
        self.expect_kw("FROM")?;
        let table = self.name()?;
        let index = if self.sym(".") {
            self.pos += 1;
            Some(self.name()?)
        } else {
            None
        };
        let filter = self.where_clause()?;
        let mut order_by = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                let path = self.path()?;
                let desc = if self.eat_kw("DESC") {
                    true
                } else {
                    self.eat_kw("ASC");
                    false
                };
                order_by.push((path, desc));
                if !self.sym(",") {
                    break;
                }
                self.pos += 1;
            }
        }
        Ok(Select {
            list,
            table,
            index,
            filter,
            order_by,
        })
    }

    /// One projected path; other expressions are reported as DynamoDB does.
    fn select_item(&mut self) -> Result<PathExpr, ApiError> {
        let e = self.additive()?;
        if self.kw("AS") {
            return Err(ApiError::validation("Aliasing is not supported"));
        }
        match e {
            Expr::Path(p) => Ok(p),
            other => Err(ApiError::validation(format!(
                "Unexpected path component at {}",
                other.span()
            ))),
        }
    }

    fn update_rest(&mut self) -> Result<Update, ApiError> {
        let table = self.name()?;
        let mut actions = Vec::new();
        loop {
            if self.eat_kw("SET") {
                loop {
                    let path = self.path()?;
                    self.expect_sym("=")?;
                    actions.push(Action::Set(path, self.expr()?));
                    if !self.sym(",") {
                        break;
                    }
                    self.pos += 1;
                }
            } else if self.eat_kw("REMOVE") {
                actions.push(Action::Remove(self.path()?));
            } else {
                break;
            }
        }
        if actions.is_empty() {
            return Err(self.error());
        }
        let filter = self.where_clause()?;
        Ok(Update {
            table,
            actions,
            filter,
        })
    }

    fn returning(&mut self) -> Result<Option<Returning>, ApiError> {
        if !self.eat_kw("RETURNING") {
            return Ok(None);
        }
        let all = if self.eat_kw("ALL") {
            true
        } else {
            self.expect_kw("MODIFIED")?;
            false
        };
        let new = if self.eat_kw("NEW") {
            true
        } else {
            self.expect_kw("OLD")?;
            false
        };
        self.expect_sym("*")?;
        Ok(Some(match (all, new) {
            (true, false) => Returning::AllOld,
            (false, false) => Returning::ModifiedOld,
            (true, true) => Returning::AllNew,
            (false, true) => Returning::ModifiedNew,
        }))
    }

    fn where_clause(&mut self) -> Result<Option<Expr>, ApiError> {
        if self.eat_kw("WHERE") {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    /// A table or index name: an identifier or a quoted identifier.
    fn name(&mut self) -> Result<String, ApiError> {
        match self.next() {
            (Tok::Quoted(s), _) => Ok(s),
            (Tok::Ident(s), _) if !is_reserved(&s) => Ok(s),
            _ => Err(self.error()),
        }
    }

    /// A document path (SET/REMOVE targets, ORDER BY).
    fn path(&mut self) -> Result<PathExpr, ApiError> {
        match self.primary()? {
            Expr::Path(p) => Ok(p),
            _ => Err(self.error()),
        }
    }
}

/// `CREATE` -> `Create`.
fn title(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}
