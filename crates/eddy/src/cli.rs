//! Command-line interface.
//!
//! Every `serve` flag can also come from an `EDDY_*` environment variable so the same
//! binary configures cleanly from a shell, a systemd unit or a container. The flags are
//! recorded in `docs/adr/0001-cli-and-wire-surface.md`; change them through an ADR.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// eddy: a self-hosted DynamoDB-compatible database.
#[derive(Debug, Parser)]
#[command(name = "eddy", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the DynamoDB API (and, later, Streams, triggers and notifications) on one port.
    Serve(ServeArgs),
    /// Follow a table's stream and print its records as they arrive (Ctrl-C to stop).
    Tail(TailArgs),
    /// Print a function's recent output (stdout and stderr of its processes).
    Logs(LogsArgs),
    /// Inspect notifications (SNS) on a running eddy.
    Sns {
        /// What to show.
        #[command(subcommand)]
        command: SnsCommand,
    },
}

/// `eddy sns` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum SnsCommand {
    /// List the deliveries still pending (not yet delivered, redriven or given up).
    Pending(SnsPendingArgs),
}

/// `eddy sns pending` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SnsPendingArgs {
    /// URL of the eddy endpoint; plain HTTP.
    #[arg(long, env = "EDDY_ENDPOINT", default_value = "http://127.0.0.1:8000", value_parser = parse_endpoint)]
    pub endpoint: String,

    /// Region named in the request signature.
    #[arg(long, env = "EDDY_REGION", default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,

    /// Most deliveries to list (1 to 10000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub limit: u64,

    /// Print the server's answer as JSON (`{"Deliveries": [...], "Truncated": bool}`).
    #[arg(long)]
    pub json: bool,
}

/// `eddy logs` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LogsArgs {
    /// Function name or ARN.
    pub function: String,

    /// URL of the eddy endpoint; plain HTTP.
    #[arg(long, env = "EDDY_ENDPOINT", default_value = "http://127.0.0.1:8000", value_parser = parse_endpoint)]
    pub endpoint: String,

    /// Region named in the request signature.
    #[arg(long, env = "EDDY_REGION", default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,

    /// Keep printing new lines as they are written (Ctrl-C to stop).
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// How many recent lines to print first.
    #[arg(long, default_value_t = 100)]
    pub lines: u64,
}

/// `eddy serve` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// TCP port to listen on; 0 picks a free port (printed at startup).
    #[arg(long, env = "EDDY_PORT", default_value_t = 8000)]
    pub port: u16,

    /// Address to bind; use 0.0.0.0 to accept connections from other hosts.
    #[arg(long, env = "EDDY_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Directory of the durable store (created if missing).
    #[arg(long, env = "EDDY_DATA_DIR", default_value = "./eddy-data")]
    pub data_dir: PathBuf,

    /// Keep everything in memory and touch no disk (data is lost on exit).
    #[arg(long, env = "EDDY_IN_MEMORY", conflicts_with = "data_dir")]
    pub in_memory: bool,

    /// AWS region reported in ARNs.
    #[arg(long, env = "EDDY_REGION", default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,

    /// 12-digit AWS account id reported in ARNs.
    #[arg(long, env = "EDDY_ACCOUNT_ID", default_value = "000000000000", value_parser = parse_account_id)]
    pub account_id: String,

    /// Log format on stderr (filter with EDDY_LOG or RUST_LOG; default `info`).
    #[arg(long, env = "EDDY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// File of `ACCESS_KEY_ID SECRET PRINCIPAL` lines; when given, every request's SigV4
    /// signature is verified. Without it any well-formed signature is accepted.
    #[arg(long, env = "EDDY_CREDENTIALS")]
    pub credentials: Option<PathBuf>,

    /// Seconds between two passes of the TTL expiry worker, which deletes items whose Time
    /// to Live has passed (fractions allowed, 0.01 to 86400).
    #[arg(long, env = "EDDY_TTL_INTERVAL", default_value = "5", value_parser = parse_ttl_interval)]
    pub ttl_interval: Duration,

    /// Seconds stream records are retained before the background worker trims them
    /// (AWS: 24 hours). Fractions allowed, 0.01 to 31536000.
    #[arg(long, env = "EDDY_STREAM_RETENTION", default_value = "86400", value_parser = parse_stream_seconds)]
    pub stream_retention: Duration,

    /// Seconds after which the open shard of every stream is closed and replaced by a
    /// child shard (AWS: about 4 hours). Fractions allowed, 0.01 to 31536000.
    #[arg(long, env = "EDDY_STREAM_SHARD_ROLLOVER", default_value = "14400", value_parser = parse_stream_seconds)]
    pub stream_shard_rollover: Duration,

    /// Record who changed each item: with --credentials, stream records of client writes
    /// carry userIdentity {Type: User, PrincipalId: <principal>}. Off by default, so
    /// records are byte-compatible with AWS.
    #[arg(long, env = "EDDY_STREAM_IDENTITY")]
    pub stream_identity: bool,

    /// Notification (SNS) delivery settings.
    #[command(flatten)]
    pub sns: Box<crate::sns::SnsArgs>,
}

