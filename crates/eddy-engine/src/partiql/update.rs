//! UPDATE's SET and REMOVE clauses to an [`eddy_expr::UpdateExpr`], applied by the same
//! code as UpdateExpression: `a = v`, `a = b + c` / `b - c`, `list_append`,
//! `if_not_exists`, and the set functions `set_add(a, <<..>>)` / `set_delete(a, <<..>>)`
//! (DynamoDB's ADD and DELETE actions).

use super::Returning;
use super::access;
use super::ast::{Action, Expr, Update};
use super::cond::{condition, path};
use super::paths::check_disjoint;
use super::plan::{WriteKind, WritePlan};
use super::value::{Values, is_update_arith};
use crate::model::TableDef;
use eddy_expr::{
    Path, Projection, SetValue, UpdateAction, UpdateDialect, UpdateExpr, UpdateOperand,
};
use eddy_types::{ApiError, AttributeValue};

/// Binds an UPDATE.
pub fn update(
    u: &Update,
    def: &TableDef,
    values: Values,
    returning: Option<Returning>,
) -> Result<WritePlan, ApiError> {
    let mut actions = Vec::with_capacity(u.actions.len());
    let mut key_update = None;
    for a in &u.actions {
        let (target, action) = match a {
            Action::Set(p, v) => {
                let target = path(p)?;
                let action = set_action(&target, v, values)?;
                (target, action)
            }
            Action::Remove(p) => {
                let target = path(p)?;
                (target.clone(), UpdateAction::Remove(target))
            }
        };
        if key_update.is_none() && def.key.is_key(target.top_level()) {
            key_update = Some(target.top_level().to_string());
        }
        actions.push(action);
    }
    let targets: Vec<Path> = actions.iter().map(|a| a.path().clone()).collect();
    check_disjoint(&targets)?;
    let condition = u
        .filter
        .as_ref()
        .map(|f| condition(f, values))
        .transpose()?;
    let (key, extra) = access::single_key(u.filter.as_ref(), &def.key, values)?;
    Ok(WritePlan {
        kind: WriteKind::Update {
            update: UpdateExpr {
                actions,
                dialect: UpdateDialect::Expression,
            },
            updated: Projection { paths: targets },
            key_update,
        },
        key,
        condition,
        extra_conditions: extra,
        returning,
    })
}

/// `SET target = value`.
fn set_action(target: &Path, v: &Expr, values: Values) -> Result<UpdateAction, ApiError> {
    match v {
        Expr::Arith(op, a, b, _) if is_update_arith(*op) => {
            let (a, b) = (operand(a, values)?, operand(b, values)?);
            Ok(UpdateAction::Set(
                target.clone(),
                if op.symbol() == "+" {
                    SetValue::Plus(a, b)
                } else {
                    SetValue::Minus(a, b)
                },
            ))
        }
        Expr::Arith(op, ..) => Err(ApiError::validation(format!(
            "Unsupported operator in Update Expression. Operator: {}",
            op.symbol()
        ))),
        Expr::Call(name, args, _)
            if name.eq_ignore_ascii_case("set_add") || name.eq_ignore_ascii_case("set_delete") =>
        {
            let upper = name.to_ascii_uppercase();
            if args.len() != 2 {
                return Err(arity(&upper.to_ascii_lowercase(), args.len()));
            }
            let same = matches!(&args[0], Expr::Path(p) if path(p).is_ok_and(|p| p == *target));
            if !same {
                return Err(ApiError::validation(format!(
                    "The first argument to {upper} must equal the assignment value"
                )));
            }
            let set = values.value(&args[1])?;
            if !matches!(
                set,
                AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
            ) {
                return Err(ApiError::validation(
                    "An operand in the update expression has an incorrect data type",
                ));
            }
            Ok(if upper == "SET_ADD" {
                UpdateAction::Add(target.clone(), set)
            } else {
                UpdateAction::Delete(target.clone(), set)
            })
        }
        other => Ok(UpdateAction::Set(
            target.clone(),
            SetValue::Operand(operand(other, values)?),
        )),
    }
}

fn arity(function: &str, n: usize) -> ApiError {
    ApiError::validation(format!(
        "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {n}"
    ))
}

/// An operand of a SET value.
fn operand(e: &Expr, values: Values) -> Result<UpdateOperand, ApiError> {
    match e {
        Expr::Path(p) => Ok(UpdateOperand::Path(path(p)?)),
        Expr::Call(name, args, _) => {
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                "list_append" | "if_not_exists" if args.len() != 2 => {
                    Err(arity(&lower, args.len()))
                }
                "list_append" => Ok(UpdateOperand::ListAppend(
                    Box::new(operand(&args[0], values)?),
                    Box::new(operand(&args[1], values)?),
                )),
                "if_not_exists" => match &args[0] {
                    Expr::Path(p) => Ok(UpdateOperand::IfNotExists(
                        path(p)?,
                        Box::new(operand(&args[1], values)?),
                    )),
                    _ => Err(ApiError::validation(
                        "Operator or function requires a document path; operator or function: if_not_exists",
                    )),
                },
                _ => Err(ApiError::validation(format!(
                    "Unrecognized function: {name}"
                ))),
            }
        }
        Expr::Arith(op, ..) => Err(ApiError::validation(format!(
            "Unsupported operator in Update Expression. Operator: {}",
            op.symbol()
        ))),
        e if e.is_predicate() => Err(ApiError::validation(
            "Unsupported operator in Update Expression.",
        )),
        constant => Ok(UpdateOperand::Value(values.value(constant)?)),
    }
}
