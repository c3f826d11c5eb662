//! `eddy tail TABLE`: follow a table's DynamoDB stream and print its records as they
//! arrive, the first tool to reach for when debugging a trigger.
//!
//! It is an ordinary Streams API client of any endpoint (eddy, or anything speaking the
//! same protocol): DescribeTable finds `LatestStreamArn`; DescribeStream lists shards;
//! [`lineage`] decides which shards to read and when (parents before children, so per-item
//! order holds across rollovers); GetRecords is polled with `--poll-interval` sleeps when
//! nothing is new. Records go to stdout (one line each, or the raw JSON with `--json`),
//! notes and errors to stderr.
//!
//! Exit status: 0 on Ctrl-C/SIGTERM, when stdout is closed, or when a disabled stream has
//! been read to its end (and the table has no newer stream); 1 on errors (endpoint
//! unreachable, table missing or without a stream, API errors).

mod client;
mod follow;
mod format;
mod lineage;
mod logs;
mod pending;
mod sigv4;
mod wire;

use crate::cli::TailArgs;
use client::Error;
use serde_json::value::RawValue;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub use logs::run as logs;
pub use pending::run as sns_pending;

/// Runs `eddy tail`; the process exit code.
pub fn run(args: TailArgs) -> ExitCode {
    let mut out = Output::new(args.json, &args.table);
    run_client("eddy tail", follow::tail(&args, &mut out))
}

/// Runs one client command to completion on a small runtime: Ctrl-C/SIGTERM end it
/// quietly, a closed stdout (`| head`) is success, any other error is printed with the
/// command's name and fails.
pub(crate) fn run_client(
    name: &str,
    work: impl std::future::Future<Output = Result<(), Error>>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        tokio::select! {
            r = work => r,
            () = shutdown_signal() => Ok(()),
        }
    });
    match result {
        Ok(()) | Err(Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (never, if the handlers cannot be installed).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = async {
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = ctrl_c => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Where records go: stdout, flushed after every line so pipes see records at once.
pub struct Output {
    json: bool,
    style: format::Style,
}

/// A minimal view of a record, for its sequence number.
#[derive(serde::Deserialize)]
struct SeqOnly {
    dynamodb: Option<SeqInner>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SeqInner {
    sequence_number: Option<String>,
}

impl Output {
    fn new(json: bool, table: &str) -> Self {
        Self {
            json,
            style: format::Style {
                table: table.to_string(),
                key_names: Vec::new(),
                width: line_width(),
            },
        }
    }

    fn set_key_names(&mut self, names: Vec<String>) {
        self.style.key_names = names;
    }

    /// Writes one record (a `Records` element as sent); returns its sequence number.
    fn record(&mut self, raw: &RawValue) -> Result<Option<String>, Error> {
        let text = raw.get();
        let (line, seq) = if self.json {
            let seq = serde_json::from_str::<SeqOnly>(text)
                .ok()
                .and_then(|r| r.dynamodb)
                .and_then(|d| d.sequence_number);
            // One record per line even if the server pretty-printed its answer.
            let line = if text.contains(['\n', '\r']) {
                serde_json::from_str::<serde_json::Value>(text)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|_| text.replace(['\n', '\r'], " "))
            } else {
                text.to_string()
            };
            (line, seq)
        } else {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| Error::Protocol(format!("a record is not JSON: {e}")))?;
            let seq = value["dynamodb"]["SequenceNumber"]
                .as_str()
                .map(str::to_string);
            (format::human_line(&value, &self.style), seq)
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::BrokenPipe => Error::BrokenPipe,
                _ => Error::Fatal(format!("cannot write to stdout: {e}")),
            })?;
        Ok(seq)
    }
}

/// Line width of the human format: `$COLUMNS` if set, else 160 on a terminal and 1000
/// when piped (wide enough for grep, still bounded for 400 KB items).
fn line_width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 20);
    columns.unwrap_or(if std::io::stdout().is_terminal() {
        160
    } else {
        1000
    })
}