/// `eddy tail` options.
#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// Table whose stream to follow.
    pub table: String,

    /// URL of the eddy (or DynamoDB) endpoint; plain HTTP.
    #[arg(long, env = "EDDY_ENDPOINT", default_value = "http://127.0.0.1:8000", value_parser = parse_endpoint)]
    pub endpoint: String,

    /// Region named in the request signature.
    #[arg(long, env = "EDDY_REGION", default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,

    /// Where to start: new records only, or everything the stream still retains.
    #[arg(long, value_enum, default_value_t = TailFrom::Latest)]
    pub from: TailFrom,

    /// Print each record's full JSON, exactly as GetRecords returned it, one per line.
    #[arg(long)]
    pub json: bool,

    /// Seconds to wait after a poll that returned no records (0.01 to 60).
    #[arg(long, default_value = "0.25", value_parser = parse_poll_interval)]
    pub poll_interval: Duration,
}

/// Where `eddy tail` starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TailFrom {
    /// Records written from now on (open shards, LATEST).
    Latest,
    /// The oldest retained record (roots of the shard lineage, TRIM_HORIZON).
    TrimHorizon,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

fn parse_account_id(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("an account id is exactly 12 digits".into())
    }
}

fn parse_ttl_interval(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if (0.01..=86_400.0).contains(&secs) => Ok(Duration::from_secs_f64(secs)),
        _ => Err("the TTL interval is a number of seconds from 0.01 to 86400".into()),
    }
}

fn parse_stream_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if (0.01..=31_536_000.0).contains(&secs) => Ok(Duration::from_secs_f64(secs)),
        _ => Err("a number of seconds from 0.01 to 31536000".into()),
    }
}

fn parse_poll_interval(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if (0.01..=60.0).contains(&secs) => Ok(Duration::from_secs_f64(secs)),
        _ => Err("the poll interval is a number of seconds from 0.01 to 60".into()),
    }
}

/// Accepts `http://host[:port][/]` or a bare `host:port`; returns the normalised URL.
fn parse_endpoint(s: &str) -> Result<String, String> {
    let url = if s.contains("://") {
        s.to_string()
    } else {
        format!("http://{s}")
    };
    if url.starts_with("https://") {
        return Err("eddy tail speaks plain HTTP only (eddy serves no TLS)".into());
    }
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| format!("not a URL like http://127.0.0.1:8000: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none_or(str::is_empty) {
        return Err("not a URL like http://127.0.0.1:8000".into());
    }
    if uri.query().is_some() {
        return Err("the endpoint URL takes no query string".into());
    }
    Ok(url)
}

