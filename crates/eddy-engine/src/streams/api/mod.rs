//! The DynamoDB Streams API (`DynamoDBStreams_20120810.*`), one file per operation.
//!
//! Shared here: ARN parsing (a malformed ARN is a ValidationException, an unknown one
//! ResourceNotFoundException, unlike DynamoDB Local which answers both with the latter),
//! stream lookup, and the `Limit` rules.

mod describe_stream;
mod get_records;
mod get_shard_iterator;
mod list_streams;

pub(crate) use get_shard_iterator::trimmed;

use super::StreamHandle;
use crate::Engine;
use crate::ops::constraints::Violations;
use eddy_types::ApiError;

impl Engine {
    /// Runs the Streams operation `op` on a JSON body.
    pub(crate) async fn streams_api(&self, op: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        match op {
            "ListStreams" => self.list_streams(body),
            "DescribeStream" => self.describe_stream(body),
            "GetShardIterator" => self.get_shard_iterator(body),
            "GetRecords" => self.get_records(body),
            _ => Err(ApiError::UnknownOperation(
                "An unknown operation was requested.".into(),
            )),
        }
    }

    /// The stream named by a well-formed ARN.
    pub(crate) fn stream_by_arn(&self, arn: &str) -> Result<StreamHandle, ApiError> {
        let parsed = parse_arn(arn).ok_or_else(|| ApiError::validation("Invalid StreamArn"))?;
        let (region, account) = (&self.config.region, &self.config.account_id);
        let found = (parsed.region == region && parsed.account == account)
            .then(|| {
                self.streams.all().into_iter().find(|s| {
                    let m = s.read();
                    m.table_name == parsed.table && m.label == parsed.label
                })
            })
            .flatten();
        found.ok_or_else(|| {
            ApiError::ResourceNotFound(format!(
                "Requested resource not found: Stream: {arn} not found"
            ))
        })
    }
}

/// The parts of `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`.
pub(crate) struct ParsedArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub table: &'a str,
    pub label: &'a str,
}

/// Parses a stream ARN; `None` when it is not one.
pub(crate) fn parse_arn(arn: &str) -> Option<ParsedArn<'_>> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("dynamodb:")?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    let resource = resource.strip_prefix("table/")?;
    let (table, label) = resource.split_once("/stream/")?;
    let label_ok = label.len() == 23
        && label.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'.',
            _ => b.is_ascii_digit(),
        });
    let ok = !partition.is_empty()
        && !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && crate::ops::common::valid_name(table)
        && label_ok;
    ok.then_some(ParsedArn {
        region,
        account,
        table,
        label,
    })
}

/// Applies the `Limit` rules shared by the Streams operations: at least 1 (a constraint
/// violation), at most `max` (with the operation's own message); `None` → `max`.
pub(crate) fn limit(
    c: &mut Violations,
    v: Option<i64>,
    max: i64,
    too_big: &str,
) -> Result<usize, ApiError> {
    c.min_value("limit", v, 1);
    match v {
        Some(l) if l > max && l >= 1 => Err(ApiError::validation(format!(
            "One or more parameter values were invalid: {too_big}"
        ))),
        Some(l) => Ok(l.max(1) as usize),
        None => Ok(max as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_arns_parse_strictly() {
        let a =
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-11-25T21:51:10.252";
        let p = parse_arn(a).expect("valid");
        assert_eq!(
            (p.region, p.table, p.label),
            ("us-east-1", "orders", "2026-11-25T21:51:10.252")
        );
        for bad in [
            "sdfadfasdfasdfasdfasdfasdfasdfasdfasdf",
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/yesterday",
            "arn:aws:dynamodb:us-east-1:00000:table/orders/stream/2026-11-25T21:51:10.252",
            "arn:aws:s3:us-east-1:000000000000:table/orders/stream/2026-11-25T21:51:10.252",
            "arn:aws:dynamodb:us-east-1:000000000000:table/o/stream/2026-11-25T21:51:10.252",
        ] {
            assert!(parse_arn(bad).is_none(), "{bad}");
        }
    }
}
