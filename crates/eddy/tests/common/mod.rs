//! Helpers shared by the binary's integration tests.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

/// The URL from the one line `eddy serve` prints on stdout (`eddy listening on URL`),
/// waiting up to `timeout`; `Err` carries what was read instead (empty on a timeout).
pub fn listening_url(child: &mut Child, timeout: Duration) -> Result<String, String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(timeout).unwrap_or_default();
    match line.trim().strip_prefix("eddy listening on ") {
        Some(url) => Ok(url.to_string()),
        None => Err(line),
    }
}
