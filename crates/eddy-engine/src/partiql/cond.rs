//! WHERE clauses to [`eddy_expr::Condition`], so that PartiQL filters and conditions
//! are evaluated by the same code as ConditionExpression and FilterExpression.
//!
//! DynamoDB translates PartiQL predicates into its expression language, which shows in
//! the semantics (a comparison with a missing attribute is false, `<>` is its negation,
//! `x IS NULL` tests the `NULL` type) and in the error texts, which are the expression
//! checks' without the "Invalid ConditionExpression:" prefix.

use super::ast::{CmpOp, Expr, Lit, PathExpr, Step};
use super::lexer::Span;
use super::value::Values;
use eddy_expr::{CompareOp, CondFunction, Condition, Operand, Path, PathElement};
use eddy_types::{ApiError, AttributeValue};

/// Attribute types `attribute_type` accepts, in the order DynamoDB lists them.
const TYPES: &[&str] = &["N", "BS", "L", "B", "NULL", "M", "S", "SS", "NS", "BOOL"];

/// Converts a resolved document path.
pub fn path(p: &PathExpr) -> Result<Path, ApiError> {
    let mut elements = Vec::with_capacity(1 + p.steps.len());
    elements.push(PathElement::Attr(p.root.clone()));
    for s in &p.steps {
        elements.push(match s {
            Step::Field(f) => PathElement::Attr(f.clone()),
            Step::Index(Some(i)) => PathElement::Index(*i),
            Step::Index(None) => {
                return Err(ApiError::validation(format!(
                    "List index is out of range at {}",
                    p.span
                )));
            }
        });
    }
    Ok(Path { elements })
}

/// The whole WHERE clause as a condition.
pub fn condition(e: &Expr, values: Values) -> Result<Condition, ApiError> {
    if !e.is_predicate() {
        return Err(ApiError::validation(
            "WHERE clause must contain an expression that resolves to a boolean",
        ));
    }
    Conv { values }.cond(e)
}

struct Conv<'a> {
    values: Values<'a>,
}