fn parse_region(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(s.to_string())
    } else {
        Err("a region is lower-case letters, digits and dashes, like us-east-1".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let mut argv = vec!["eddy", "serve"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|c| match c.command {
            Command::Serve(a) => a,
            other => panic!("not serve: {other:?}"),
        })
    }

    fn tail(args: &[&str]) -> Result<TailArgs, clap::Error> {
        let mut argv = vec!["eddy", "tail"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|c| match c.command {
            Command::Tail(a) => a,
            other => panic!("not tail: {other:?}"),
        })
    }

    #[test]
    fn tail_defaults_and_flags() {
        let a = tail(&["orders"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.table, "orders");
        // The same port `eddy serve` listens on by default (unless EDDY_ENDPOINT is set).
        if std::env::var_os("EDDY_ENDPOINT").is_none() {
            assert_eq!(a.endpoint, "http://127.0.0.1:8000");
        }
        assert_eq!(a.from, TailFrom::Latest);
        assert!(!a.json);
        assert_eq!(a.poll_interval, Duration::from_millis(250));

        let a = tail(&[
            "--endpoint",
            "localhost:9000",
            "--region",
            "eu-west-1",
            "--from",
            "trim-horizon",
            "--json",
            "--poll-interval",
            "0.05",
            "t",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.endpoint, "http://localhost:9000");
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.from, TailFrom::TrimHorizon);
        assert!(a.json);
        assert_eq!(a.poll_interval, Duration::from_millis(50));
    }

    #[test]
    fn tail_bad_values_are_rejected() {
        assert!(tail(&[]).is_err(), "the table is required");
        assert!(tail(&["--endpoint", "https://x:1", "t"]).is_err());
        assert!(tail(&["--endpoint", "ftp://x:1", "t"]).is_err());
        assert!(tail(&["--endpoint", "http://x:1/?a=b", "t"]).is_err());
        assert!(tail(&["--from", "now", "t"]).is_err());
        assert!(tail(&["--poll-interval", "0", "t"]).is_err());
        assert!(tail(&["--poll-interval", "61", "t"]).is_err());
    }

    fn sns_pending(args: &[&str]) -> Result<SnsPendingArgs, clap::Error> {
        let mut argv = vec!["eddy", "sns", "pending"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|c| match c.command {
            Command::Sns {
                command: SnsCommand::Pending(a),
            } => a,
            other => panic!("not sns pending: {other:?}"),
        })
    }

    #[test]
    fn sns_pending_defaults_and_flags() {
        let a = sns_pending(&[]).unwrap_or_else(|e| panic!("{e}"));
        if std::env::var_os("EDDY_ENDPOINT").is_none() {
            assert_eq!(a.endpoint, "http://127.0.0.1:8000");
        }
        assert_eq!(a.limit, 100);
        assert!(!a.json);
        let a = sns_pending(&["--endpoint", "localhost:9000", "--limit", "5", "--json"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.endpoint, "http://localhost:9000");
        assert_eq!(a.limit, 5);
        assert!(a.json);
        assert!(sns_pending(&["--limit", "0"]).is_err());
        assert!(sns_pending(&["--limit", "10001"]).is_err());
        assert!(sns_pending(&["--endpoint", "https://x:1"]).is_err());
        assert!(
            Cli::try_parse_from(["eddy", "sns"]).is_err(),
            "a subcommand is required"
        );
    }

    #[test]
    fn defaults_match_the_adr() {
        let a = serve(&[]).map_err(|e| e.to_string());
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.port, 8000);
        assert_eq!(a.bind.to_string(), "127.0.0.1");
        assert_eq!(a.data_dir, PathBuf::from("./eddy-data"));
        assert!(!a.in_memory);
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.account_id, "000000000000");
        assert_eq!(a.log_format, LogFormat::Text);
        assert!(a.credentials.is_none());
        assert_eq!(a.ttl_interval, Duration::from_secs(5));
    }

    #[test]
    fn flags_parse() {
        let a = serve(&[
            "--port",
            "0",
            "--bind",
            "::1",
            "--in-memory",
            "--region",
            "eu-west-1",
            "--account-id",
            "123456789012",
            "--log-format",
            "json",
            "--credentials",
            "/c",
            "--ttl-interval",
            "0.25",
        ]);
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.port, 0);
        assert!(a.bind.is_ipv6());
        assert!(a.in_memory);
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.log_format, LogFormat::Json);
        assert_eq!(a.credentials, Some(PathBuf::from("/c")));
        assert_eq!(a.ttl_interval, Duration::from_millis(250));
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(serve(&["--account-id", "12"]).is_err());
        assert!(serve(&["--region", "US East"]).is_err());
        assert!(serve(&["--port", "70000"]).is_err());
        assert!(serve(&["--log-format", "xml"]).is_err());
        assert!(serve(&["--ttl-interval", "0"]).is_err());
        assert!(serve(&["--ttl-interval", "-1"]).is_err());
        assert!(serve(&["--ttl-interval", "NaN"]).is_err());
        assert!(serve(&["--ttl-interval", "1e9"]).is_err());
        assert!(serve(&["--in-memory", "--data-dir", "/tmp/x"]).is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
