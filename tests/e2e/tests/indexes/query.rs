//! Index entries read back through Query: a GSI (partition + sort key, KEYS_ONLY), a GSI
//! with an INCLUDE projection and an LSI with ALL, on a hash+range table, while items
//! enter, move inside, leave and re-enter the indexes. Every check compares a Query's
//! items (shape and order) with what the test's own model of the table says.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue as AV, BillingMode, DeleteRequest, GlobalSecondaryIndex, LocalSecondaryIndex,
    Projection, ProjectionType, Put, ReturnValue, TransactWriteItem, WriteRequest,
};
use eddy_e2e::*;
use std::collections::BTreeMap;

fn projection(kind: ProjectionType, include: &[&str]) -> Projection {
    let mut p = Projection::builder().projection_type(kind);
    for a in include {
        p = p.non_key_attributes(*a);
    }
    p.build()
}

async fn create(client: &Client, t: &str) -> TestResult {
    let by_g = GlobalSecondaryIndex::builder()
        .index_name("by_g")
        .key_schema(hash_key("g"))
        .key_schema(range_key("gs"))
        .projection(projection(ProjectionType::KeysOnly, &[]))
        .build()?;
    let by_h = GlobalSecondaryIndex::builder()
        .index_name("by_h")
        .key_schema(hash_key("h"))
        .projection(projection(ProjectionType::Include, &["a"]))
        .build()?;
    let by_l = LocalSecondaryIndex::builder()
        .index_name("by_l")
        .key_schema(hash_key("pk"))
        .key_schema(range_key("l"))
        .projection(projection(ProjectionType::All, &[]))
        .build()?;
    client
        .create_table()
        .table_name(t)
        .key_schema(hash_key("pk"))
        .key_schema(range_key("sk"))
        .attribute_definitions(attr("pk", "S"))
        .attribute_definitions(attr("sk", "N"))
        .attribute_definitions(attr("g", "S"))
        .attribute_definitions(attr("gs", "N"))
        .attribute_definitions(attr("h", "S"))
        .attribute_definitions(attr("l", "S"))
        .global_secondary_indexes(by_g)
        .global_secondary_indexes(by_h)
        .local_secondary_indexes(by_l)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(client, t).await
}

/// All items of one index partition, in index order (pages followed).
async fn query(client: &Client, t: &str, index: &str, attr: &str, value: AV) -> Vec<Item> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let resp = client
            .query()
            .table_name(t)
            .index_name(index)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", attr)
            .expression_attribute_values(":v", value.clone())
            .set_exclusive_start_key(start)
            .limit(3)
            .send()
            .await
            .expect("Query");
        out.extend(resp.items().iter().cloned());
        start = resp.last_evaluated_key().cloned();
        if start.is_none() {
            return out;
        }
    }
}

type Table = BTreeMap<(String, i64), Item>;

fn key_of(it: &Item) -> (String, i64) {
    let pk = get_s(it, "pk").expect("pk").to_string();
    let sk = get_n(it, "sk").expect("sk").parse().expect("sk");
    (pk, sk)
}

