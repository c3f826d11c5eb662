//! Condition expressions (ConditionExpression, FilterExpression, KeyConditionExpression):
//! the checks after parsing, turning the raw tree into a [`Condition`].

use crate::ast::{CompareOp, CondFunction, Condition, Operand};
use crate::errors::{self, ExprKind};
use crate::parser::{Node, Parser, PreOrder, RawCall, RawCond, RawOperand};
use crate::resolve::{ExprAttrs, check_path_depth, check_path_words, resolve_path};
use eddy_types::{ApiError, AttributeValue};

/// Most operands an `IN` list may have.
const MAX_IN_OPERANDS: usize = 100;
/// Most operators (comparisons, functions, AND/OR/NOT) in one condition.
const MAX_OPERATORS: usize = 300;
/// Deepest tree (parentheses not counted) the recursive passes and the evaluator are
/// given. A valid condition is at most about `MAX_OPERATORS` deep.
pub(crate) const MAX_RESOLVE_DEPTH: usize = MAX_OPERATORS + 20;

/// The valid type names of `attribute_type`, in DynamoDB's message order.
const TYPE_NAMES_MSG: &str = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}";
/// DynamoDB's operand-type text when `attribute_type` is given a path as its type.
const ATTRIBUTE_TYPE_PATH_OPERAND: &str = "{DOUBLESET,HDS,L,DECIMALSET,DOUBLE,BS,INTSET,DECIMAL,S,HD,FLOAT,BOOL,DICT,N,M,NS,B,FS,NULL,SS,INT}";

/// The functions a condition may use as a condition.
const CONDITION_FUNCTIONS: [&str; 5] = [
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
];
/// The functions only update expressions may use.
pub(crate) const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

/// Parses, checks and resolves a condition.
pub fn parse_condition(
    text: &str,
    kind: ExprKind,
    attrs: &mut ExprAttrs,
) -> Result<Condition, ApiError> {
    let mut parser = Parser::new(text, kind)?;
    let raw = parser.condition()?;
    words_cond(kind, &raw)?;
    if limits(kind, vec![Node::Cond(&raw)])? > MAX_RESOLVE_DEPTH {
        // Only reachable with far more than MAX_OPERATORS operators; the recursive
        // resolution below is not run on such trees.
        return Err(errors::too_many_operators(kind, MAX_OPERATORS + 1));
    }
    let cond = resolve_cond(kind, &raw, attrs)?;
    if count_operators(&cond) > MAX_OPERATORS {
        return Err(errors::too_many_operators(kind, MAX_OPERATORS + 1));
    }
    Ok(cond)
}

// ---- pass 2: reserved words, index range, function names and placement ----

