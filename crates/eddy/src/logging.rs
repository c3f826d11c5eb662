//! Log setup: `tracing` events to stderr, as text or JSON.
//!
//! stdout is reserved for the one startup line that scripts parse; everything else goes
//! to stderr. The filter comes from `EDDY_LOG`, else `RUST_LOG`, else `info`.

use crate::cli::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Returns a warning to log if the filter was invalid.
pub fn init(format: LogFormat) -> Option<String> {
    let spec = std::env::var("EDDY_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let (filter, warning) = match EnvFilter::try_new(&spec) {
        Ok(f) => (f, None),
        Err(e) => (
            EnvFilter::new("info"),
            Some(format!("invalid log filter {spec:?} ({e}); using `info`")),
        ),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
    warning
}
