//! Engine-level PartiQL tests over the memory store, through `Engine::dynamodb`.
//!
//! The storage is wrapped to count what SELECTs read, which is how these tests check the
//! access paths: a key equality reads one partition (and only its sort-key range), an
//! `IN` list reads its partitions, anything else scans; and a page never reads more than
//! `Limit` items.

use crate::{Engine, EngineConfig, RequestContext};
use eddy_storage::{KeyRange, KvPair, Storage, StorageResult, WriteBatch};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Memory storage that counts the pairs scans return.
#[derive(Default)]
struct Counting {
    inner: MemoryStorage,
    scanned: AtomicUsize,
}

impl Storage for Counting {
    fn get(&self, keyspace: &'static str, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.inner.get(keyspace, key)
    }

    fn scan(
        &self,
        ks: &'static str,
        r: &KeyRange,
        rev: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>> {
        let out = self.inner.scan(ks, r, rev, limit)?;
        self.scanned.fetch_add(out.len(), Ordering::Relaxed);
        Ok(out)
    }

    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>> {
        self.inner.commit(batch)
    }

    fn close(&self) -> StorageResult<()> {
        self.inner.close()
    }

    fn name(&self) -> &'static str {
        "counting"
    }
}

struct Fixture {
    engine: Arc<Engine>,
    storage: Arc<Counting>,
}

impl Fixture {
    /// A table `tbl` (pk S, sk N) with partitions p0..p9 of 10 items each.
    async fn new() -> Self {
        let storage = Arc::new(Counting::default());
        let engine = Engine::open(storage.clone(), EngineConfig::default())
            .await
            .expect("open");
        let f = Fixture { engine, storage };
        f.ok("CreateTable", json!({
            "TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        }))
        .await;
        for p in 0..10 {
            for s in 0..10 {
                let text = format!(
                    "INSERT INTO tbl VALUE {{'pk': 'p{p}', 'sk': {s}, 'v': {}}}",
                    (p + s) % 3
                );
                f.ok("ExecuteStatement", json!({"Statement": text})).await;
            }
        }
        f
    }

    async fn call(&self, op: &str, body: Value) -> Result<Value, ApiError> {
        let bytes = serde_json::to_vec(&body).expect("encode");
        let out = self
            .engine
            .dynamodb(op, &bytes, &RequestContext::default())
            .await?;
        Ok(serde_json::from_slice(&out).expect("decode"))
    }

    async fn ok(&self, op: &str, body: Value) -> Value {
        self.call(op, body)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e:?}"))
    }

    /// Runs a SELECT; returns (items returned, pairs read from storage).
    async fn select(&self, text: &str, limit: Option<u32>) -> (usize, usize) {
        let before = self.storage.scanned.load(Ordering::Relaxed);
        let mut body = json!({"Statement": text});
        if let Some(l) = limit {
            body["Limit"] = json!(l);
        }
        let out = self.ok("ExecuteStatement", body).await;
        let items = out["Items"].as_array().map_or(0, Vec::len);
        (items, self.storage.scanned.load(Ordering::Relaxed) - before)
    }
}

#[tokio::test]
async fn key_conditions_choose_what_is_read() {
    let f = Fixture::new().await;
    // One partition.
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk = 'p3'", None).await,
        (10, 10)
    );
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk = 'p3' AND v = 0", None)
            .await
            .1,
        10
    );
    // A sort-key range inside it.
    assert_eq!(
        f.select(
            "SELECT * FROM tbl WHERE pk = 'p3' AND sk BETWEEN 2 AND 4",
            None
        )
        .await,
        (3, 3)
    );
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE 'p3' = pk AND sk > 7", None)
            .await,
        (2, 2)
    );
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk = 'p3' AND sk = 5", None)
            .await,
        (1, 1)
    );
    assert_eq!(
        f.select(
            "SELECT * FROM tbl WHERE pk = 'p3' AND sk < 3 ORDER BY sk DESC",
            None
        )
        .await,
        (3, 3)
    );
    // Several partitions.
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk IN ['p1', 'p2', 'nope']", None)
            .await,
        (20, 20)
    );
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk = 'p1' OR pk = 'p2'", None)
            .await,
        (20, 20)
    );
    // Everything else scans the table.
    assert_eq!(f.select("SELECT * FROM tbl WHERE v = 0", None).await.1, 100);
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk = 'p1' OR v = 0", None)
            .await
            .1,
        100
    );
    assert_eq!(
        f.select("SELECT * FROM tbl WHERE pk <> 'p1'", None).await,
        (90, 100)
    );
}

#[tokio::test]
async fn pages_read_at_most_limit_items_and_resume_exactly() {
    let f = Fixture::new().await;
    for text in [
        "SELECT * FROM tbl",
        "SELECT * FROM tbl WHERE v = 1",
        "SELECT * FROM tbl WHERE pk IN ['p4', 'p2'] ORDER BY pk DESC",
    ] {
        let mut token: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let before = f.storage.scanned.load(Ordering::Relaxed);
            let mut body = json!({"Statement": text, "Limit": 7});
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let page = f.ok("ExecuteStatement", body).await;
            assert!(
                f.storage.scanned.load(Ordering::Relaxed) - before <= 7,
                "{text}"
            );
            for item in page["Items"].as_array().expect("items") {
                seen.push((item["pk"].to_string(), item["sk"].to_string()));
            }
            match page.get("NextToken") {
                Some(t) => token = t.as_str().map(str::to_string),
                None => break,
            }
        }
        let (all, _) = f.select(text, None).await;
        let distinct: std::collections::BTreeSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), distinct.len()), (all, all), "{text}");
    }
}

