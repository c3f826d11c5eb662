//! The JSON protocol: one input DTO per operation, decoded with serde, validated, run
//! against [`Queues`], and encoded. Operation names are those after `AmazonSQS.` in
//! `X-Amz-Target`.

use crate::model;
use crate::{MessageAttribute, Outgoing, Queues, ReceiveParams, Received, SqsError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

/// Most entries in one batch request.
const MAX_BATCH: usize = 10;

/// Runs operation `op` on the JSON `body`.
pub async fn dispatch(queues: &Queues, op: &str, body: &[u8]) -> Result<Vec<u8>, SqsError> {
    let out = match op {
        "CreateQueue" => create_queue(queues, decode(body)?).await?,
        "GetQueueUrl" => get_queue_url(queues, decode(body)?)?,
        "ListQueues" => list_queues(queues, decode(body)?)?,
        "DeleteQueue" => {
            let i: QueueOnly = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            queues.delete_queue(&q).await?;
            json!({})
        }
        "PurgeQueue" => {
            let i: QueueOnly = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            queues.purge(&q).await?;
            json!({})
        }
        "GetQueueAttributes" => {
            let i: GetQueueAttributes = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            let attrs = queues.get_attributes(&q, &i.attribute_names)?;
            if attrs.is_empty() {
                json!({})
            } else {
                json!({ "Attributes": attrs })
            }
        }
        "SetQueueAttributes" => {
            let i: SetQueueAttributes = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            queues.set_attributes(&q, i.attributes).await?;
            json!({})
        }
        "SendMessage" => send_message(queues, decode(body)?).await?,
        "SendMessageBatch" => send_message_batch(queues, decode(body)?).await?,
        "ReceiveMessage" => receive_message(queues, decode(body)?).await?,
        "DeleteMessage" => {
            let i: DeleteMessage = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            let handle = required(i.receipt_handle, "ReceiptHandle")?;
            let mut r = queues.delete_messages(&q, &[handle.as_str()]).await?;
            r.pop().unwrap_or(Ok(()))?;
            json!({})
        }
        "DeleteMessageBatch" => delete_message_batch(queues, decode(body)?).await?,
        "ChangeMessageVisibility" => {
            let i: ChangeMessageVisibility = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            let handle = required(i.receipt_handle, "ReceiptHandle")?;
            let timeout = required(i.visibility_timeout, "VisibilityTimeout")?;
            let mut r = queues
                .change_visibility(&q, &[(handle.as_str(), timeout)])
                .await?;
            r.pop().unwrap_or(Ok(()))?;
            json!({})
        }
        "ChangeMessageVisibilityBatch" => change_visibility_batch(queues, decode(body)?).await?,
        "TagQueue" => {
            let i: TagQueue = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            queues.set_tags(&q, |t| t.extend(i.tags)).await?;
            json!({})
        }
        "UntagQueue" => {
            let i: UntagQueue = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            queues
                .set_tags(&q, |t| {
                    for k in &i.tag_keys {
                        t.remove(k);
                    }
                })
                .await?;
            json!({})
        }
        "ListQueueTags" => {
            let i: QueueOnly = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            let tags = q.record.lock().tags.clone();
            if tags.is_empty() {
                json!({})
            } else {
                json!({ "Tags": tags })
            }
        }
        "ListDeadLetterSourceQueues" => {
            let i: QueueOnly = decode(body)?;
            let q = queues.queue_by_url(&i.queue_url)?;
            json!({ "queueUrls": queues.dead_letter_sources(&q) })
        }
        "AddPermission"
        | "RemovePermission"
        | "StartMessageMoveTask"
        | "CancelMessageMoveTask"
        | "ListMessageMoveTasks" => {
            return Err(SqsError::UnsupportedOperation(format!(
                "{op} is not supported by eddy."
            )));
        }
        _ => {
            return Err(SqsError::UnknownOperation(format!(
                "The action or operation requested is invalid: AmazonSQS.{op}"
            )));
        }
    };
    Ok(serde_json::to_vec(&out).unwrap_or_default())
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, SqsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| SqsError::Serialization(format!("Invalid request body: {e}")))
}

