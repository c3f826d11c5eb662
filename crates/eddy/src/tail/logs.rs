//! `eddy logs FUNCTION [--follow]`: a function's recent output, fetched with eddy's own
//! `Eddy.GetFunctionLogs` operation over the same signed JSON client as `eddy tail`.
//! Following polls with the position the server returns, so no line is printed twice
//! and none still in the server's ring is missed.

use super::client::{Client, Error};
use super::sigv4::Signer;
use crate::cli::LogsArgs;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Page {
    lines: Vec<String>,
    next: u64,
}

/// Runs `eddy logs`; the process exit code.
pub fn run(args: LogsArgs) -> ExitCode {
    super::run_client("eddy logs", print(&args))
}

async fn print(args: &LogsArgs) -> Result<(), Error> {
    let client = Client::new(&args.endpoint, Signer::from_env(&args.region))?;
    let mut body = json!({"FunctionName": args.function, "Limit": args.lines.clamp(1, 10_000)});
    let mut stdout = std::io::stdout();
    loop {
        let page: Page = client.call("Eddy.GetFunctionLogs", &body).await?;
        for line in &page.lines {
            writeln!(stdout, "{line}").map_err(|_| Error::BrokenPipe)?;
        }
        stdout.flush().map_err(|_| Error::BrokenPipe)?;
        if !args.follow {
            return Ok(());
        }
        body = json!({"FunctionName": args.function, "After": page.next, "Limit": 1000});
        if page.lines.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
