//! Feeds arbitrary bytes as the body of every DynamoDB item and control-plane operation
//! of an in-memory engine that has one table. Whatever a client sends must produce a
//! response or an `ApiError` that is not an internal error; never a panic.
//!
//! ```text
//! cd fuzz && cargo +nightly fuzz run requests
//! ```

#![no_main]

use eddy_engine::{Engine, EngineConfig, RequestContext};
use eddy_storage_mem::MemoryStorage;
use eddy_types::ApiError;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

const OPS: &[&str] = &[
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateTable",
    "DescribeTable",
    "UpdateTable",
    "ListTables",
    "TagResource",
];

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
            engine
                .dynamodb("CreateTable", create, &RequestContext::default())
                .await
                .expect("table");
            engine
        });
        (rt, engine)
    })
}

fuzz_target!(|data: &[u8]| {
    let (rt, engine) = setup();
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let op = OPS[usize::from(selector) % OPS.len()];
    let result = rt.block_on(engine.dynamodb(op, body, &RequestContext::default()));
    if let Err(ApiError::InternalServerError(msg)) = result {
        panic!("{op} answered InternalServerError ({msg}) for a client body");
    }
});