#[tokio::test]
async fn writes_are_single_item_and_conditional() {
    let f = Fixture::new().await;
    let run = |text: &str| f.call("ExecuteStatement", json!({"Statement": text}));
    run("UPDATE tbl SET v = v + 10 WHERE pk = 'p0' AND sk = 0")
        .await
        .expect("update");
    let got = f
        .ok(
            "GetItem",
            json!({"TableName": "tbl", "Key": {"pk": {"S": "p0"}, "sk": {"N": "0"}}}),
        )
        .await;
    assert_eq!(got["Item"]["v"], json!({"N": "10"}));
    let e = run("UPDATE tbl SET v = 1 WHERE pk = 'p0' AND sk = 0 AND v = 3")
        .await
        .expect_err("condition");
    assert!(
        matches!(e, ApiError::ConditionalCheckFailed { .. }),
        "{e:?}"
    );
    let e = run("INSERT INTO tbl VALUE {'pk': 'p0', 'sk': 0}")
        .await
        .expect_err("duplicate");
    assert!(matches!(e, ApiError::DuplicateItem(_)), "{e:?}");
    let e = run("DELETE FROM tbl WHERE pk = 'p0'")
        .await
        .expect_err("partial key");
    assert_eq!(
        e.to_string(),
        "Where clause does not contain a mandatory equality on all key attributes"
    );
    run("DELETE FROM tbl WHERE pk = 'p0' AND sk = 0")
        .await
        .expect("delete");
    let (n, _) = f.select("SELECT * FROM tbl WHERE pk = 'p0'", None).await;
    assert_eq!(n, 9);
}

#[tokio::test]
async fn literal_and_clause_errors_match_dynamodb() {
    let f = Fixture::new().await;
    // (statement, DynamoDB Local's message)
    let cases = [
        (
            "INSERT INTO tbl VALUE {'pk': 'a'}",
            "Key attribute should be present in the item: Key sk",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 1, 'sk': 1}",
            "Key attribute's data type should match its data type in table's schema: Key pk",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'pk': 'b'}",
            "Duplicate keys in tuple. Key: pk under root at 1:44:4",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': <<>>}",
            "Empty bags are not supported at 1:49:2",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': <<1, 1.0>>}",
            "Input collection contains duplicates",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': <<'a', 1>>}",
            "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags at 1:56:1",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': {'y': missing}}",
            "Unsupported data type: LiteralMissing under key root.y at 1:55:7",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': nope}",
            "Unsupported data type: nope under key root at 1:49:4",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': `1.5`}",
            "Ion Literals are not supported: DECIMAL under key root at 1:49:5",
        ),
        (
            "INSERT INTO tbl VALUE {'pk': 'a', 'sk': 1, 'x': 1e400}",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            "INSERT INTO tbl VALUE ?",
            "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement. at 1:23:1",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND v = missing",
            "MISSING must be compared using IS operator",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND v LIKE 'x%'",
            "Unsupported operator in Condition Expression. Operator: like",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND begins_with(v)",
            "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND attribute_type(v, 'Q')",
            "Invalid attribute type name found; type: Q, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND attribute_exists('v')",
            "Operator or function requires a document path; operator or function: attribute_exists",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND v IN []",
            "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
        ),
        (
            "SELECT * FROM tbl WHERE pk",
            "WHERE clause must contain an expression that resolves to a boolean",
        ),
        (
            "SELECT * FROM tbl WHERE pk = 'a' AND v",
            "The arguments to AND/OR must be Expressions",
        ),
        (
            "SELECT * FROM tbl ORDER BY sk",
            "Must have WHERE clause in the statement when using ORDER BY clause.",
        ),
        (
            "SELECT * FROM tbl WHERE sk = 1 ORDER BY sk",
            "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
        ),
        (
            "SELECT * FROM tbl.idx",
            "The table does not have the specified index: idx",
        ),
        (
            "UPDATE tbl SET v = v * 2 WHERE pk = 'p1' AND sk = 1",
            "Unsupported operator in Update Expression. Operator: *",
        ),
        (
            "UPDATE tbl SET w = set_add(v, <<1>>) WHERE pk = 'p1' AND sk = 1",
            "The first argument to SET_ADD must equal the assignment value",
        ),
        (
            "UPDATE tbl SET a = 1, a = 2 WHERE pk = 'p1' AND sk = 1",
            "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
        ),
        (
            "UPDATE tbl SET v = 1 WHERE pk = 'p1' AND pk = 'p2' AND sk = 1",
            "Multiple conditions on same key pk. Only single item Update/Insert/Delete are supported",
        ),
        (
            "UPDATE tbl SET sk = 1 WHERE pk = 'p1' AND sk = 1",
            "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key",
        ),
        (
            "DELETE FROM tbl WHERE pk = 'p1' AND sk = 1 RETURNING ALL NEW *",
            "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.",
        ),
    ];
    for (text, want) in cases {
        let e = f
            .call("ExecuteStatement", json!({"Statement": text}))
            .await
            .expect_err(text);
        assert_eq!(e.to_string(), want, "{text}");
    }
}
