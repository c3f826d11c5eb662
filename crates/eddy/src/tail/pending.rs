//! `eddy sns pending`: the SNS deliveries a running eddy still has in its outbox, fetched
//! with eddy's own `Eddy.ListPendingDeliveries` operation (ADR 0010) over the same signed
//! JSON client as `eddy tail` and `eddy logs`. A table by default, the server's JSON
//! answer with `--json`; "no pending deliveries" (exit 0) when the outbox is empty.

use super::client::{Client, Error};
use super::format::{truncate, utc_seconds};
use super::sigv4::Signer;
use crate::cli::SnsPendingArgs;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

/// Longest endpoint and error shown in the table (`--json` has them in full).
const MAX_ENDPOINT: usize = 60;
const MAX_ERROR: usize = 80;

/// The answer of `Eddy.ListPendingDeliveries`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Page {
    deliveries: Vec<Delivery>,
    #[serde(default)]
    truncated: bool,
}

/// One pending delivery on the wire.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Delivery {
    subscription_arn: String,
    #[serde(default)]
    protocol: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    message_id: String,
    #[serde(default, rename = "Type")]
    kind: String,
    #[serde(default)]
    attempts: u64,
    enqueued_at: Option<f64>,
    next_attempt_at: Option<f64>,
    last_error: Option<String>,
}

/// Runs `eddy sns pending`; the process exit code.
pub fn run(args: SnsPendingArgs) -> ExitCode {
    super::run_client("eddy sns pending", print(&args))
}