fn words_cond(kind: ExprKind, c: &RawCond) -> Result<(), ApiError> {
    for (node, _) in PreOrder::new([Node::Cond(c)]) {
        match node {
            Node::Cond(RawCond::Call(call)) => {
                check_function_name(kind, &call.name)?;
                if call.name == "size" {
                    return Err(errors::function_misused(kind, &call.name));
                }
            }
            Node::Operand(RawOperand::Path(p), _) => check_path_words(kind, p)?,
            Node::Operand(RawOperand::Call(call), _) => {
                check_function_name(kind, &call.name)?;
                if call.name != "size" {
                    return Err(errors::function_misused(kind, &call.name));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Unknown names first, then the update-only functions.
fn check_function_name(kind: ExprKind, name: &str) -> Result<(), ApiError> {
    if UPDATE_FUNCTIONS.contains(&name) {
        return Err(errors::function_not_in_condition(kind, name));
    }
    if name != "size" && !CONDITION_FUNCTIONS.contains(&name) {
        return Err(errors::bad_function(kind, name));
    }
    Ok(())
}

// ---- pass 3: IN length, path depth ----

/// Also returns the tree's depth (parentheses not counted).
pub(crate) fn limits(kind: ExprKind, roots: Vec<Node>) -> Result<usize, ApiError> {
    let mut max_depth = 0;
    for (node, depth) in PreOrder::new(roots) {
        max_depth = max_depth.max(depth);
        match node {
            Node::Cond(RawCond::In(_, list)) if list.len() > MAX_IN_OPERANDS => {
                return Err(errors::too_many_in(kind, list.len()));
            }
            Node::Operand(RawOperand::Path(p), _) => check_path_depth(kind, p)?,
            _ => {}
        }
    }
    Ok(max_depth)
}

// ---- pass 4: resolution and per-node checks ----

/// Resolves a condition tree: AND/OR/NOT with an explicit stack (children left to right,
/// then the node), each comparison or function by [`resolve_leaf`].
fn resolve_cond(
    kind: ExprKind,
    root: &RawCond,
    attrs: &mut ExprAttrs,
) -> Result<Condition, ApiError> {
    enum Work<'a> {
        Visit(&'a RawCond),
        And,
        Or,
        Not,
    }
    let mut work = vec![Work::Visit(root)];
    let mut done: Vec<Condition> = Vec::new();
    while let Some(w) = work.pop() {
        match w {
            Work::Visit(RawCond::Paren(inner)) => work.push(Work::Visit(inner)),
            Work::Visit(RawCond::And(a, b)) => {
                work.extend([Work::And, Work::Visit(b), Work::Visit(a)]);
            }
            Work::Visit(RawCond::Or(a, b)) => {
                work.extend([Work::Or, Work::Visit(b), Work::Visit(a)]);
            }
            Work::Visit(RawCond::Not(a)) => work.extend([Work::Not, Work::Visit(a)]),
            Work::Visit(leaf) => done.push(resolve_leaf(kind, leaf, attrs)?),
            Work::Not => {
                let a = done.pop().unwrap_or(Condition::Literal(false));
                done.push(Condition::Not(Box::new(a)));
            }
            Work::And | Work::Or => {
                let b = done.pop().unwrap_or(Condition::Literal(false));
                let a = done.pop().unwrap_or(Condition::Literal(false));
                done.push(if matches!(w, Work::And) {
                    Condition::And(Box::new(a), Box::new(b))
                } else {
                    Condition::Or(Box::new(a), Box::new(b))
                });
            }
        }
    }
    Ok(done.pop().unwrap_or(Condition::Literal(false)))
}

/// A comparison, BETWEEN, IN or function.
fn resolve_leaf(kind: ExprKind, c: &RawCond, attrs: &mut ExprAttrs) -> Result<Condition, ApiError> {
    match c {
        RawCond::Compare(op, a, b) => {
            let a = resolve_operand(kind, a, attrs)?;
            let b = resolve_operand(kind, b, attrs)?;
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                for o in [&a, &b] {
                    check_comparable(kind, op.symbol(), o)?;
                }
            }
            check_distinct(kind, op.symbol(), &a, [&b])?;
            Ok(Condition::Compare(*op, a, b))
        }
        RawCond::Between(v, low, high) => {
            let v = resolve_operand(kind, v, attrs)?;
            let low = resolve_operand(kind, low, attrs)?;
            let high = resolve_operand(kind, high, attrs)?;
            for o in [&v, &low, &high] {
                check_comparable(kind, "BETWEEN", o)?;
            }
            check_distinct(kind, "BETWEEN", &v, [&low, &high])?;
            if let (Operand::Value(l), Operand::Value(h)) = (&low, &high) {
                check_between_bounds(kind, l, h)?;
            }
            Ok(Condition::Between(v, low, high))
        }
        RawCond::In(v, list) => {
            let v = resolve_operand(kind, v, attrs)?;
            let list = list
                .iter()
                .map(|o| resolve_operand(kind, o, attrs))
                .collect::<Result<Vec<_>, _>>()?;
            check_distinct(kind, "IN", &v, list.iter())?;
            Ok(Condition::In(v, list))
        }
        RawCond::Call(call) => Ok(Condition::Function(resolve_function(kind, call, attrs)?)),
        // Handled by `resolve_cond`.
        RawCond::And(..) | RawCond::Or(..) | RawCond::Not(_) | RawCond::Paren(_) => {
            resolve_cond(kind, c, attrs)
        }
    }
}

fn resolve_operand(
    kind: ExprKind,
    mut o: &RawOperand,
    attrs: &mut ExprAttrs,
) -> Result<Operand, ApiError> {
    while let RawOperand::Paren(inner) = o {
        o = inner;
    }
    match o {
        RawOperand::Path(p) => Ok(Operand::Path(resolve_path(kind, p, attrs)?)),
        RawOperand::Value(ph) => Ok(Operand::Value(attrs.value(kind, ph)?)),
        RawOperand::Paren(inner) => resolve_operand(kind, inner, attrs),
        RawOperand::Call(call) => {
            // Pass 2 admits only `size` here.
            let args = resolve_args(kind, call, attrs)?;
            let [arg] = <[Operand; 1]>::try_from(args)
                .map_err(|args| errors::arity(kind, &call.name, args.len()))?;
            if let Some(ty) = static_type(&arg)
                && !matches!(ty, "S" | "B" | "SS" | "NS" | "BS" | "L" | "M")
            {
                return Err(errors::operand_type(kind, "size", ty));
            }
            Ok(Operand::Size(Box::new(arg)))
        }
    }
}

fn resolve_args(
    kind: ExprKind,
    call: &RawCall,
    attrs: &mut ExprAttrs,
) -> Result<Vec<Operand>, ApiError> {
    call.args
        .iter()
        .map(|o| resolve_operand(kind, o, attrs))
        .collect()
}

fn resolve_function(
    kind: ExprKind,
    call: &RawCall,
    attrs: &mut ExprAttrs,
) -> Result<CondFunction, ApiError> {
    let name = call.name.as_str();
    let args = resolve_args(kind, call, attrs)?;
    let n = args.len();
    match name {
        "attribute_exists" | "attribute_not_exists" => {
            let [arg] = <[Operand; 1]>::try_from(args).map_err(|_| errors::arity(kind, name, n))?;
            let Operand::Path(path) = arg else {
                return Err(errors::needs_path(kind, name));
            };
            Ok(if name == "attribute_exists" {
                CondFunction::AttributeExists(path)
            } else {
                CondFunction::AttributeNotExists(path)
            })
        }
        _ => {
            let [a, b] =
                <[Operand; 2]>::try_from(args).map_err(|_| errors::arity(kind, name, n))?;
            check_distinct(kind, name, &a, [&b])?;
            match name {
                "attribute_type" => {
                    match &b {
                        Operand::Path(_) => {
                            return Err(errors::operand_type(
                                kind,
                                name,
                                ATTRIBUTE_TYPE_PATH_OPERAND,
                            ));
                        }
                        Operand::Value(AttributeValue::S(t)) => {
                            if !is_type_name(t) {
                                return Err(errors::invalid(
                                    kind,
                                    format_args!(
                                        "Invalid attribute type name found; type: {t}, valid types: {TYPE_NAMES_MSG}"
                                    ),
                                ));
                            }
                        }
                        other => {
                            let ty = static_type(other).unwrap_or("N");
                            return Err(errors::operand_type(kind, name, ty));
                        }
                    }
                    Ok(CondFunction::AttributeType(a, b))
                }
                "begins_with" => {
                    for o in [&a, &b] {
                        if let Some(ty) = static_type(o)
                            && !matches!(ty, "S" | "B")
                        {
                            return Err(errors::operand_type(kind, name, ty));
                        }
                    }
                    Ok(CondFunction::BeginsWith(a, b))
                }
                _ => Ok(CondFunction::Contains(a, b)),
            }
        }
    }
}

fn is_type_name(t: &str) -> bool {
    matches!(
        t,
        "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL"
    )
}

/// The type of an operand known before evaluation: constants and `size()` (a number).
fn static_type(o: &Operand) -> Option<&'static str> {
    match o {
        Operand::Value(v) => Some(v.type_tag()),
        Operand::Size(_) => Some("N"),
        Operand::Path(_) => None,
    }
}

/// `<`, `<=`, `>`, `>=` and `BETWEEN` only order strings, numbers and binaries.
fn check_comparable(kind: ExprKind, op: &str, o: &Operand) -> Result<(), ApiError> {
    match static_type(o) {
        Some(ty) if !matches!(ty, "S" | "N" | "B") => Err(errors::operand_type(kind, op, ty)),
        _ => Ok(()),
    }
}

/// `a = a`, `a BETWEEN a AND b`, `contains(a, a)`... are rejected.
fn check_distinct<'o>(
    kind: ExprKind,
    op: &str,
    first: &Operand,
    rest: impl IntoIterator<Item = &'o Operand>,
) -> Result<(), ApiError> {
    if let Operand::Path(p) = first
        && rest
            .into_iter()
            .any(|o| matches!(o, Operand::Path(q) if q == p))
    {
        return Err(errors::not_distinct(kind, op, p));
    }
    Ok(())
}

fn check_between_bounds(
    kind: ExprKind,
    low: &AttributeValue,
    high: &AttributeValue,
) -> Result<(), ApiError> {
    let msg = |what: &str| {
        errors::invalid(
            kind,
            format_args!(
                "The BETWEEN operator requires {what}; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                render_value(low),
                render_value(high)
            ),
        )
    };
    if low.type_tag() != high.type_tag() {
        return Err(msg("same data type for lower and upper bounds"));
    }
    if crate::eval::compare_values(low, high) == Some(std::cmp::Ordering::Greater) {
        return Err(msg(
            "upper bound to be greater than or equal to lower bound",
        ));
    }
    Ok(())
}

/// DynamoDB's rendering of a scalar in BETWEEN messages: `{S:x}`, `{N:1}`, and for
/// binaries the Java buffer description it prints.
fn render_value(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => format!("{{S:{s}}}"),
        AttributeValue::N(n) => format!("{{N:{n}}}"),
        AttributeValue::B(b) => format!(
            "{{B:java.nio.HeapByteBuffer[pos=0 lim={0} cap={0}]}}",
            b.len()
        ),
        other => format!("{{{}:...}}", other.type_tag()),
    }
}

// ---- pass 5 ----

fn count_operators(c: &Condition) -> usize {
    fn operand(o: &Operand) -> usize {
        match o {
            Operand::Size(inner) => 1 + operand(inner),
            _ => 0,
        }
    }
    match c {
        Condition::Compare(_, a, b) => 1 + operand(a) + operand(b),
        Condition::Between(a, b, d) => 1 + operand(a) + operand(b) + operand(d),
        Condition::In(a, list) => 1 + operand(a) + list.iter().map(operand).sum::<usize>(),
        Condition::Function(f) => {
            1 + match f {
                CondFunction::AttributeExists(_) | CondFunction::AttributeNotExists(_) => 0,
                CondFunction::AttributeType(a, b)
                | CondFunction::BeginsWith(a, b)
                | CondFunction::Contains(a, b) => operand(a) + operand(b),
            }
        }
        Condition::And(a, b) | Condition::Or(a, b) => 1 + count_operators(a) + count_operators(b),
        Condition::Not(a) => 1 + count_operators(a),
        Condition::Literal(_) => 0,
    }
}
