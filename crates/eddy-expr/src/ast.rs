//! The resolved expression trees: every placeholder replaced by the name or value it
//! stands for, every static check done. These are what the evaluators run and what the
//! engine keeps between parsing and applying a request.

use eddy_types::AttributeValue;
use std::fmt;

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A map key (or, first, a top-level attribute name).
    Attr(String),
    /// A list index.
    Index(usize),
}

/// A document path such as `a.b[2].c`; never empty, starts with an [`PathElement::Attr`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path {
    /// The steps, outermost first.
    pub elements: Vec<PathElement>,
}

impl Path {
    /// A path naming one top-level attribute (used by the legacy parameters, where a name
    /// such as `a.b` is taken literally).
    pub fn attr(name: impl Into<String>) -> Self {
        Path {
            elements: vec![PathElement::Attr(name.into())],
        }
    }

    /// The top-level attribute name.
    pub fn top_level(&self) -> &str {
        match self.elements.first() {
            Some(PathElement::Attr(name)) => name,
            _ => "",
        }
    }
}

impl fmt::Display for Path {
    /// DynamoDB's rendering in error messages: `[a, b, [0]]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, e) in self.elements.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match e {
                PathElement::Attr(name) => f.write_str(name)?,
                PathElement::Index(n) => write!(f, "[{n}]")?,
            }
        }
        f.write_str("]")
    }
}

/// An operand of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// An attribute of the item (absent if the path leads nowhere).
    Path(Path),
    /// A constant from `ExpressionAttributeValues` (or a legacy parameter).
    Value(AttributeValue),
    /// `size(operand)`: a number, absent for operands without a size.
    Size(Box<Operand>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
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

impl CompareOp {
    /// The operator as written in expressions.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// The functions usable as a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum CondFunction {
    /// `attribute_exists(path)`.
    AttributeExists(Path),
    /// `attribute_not_exists(path)`.
    AttributeNotExists(Path),
    /// `attribute_type(operand, type)`.
    AttributeType(Operand, Operand),
    /// `begins_with(operand, prefix)`.
    BeginsWith(Operand, Operand),
    /// `contains(operand, operand)`.
    Contains(Operand, Operand),
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression, or a
/// converted `Expected`).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `a <op> b`.
    Compare(CompareOp, Operand, Operand),
    /// `a BETWEEN low AND high`.
    Between(Operand, Operand, Operand),
    /// `a IN (b, c, ...)`.
    In(Operand, Vec<Operand>),
    /// A condition function.
    Function(CondFunction),
    /// `a AND b`.
    And(Box<Condition>, Box<Condition>),
    /// `a OR b`.
    Or(Box<Condition>, Box<Condition>),
    /// `NOT a`.
    Not(Box<Condition>),
    /// A constant; only produced by the legacy converters (an empty `Expected` is true).
    Literal(bool),
}

/// An operand on the right-hand side of `SET`.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOperand {
    /// An attribute of the item; it must exist.
    Path(Path),
    /// A constant.
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`.
    IfNotExists(Path, Box<UpdateOperand>),
    /// `list_append(list1, list2)`.
    ListAppend(Box<UpdateOperand>, Box<UpdateOperand>),
}

/// The value assigned by `SET`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// A single operand.
    Operand(UpdateOperand),
    /// `a + b` (numbers).
    Plus(UpdateOperand, UpdateOperand),
    /// `a - b` (numbers).
    Minus(UpdateOperand, UpdateOperand),
}

/// One action of an update.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// `SET path = value` (legacy `PUT`).
    Set(Path, SetValue),
    /// `REMOVE path` (legacy `DELETE` without a value).
    Remove(Path),
    /// `ADD path value`: number addition or set union.
    Add(Path, AttributeValue),
    /// `DELETE path set`: set difference.
    Delete(Path, AttributeValue),
}

impl UpdateAction {
    /// The path the action writes.
    pub fn path(&self) -> &Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}

/// Which rule set an update follows: expressions and the legacy `AttributeUpdates` differ
/// in what `ADD` accepts (legacy `ADD` also appends lists) and in their error texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpdateDialect {
    /// `UpdateExpression`.
    #[default]
    Expression,
    /// `AttributeUpdates`.
    Legacy,
}

/// A parsed update: its actions in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateExpr {
    /// The actions; no two paths overlap.
    pub actions: Vec<UpdateAction>,
    /// Expression or legacy semantics.
    pub dialect: UpdateDialect,
}

/// A projection: the document paths to return.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Projection {
    /// The paths, in the order written; no two overlap.
    pub paths: Vec<Path>,
}
