//! The four Streams operations through aws-sdk-dynamodbstreams: ListStreams (paging),
//! DescribeStream, GetShardIterator (every position type but AT_TIMESTAMP), GetRecords
//! (paging with Limit, typed records), and a few errors.

use super::*;
use aws_sdk_dynamodb::types::StreamViewType;
use aws_sdk_dynamodbstreams::types::{
    OperationType, Record, ShardIteratorType, StreamStatus, StreamViewType as SView,
};

fn seq(r: &Record) -> u128 {
    let s = r
        .dynamodb()
        .and_then(|d| d.sequence_number())
        .expect("SequenceNumber");
    assert!((21..=40).contains(&s.len()), "{s}");
    s.parse().expect("digits")
}

fn pk(r: &Record) -> String {
    let keys = r.dynamodb().and_then(|d| d.keys()).expect("Keys");
    keys["pk"].as_s().expect("S").clone()
}

#[tokio::test]
async fn sdk_round_trip_of_the_four_operations() {
    let srv = TestServer::start_memory().await;
    let sc = streams_client(&srv.endpoint);
    let table = unique_name("sdk-streams");
    let arn = create_stream_table(&srv.client, &table, StreamViewType::NewAndOldImages).await;
    for i in 0..12 {
        srv.client
            .put_item()
            .table_name(&table)
            .set_item(Some(item([("pk", s(&format!("k{i:02}"))), ("v", n("1"))])))
            .send()
            .await
            .expect("PutItem");
    }
    srv.client
        .update_item()
        .table_name(&table)
        .key("pk", s("k00"))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", n("2"))
        .send()
        .await
        .expect("UpdateItem");
    srv.client
        .delete_item()
        .table_name(&table)
        .key("pk", s("k01"))
        .send()
        .await
        .expect("DeleteItem");

    // ListStreams, all and by table.
    let all = sc.list_streams().send().await.expect("ListStreams");
    assert!(all.streams().iter().any(|s| s.stream_arn() == Some(&arn)));
    let mine = sc
        .list_streams()
        .table_name(&table)
        .send()
        .await
        .expect("ListStreams(TableName)");
    assert_eq!(mine.streams().len(), 1);
    let st = &mine.streams()[0];
    assert_eq!(st.stream_arn(), Some(arn.as_str()));
    assert_eq!(st.table_name(), Some(table.as_str()));
    let label = st.stream_label().expect("StreamLabel");
    assert!(
        arn.ends_with(&format!("/stream/{label}")),
        "{arn} vs {label}"
    );
    assert!(mine.last_evaluated_stream_arn().is_none());

    // DescribeStream.
    let d = sc
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("DescribeStream");
    let d = d.stream_description().expect("StreamDescription");
    assert_eq!(d.stream_status(), Some(&StreamStatus::Enabled));
    assert_eq!(d.stream_view_type(), Some(&SView::NewAndOldImages));
    assert_eq!(d.table_name(), Some(table.as_str()));
    assert_eq!(d.stream_label(), Some(label));
    assert!(d.creation_request_date_time().is_some());
    let ks = d.key_schema();
    assert_eq!(ks.len(), 1);
    assert_eq!(ks[0].attribute_name(), "pk");
    assert_eq!(d.shards().len(), 1);
    let shard = &d.shards()[0];
    let shard_id = shard.shard_id().expect("ShardId").to_string();
    let range = shard.sequence_number_range().expect("range");
    assert!(range.starting_sequence_number().is_some());
    assert!(range.ending_sequence_number().is_none(), "open shard");
    assert!(shard.parent_shard_id().is_none());

    // GetRecords from TRIM_HORIZON with Limit 5: pages of 5, 5, 4, then an empty page
    // that still carries a NextShardIterator (open shard).
    let mut it = sc
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(&shard_id)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("GetShardIterator")
        .shard_iterator
        .expect("ShardIterator");
    let mut records: Vec<Record> = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let page = sc
            .get_records()
            .shard_iterator(&it)
            .limit(5)
            .send()
            .await
            .expect("GetRecords");
        sizes.push(page.records().len());
        records.extend(page.records().iter().cloned());
        it = page
            .next_shard_iterator()
            .expect("open shard: NextShardIterator")
            .to_string();
        if page.records().is_empty() {
            break;
        }
    }
    assert_eq!(sizes, [5, 5, 4, 0]);
    for w in records.windows(2) {
        assert!(seq(&w[0]) < seq(&w[1]), "sequence numbers increase");
    }
    let names: Vec<(OperationType, String)> = records
        .iter()
        .map(|r| (r.event_name().expect("eventName").clone(), pk(r)))
        .collect();
    let mut want: Vec<(OperationType, String)> = (0..12)
        .map(|i| (OperationType::Insert, format!("k{i:02}")))
        .collect();
    want.push((OperationType::Modify, "k00".into()));
    want.push((OperationType::Remove, "k01".into()));
    assert_eq!(names, want);
    for r in &records {
        assert_eq!(r.event_source(), Some("aws:dynamodb"));
        assert_eq!(r.event_version(), Some("1.1"));
        assert_eq!(r.aws_region(), Some(REGION));
        assert!(r.user_identity().is_none());
        let d = r.dynamodb().expect("dynamodb");
        assert_eq!(d.stream_view_type(), Some(&SView::NewAndOldImages));
        assert!(d.size_bytes().is_some_and(|s| s > 0));
        let t = d.approximate_creation_date_time().expect("time");
        assert_eq!(t.subsec_nanos(), 0, "whole seconds");
    }
    let modify = &records[12];
    let md = modify.dynamodb().expect("dynamodb");
    assert_eq!(
        md.old_image().expect("OldImage")["v"]
            .as_n()
            .ok()
            .map(String::as_str),
        Some("1")
    );
    assert_eq!(
        md.new_image().expect("NewImage")["v"]
            .as_n()
            .ok()
            .map(String::as_str),
        Some("2")
    );
    let remove = records[13].dynamodb().expect("dynamodb");
    assert!(remove.new_image().is_none());
    assert!(remove.old_image().is_some());

    // AT / AFTER a sequence number.
    let at = |ty: ShardIteratorType, r: &Record| {
        let number = r
            .dynamodb()
            .and_then(|d| d.sequence_number())
            .map(str::to_string);
        let (sc, arn, shard_id) = (sc.clone(), arn.clone(), shard_id.clone());
        async move {
            let it = sc
                .get_shard_iterator()
                .stream_arn(arn)
                .shard_id(shard_id)
                .shard_iterator_type(ty)
                .set_sequence_number(number)
                .send()
                .await
                .expect("GetShardIterator")
                .shard_iterator
                .expect("ShardIterator");
            let page = sc
                .get_records()
                .shard_iterator(it)
                .limit(1)
                .send()
                .await
                .expect("GetRecords");
            page.records().to_vec()
        }
    };
    let got = at(ShardIteratorType::AtSequenceNumber, &records[3]).await;
    assert_eq!(got, records[3..4].to_vec());
    let got = at(ShardIteratorType::AfterSequenceNumber, &records[3]).await;
    assert_eq!(got, records[4..5].to_vec());

    // LATEST sees only what is written after it; the TRIM_HORIZON chain sees it too.
    let latest = sc
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(&shard_id)
        .shard_iterator_type(ShardIteratorType::Latest)
        .send()
        .await
        .expect("LATEST")
        .shard_iterator
        .expect("ShardIterator");
    srv.client
        .put_item()
        .table_name(&table)
        .set_item(Some(item([("pk", s("late"))])))
        .send()
        .await
        .expect("PutItem");
    for it in [latest, it] {
        let page = sc
            .get_records()
            .shard_iterator(it)
            .send()
            .await
            .expect("GetRecords");
        let got: Vec<String> = page.records().iter().map(pk).collect();
        assert_eq!(got, ["late"]);
    }
}

