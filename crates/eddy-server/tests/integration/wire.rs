//! Envelope, headers and routing as seen by an HTTP client.

use crate::support::{Answer, FAKE_AUTH, TestServer, ddb};

#[tokio::test]
async fn success_has_request_id_crc_and_json_type() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let a = Answer::from(
        ddb(&client, &server, "ListTables", "{}")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.json);
    a.assert_standard_headers();
    assert!(a.json["TableNames"].is_array());
    server.stop().await;
}

#[tokio::test]
async fn every_response_gets_a_fresh_request_id() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..20 {
        let a = Answer::from(
            ddb(&client, &server, "ListTables", "{}")
                .send()
                .await
                .expect("send"),
        )
        .await;
        ids.insert(
            a.headers["x-amzn-requestid"]
                .to_str()
                .expect("ascii")
                .to_string(),
        );
    }
    assert_eq!(ids.len(), 20);
    server.stop().await;
}

#[tokio::test]
async fn unknown_operation_matches_dynamodb_local() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    for op in ["Nope", "getitem"] {
        let a = Answer::from(ddb(&client, &server, op, "{}").send().await.expect("send")).await;
        assert_eq!(a.status, 400);
        a.assert_standard_headers();
        assert_eq!(
            a.error_type(),
            "com.amazon.coral.service#UnknownOperationException"
        );
        assert_eq!(a.json["message"], "An unknown operation was requested.");
    }
    // Streams shares the port: its operations are served, unknown ones are not.
    for (op, status) in [("ListStreams", 200), ("ListShards", 400)] {
        let resp = client
            .post(server.url())
            .header("x-amz-target", format!("DynamoDBStreams_20120810.{op}"))
            .header("authorization", FAKE_AUTH)
            .body("{}")
            .send()
            .await
            .expect("send");
        let a = Answer::from(resp).await;
        assert_eq!(a.status, status, "{op}");
        if status == 400 {
            assert_eq!(
                a.error_type(),
                "com.amazon.coral.service#UnknownOperationException"
            );
        } else {
            assert_eq!(a.json["Streams"], serde_json::json!([]));
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn missing_or_foreign_target_is_unknown_operation() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    for target in [None, Some("DynamoDB_20120810"), Some("Foo.ListTables")] {
        let mut req = client
            .post(server.url())
            .header("content-type", "application/x-amz-json-1.0")
            .header("authorization", FAKE_AUTH)
            .body("{}");
        if let Some(t) = target {
            req = req.header("x-amz-target", t);
        }
        let a = Answer::from(req.send().await.expect("send")).await;
        assert_eq!(a.status, 400, "{target:?}");
        a.assert_standard_headers();
        assert_eq!(
            a.error_type(),
            "com.amazon.coral.service#UnknownOperationException"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn missing_authorization_is_missing_authentication_token() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let resp = client
        .post(server.url())
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .body("{}")
        .send()
        .await
        .expect("send");
    let a = Answer::from(resp).await;
    assert_eq!(a.status, 400);
    a.assert_standard_headers();
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
    assert_eq!(
        a.json["message"],
        "Request must contain either a valid (registered) AWS access key ID or X.509 certificate."
    );
    // A malformed header is an incomplete signature, not a missing one.
    let resp = client
        .post(server.url())
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("authorization", "Bearer abc")
        .body("{}")
        .send()
        .await
        .expect("send");
    let a = Answer::from(resp).await;
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#IncompleteSignatureException"
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_json_is_a_serialization_exception() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    for body in ["{nope", "[]", "\"x\"", "{}x"] {
        let a = Answer::from(
            ddb(&client, &server, "GetItem", body)
                .send()
                .await
                .expect("send"),
        )
        .await;
        assert_eq!(a.status, 400, "{body}");
        a.assert_standard_headers();
        assert_eq!(
            a.error_type(),
            "com.amazon.coral.service#SerializationException",
            "{body}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn accepts_the_three_json_content_types_and_rejects_others() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let send = |ct: &'static str| {
        client
            .post(server.url())
            .header("content-type", ct)
            .header("x-amz-target", "DynamoDB_20120810.ListTables")
            .header("authorization", FAKE_AUTH)
            .body("{}")
            .send()
    };
    for ct in [
        "application/x-amz-json-1.0",
        "application/x-amz-json-1.1",
        "application/json",
        "application/json; charset=utf-8",
    ] {
        let resp = send(ct).await.expect("send");
        assert_eq!(resp.status().as_u16(), 200, "{ct}");
    }
    let a = Answer::from(send("text/plain").await.expect("send")).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#UnknownOperationException"
    );
    server.stop().await;
}

#[tokio::test]
async fn get_root_answers_like_dynamodb_local_health_check() {
    let server = TestServer::default().await;
    let a = Answer::from(reqwest::get(server.url()).await.expect("send")).await;
    assert_eq!(a.status, 400);
    a.assert_standard_headers();
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#MissingAuthenticationTokenException"
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_are_404_with_a_json_body() {
    let server = TestServer::default().await;
    let a = Answer::from(
        reqwest::get(format!("{}nope", server.url()))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(a.status, 404);
    a.assert_standard_headers();
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#UnknownOperationException"
    );
    assert!(a.json["message"].as_str().unwrap_or("").contains("/nope"));
    server.stop().await;
}

#[tokio::test]
async fn lambda_and_sns_routes_answer_unknown_operation_for_now() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("{}2015-03-31/event-source-mappings/", server.url()))
        .header("authorization", FAKE_AUTH)
        .send()
        .await
        .expect("send");
    let a = Answer::from(resp).await;
    assert_eq!(a.status, 404);
    a.assert_standard_headers();
    assert_eq!(a.headers["x-amzn-errortype"], "UnknownOperationException");

    let resp = client
        .post(server.url())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", FAKE_AUTH)
        .body("Action=Publish&TopicArn=x&Message=hi")
        .send()
        .await
        .expect("send");
    let a = Answer::from(resp).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#UnknownOperationException"
    );
    server.stop().await;
}
