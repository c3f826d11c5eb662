//! The built `eddy` binary answers the SDK.

use eddy_e2e::*;

#[tokio::test]
async fn in_memory_binary_serves_create_put_get() -> TestResult {
    let srv = BinaryServer::spawn(["serve", "--in-memory", "--port", "0"]);
    assert_ne!(srv.port, 0, "--port 0 must print the real port");
    assert!(
        srv.output()
            .contains(&format!("eddy listening on http://127.0.0.1:{}", srv.port))
    );
    let t = unique_name("smoke");
    create_hash_table(&srv.client, &t).await?;
    srv.client
        .put_item()
        .table_name(&t)
        .item("pk", s("hello"))
        .item("n", n("1.50"))
        .send()
        .await?;
    let got = srv
        .client
        .get_item()
        .table_name(&t)
        .key("pk", s("hello"))
        .send()
        .await?;
    assert_eq!(
        got.item(),
        Some(&item([("pk", s("hello")), ("n", n("1.5"))]))
    );
    Ok(())
}

#[tokio::test]
async fn two_binaries_with_port_0_get_different_ports() {
    let a = BinaryServer::spawn(["serve", "--in-memory", "--port", "0"]);
    let b = BinaryServer::spawn(["serve", "--in-memory", "--port", "0"]);
    assert_ne!(a.port, b.port);
    let la = a.client.list_tables().send().await.expect("ListTables a");
    let lb = b.client.list_tables().send().await.expect("ListTables b");
    assert!(la.table_names().is_empty() && lb.table_names().is_empty());
}

#[test]
fn listening_line_parser() {
    use eddy_e2e::parse_listening_line as parse;
    assert_eq!(parse("eddy listening on http://127.0.0.1:8000"), Some(8000));
    assert_eq!(
        parse("2025-01-01 INFO eddy listening on http://127.0.0.1:41234 (memory)"),
        Some(41234)
    );
    assert_eq!(parse("something else"), None);
}
