//! Item validation: keys, sizes, sets, nesting and number limits.

use aws_sdk_dynamodb::types::AttributeValue as AV;
use eddy_e2e::*;

async fn table() -> (TestServer, String) {
    let srv = TestServer::start_memory().await;
    let name = unique_name("va");
    create_hash_table(&srv.client, &name)
        .await
        .expect("create table");
    (srv, name)
}

async fn put(srv: &TestServer, t: &str, it: Item) -> Result<(), ApiErr> {
    match srv
        .client
        .put_item()
        .table_name(t)
        .set_item(Some(it))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(api_err::<(), _, _>(Err(e))),
    }
}

#[track_caller]
fn rejected(r: Result<(), ApiErr>) -> ApiErr {
    r.expect_err("request must be rejected")
}

#[tokio::test]
async fn empty_string_key_is_rejected() {
    let (srv, t) = table().await;
    let msg = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk";
    rejected(put(&srv, &t, item([("pk", s(""))])).await).assert("ValidationException", &[msg]);
    let res = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s(""))
        .send()
        .await;
    api_err(res).assert("ValidationException", &[msg]);
}

#[tokio::test]
async fn wrong_key_type_is_rejected() {
    let (srv, t) = table().await;
    let e = rejected(put(&srv, &t, item([("pk", n("1"))])).await);
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
            "One or more parameter values were invalid: Type mismatch for key",
        ],
    );
    let res = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", n("1"))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &[
            "The provided key element does not match the schema",
            "One or more parameter values were invalid: Type mismatch for key",
        ],
    );
}

#[tokio::test]
async fn missing_or_extra_key_attributes_are_rejected() {
    let (srv, t) = table().await;
    let e = rejected(put(&srv, &t, item([("x", n("1"))])).await);
    e.assert(
        "ValidationException",
        &[
            "One or more parameter values were invalid: Missing the key pk in the item",
            "One of the required keys was not given a value",
        ],
    );
    let schema_msgs = &[
        "The provided key element does not match the schema",
        "The number of conditions on the keys is invalid",
    ];
    let res = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("a"))
        .key("x", s("b"))
        .send()
        .await;
    api_err(res).assert("ValidationException", schema_msgs);
    let res = srv
        .client
        .delete_item()
        .table_name(&t)
        .key("other", s("a"))
        .send()
        .await;
    api_err(res).assert(
        "ValidationException",
        &[
            schema_msgs[0],
            "One of the required keys was not given a value",
        ],
    );
}

#[tokio::test]
async fn item_size_limit_is_400_kib() {
    let (srv, t) = table().await;
    // size = name lengths + value lengths: "pk"+"a" = 3, "d" = 1
    let exact = item([("pk", s("a")), ("d", s(&"x".repeat(409_600 - 4)))]);
    put(&srv, &t, exact)
        .await
        .expect("an item of exactly 400 KiB is accepted");
    let over = item([("pk", s("b")), ("d", s(&"x".repeat(409_600 - 3)))]);
    rejected(put(&srv, &t, over).await).assert(
        "ValidationException",
        &["Item size has exceeded the maximum allowed size"],
    );
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("a"))
        .send()
        .await
        .expect("GetItem");
    assert_eq!(get_s(got.item().unwrap(), "d").map(str::len), Some(409_596));
}

#[tokio::test]
async fn empty_sets_are_rejected() {
    let (srv, t) = table().await;
    let prefix = "One or more parameter values were invalid: ";
    for (v, msg) in [
        (AV::Ss(vec![]), "An string set  may not be empty"),
        (AV::Ns(vec![]), "An number set  may not be empty"),
        (AV::Bs(vec![]), "Binary sets should not be empty"),
    ] {
        let e = rejected(put(&srv, &t, item([("pk", s("a")), ("v", v)])).await);
        e.assert("ValidationException", &[&format!("{prefix}{msg}")]);
    }
}

#[tokio::test]
async fn duplicate_set_members_are_rejected() {
    let (srv, t) = table().await;
    use aws_sdk_dynamodb::primitives::Blob;
    for v in [
        AV::Ss(vec!["a".into(), "a".into()]),
        AV::Ns(vec!["1".into(), "1.0".into()]),
        AV::Bs(vec![Blob::new(vec![1u8]), Blob::new(vec![1u8])]),
    ] {
        let e = rejected(put(&srv, &t, item([("pk", s("a")), ("v", v)])).await);
        e.assert_contains("ValidationException", &["contains duplicates"]);
    }
}

fn nested(depth: usize, list: bool) -> AV {
    let mut v = s("leaf");
    for _ in 0..depth {
        v = if list {
            AV::L(vec![v])
        } else {
            AV::M(item([("k", v)]))
        };
    }
    v
}

#[tokio::test]
async fn nesting_deeper_than_32_levels_is_rejected() {
    let (srv, t) = table().await;
    for list in [true, false] {
        // 31 containers + the leaf = 32 levels: the maximum
        put(&srv, &t, item([("pk", s("ok")), ("d", nested(31, list))]))
            .await
            .expect("32 levels are accepted");
        let e = rejected(put(&srv, &t, item([("pk", s("deep")), ("d", nested(32, list))])).await);
        e.assert(
            "ValidationException",
            &["Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"],
        );
    }
}

const OVERFLOW: &str =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const UNDERFLOW: &str =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

#[tokio::test]
async fn numbers_outside_dynamodb_range_are_rejected() {
    let (srv, t) = table().await;
    // AWS's wording first, DynamoDB Local's second where they differ
    let cases: [(&str, &[&str]); 5] = [
        (
            "123456789012345678901234567890123456789",
            &[
                "Attempting to store more than 38 significant digits in a Number",
                "DynamoDB only supports precision up to 38 digits",
            ],
        ),
        ("1E+126", &[OVERFLOW]),
        ("-1E+126", &[OVERFLOW]),
        ("1E-131", &[UNDERFLOW]),
        (
            "abc",
            &[
                "The parameter cannot be converted to a numeric value: abc",
                "A value provided cannot be converted into a number",
            ],
        ),
    ];
    for (num, msgs) in cases {
        let e = rejected(put(&srv, &t, item([("pk", s("a")), ("v", n(num))])).await);
        e.assert("ValidationException", msgs);
    }
    let res = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("a"))
        .send()
        .await
        .expect("GetItem");
    assert_eq!(res.item(), None, "no rejected put may write");
}

#[tokio::test]
async fn item_operations_on_a_missing_table_are_resource_not_found() {
    let srv = TestServer::start_memory().await;
    let t = unique_name("va-missing");
    let c = &srv.client;
    let codes = [
        api_err(c.get_item().table_name(&t).key("pk", s("a")).send().await).code,
        api_err(c.put_item().table_name(&t).item("pk", s("a")).send().await).code,
        api_err(
            c.delete_item()
                .table_name(&t)
                .key("pk", s("a"))
                .send()
                .await,
        )
        .code,
        api_err(
            c.update_item()
                .table_name(&t)
                .key("pk", s("a"))
                .update_expression("SET v = :v")
                .expression_attribute_values(":v", n("1"))
                .send()
                .await,
        )
        .code,
    ];
    assert_eq!(codes, ["ResourceNotFoundException"; 4]);
}
