//! Create/Get/List/Update/Delete and their errors, over HTTP.

use crate::harness::{ROLE, Server, TestResult, py_zip, zip_of};
use reqwest::Method;
use serde_json::json;

const HANDLER: &str = "def handler(event, context):\n    return event\n";

#[tokio::test]
async fn create_get_list_update_delete_round_trip() -> TestResult {
    let srv = Server::start().await;
    let zip = py_zip(HANDLER);
    let r = srv
        .create(
            "fn-a",
            "python3.12",
            "app.handler",
            &zip,
            json!({"Description": "d"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let c = r.json();
    assert_eq!(c["FunctionName"], "fn-a");
    assert_eq!(
        c["FunctionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:fn-a"
    );
    assert_eq!(c["State"], "Pending");
    assert_eq!(c["StateReasonCode"], "Creating");
    assert_eq!(c["Version"], "$LATEST");
    assert_eq!(c["Timeout"], 3);
    assert_eq!(c["MemorySize"], 128);
    assert_eq!(c["Role"], ROLE);
    assert_eq!(c["PackageType"], "Zip");
    assert_eq!(c["Architectures"], json!(["x86_64"]));
    assert_eq!(c["CodeSize"], zip.len());
    {
        use base64::Engine as _;
        use sha2::Digest as _;
        let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
        assert_eq!(c["CodeSha256"], sha);
    }
    let lm = c["LastModified"].as_str().unwrap_or_default();
    assert!(lm.ends_with("+0000") && lm.len() == 28, "{lm}");

    let g = srv.get("/2015-03-31/functions/fn-a").await;
    assert_eq!(g.status, 200);
    let g = g.json();
    assert_eq!(g["Configuration"]["State"], "Active");
    assert_eq!(g["Configuration"]["LastUpdateStatus"], "Successful");
    assert_eq!(g["Code"]["RepositoryType"], "S3");
    assert!(
        g["Code"]["Location"]
            .as_str()
            .is_some_and(|l| !l.is_empty())
    );

    // By ARN, too.
    let arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn-a";
    let g = srv
        .get(&format!("/2015-03-31/functions/{arn}/configuration"))
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.json()["Description"], "d");

    for n in ["fn-b", "fn-c"] {
        srv.create_ok(n, "python3.12", "app.handler", &zip, json!({}))
            .await;
    }
    let mut names = Vec::new();
    let mut marker = String::new();
    loop {
        let q = if marker.is_empty() {
            "/2015-03-31/functions/?MaxItems=2".to_string()
        } else {
            format!("/2015-03-31/functions/?MaxItems=2&Marker={marker}")
        };
        let page = srv.get(&q).await.json();
        for f in page["Functions"].as_array().into_iter().flatten() {
            names.push(f["FunctionName"].as_str().unwrap_or_default().to_string());
        }
        match page["NextMarker"].as_str() {
            Some(m) => marker = m.to_string(),
            None => break,
        }
    }
    assert_eq!(names, ["fn-a", "fn-b", "fn-c"]);

    let u = srv
        .send_json(
            Method::PUT,
            "/2015-03-31/functions/fn-a/configuration",
            &json!({"Timeout": 10, "MemorySize": 256, "Environment": {"Variables": {"K": "v"}}}),
        )
        .await;
    assert_eq!(u.status, 200, "{}", String::from_utf8_lossy(&u.body));
    assert_eq!(u.json()["LastUpdateStatus"], "InProgress");
    let g = srv
        .get("/2015-03-31/functions/fn-a/configuration")
        .await
        .json();
    assert_eq!(g["Timeout"], 10);
    assert_eq!(g["MemorySize"], 256);
    assert_eq!(g["Environment"]["Variables"]["K"], "v");
    assert_eq!(g["LastUpdateStatus"], "Successful");

    use base64::Engine as _;
    let zip2 = py_zip("def handler(event, context):\n    return 2\n");
    let u = srv
        .send_json(
            Method::PUT,
            "/2015-03-31/functions/fn-a/code",
            &json!({"ZipFile": base64::engine::general_purpose::STANDARD.encode(&zip2)}),
        )
        .await;
    assert_eq!(u.status, 200);
    assert_ne!(u.json()["CodeSha256"], c["CodeSha256"]);

    let d = srv
        .request(Method::DELETE, "/2015-03-31/functions/fn-a", None, &[])
        .await;
    assert_eq!(d.status, 204);
    let g = srv.get("/2015-03-31/functions/fn-a").await;
    assert_eq!(g.status, 404);
    assert_eq!(
        g.header("x-amzn-errortype"),
        Some("ResourceNotFoundException")
    );
    assert_eq!(g.json()["Type"], "User");
    assert_eq!(
        g.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn-a"
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_aws_errors() -> TestResult {
    let srv = Server::start().await;
    let zip = py_zip(HANDLER);
    srv.create_ok("dup", "python3.12", "app.handler", &zip, json!({}))
        .await;
    let r = srv
        .create("dup", "python3.12", "app.handler", &zip, json!({}))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("ResourceConflictException")
    );
    assert_eq!(r.json()["message"], "Function already exist: dup");

    // (runtime, handler, zip, extra fields, error code, part of the message)
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<u8>,
        serde_json::Value,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "python3.12",
            "app.handler",
            b"not a zip".to_vec(),
            json!({}),
            "InvalidParameterValueException",
            "Could not unzip uploaded file",
        ),
        (
            "python3.12",
            "main.handler",
            zip.clone(),
            json!({}),
            "InvalidParameterValueException",
            "main.py",
        ),
        (
            "nodejs20.x",
            "index.handler",
            zip.clone(),
            json!({}),
            "InvalidParameterValueException",
            "index.js",
        ),
        (
            "provided.al2023",
            "x",
            zip.clone(),
            json!({}),
            "InvalidParameterValueException",
            "bootstrap",
        ),
        (
            "python3.12",
            "app.handler",
            zip.clone(),
            json!({"Timeout": 901}),
            "ValidationException",
            "less than or equal to 900",
        ),
        (
            "python3.12",
            "app.handler",
            zip.clone(),
            json!({"MemorySize": 64}),
            "ValidationException",
            "memorySize",
        ),
        (
            "python3.12",
            "app.handler",
            zip.clone(),
            json!({"Environment": {"Variables": {"AWS_REGION": "x"}}}),
            "InvalidParameterValueException",
            "Reserved keys used in this request: AWS_REGION",
        ),
        (
            "java21",
            "a.b",
            zip.clone(),
            json!({}),
            "InvalidParameterValueException",
            "java21",
        ),
        (
            "cobol",
            "a.b",
            zip.clone(),
            json!({}),
            "ValidationException",
            "runtime",
        ),
        (
            "python3.12",
            "app.handler",
            zip.clone(),
            json!({"Role": "nope"}),
            "ValidationException",
            "role",
        ),
    ];
    for (i, (runtime, handler, z, extra, code, needle)) in cases.into_iter().enumerate() {
        let r = srv
            .create(&format!("bad{i}"), runtime, handler, &z, extra)
            .await;
        assert_eq!(
            r.status,
            400,
            "case {i}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.header("x-amzn-errortype"), Some(code), "case {i}");
        let msg = r.json()["message"].as_str().unwrap_or_default().to_string();
        assert!(msg.contains(needle), "case {i}: {msg}");
    }
    // Nothing half-created.
    let list = srv.get("/2015-03-31/functions/").await.json();
    assert_eq!(list["Functions"].as_array().map(Vec::len), Some(1));

    let r = srv
        .request(
            Method::POST,
            "/2015-03-31/functions",
            Some(b"{nope".to_vec()),
            &[],
        )
        .await;
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InvalidRequestContentException")
    );
    let r = srv
        .request(
            Method::PUT,
            "/2015-03-31/functions/ghost/configuration",
            Some(b"{}".to_vec()),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    // Event source mappings are not this crate's: still the server's 404.
    let r = srv.get("/2015-03-31/event-source-mappings/").await;
    assert_eq!(r.status, 404);
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn provided_zip_must_have_an_executable_bootstrap() -> TestResult {
    let srv = Server::start().await;
    let plain = zip_of(&[("bootstrap", "#!/bin/sh\n", 0o644)]);
    let r = srv
        .create("p", "provided.al2", "x", &plain, json!({}))
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not executable")
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn functions_survive_a_restart_on_durable_storage() -> TestResult {
    let dir = tempfile::tempdir()?;
    let open = || -> TestResult<std::sync::Arc<dyn eddy_storage::Storage>> {
        let s = eddy_storage_fjall::FjallStorage::open(
            &dir.path().join("db"),
            eddy_storage_fjall::FjallOptions::default(),
        )?;
        Ok(std::sync::Arc::new(s))
    };
    let code = dir.path().join("functions");
    let c1 = code.clone();
    let srv = Server::start_on(open()?, move |c| c.code_dir = Some(c1)).await;
    srv.create_ok(
        "keep",
        "python3.12",
        "app.handler",
        &py_zip(HANDLER),
        json!({}),
    )
    .await;
    srv.stop().await;

    let srv = Server::start_on(open()?, move |c| c.code_dir = Some(code)).await;
    let r = srv.invoke("keep", r#"{"x":1}"#, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"x": 1}));
    srv.stop().await;
    Ok(())
}
