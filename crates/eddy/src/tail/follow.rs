//! Following a table's stream: find it, walk its shard lineage, poll GetRecords, move to
//! a new stream when the table gets one, stop when a disabled stream has been read.

use super::Output;
use super::client::{Client, Error};
use super::lineage::{self, Position, Shard};
use super::wire::{
    DescribeStreamOut, DescribeTableOut, GetRecordsOut, GetShardIteratorOut, TableDescription,
    key_names,
};
use crate::cli::{TailArgs, TailFrom};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const DYNAMODB: &str = "DynamoDB_20120810.";
const STREAMS: &str = "DynamoDBStreams_20120810.";
/// Shortest gap between two lookups of the children of finished shards that had none.
const ORPHAN_RETRY: Duration = Duration::from_secs(1);

/// Runs `eddy tail` until the stream is disabled and read, or an error.
pub async fn tail(args: &TailArgs, out: &mut Output) -> Result<(), Error> {
    let client = Client::new(&args.endpoint, super::sigv4::Signer::from_env(&args.region))?;
    let table = describe_table(&client, &args.table).await?;
    let Some(mut arn) = table.latest_stream_arn else {
        return Err(Error::Fatal(format!(
            "table {} has no stream; enable one with: aws dynamodb update-table --endpoint-url {} \
             --table-name {} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
            args.table,
            client.endpoint(),
            args.table
        )));
    };
    out.set_key_names(key_names(&table.key_schema));
    let mut from = args.from;
    loop {
        let label = match from {
            TailFrom::Latest => "new records",
            TailFrom::TrimHorizon => "the oldest retained record",
        };
        eprintln!("eddy tail: following {arn} from {label} (Ctrl-C to stop)");
        StreamReader::new(&client, &arn, args.poll_interval)
            .follow(from, out)
            .await?;
        // The stream is disabled and every record has been read. A new stream?
        match describe_table(&client, &args.table).await {
            Ok(t) if t.latest_stream_arn.as_ref().is_some_and(|a| *a != arn) => {
                let new = t.latest_stream_arn.unwrap_or_default();
                eprintln!(
                    "eddy tail: table {} has a new stream; following it from its start",
                    args.table
                );
                out.set_key_names(key_names(&t.key_schema));
                arn = new;
                from = TailFrom::TrimHorizon;
            }
            Ok(_) => {
                eprintln!(
                    "eddy tail: the stream of {} is disabled and every record has been read",
                    args.table
                );
                return Ok(());
            }
            Err(e) if e.is("ResourceNotFoundException") => {
                eprintln!(
                    "eddy tail: table {} was deleted; its stream has been read to the end",
                    args.table
                );
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
}

async fn describe_table(client: &Client, table: &str) -> Result<TableDescription, Error> {
    let target = format!("{DYNAMODB}DescribeTable");
    match client
        .call::<DescribeTableOut>(&target, &json!({ "TableName": table }))
        .await
    {
        Ok(out) => Ok(out.table),
        Err(e @ Error::Api { .. }) if client.unsigned() && e.is("UnrecognizedClientException") => {
            Err(Error::Fatal(format!(
                "{e}\n(the server verifies signatures: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )))
        }
        Err(e) => Err(e),
    }
}

/// One shard being read.
struct Reader {
    shard: String,
    iterator: String,
    /// How the first iterator was opened (used again if it expires before any record).
    start: Position,
    last_seq: Option<String>,
}

/// What one GetRecords call on a reader gave.
enum Step {
    Records(usize),
    Ended,
}

/// The reading state of one stream.
struct StreamReader<'a> {
    client: &'a Client,
    arn: &'a str,
    poll: Duration,
    started: HashSet<String>,
    finished: HashSet<String>,
    active: Vec<Reader>,
    /// Finished shards whose children have not been seen yet.
    orphans: Vec<String>,
    last_orphan_check: Option<Instant>,
}

impl<'a> StreamReader<'a> {
    fn new(client: &'a Client, arn: &'a str, poll: Duration) -> Self {
        Self {
            client,
            arn,
            poll,
            started: HashSet::new(),
            finished: HashSet::new(),
            active: Vec::new(),
            orphans: Vec::new(),
            last_orphan_check: None,
        }
    }

    async fn follow(&mut self, from: TailFrom, out: &mut Output) -> Result<(), Error> {
        let (_, shards) = self.describe(None).await?;
        let plan = lineage::initial(&shards, from);
        for id in plan.skip {
            self.started.insert(id.clone());
            self.finished.insert(id);
        }
        for (id, position) in plan.start {
            self.open(id, position).await?;
        }
        loop {
            let mut got = 0;
            let mut i = 0;
            while i < self.active.len() {
                match self.read(i, out).await? {
                    Step::Records(n) => {
                        got += n;
                        i += 1;
                    }
                    Step::Ended => {
                        let done = self.active.remove(i);
                        self.finish(done.shard);
                    }
                }
            }
            self.adopt_orphans().await?;
            if self.active.is_empty() {
                // Everything started has been read: either a rollover is in flight or the
                // stream is disabled. A full listing tells which.
                let (status, shards) = self.describe(None).await?;
                self.start_ready(&shards).await?;
                if self.active.is_empty() && status == "DISABLED" {
                    return Ok(());
                }
            }
            if got == 0 {
                tokio::time::sleep(self.poll).await;
            }
        }
    }

    fn finish(&mut self, shard: String) {
        self.finished.insert(shard.clone());
        self.orphans.push(shard);
        self.last_orphan_check = None;
    }

    /// Starts the children of finished shards (ShardFilter CHILD_SHARDS), at most once a
    /// second for shards whose children have not appeared yet.
    async fn adopt_orphans(&mut self) -> Result<(), Error> {
        if self.orphans.is_empty()
            || self
                .last_orphan_check
                .is_some_and(|t| t.elapsed() < ORPHAN_RETRY)
        {
            return Ok(());
        }
        self.last_orphan_check = Some(Instant::now());
        for parent in std::mem::take(&mut self.orphans) {
            let children = match self.describe(Some(&parent)).await {
                Ok((_, children)) => children,
                // A server without ShardFilter: scan the whole listing instead.
                Err(e) if e.is("ValidationException") => {
                    let (_, all) = self.describe(None).await?;
                    all.into_iter()
                        .filter(|s| s.parent.as_deref() == Some(parent.as_str()))
                        .collect()
                }
                Err(e) => return Err(e),
            };
            if children.is_empty() {
                self.orphans.push(parent);
            } else {
                self.start_ready(&children).await?;
            }
        }
        Ok(())
    }

    async fn start_ready(&mut self, shards: &[Shard]) -> Result<(), Error> {
        for id in lineage::ready(shards, &self.started, &self.finished) {
            self.open(id, Position::TrimHorizon).await?;
        }
        Ok(())
    }

    /// Opens a reader on `shard`, or counts the shard as finished if it is gone.
    async fn open(&mut self, shard: String, start: Position) -> Result<(), Error> {
        self.started.insert(shard.clone());
        match self.iterator(&shard, &start).await? {
            Some(iterator) => self.active.push(Reader {
                shard,
                iterator,
                start,
                last_seq: None,
            }),
            None => self.finish(shard),
        }
        Ok(())
    }

    /// A fresh iterator; `None` when the shard no longer exists (trimmed away).
    async fn iterator(&self, shard: &str, position: &Position) -> Result<Option<String>, Error> {
        let mut req = json!({ "StreamArn": self.arn, "ShardId": shard });
        match position {
            Position::TrimHorizon => req["ShardIteratorType"] = json!("TRIM_HORIZON"),
            Position::Latest => req["ShardIteratorType"] = json!("LATEST"),
            Position::After(seq) => {
                req["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
                req["SequenceNumber"] = json!(seq);
            }
        }
        let target = format!("{STREAMS}GetShardIterator");
        match self.client.call::<GetShardIteratorOut>(&target, &req).await {
            Ok(out) => Ok(out.shard_iterator),
            Err(e) if e.is("ResourceNotFoundException") => {
                eprintln!("eddy tail: shard {shard} no longer exists (trimmed); skipping it");
                Ok(None)
            }
            Err(e) if e.is("TrimmedDataAccessException") && *position != Position::TrimHorizon => {
                eprintln!(
                    "eddy tail: records of shard {shard} were trimmed before they were read; \
                     continuing from the oldest retained record"
                );
                Box::pin(self.iterator(shard, &Position::TrimHorizon)).await
            }
            Err(e) => Err(e),
        }
    }

    /// One GetRecords call on reader `i`, printing what it returns.
    async fn read(&mut self, i: usize, out: &mut Output) -> Result<Step, Error> {
        let target = format!("{STREAMS}GetRecords");
        let req = json!({ "ShardIterator": self.active[i].iterator });
        let bytes = match self.client.call_raw(&target, &req).await {
            Ok(bytes) => bytes,
            Err(e) if e.is("ExpiredIteratorException") || e.is("TrimmedDataAccessException") => {
                let r = &self.active[i];
                let position = match (&r.last_seq, e.is("TrimmedDataAccessException")) {
                    (_, true) => {
                        eprintln!(
                            "eddy tail: records of shard {} were trimmed before they were read; \
                             continuing from the oldest retained record",
                            r.shard
                        );
                        Position::TrimHorizon
                    }
                    (Some(seq), false) => Position::After(seq.clone()),
                    (None, false) => r.start.clone(),
                };
                let shard = r.shard.clone();
                return match self.iterator(&shard, &position).await? {
                    Some(it) => {
                        self.active[i].iterator = it;
                        Ok(Step::Records(0))
                    }
                    None => Ok(Step::Ended),
                };
            }
            Err(e) if e.is("ResourceNotFoundException") => {
                eprintln!(
                    "eddy tail: shard {} no longer exists (trimmed); skipping it",
                    self.active[i].shard
                );
                return Ok(Step::Ended);
            }
            Err(e) => return Err(e),
        };
        let page: GetRecordsOut<'_> = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Protocol(format!("unexpected answer to GetRecords: {e}")))?;
        let r = &mut self.active[i];
        for record in &page.records {
            if let Some(seq) = out.record(record)? {
                r.last_seq = Some(seq);
            }
        }
        match page.next_shard_iterator {
            Some(next) => {
                r.iterator = next;
                Ok(Step::Records(page.records.len()))
            }
            None => Ok(Step::Ended),
        }
    }

    /// The stream's status and shards (all pages), or only the children of `parent`.
    async fn describe(&self, parent: Option<&str>) -> Result<(String, Vec<Shard>), Error> {
        let target = format!("{STREAMS}DescribeStream");
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let mut req = json!({ "StreamArn": self.arn });
            if let Some(p) = parent {
                req["ShardFilter"] = json!({ "Type": "CHILD_SHARDS", "ShardId": p });
            }
            if let Some(s) = &start {
                req["ExclusiveStartShardId"] = json!(s);
            }
            let d = self
                .client
                .call::<DescribeStreamOut>(&target, &req)
                .await?
                .stream_description;
            let progressed = !d.shards.is_empty();
            shards.extend(d.shards.into_iter().map(Shard::from));
            match d.last_evaluated_shard_id {
                Some(last) if progressed && start.as_deref() != Some(last.as_str()) => {
                    start = Some(last);
                }
                _ => return Ok((d.stream_status, shards)),
            }
        }
    }
}