#[tokio::test]
async fn sdk_list_streams_pages_one_at_a_time() {
    let srv = TestServer::start_memory().await;
    let sc = streams_client(&srv.endpoint);
    let mut arns = HashSet::new();
    for view in [
        StreamViewType::KeysOnly,
        StreamViewType::NewImage,
        StreamViewType::OldImage,
    ] {
        let t = unique_name("sdk-list");
        arns.insert(create_stream_table(&srv.client, &t, view).await);
    }
    create_hash_table(&srv.client, &unique_name("sdk-nostream"))
        .await
        .expect("table without stream");
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    for _ in 0..10 {
        let page = sc
            .list_streams()
            .limit(1)
            .set_exclusive_start_stream_arn(start.clone())
            .send()
            .await
            .expect("ListStreams");
        assert!(page.streams().len() <= 1);
        let arns_here: Vec<String> = page
            .streams()
            .iter()
            .map(|s| s.stream_arn().expect("arn").to_string())
            .collect();
        seen.extend(arns_here.iter().cloned());
        match page.last_evaluated_stream_arn() {
            Some(last) => {
                assert_eq!(
                    Some(&last.to_string()),
                    arns_here.last(),
                    "cookie = last ARN"
                );
                start = Some(last.to_string());
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 3, "no duplicates: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), arns);
}

#[tokio::test]
async fn sdk_errors_are_service_errors() {
    let srv = TestServer::start_memory().await;
    let sc = streams_client(&srv.endpoint);
    let table = unique_name("sdk-err");
    let arn = create_stream_table(&srv.client, &table, StreamViewType::KeysOnly).await;
    let e = api_err(sc.get_records().shard_iterator("garbage").send().await);
    assert_eq!(e.code, "ValidationException", "{e:?}");
    let d = sc
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("DescribeStream");
    let shard = d.stream_description().expect("desc").shards()[0]
        .shard_id()
        .expect("id")
        .to_string();
    let it = sc
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .expect("GetShardIterator")
        .shard_iterator
        .expect("iterator");
    for limit in [0, 1001] {
        let e = api_err(
            sc.get_records()
                .shard_iterator(&it)
                .limit(limit)
                .send()
                .await,
        );
        assert_eq!(e.code, "ValidationException", "Limit {limit}: {e:?}");
    }
    let unknown = arn.replace(&table, "no-such-table");
    let e = api_err(sc.describe_stream().stream_arn(unknown).send().await);
    assert_eq!(e.code, "ResourceNotFoundException", "{e:?}");
}