async fn print(args: &SnsPendingArgs) -> Result<(), Error> {
    let client = Client::new(&args.endpoint, Signer::from_env(&args.region))?;
    let target = "Eddy.ListPendingDeliveries";
    let raw = client
        .call_raw(target, &json!({"Limit": args.limit}))
        .await
        .map_err(|e| {
            if e.is("UnknownOperationException") {
                Error::Fatal(format!(
                    "{} does not serve {target} (an eddy with notifications is needed): {e}",
                    client.endpoint()
                ))
            } else {
                e
            }
        })?;
    let page: Page = serde_json::from_slice(&raw)
        .map_err(|e| Error::Protocol(format!("unexpected answer to {target}: {e}")))?;
    let text = if args.json {
        format!("{}\n", String::from_utf8_lossy(&raw).trim_end())
    } else {
        render(&page, now_secs())
    };
    let mut stdout = std::io::stdout();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|_| Error::BrokenPipe)
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The table (with a header and a closing count line), or "no pending deliveries".
pub fn render(page: &Page, now: f64) -> String {
    if page.deliveries.is_empty() {
        return "no pending deliveries\n".to_string();
    }
    let header = [
        "SUBSCRIPTION",
        "PROTOCOL",
        "ENDPOINT",
        "TYPE",
        "MESSAGE ID",
        "ATTEMPTS",
        "NEXT ATTEMPT",
        "AGE",
        "LAST ERROR",
    ];
    let rows: Vec<[String; 9]> = page
        .deliveries
        .iter()
        .map(|d| {
            [
                d.subscription_arn.clone(),
                d.protocol.clone(),
                truncate(&d.endpoint, MAX_ENDPOINT),
                d.kind.clone(),
                d.message_id.clone(),
                d.attempts.to_string(),
                next_attempt(d.next_attempt_at, now),
                d.enqueued_at
                    .map_or_else(|| "-".into(), |t| duration(now - t)),
                d.last_error
                    .as_deref()
                    .map_or_else(|| "-".into(), |e| truncate(&one_line(e), MAX_ERROR)),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.zip(widths).enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            if i + 1 < header.len() {
                l.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in &rows {
        line(&mut row.iter().map(String::as_str));
    }
    let n = page.deliveries.len();
    let noun = if n == 1 { "delivery" } else { "deliveries" };
    if page.truncated {
        out.push_str(&format!(
            "first {n} pending {noun} shown; more are pending (raise --limit, at most 10000)\n"
        ));
    } else {
        out.push_str(&format!("{n} pending {noun}\n"));
    }
    out
}

/// "now" (being attempted, or waiting for a free delivery slot), else the time of the
/// next attempt and how far off it is.
fn next_attempt(at: Option<f64>, now: f64) -> String {
    match at {
        Some(t) if t > now => format!(
            "{} (in {})",
            utc_seconds(t).unwrap_or_else(|| "-".into()),
            duration(t - now)
        ),
        _ => "now".into(),
    }
}

/// A short human duration: `850ms`, `42s`, `3m05s`, `2h07m`, `4d03h`.
fn duration(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(v: serde_json::Value) -> Page {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn empty_outbox_says_so() {
        let p = page(json!({"Deliveries": [], "Truncated": false}));
        assert_eq!(render(&p, 0.0), "no pending deliveries\n");
    }

    #[test]
    fn table_lists_every_field() {
        let now = 1_764_120_500.0;
        let p = page(json!({"Deliveries": [
            {"SubscriptionArn": "arn:aws:sns:us-east-1:000000000000:orders:0f8fad5b",
             "TopicArn": "arn:aws:sns:us-east-1:000000000000:orders",
             "Protocol": "http", "Endpoint": "http://127.0.0.1:9/hook",
             "MessageId": "m-1", "Type": "Notification", "Attempts": 2,
             "EnqueuedAt": now - 125.0, "NextAttemptAt": now + 18.2,
             "LastError": "HTTP 500\nInternal Server Error"},
            {"SubscriptionArn": "arn:aws:sns:us-east-1:000000000000:orders:1",
             "Protocol": "sms", "Endpoint": "+14155550100", "MessageId": "m-2",
             "Type": "Notification", "Attempts": 0, "EnqueuedAt": now - 0.25}
        ], "Truncated": false}));
        let text = render(&p, now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("SUBSCRIPTION"), "{text}");
        for h in [
            "PROTOCOL",
            "ENDPOINT",
            "TYPE",
            "MESSAGE ID",
            "ATTEMPTS",
            "NEXT ATTEMPT",
            "AGE",
            "LAST ERROR",
        ] {
            assert!(lines[0].contains(h), "{h}: {text}");
        }
        let first = lines[1];
        for part in [
            "arn:aws:sns:us-east-1:000000000000:orders:0f8fad5b",
            "http://127.0.0.1:9/hook",
            "Notification",
            "m-1",
            "2025-11-26T01:28:38Z (in 18s)",
            "2m05s",
            "HTTP 500 Internal Server Error",
        ] {
            assert!(first.contains(part), "{part}: {text}");
        }
        // Columns line up: the protocol column starts at the same offset on every line.
        let col = lines[0].find("PROTOCOL").unwrap_or_default();
        assert_eq!(lines[1].find("http ").unwrap_or_default(), col, "{text}");
        assert_eq!(lines[2].find("sms").unwrap_or_default(), col, "{text}");
        assert!(
            lines[2].contains(" now ") && lines[2].ends_with(" -"),
            "{text}"
        );
        assert!(lines[2].contains("250ms"), "{text}");
        assert_eq!(lines[3], "2 pending deliveries");
    }

    #[test]
    fn truncated_answers_say_there_is_more() {
        let p = page(json!({"Deliveries": [
            {"SubscriptionArn": "a", "Protocol": "sqs", "Endpoint": "q", "MessageId": "m",
             "Type": "Notification", "Attempts": 0, "EnqueuedAt": 10.0,
             "LastError": "x".repeat(200)}
        ], "Truncated": true}));
        let text = render(&p, 10.0);
        assert!(
            text.ends_with(
                "first 1 pending delivery shown; more are pending (raise --limit, at most 10000)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(&format!("{}…", "x".repeat(MAX_ERROR - 1))),
            "{text}"
        );
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(duration(0.4), "400ms");
        assert_eq!(duration(59.4), "59s");
        assert_eq!(duration(185.0), "3m05s");
        assert_eq!(duration(7620.0), "2h07m");
        assert_eq!(duration(86_400.0 * 4.0 + 3.0 * 3600.0), "4d03h");
        assert_eq!(duration(-3.0), "0ms");
        assert_eq!(next_attempt(None, 5.0), "now");
        assert_eq!(next_attempt(Some(4.0), 5.0), "now");
    }
}