impl Conv<'_> {
    fn cond(&self, e: &Expr) -> Result<Condition, ApiError> {
        let logical = |a: &Expr, b: &Expr| -> Result<(Condition, Condition), ApiError> {
            if !a.is_predicate() || !b.is_predicate() {
                return Err(ApiError::validation(
                    "The arguments to AND/OR must be Expressions",
                ));
            }
            Ok((self.cond(a)?, self.cond(b)?))
        };
        Ok(match e {
            Expr::And(a, b) => {
                let (a, b) = logical(a, b)?;
                Condition::And(Box::new(a), Box::new(b))
            }
            Expr::Or(a, b) => {
                let (a, b) = logical(a, b)?;
                Condition::Or(Box::new(a), Box::new(b))
            }
            Expr::Not(a) => {
                if !a.is_predicate() {
                    return Err(ApiError::validation(
                        "The argument to NOT must be an Expression",
                    ));
                }
                Condition::Not(Box::new(self.cond(a)?))
            }
            Expr::Cmp(op, a, b) => {
                Condition::Compare(compare_op(*op), self.operand(a)?, self.operand(b)?)
            }
            Expr::Between(v, low, high, negated) => {
                let c =
                    Condition::Between(self.operand(v)?, self.operand(low)?, self.operand(high)?);
                negate(c, *negated)
            }
            Expr::In(v, list, negated) => {
                let bad = || {
                    ApiError::validation(
                        "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
                    )
                };
                let (Expr::Path(p), Expr::List(items, _)) = (&**v, &**list) else {
                    return Err(bad());
                };
                if items.is_empty() {
                    return Err(bad());
                }
                let mut ops = Vec::with_capacity(items.len());
                for x in items {
                    ops.push(self.operand(x)?);
                }
                negate(Condition::In(Operand::Path(path(p)?), ops), *negated)
            }
            Expr::Like(..) => return Err(unsupported_operator("like")),
            Expr::IsMissing(v, negated) => {
                let p = self.doc_path(v, "attribute_not_exists")?;
                Condition::Function(if *negated {
                    CondFunction::AttributeExists(p)
                } else {
                    CondFunction::AttributeNotExists(p)
                })
            }
            Expr::IsNull(v, negated) => {
                let p = self.doc_path(v, "attribute_type")?;
                let is_null = Condition::Function(CondFunction::AttributeType(
                    Operand::Path(p),
                    Operand::Value(AttributeValue::S("NULL".into())),
                ));
                negate(is_null, *negated)
            }
            Expr::Call(name, args, span) => {
                aggregate(name, *span)?;
                Condition::Function(self.function(name, args)?)
            }
            _ => {
                return Err(ApiError::validation(
                    "WHERE clause must contain an expression that resolves to a boolean",
                ));
            }
        })
    }

    /// A condition function call.
    fn function(&self, name: &str, args: &[Expr]) -> Result<CondFunction, ApiError> {
        let lower = name.to_ascii_lowercase();
        let arity = match lower.as_str() {
            "attribute_exists" | "attribute_not_exists" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            "size" => 1,
            _ => {
                return Err(ApiError::validation(format!(
                    "Unrecognized function: {name}"
                )));
            }
        };
        if args.len() != arity {
            return Err(ApiError::validation(format!(
                "Incorrect number of operands for operator or function; operator or function: {lower}, number of operands: {}",
                args.len()
            )));
        }
        Ok(match lower.as_str() {
            "attribute_exists" => CondFunction::AttributeExists(self.doc_path(&args[0], &lower)?),
            "attribute_not_exists" => {
                CondFunction::AttributeNotExists(self.doc_path(&args[0], &lower)?)
            }
            "attribute_type" => {
                let target = Operand::Path(self.doc_path(&args[0], &lower)?);
                let ty = self.operand(&args[1])?;
                if let Operand::Value(v) = &ty {
                    match v {
                        AttributeValue::S(t) if TYPES.contains(&t.as_str()) => {}
                        AttributeValue::S(t) => {
                            return Err(ApiError::validation(format!(
                                "Invalid attribute type name found; type: {t}, valid types: {{{}}}",
                                TYPES.join(",")
                            )));
                        }
                        other => {
                            return Err(ApiError::validation(format!(
                                "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                                other.type_tag()
                            )));
                        }
                    }
                }
                CondFunction::AttributeType(target, ty)
            }
            "begins_with" => {
                CondFunction::BeginsWith(self.operand(&args[0])?, self.operand(&args[1])?)
            }
            "contains" => CondFunction::Contains(self.operand(&args[0])?, self.operand(&args[1])?),
            _ => {
                return Err(ApiError::validation(
                    "WHERE clause must contain an expression that resolves to a boolean",
                ));
            }
        })
    }

    fn doc_path(&self, e: &Expr, function: &str) -> Result<Path, ApiError> {
        match e {
            Expr::Path(p) => path(p),
            _ => Err(ApiError::validation(format!(
                "Operator or function requires a document path; operator or function: {function}"
            ))),
        }
    }

    /// An operand: a path, `size(path)` or a constant.
    fn operand(&self, e: &Expr) -> Result<Operand, ApiError> {
        match e {
            Expr::Path(p) => Ok(Operand::Path(path(p)?)),
            Expr::Lit(Lit::Missing, _) => Err(ApiError::validation(
                "MISSING must be compared using IS operator",
            )),
            Expr::Call(name, args, _) if name.eq_ignore_ascii_case("size") => {
                if args.len() != 1 {
                    return Err(ApiError::validation(format!(
                        "Incorrect number of operands for operator or function; operator or function: size, number of operands: {}",
                        args.len()
                    )));
                }
                Ok(Operand::Size(Box::new(Operand::Path(
                    self.doc_path(&args[0], "size")?,
                ))))
            }
            Expr::Call(name, _, span) => {
                aggregate(name, *span)?;
                Err(ApiError::validation(format!(
                    "Unrecognized function: {name}"
                )))
            }
            Expr::Arith(op, ..) => Err(unsupported_operator(op.symbol())),
            Expr::Subquery(..) => Err(ApiError::validation("Subqueries are not supported")),
            e if e.is_predicate() => Err(ApiError::validation(
                "Comparison operands must be values or document paths",
            )),
            constant => Ok(Operand::Value(self.values.value(constant)?)),
        }
    }
}

/// Aggregates (`count(x)`, `sum(x)`...) are refused before any other check of a call.
fn aggregate(name: &str, span: Span) -> Result<(), ApiError> {
    if ["count", "sum", "avg", "min", "max"].contains(&name.to_ascii_lowercase().as_str()) {
        return Err(ApiError::validation(format!(
            "Unsupported token in expression: {name} at {span}"
        )));
    }
    Ok(())
}

fn unsupported_operator(op: &str) -> ApiError {
    ApiError::validation(format!(
        "Unsupported operator in Condition Expression. Operator: {op}"
    ))
}

fn negate(c: Condition, negated: bool) -> Condition {
    if negated {
        Condition::Not(Box::new(c))
    } else {
        c
    }
}

/// The expression crate's operator.
pub fn compare_op(op: CmpOp) -> CompareOp {
    match op {
        CmpOp::Eq => CompareOp::Eq,
        CmpOp::Ne => CompareOp::Ne,
        CmpOp::Lt => CompareOp::Lt,
        CmpOp::Le => CompareOp::Le,
        CmpOp::Gt => CompareOp::Gt,
        CmpOp::Ge => CompareOp::Ge,
    }
}