fn required<T>(v: Option<T>, name: &str) -> Result<T, SqsError> {
    v.ok_or_else(|| {
        SqsError::MissingParameter(format!("The request must contain the parameter {name}."))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueOnly {
    #[serde(default)]
    queue_url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateQueue {
    queue_name: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default, rename = "tags")]
    tags: BTreeMap<String, String>,
}

async fn create_queue(queues: &Queues, i: CreateQueue) -> Result<Value, SqsError> {
    let name = required(i.queue_name, "QueueName")?;
    let url = queues.create_queue(&name, i.attributes, i.tags).await?;
    Ok(json!({ "QueueUrl": url }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetQueueUrl {
    queue_name: Option<String>,
    #[serde(rename = "QueueOwnerAWSAccountId")]
    owner: Option<String>,
}

fn get_queue_url(queues: &Queues, i: GetQueueUrl) -> Result<Value, SqsError> {
    let name = required(i.queue_name, "QueueName")?;
    if i.owner.is_some_and(|o| o != queues.account_id()) {
        return Err(SqsError::no_queue());
    }
    let q = queues.queue_by_name(&name)?;
    Ok(json!({ "QueueUrl": q.url }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListQueues {
    #[serde(default)]
    queue_name_prefix: String,
    next_token: Option<String>,
    max_results: Option<i64>,
}

fn list_queues(queues: &Queues, i: ListQueues) -> Result<Value, SqsError> {
    if let Some(m) = i.max_results
        && !(1..=1000).contains(&m)
    {
        return Err(SqsError::InvalidParameterValue(format!(
            "Value {m} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000."
        )));
    }
    let after = match &i.next_token {
        Some(t) => Some(
            B64.decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    SqsError::InvalidParameterValue("Invalid NextToken value.".into())
                })?,
        ),
        None => None,
    };
    let names: Vec<String> = queues
        .list_queues(&i.queue_name_prefix)
        .into_iter()
        .filter(|n| after.as_ref().is_none_or(|a| n > a))
        .collect();
    let limit = i.max_results.map_or(1000, |m| m as usize);
    let mut out = Map::new();
    let page = &names[..names.len().min(limit)];
    if !page.is_empty() {
        let urls: Vec<String> = page.iter().map(|n| queues.url(n)).collect();
        out.insert("QueueUrls".into(), json!(urls));
    }
    if i.max_results.is_some()
        && names.len() > limit
        && let Some(last) = page.last()
    {
        out.insert("NextToken".into(), json!(B64.encode(last)));
    }
    Ok(Value::Object(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetQueueAttributes {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    attribute_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetQueueAttributes {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

/// A message attribute as it appears on the wire.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireAttribute {
    #[serde(default)]
    data_type: String,
    string_value: Option<String>,
    binary_value: Option<String>,
    #[serde(default)]
    string_list_values: Vec<Value>,
    #[serde(default)]
    binary_list_values: Vec<Value>,
}

fn decode_attributes(
    attrs: BTreeMap<String, WireAttribute>,
) -> Result<Vec<(String, MessageAttribute)>, SqsError> {
    attrs
        .into_iter()
        .map(|(name, a)| {
            if !a.string_list_values.is_empty() || !a.binary_list_values.is_empty() {
                return Err(SqsError::InvalidParameterValue(
                    "StringListValues and BinaryListValues are not implemented.".into(),
                ));
            }
            let binary_value = match a.binary_value {
                Some(b) => Some(B64.decode(b.as_bytes()).map_err(|_| {
                    SqsError::InvalidParameterValue(format!(
                        "The message attribute '{name}' has an invalid binary value."
                    ))
                })?),
                None => None,
            };
            Ok((
                name,
                MessageAttribute {
                    data_type: a.data_type,
                    string_value: a.string_value,
                    binary_value,
                },
            ))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SystemAttribute {
    string_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendMessage {
    #[serde(default)]
    queue_url: String,
    #[serde(flatten)]
    message: WireMessage,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireMessage {
    message_body: Option<String>,
    delay_seconds: Option<i64>,
    #[serde(default)]
    message_attributes: BTreeMap<String, WireAttribute>,
    #[serde(default)]
    message_system_attributes: BTreeMap<String, SystemAttribute>,
    message_deduplication_id: Option<String>,
    message_group_id: Option<String>,
}

impl WireMessage {
    fn into_outgoing(self) -> Result<Outgoing, SqsError> {
        if self.message_deduplication_id.is_some() || self.message_group_id.is_some() {
            return Err(SqsError::InvalidParameterValue(
                "The request include parameter that is not valid for this queue type.".into(),
            ));
        }
        let mut trace_header = None;
        for (k, v) in self.message_system_attributes {
            if k != "AWSTraceHeader" {
                return Err(SqsError::InvalidParameterValue(format!(
                    "Message system attribute name '{k}' is invalid."
                )));
            }
            trace_header = v.string_value;
        }
        Ok(Outgoing {
            body: required(self.message_body, "MessageBody")?,
            attributes: decode_attributes(self.message_attributes)?,
            delay: self.delay_seconds,
            trace_header,
        })
    }
}

fn sent_json(s: &crate::Sent) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("MessageId".into(), json!(s.message_id));
    m.insert("MD5OfMessageBody".into(), json!(s.md5_body));
    if let Some(a) = &s.md5_attributes {
        m.insert("MD5OfMessageAttributes".into(), json!(a));
    }
    m
}

async fn send_message(queues: &Queues, i: SendMessage) -> Result<Value, SqsError> {
    let q = queues.queue_by_url(&i.queue_url)?;
    let out = i.message.into_outgoing()?;
    crate::validate_outgoing(&out, &q.settings())?;
    let sent = queues.send(&q, vec![out]).await?;
    Ok(sent
        .first()
        .map(|s| Value::Object(sent_json(s)))
        .unwrap_or_default())
}

/// Batch-level checks shared by the three batch operations.
fn check_batch<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> Result<(), SqsError> {
    if ids.len() == 0 {
        return Err(SqsError::EmptyBatchRequest(
            "There should be at least one SendMessageBatchRequestEntry in the request.".into(),
        ));
    }
    if ids.len() > MAX_BATCH {
        return Err(SqsError::TooManyEntriesInBatchRequest(format!(
            "Maximum number of entries per request are {MAX_BATCH}. You have sent {}.",
            ids.len()
        )));
    }
    let mut seen = HashSet::new();
    for id in ids {
        let ok = !id.is_empty()
            && id.len() <= 80
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(SqsError::InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.".into(),
            ));
        }
        if !seen.insert(id) {
            return Err(SqsError::BatchEntryIdsNotDistinct(format!(
                "Id {id} repeated."
            )));
        }
    }
    Ok(())
}

fn failed(id: &str, e: &SqsError) -> Value {
    let code = e
        .wire()
        .type_name
        .rsplit('#')
        .next()
        .unwrap_or("InternalError");
    json!({
        "Id": id,
        "SenderFault": e.wire().status < 500,
        "Code": code,
        "Message": e.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendMessageBatch {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    entries: Vec<SendEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendEntry {
    #[serde(default)]
    id: String,
    #[serde(flatten)]
    message: WireMessage,
}

async fn send_message_batch(queues: &Queues, i: SendMessageBatch) -> Result<Value, SqsError> {
    let q = queues.queue_by_url(&i.queue_url)?;
    check_batch(i.entries.iter().map(|e| e.id.as_str()))?;
    let settings = q.settings();
    let total: usize = i
        .entries
        .iter()
        .map(|e| {
            e.message.message_body.as_ref().map_or(0, String::len)
                + e.message
                    .message_attributes
                    .iter()
                    .map(|(n, a)| {
                        n.len()
                            + a.data_type.len()
                            + a.string_value.as_ref().map_or(0, String::len)
                            + a.binary_value.as_ref().map_or(0, |b| b.len() * 3 / 4)
                    })
                    .sum::<usize>()
        })
        .sum();
    if total as i64 > model::MAX_MESSAGE_SIZE {
        return Err(SqsError::BatchRequestTooLong(format!(
            "Batch requests cannot be longer than {} bytes. You have sent {total} bytes.",
            model::MAX_MESSAGE_SIZE
        )));
    }
    let mut failures = Vec::new();
    let mut ok_ids = Vec::new();
    let mut outgoing = Vec::new();
    for e in i.entries {
        match e
            .message
            .into_outgoing()
            .and_then(|o| crate::validate_outgoing(&o, &settings).map(|()| o))
        {
            Ok(o) => {
                ok_ids.push(e.id);
                outgoing.push(o);
            }
            Err(err) => failures.push(failed(&e.id, &err)),
        }
    }
    let sent = if outgoing.is_empty() {
        Vec::new()
    } else {
        queues.send(&q, outgoing).await?
    };
    let successful: Vec<Value> = ok_ids
        .iter()
        .zip(&sent)
        .map(|(id, s)| {
            let mut m = sent_json(s);
            m.insert("Id".into(), json!(id));
            Value::Object(m)
        })
        .collect();
    Ok(json!({ "Successful": successful, "Failed": failures }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveMessage {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    attribute_names: Vec<String>,
    #[serde(default)]
    message_system_attribute_names: Vec<String>,
    #[serde(default)]
    message_attribute_names: Vec<String>,
    max_number_of_messages: Option<i64>,
    visibility_timeout: Option<i64>,
    wait_time_seconds: Option<i64>,
}

async fn receive_message(queues: &Queues, i: ReceiveMessage) -> Result<Value, SqsError> {
    let q = queues.queue_by_url(&i.queue_url)?;
    let range = |name: &str, v: Option<i64>, lo: i64, hi: i64| -> Result<(), SqsError> {
        match v {
            Some(n) if !(lo..=hi).contains(&n) => Err(SqsError::InvalidParameterValue(format!(
                "Value {n} for parameter {name} is invalid. Reason: Must be between {lo} and {hi}, if provided."
            ))),
            _ => Ok(()),
        }
    };
    range("MaxNumberOfMessages", i.max_number_of_messages, 1, 10)?;
    range("WaitTimeSeconds", i.wait_time_seconds, 0, 20)?;
    range("VisibilityTimeout", i.visibility_timeout, 0, 43_200)?;
    let params = ReceiveParams {
        max: i.max_number_of_messages.unwrap_or(1) as usize,
        visibility: i.visibility_timeout,
        wait: i.wait_time_seconds,
    };
    let got = queues.receive(&q, params).await?;
    if got.is_empty() {
        return Ok(json!({}));
    }
    let system: Vec<String> = i
        .attribute_names
        .into_iter()
        .chain(i.message_system_attribute_names)
        .collect();
    let messages: Vec<Value> = got
        .iter()
        .map(|m| message_json(m, &system, &i.message_attribute_names))
        .collect();
    Ok(json!({ "Messages": messages }))
}

fn message_json(m: &Received, system: &[String], selectors: &[String]) -> Value {
    let mut out = Map::new();
    out.insert("MessageId".into(), json!(m.record.id));
    out.insert("ReceiptHandle".into(), json!(m.handle));
    out.insert(
        "MD5OfBody".into(),
        json!(crate::digest::md5_hex(m.record.body.as_bytes())),
    );
    out.insert("Body".into(), json!(m.record.body));
    let want = |n: &str| system.iter().any(|s| s == "All" || s == n);
    let mut attrs = Map::new();
    if want("SenderId") {
        attrs.insert("SenderId".into(), json!(m.record.sender));
    }
    if want("SentTimestamp") {
        attrs.insert("SentTimestamp".into(), json!(m.record.sent.to_string()));
    }
    if want("ApproximateReceiveCount") {
        attrs.insert(
            "ApproximateReceiveCount".into(),
            json!(m.entry.receive_count.to_string()),
        );
    }
    if want("ApproximateFirstReceiveTimestamp") {
        attrs.insert(
            "ApproximateFirstReceiveTimestamp".into(),
            json!(m.entry.first_receive.to_string()),
        );
    }
    if want("AWSTraceHeader")
        && let Some(t) = &m.record.trace_header
    {
        attrs.insert("AWSTraceHeader".into(), json!(t));
    }
    if want("DeadLetterQueueSourceArn")
        && let Some(s) = &m.record.dead_letter_source
    {
        attrs.insert("DeadLetterQueueSourceArn".into(), json!(s));
    }
    if !attrs.is_empty() {
        out.insert("Attributes".into(), Value::Object(attrs));
    }
    let selected: Vec<(String, MessageAttribute)> = m
        .record
        .attributes
        .iter()
        .filter(|a| model::attribute_selected(selectors, &a.name))
        .map(|a| (a.name.clone(), a.to_attribute()))
        .collect();
    if let Some(md5) = crate::digest::attributes_md5(selected.iter().map(|(n, a)| (n.as_str(), a)))
    {
        out.insert("MD5OfMessageAttributes".into(), json!(md5));
        let mut wire = Map::new();
        for (name, a) in &selected {
            let mut v = Map::new();
            v.insert("DataType".into(), json!(a.data_type));
            if let Some(s) = &a.string_value {
                v.insert("StringValue".into(), json!(s));
            }
            if let Some(b) = &a.binary_value {
                v.insert("BinaryValue".into(), json!(B64.encode(b)));
            }
            wire.insert(name.clone(), Value::Object(v));
        }
        out.insert("MessageAttributes".into(), Value::Object(wire));
    }
    Value::Object(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMessage {
    #[serde(default)]
    queue_url: String,
    receipt_handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HandleEntry {
    #[serde(default)]
    id: String,
    #[serde(default)]
    receipt_handle: String,
    visibility_timeout: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HandleBatch {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    entries: Vec<HandleEntry>,
}

fn batch_result(entries: &[HandleEntry], results: Vec<Result<(), SqsError>>) -> Value {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (e, r) in entries.iter().zip(results) {
        match r {
            Ok(()) => ok.push(json!({ "Id": e.id })),
            Err(err) => bad.push(failed(&e.id, &err)),
        }
    }
    json!({ "Successful": ok, "Failed": bad })
}

async fn delete_message_batch(queues: &Queues, i: HandleBatch) -> Result<Value, SqsError> {
    let q = queues.queue_by_url(&i.queue_url)?;
    check_batch(i.entries.iter().map(|e| e.id.as_str()))?;
    let handles: Vec<&str> = i
        .entries
        .iter()
        .map(|e| e.receipt_handle.as_str())
        .collect();
    let results = queues.delete_messages(&q, &handles).await?;
    Ok(batch_result(&i.entries, results))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeMessageVisibility {
    #[serde(default)]
    queue_url: String,
    receipt_handle: Option<String>,
    visibility_timeout: Option<i64>,
}

async fn change_visibility_batch(queues: &Queues, i: HandleBatch) -> Result<Value, SqsError> {
    let q = queues.queue_by_url(&i.queue_url)?;
    check_batch(i.entries.iter().map(|e| e.id.as_str()))?;
    let changes: Vec<(&str, i64)> = i
        .entries
        .iter()
        .map(|e| (e.receipt_handle.as_str(), e.visibility_timeout.unwrap_or(0)))
        .collect();
    let results = queues.change_visibility(&q, &changes).await?;
    Ok(batch_result(&i.entries, results))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagQueue {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UntagQueue {
    #[serde(default)]
    queue_url: String,
    #[serde(default)]
    tag_keys: Vec<String>,
}
