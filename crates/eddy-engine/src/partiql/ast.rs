//! The syntax tree of one PartiQL statement, before it is bound to a table.
//!
//! It is deliberately close to what was written (every node keeps its [`Span`]) so that
//! the binder (`plan.rs`) can report DynamoDB's errors with DynamoDB's positions; the
//! binder turns it into eddy-expr trees that the shared evaluators run.

use super::lexer::Span;

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT ... FROM ...`.
    Select(Select),
    /// `INSERT INTO t VALUE {...}`.
    Insert(Insert),
    /// `UPDATE t SET ... REMOVE ... WHERE ...`.
    Update(Update),
    /// `DELETE FROM t WHERE ...`.
    Delete(Delete),
    /// `EXISTS(SELECT ...)`: a condition check, only inside write transactions.
    Exists(Select),
}

/// What a `SELECT` returns.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectList {
    /// `*`.
    Star,
    /// A list of document paths.
    Paths(Vec<PathExpr>),
}

/// `SELECT list FROM table[.index] [WHERE cond] [ORDER BY key [ASC|DESC], ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// The projection.
    pub list: SelectList,
    /// Table name.
    pub table: String,
    /// Index name (`"table"."index"`).
    pub index: Option<String>,
    /// The filter.
    pub filter: Option<Expr>,
    /// `ORDER BY` terms: the path and whether it is descending.
    pub order_by: Vec<(PathExpr, bool)>,
}

/// `INSERT INTO table VALUE value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// Table name.
    pub table: String,
    /// The item (a tuple literal when well formed).
    pub value: Expr,
}

/// One `SET` or `REMOVE` of an `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `SET path = value`.
    Set(PathExpr, Expr),
    /// `REMOVE path`.
    Remove(PathExpr),
}

/// `UPDATE table SET ... REMOVE ... [WHERE cond]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// Table name.
    pub table: String,
    /// The actions, in the order written.
    pub actions: Vec<Action>,
    /// The key and condition.
    pub filter: Option<Expr>,
}

/// `DELETE FROM table [WHERE cond]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// Table name.
    pub table: String,
    /// The key and condition.
    pub filter: Option<Expr>,
}

/// One step of a document path after its first name.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name`, `."name"` or `['name']`.
    Field(String),
    /// `[n]`; `None` when the index does not fit DynamoDB's range.
    Index(Option<usize>),
}

/// A document path such as `a.b[2]."c"`.
#[derive(Debug, Clone, PartialEq)]
pub struct PathExpr {
    /// The top-level attribute name.
    pub root: String,
    /// The steps below it.
    pub steps: Vec<Step>,
    /// Where the path starts.
    pub span: Span,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `'text'`.
    Str(String),
    /// A number, as written.
    Num(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `missing`.
    Missing,
    /// `` `ion` `` (never accepted).
    Ion(String),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>` or `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Binary arithmetic and string operators (only `+` and `-` are ever accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `||`
    Concat,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "%",
            ArithOp::Concat => "||",
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A document path.
    Path(PathExpr),
    /// A literal.
    Lit(Lit, Span),
    /// The `n`-th `?` (0-based).
    Param(usize, Span),
    /// `[a, b]`.
    List(Vec<Expr>, Span),
    /// `{'k': v, ...}`; keys are expressions so that bad keys can be reported.
    Tuple(Vec<(Expr, Expr)>, Span),
    /// `<<a, b>>`.
    Bag(Vec<Expr>, Span),
    /// `a op b`.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `a [NOT] BETWEEN low AND high`.
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    /// `a [NOT] IN list`.
    In(Box<Expr>, Box<Expr>, bool),
    /// `a [NOT] LIKE b` (never accepted).
    Like(Box<Expr>, Box<Expr>),
    /// `a IS [NOT] MISSING`.
    IsMissing(Box<Expr>, bool),
    /// `a IS [NOT] NULL`.
    IsNull(Box<Expr>, bool),
    /// `a AND b`.
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`.
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`.
    Not(Box<Expr>),
    /// `f(args)`; the name as written.
    Call(String, Vec<Expr>, Span),
    /// `a op b` for `+ - * / % ||`; the span is the operator's.
    Arith(ArithOp, Box<Expr>, Box<Expr>, Span),
    /// `-a`; the span is the operator's.
    Neg(Box<Expr>, Span),
    /// A nested `SELECT` (never accepted inside an expression).
    Subquery(Box<Select>, Span),
}

impl Expr {
    /// Where the expression starts (its first token, or its operator for operators).
    pub fn span(&self) -> Span {
        match self {
            Expr::Path(p) => p.span,
            Expr::Lit(_, s)
            | Expr::Param(_, s)
            | Expr::List(_, s)
            | Expr::Tuple(_, s)
            | Expr::Bag(_, s)
            | Expr::Call(_, _, s)
            | Expr::Arith(_, _, _, s)
            | Expr::Neg(_, s)
            | Expr::Subquery(_, s) => *s,
            Expr::Cmp(_, a, _)
            | Expr::Between(a, ..)
            | Expr::In(a, ..)
            | Expr::Like(a, _)
            | Expr::IsMissing(a, _)
            | Expr::IsNull(a, _)
            | Expr::And(a, _)
            | Expr::Or(a, _)
            | Expr::Not(a) => a.span(),
        }
    }

    /// True for the forms that yield a boolean (comparisons, predicates, logic).
    pub fn is_predicate(&self) -> bool {
        matches!(
            self,
            Expr::Cmp(..)
                | Expr::Between(..)
                | Expr::In(..)
                | Expr::Like(..)
                | Expr::IsMissing(..)
                | Expr::IsNull(..)
                | Expr::And(..)
                | Expr::Or(..)
                | Expr::Not(_)
                | Expr::Call(..)
        )
    }
}
