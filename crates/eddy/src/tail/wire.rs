//! The parts of the DynamoDB and Streams answers that `eddy tail` reads.

use super::lineage::Shard;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `DescribeTable` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeTableOut {
    pub table: TableDescription,
}

/// The fields of a `TableDescription` that matter here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDescription {
    pub latest_stream_arn: Option<String>,
    #[serde(default)]
    pub key_schema: Vec<KeyElement>,
}

/// One `KeySchema` element.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

/// Key attribute names, hash key first.
pub fn key_names(schema: &[KeyElement]) -> Vec<String> {
    let mut names: Vec<&KeyElement> = schema.iter().collect();
    names.sort_by_key(|k| k.key_type != "HASH");
    names
        .into_iter()
        .map(|k| k.attribute_name.clone())
        .collect()
}

/// `DescribeStream` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeStreamOut {
    pub stream_description: StreamDescription,
}

/// The fields of a `StreamDescription` that matter here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDescription {
    pub stream_status: String,
    #[serde(default)]
    pub shards: Vec<WireShard>,
    pub last_evaluated_shard_id: Option<String>,
}

/// One `Shard`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireShard {
    pub shard_id: String,
    pub parent_shard_id: Option<String>,
    #[serde(default)]
    pub sequence_number_range: SequenceNumberRange,
}

/// A shard's `SequenceNumberRange`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SequenceNumberRange {
    pub ending_sequence_number: Option<String>,
}

impl From<WireShard> for Shard {
    fn from(s: WireShard) -> Self {
        Shard {
            id: s.shard_id,
            parent: s.parent_shard_id,
            closed: s.sequence_number_range.ending_sequence_number.is_some(),
        }
    }
}

/// `GetShardIterator` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetShardIteratorOut {
    pub shard_iterator: Option<String>,
}

/// `GetRecords` answer, records left as the raw JSON text the server sent.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRecordsOut<'a> {
    #[serde(borrow, default)]
    pub records: Vec<&'a RawValue>,
    pub next_shard_iterator: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_byte_exact() {
        let body = r#"{"Records":[{"eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1.7E9,"Keys":{"pk":{"S":"a"}}}}, {"b":1}],"NextShardIterator":"it"}"#;
        let out: GetRecordsOut<'_> = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out.records[0].get(),
            r#"{"eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1.7E9,"Keys":{"pk":{"S":"a"}}}}"#
        );
        assert_eq!(out.records[1].get(), r#"{"b":1}"#);
        assert_eq!(out.next_shard_iterator.as_deref(), Some("it"));
        let closed: GetRecordsOut<'_> =
            serde_json::from_str(r#"{"Records":[]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(closed.records.is_empty() && closed.next_shard_iterator.is_none());
    }

    #[test]
    fn key_names_put_the_hash_key_first() {
        let schema: Vec<KeyElement> = serde_json::from_str(
            r#"[{"AttributeName":"sk","KeyType":"RANGE"},{"AttributeName":"pk","KeyType":"HASH"}]"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(key_names(&schema), ["pk", "sk"]);
    }
}
