//! Parser and binder tests: statements DynamoDB accepts and the messages it gives for
//! those it refuses (recorded against DynamoDB Local).

use super::ast::*;
use super::parse;

fn err(text: &str) -> String {
    parse(text).map(|_| ()).unwrap_err().to_string()
}

#[test]
fn parses_every_statement_kind() {
    for s in [
        "SELECT * FROM t",
        "select a, b.c[1], \"d\" FROM \"t\".\"i\" WHERE a = 1 AND (b <> 'x' OR NOT c IS MISSING) ORDER BY a DESC",
        "INSERT INTO t VALUE {'a': 1, 'b': [true, null, <<'x'>>], 'c': {'d': ?}}",
        "UPDATE t SET a = a + 1, b = ? REMOVE c REMOVE d.e[0] SET f = list_append(f, [1]) WHERE k = 'x' RETURNING ALL NEW *",
        "DELETE FROM t WHERE k = 'x' AND v BETWEEN 1 AND 2 RETURNING ALL OLD *",
        "EXISTS(SELECT * FROM t WHERE k = 'x' AND begins_with(v, 'a'))",
        "SELECT * FROM t WHERE k IN ['a', 'b'] AND v NOT IN ('c') AND w IS NOT NULL;",
    ] {
        assert!(parse(s).is_ok(), "{s}: {:?}", parse(s).err());
    }
}

#[test]
fn counts_parameters_in_order() {
    let p = parse("UPDATE t SET a = ? WHERE k = ? AND v = ?").unwrap();
    assert_eq!(p.params, 3);
    let Statement::Update(u) = p.statement else {
        panic!()
    };
    assert!(matches!(&u.actions[0], Action::Set(_, Expr::Param(0, _))));
}

#[test]
fn syntax_errors_quote_the_statement() {
    for s in [
        "SELEC * FROM t",
        "SELECT * FROM",
        "SELECT * FROM t WHERE",
        "SELECT * , a FROM t",
        "UPDATE t WHERE k = 1",
        "UPDATE t REMOVE a, b WHERE k = 1",
        "",
        "   ",
        "SELECT * FROM t WHERE a == 1",
        "INSERT INTO t VALUE {'a': 1} IF NOT EXISTS",
        "SELECT * FROM t; SELECT * FROM t",
        "SELECT * FROM t WHERE a = 'open",
    ] {
        assert_eq!(
            err(s),
            format!("Statement wasn't well formed, can't be processed: {s}"),
            "{s}"
        );
    }
}

#[test]
fn names_unsupported_operations() {
    assert_eq!(err("CREATE TABLE x"), "Unsupported operation: CreateTable");
    assert_eq!(err("drop index x"), "Unsupported operation: DropIndex");
    assert_eq!(err("hello"), "Unsupported operation: VariableReference");
    assert_eq!(err("'abc'"), "Unsupported operation: Literal");
    assert_eq!(
        err("SELECT count(*) FROM t"),
        "Unexpected path component at 1:8:5"
    );
    assert_eq!(
        err("SELECT v + 1 FROM t"),
        "Unexpected path component at 1:10:1"
    );
    assert_eq!(err("SELECT n AS z FROM t"), "Aliasing is not supported");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "SELECT * FROM t WHERE a = {}1{}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(err(&deep).starts_with("Statement wasn't well formed"));
    let parens = format!(
        "SELECT * FROM t WHERE {}a = 1{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    assert!(err(&parens).starts_with("Statement wasn't well formed"));
    let nots = format!("SELECT * FROM t WHERE {}a = 1", "NOT ".repeat(5000));
    assert!(err(&nots).starts_with("Statement wasn't well formed"));
    let negs = format!("SELECT * FROM t WHERE a = {}1", "-".repeat(5000));
    assert!(err(&negs).starts_with("Statement wasn't well formed"));
}
