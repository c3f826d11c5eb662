//! A DynamoDB-stream handler written against the official AWS Lambda Rust runtime, exactly
//! as it would be deployed to AWS: build it, zip the `bootstrap` binary, create a
//! `provided.al2023` function from the zip, and map a table's stream to it.
//!
//! It prints one line per record (visible with `eddy logs`) and answers with a summary.
//! A record whose new image has a `fail` attribute is reported in `batchItemFailures`,
//! which exercises partial batch responses when the mapping enables
//! `ReportBatchItemFailures`.

use aws_lambda_events::event::dynamodb::Event;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Event>) -> Result<Value, Error> {
    let mut names = Vec::new();
    let mut failures = Vec::new();
    for r in &event.payload.records {
        let seq = r.change.sequence_number.clone().unwrap_or_default();
        println!("rust-trigger {} {seq}", r.event_name);
        if r.change.new_image.get("fail").is_some() {
            failures.push(json!({ "itemIdentifier": seq }));
        }
        names.push(r.event_name.clone());
    }
    Ok(json!({
        "count": names.len(),
        "events": names,
        "function": event.context.invoked_function_arn,
        "batchItemFailures": failures,
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