fn pick(it: &Item, names: &[&str]) -> Item {
    it.iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What `by_g` holds for `g = value`, in (gs, pk, sk) order, KEYS_ONLY.
fn want_g(table: &Table, value: &str) -> Vec<Item> {
    let mut rows: Vec<(f64, (String, i64), Item)> = table
        .iter()
        .filter(|(_, it)| get_s(it, "g") == Some(value) && it.contains_key("gs"))
        .map(|(k, it)| {
            let gs: f64 = get_n(it, "gs").expect("gs").parse().expect("gs");
            (gs, k.clone(), pick(it, &["pk", "sk", "g", "gs"]))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    rows.into_iter().map(|r| r.2).collect()
}

/// What `by_h` holds for `h = value`: keys + `a`, in table-key order.
fn want_h(table: &Table, value: &str) -> Vec<Item> {
    let rows = table.values().filter(|it| get_s(it, "h") == Some(value));
    rows.map(|it| pick(it, &["pk", "sk", "h", "a"])).collect()
}

/// What `by_l` holds for partition `pk`: whole items, in (l, sk) order.
fn want_l(table: &Table, pk: &str) -> Vec<Item> {
    let mut rows: Vec<&Item> = table
        .values()
        .filter(|it| get_s(it, "pk") == Some(pk) && it.contains_key("l"))
        .collect();
    rows.sort_by_key(|it| (get_s(it, "l").map(str::to_string), key_of(it).1));
    rows.into_iter().cloned().collect()
}

/// An item as a comparable string (attribute order fixed).
fn canon(it: &Item) -> String {
    let sorted: BTreeMap<&String, String> = it.iter().map(|(k, v)| (k, format!("{v:?}"))).collect();
    format!("{sorted:?}")
}

/// `got` holds exactly `want`'s items, in non-decreasing order of `order` (DynamoDB does
/// not order items that share the index's key values, so ties are compared as sets).
fn assert_same(got: &[Item], want: &[Item], order: Option<fn(&Item) -> f64>, what: &str) {
    if let Some(f) = order {
        let keys: Vec<f64> = got.iter().map(f).collect();
        assert!(
            keys.is_sorted_by(|a, b| a <= b),
            "{what}: not in index order: {keys:?}"
        );
    }
    let mut g: Vec<String> = got.iter().map(canon).collect();
    let mut w: Vec<String> = want.iter().map(canon).collect();
    g.sort();
    w.sort();
    assert_eq!(g, w, "{what}");
}

fn gs_of(it: &Item) -> f64 {
    get_n(it, "gs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn l_of(it: &Item) -> f64 {
    // l is "l0".."l9": its digit orders it.
    get_s(it, "l")
        .and_then(|v| v[1..].parse().ok())
        .unwrap_or(f64::NAN)
}

async fn check(client: &Client, t: &str, table: &Table) {
    for g in ["red", "blue"] {
        let got = query(client, t, "by_g", "g", s(g)).await;
        assert_same(&got, &want_g(table, g), Some(gs_of), &format!("by_g {g}"));
    }
    for h in ["x", "y"] {
        let got = query(client, t, "by_h", "h", s(h)).await;
        assert_same(&got, &want_h(table, h), None, &format!("by_h {h}"));
    }
    for pk in ["p0", "p1", "p2"] {
        let got = query(client, t, "by_l", "pk", s(pk)).await;
        assert_same(&got, &want_l(table, pk), Some(l_of), &format!("by_l {pk}"));
    }
}

async fn put(client: &Client, t: &str, table: &mut Table, it: Item) {
    client
        .put_item()
        .table_name(t)
        .set_item(Some(it.clone()))
        .send()
        .await
        .expect("PutItem");
    table.insert(key_of(&it), it);
}

#[tokio::test]
async fn queries_on_indexes_follow_every_write() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("ix-query");
    create(&srv.client, &t).await?;
    let c = &srv.client;
    let mut table = Table::new();
    for i in 0..24i64 {
        let mut it = item([
            ("pk", s(&format!("p{}", i % 3))),
            ("sk", n(&i.to_string())),
            ("a", n(&(i * 10).to_string())),
            ("b", s("not projected into by_h")),
        ]);
        if i % 4 != 3 {
            it.insert("g".into(), s(if i % 2 == 0 { "red" } else { "blue" }));
            it.insert("gs".into(), n(&((i * 7) % 5).to_string()));
        }
        if i % 3 != 1 {
            it.insert("h".into(), s(if i < 12 { "x" } else { "y" }));
        }
        if i % 5 != 0 {
            it.insert("l".into(), s(&format!("l{}", 9 - i % 7)));
        }
        put(c, &t, &mut table, it).await;
    }
    check(c, &t, &table).await;
    // Move inside an index (gs changes), change a projected attribute (a), leave an
    // index (REMOVE h), enter one (SET g, gs), and delete an item.
    let upd = c
        .update_item()
        .table_name(&t)
        .key("pk", s("p0"))
        .key("sk", n("0"));
    let upd = upd.update_expression("SET gs = :gs, a = :a REMOVE h");
    let upd = upd
        .expression_attribute_values(":gs", n("-4"))
        .expression_attribute_values(":a", n("1"));
    let new = upd.return_values(ReturnValue::AllNew).send().await?;
    let new = new.attributes().cloned().expect("ALL_NEW");
    table.insert(key_of(&new), new);
    let upd = c
        .update_item()
        .table_name(&t)
        .key("pk", s("p0"))
        .key("sk", n("3"));
    let upd = upd
        .update_expression("SET g = :g, gs = :gs")
        .expression_attribute_values(":g", s("red"));
    let new = upd
        .expression_attribute_values(":gs", n("2.5"))
        .return_values(ReturnValue::AllNew)
        .send()
        .await?;
    let new = new.attributes().cloned().expect("ALL_NEW");
    table.insert(key_of(&new), new);
    c.delete_item()
        .table_name(&t)
        .key("pk", s("p1"))
        .key("sk", n("4"))
        .send()
        .await?;
    table.remove(&("p1".to_string(), 4));
    // Transactions and batches go through the same write path.
    let mut moved = table[&("p2".to_string(), 5)].clone();
    moved.insert("g".into(), s("blue"));
    moved.insert("l".into(), s("l0"));
    let tx_put = Put::builder()
        .table_name(&t)
        .set_item(Some(moved.clone()))
        .build()?;
    let tx = TransactWriteItem::builder().put(tx_put).build();
    c.transact_write_items().transact_items(tx).send().await?;
    table.insert(key_of(&moved), moved);
    let del = DeleteRequest::builder()
        .key("pk", s("p2"))
        .key("sk", n("8"))
        .build()?;
    let batch = vec![WriteRequest::builder().delete_request(del).build()];
    c.batch_write_item().request_items(&t, batch).send().await?;
    table.remove(&("p2".to_string(), 8));
    check(c, &t, &table).await;
    Ok(())
}
