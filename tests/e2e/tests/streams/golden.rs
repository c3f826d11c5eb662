//! Golden records: for every view type, the raw GetRecords JSON of an INSERT, a MODIFY and
//! a REMOVE, with the volatile fields checked and normalised, equals a fixture written by
//! hand from the record shape and the SizeBytes formula of the spec (§1.9).

use super::*;
use aws_sdk_dynamodb::types::StreamViewType;
use std::time::{SystemTime, UNIX_EPOCH};

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Checks the volatile fields' shapes and replaces them with placeholders.
fn normalise(mut r: Value, from: u64, to: u64) -> Value {
    let id = r["eventID"].as_str().expect("eventID");
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "eventID {id} is not 32 lowercase hex digits"
    );
    r["eventID"] = json!("<EVENT_ID>");
    seq_of(&r);
    r["dynamodb"]["SequenceNumber"] = json!("<SEQUENCE_NUMBER>");
    let t = &r["dynamodb"]["ApproximateCreationDateTime"];
    let secs = t
        .as_u64()
        .or_else(|| t.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as u64))
        .unwrap_or_else(|| panic!("ApproximateCreationDateTime {t} is not a whole number"));
    assert!(
        (from..=to).contains(&secs),
        "ApproximateCreationDateTime {secs} outside [{from}, {to}]"
    );
    r["dynamodb"]["ApproximateCreationDateTime"] = json!("<APPROXIMATE_CREATION_DATE_TIME>");
    r
}

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/streams")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

#[tokio::test]
async fn get_records_json_matches_the_golden_records() {
    let srv = TestServer::start_memory().await;
    let ep = srv.endpoint.clone();
    for view in [
        StreamViewType::KeysOnly,
        StreamViewType::NewImage,
        StreamViewType::OldImage,
        StreamViewType::NewAndOldImages,
    ] {
        let table = unique_name(&format!("golden-{}", view.as_str().to_lowercase()));
        let arn = create_stream_table(&srv.client, &table, view.clone()).await;
        let from = now_secs();
        let ddb = |op: &str| format!("DynamoDB_20120810.{op}");
        let writes = [
            (
                "PutItem",
                json!({"TableName": table, "Item": {"pk": {"S": "k1"}, "name": {"S": "Ann"},
                    "n": {"N": "42"}, "b": {"B": "AQID"}, "ok": {"BOOL": true}}}),
            ),
            (
                "UpdateItem",
                json!({"TableName": table, "Key": {"pk": {"S": "k1"}},
                    "UpdateExpression": "SET #n = :name, n = :n REMOVE ok",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":name": {"S": "Bob"}, ":n": {"N": "43"}}}),
            ),
            (
                "DeleteItem",
                json!({"TableName": table, "Key": {"pk": {"S": "k1"}}}),
            ),
        ];
        for (op, body) in writes {
            let (status, out) = raw_json(&ep, &ddb(op), &body).await.expect(op);
            assert_eq!(status, 200, "{op}: {out}");
        }
        let to = now_secs();

        let d = raw_ok(&ep, "DescribeStream", json!({"StreamArn": arn})).await;
        let shard = d["StreamDescription"]["Shards"][0]["ShardId"].clone();
        let body = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"});
        let it = raw_ok(&ep, "GetShardIterator", body).await["ShardIterator"].clone();
        let page = raw_ok(&ep, "GetRecords", json!({"ShardIterator": it})).await;
        assert!(
            page["NextShardIterator"].is_string(),
            "open shard: NextShardIterator present"
        );
        let records = page["Records"].as_array().expect("Records").clone();
        assert_eq!(records.len(), 3, "{records:#?}");
        assert!(seq_of(&records[0]) < seq_of(&records[1]));
        assert!(seq_of(&records[1]) < seq_of(&records[2]));
        let ids: HashSet<&str> = records
            .iter()
            .map(|r| r["eventID"].as_str().expect("eventID"))
            .collect();
        assert_eq!(ids.len(), 3, "eventIDs are unique");
        for (record, event) in records.into_iter().zip(["insert", "modify", "remove"]) {
            let name = format!("{}_{event}", view.as_str().to_lowercase());
            assert_eq!(
                normalise(record, from, to),
                fixture(&name),
                "record {name} differs from its fixture"
            );
        }
    }
}
