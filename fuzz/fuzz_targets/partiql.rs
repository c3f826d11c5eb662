//! Feeds arbitrary UTF-8 as a PartiQL statement: first to the parser alone, then as
//! ExecuteStatement (with a few parameters), a one-statement BatchExecuteStatement and a
//! one-statement ExecuteTransaction on an in-memory engine with a hash+range table named
//! `fuzz`. Every statement must parse or fail with a ValidationException, and run or fail
//! with a client error; a panic, a stack overflow or an InternalServerError is a bug.
//!
//! ```text
//! cd fuzz && cargo +nightly fuzz run partiql
//! ```

#![no_main]

use eddy_engine::{Engine, EngineConfig, RequestContext};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::{Arc, OnceLock};

fn setup() -> &'static (tokio::runtime::Runtime, Arc<Engine>) {
    static CELL: OnceLock<(tokio::runtime::Runtime, Arc<Engine>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let engine = rt.block_on(async {
            let engine = Engine::open(Arc::new(MemoryStorage::new()), EngineConfig::default())
                .await
                .expect("engine");
            let create = br#"{"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST",
                "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
                "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}"#;
            let ctx = RequestContext::default();
            engine.dynamodb("CreateTable", create, &ctx).await.expect("table");
            let insert = br#"{"Statement":"INSERT INTO fuzz VALUE {'pk': 'a', 'sk': 1, 'l': [1, {'m': 'x'}], 's': <<'a'>>}"}"#;
            engine.dynamodb("ExecuteStatement", insert, &ctx).await.expect("item");
            engine
        });
        (rt, engine)
    })
}

fuzz_target!(|text: &str| {
    if let Err(e) = eddy_engine::partiql::parse(text) {
        assert!(
            matches!(e, ApiError::Validation(_)),
            "parse error {e:?} for {text:?}"
        );
    }
    let (rt, engine) = setup();
    let params = json!([{"S": "a"}, {"N": "1"}, {"L": [{"B": "AAE="}]}, {"NS": ["1", "2"]}]);
    let requests = [
        (
            "ExecuteStatement",
            json!({"Statement": text, "Parameters": params, "Limit": 3}),
        ),
        (
            "BatchExecuteStatement",
            json!({"Statements": [{"Statement": text, "Parameters": params}]}),
        ),
        (
            "ExecuteTransaction",
            json!({"TransactStatements": [{"Statement": text, "Parameters": params}]}),
        ),
    ];
    for (op, body) in requests {
        let body = serde_json::to_vec(&body).expect("json");
        let result = rt.block_on(engine.dynamodb(op, &body, &RequestContext::default()));
        if let Err(ApiError::InternalServerError(msg)) = result {
            panic!("{op} answered InternalServerError ({msg}) for {text:?}");
        }
    }
});
