//! Condition expressions (ConditionExpression, FilterExpression, KeyConditionExpression):
//! the checks after parsing, turning the raw tree into a [`Condition`].

use crate::ast::{CompareOp, CondFunction, Condition, Operand};
use crate::errors::{self, ExprKind};
use crate::parser::{Parser, RawCall, RawCond, RawOperand};
use crate::resolve::{ExprAttrs, check_path_depth, check_path_words, resolve_path};
use eddy_types::{ApiError, AttributeValue};

/// Most operands an `IN` list may have.
const MAX_IN_OPERANDS: usize = 100;
/// Most operators (comparisons, functions, AND/OR/NOT) in one condition.
const MAX_OPERATORS: usize = 300;

/// The valid type names of `attribute_type`, in DynamoDB's message order.
const TYPE_NAMES_MSG: &str = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}";
/// DynamoDB's operand-type text when `attribute_type` is given a path as its type.
const ATTRIBUTE_TYPE_PATH_OPERAND: &str =
    "{DOUBLESET,HDS,L,DECIMALSET,DOUBLE,BS,INTSET,DECIMAL,S,HD,FLOAT,BOOL,DICT,N,M,NS,B,FS,NULL,SS,INT}";

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
    limits_cond(kind, &raw)?;
    let cond = resolve_cond(kind, &raw, attrs)?;
    if count_operators(&cond) > MAX_OPERATORS {
        return Err(errors::too_many_operators(kind, MAX_OPERATORS + 1));
    }
    Ok(cond)
}

// ---- pass 2: reserved words, index range, function names and placement ----

fn words_cond(kind: ExprKind, c: &RawCond) -> Result<(), ApiError> {
    match c {
        RawCond::Compare(_, a, b) => {
            words_operand(kind, a)?;
            words_operand(kind, b)
        }
        RawCond::Between(a, b, d) => {
            words_operand(kind, a)?;
            words_operand(kind, b)?;
            words_operand(kind, d)
        }
        RawCond::In(a, list) => {
            words_operand(kind, a)?;
            list.iter().try_for_each(|o| words_operand(kind, o))
        }
        RawCond::Call(call) => {
            check_function_name(kind, &call.name)?;
            if call.name == "size" {
                return Err(errors::function_misused(kind, &call.name));
            }
            call.args.iter().try_for_each(|o| words_operand(kind, o))
        }
        RawCond::And(a, b) | RawCond::Or(a, b) => {
            words_cond(kind, a)?;
            words_cond(kind, b)
        }
        RawCond::Not(a) | RawCond::Paren(a) => words_cond(kind, a),
    }
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

fn words_operand(kind: ExprKind, o: &RawOperand) -> Result<(), ApiError> {
    match o {
        RawOperand::Path(p) => check_path_words(kind, p),
        RawOperand::Value(_) => Ok(()),
        RawOperand::Paren(inner) => words_operand(kind, inner),
        RawOperand::Call(call) => {
            check_function_name(kind, &call.name)?;
            if call.name != "size" {
                return Err(errors::function_misused(kind, &call.name));
            }
            call.args.iter().try_for_each(|o| words_operand(kind, o))
        }
    }
}

// ---- pass 3: IN length, path depth ----

fn limits_cond(kind: ExprKind, c: &RawCond) -> Result<(), ApiError> {
    match c {
        RawCond::Compare(_, a, b) => {
            limits_operand(kind, a)?;
            limits_operand(kind, b)
        }
        RawCond::Between(a, b, d) => {
            limits_operand(kind, a)?;
            limits_operand(kind, b)?;
            limits_operand(kind, d)
        }
        RawCond::In(a, list) => {
            if list.len() > MAX_IN_OPERANDS {
                return Err(errors::too_many_in(kind, list.len()));
            }
            limits_operand(kind, a)?;
            list.iter().try_for_each(|o| limits_operand(kind, o))
        }
        RawCond::Call(call) => call.args.iter().try_for_each(|o| limits_operand(kind, o)),
        RawCond::And(a, b) | RawCond::Or(a, b) => {
            limits_cond(kind, a)?;
            limits_cond(kind, b)
        }
        RawCond::Not(a) | RawCond::Paren(a) => limits_cond(kind, a),
    }
}

pub(crate) fn limits_operand(kind: ExprKind, o: &RawOperand) -> Result<(), ApiError> {
    match o {
        RawOperand::Path(p) => check_path_depth(kind, p),
        RawOperand::Value(_) => Ok(()),
        RawOperand::Paren(inner) => limits_operand(kind, inner),
        RawOperand::Call(call) => call.args.iter().try_for_each(|o| limits_operand(kind, o)),
    }
}

// ---- pass 4: resolution and per-node checks ----

fn resolve_cond(
    kind: ExprKind,
    c: &RawCond,
    attrs: &mut ExprAttrs,
) -> Result<Condition, ApiError> {
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
        RawCond::And(a, b) => Ok(Condition::And(
            Box::new(resolve_cond(kind, a, attrs)?),
            Box::new(resolve_cond(kind, b, attrs)?),
        )),
        RawCond::Or(a, b) => Ok(Condition::Or(
            Box::new(resolve_cond(kind, a, attrs)?),
            Box::new(resolve_cond(kind, b, attrs)?),
        )),
        RawCond::Not(a) => Ok(Condition::Not(Box::new(resolve_cond(kind, a, attrs)?))),
        RawCond::Paren(a) => resolve_cond(kind, a, attrs),
    }
}

fn resolve_operand(
    kind: ExprKind,
    o: &RawOperand,
    attrs: &mut ExprAttrs,
) -> Result<Operand, ApiError> {
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
            let [arg] =
                <[Operand; 1]>::try_from(args).map_err(|_| errors::arity(kind, name, n))?;
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
        return Err(msg("upper bound to be greater than or equal to lower bound"));
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
