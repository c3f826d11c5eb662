//! Function logs: a bounded ring of recent lines per function, a live feed for followers,
//! and the per-invocation capture that `LogType: Tail` returns.
//!
//! Every line a function process writes (stdout and stderr) goes three ways: into the
//! function's ring (for `eddy logs` and inspection), to tracing (target
//! `eddy_lambda::function`, with the function name), and into the capture of the
//! invocation running on that instance, if any. One instance runs one invocation at a
//! time, so a line read while an invocation is in flight belongs to it.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Bytes of recent log text kept per function.
pub const RING_BYTES: usize = 256 * 1024;
/// Bytes returned by `LogType: Tail` (AWS: the last 4 KB).
pub const TAIL_BYTES: usize = 4096;

/// Recent lines of one function, plus a broadcast feed of new lines.
pub struct FunctionLog {
    ring: Mutex<Ring>,
    feed: broadcast::Sender<String>,
}

#[derive(Default)]
struct Ring {
    lines: VecDeque<String>,
    bytes: usize,
    /// Lines ever pushed: the position after the newest line.
    total: u64,
}

impl Default for FunctionLog {
    fn default() -> Self {
        Self {
            ring: Mutex::default(),
            feed: broadcast::channel(1024).0,
        }
    }
}

impl FunctionLog {
    /// Appends one line (without its newline).
    pub fn push(&self, line: String) {
        let _ = self.feed.send(line.clone());
        let mut ring = self.ring.lock();
        ring.bytes += line.len() + 1;
        ring.total += 1;
        ring.lines.push_back(line);
        while ring.bytes > RING_BYTES {
            match ring.lines.pop_front() {
                Some(old) => ring.bytes -= old.len() + 1,
                None => break,
            }
        }
    }

    /// The most recent `max` lines, oldest first.
    pub fn recent(&self, max: usize) -> Vec<String> {
        let ring = self.ring.lock();
        let skip = ring.lines.len().saturating_sub(max);
        ring.lines.iter().skip(skip).cloned().collect()
    }

    /// Lines from position `after` on (at most `max`, oldest first; the most recent `max`
    /// when `after` is `None`), and the position after the last one returned. Positions
    /// count every line ever pushed, so a follower polling with the returned position
    /// neither misses nor repeats lines still in the ring.
    pub fn since(&self, after: Option<u64>, max: usize) -> (Vec<String>, u64) {
        let ring = self.ring.lock();
        let first = ring.total - ring.lines.len() as u64;
        let from = match after {
            Some(a) => a.clamp(first, ring.total),
            None => ring.total.saturating_sub(max as u64).max(first),
        };
        let skip = (from - first) as usize;
        let lines: Vec<String> = ring.lines.iter().skip(skip).take(max).cloned().collect();
        let next = from + lines.len() as u64;
        (lines, next)
    }

    /// New lines from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.feed.subscribe()
    }
}

/// Where an instance's output goes: its function's log and the current invocation.
pub(crate) struct OutputSink {
    pub(crate) function: String,
    pub(crate) log: Arc<FunctionLog>,
    pub(crate) capture: Mutex<Option<String>>,
}

impl OutputSink {
    pub(crate) fn line(&self, line: String) {
        tracing::info!(target: "eddy_lambda::function", function = %self.function, "{line}");
        if let Some(c) = self.capture.lock().as_mut() {
            c.push_str(&line);
            c.push('\n');
        }
        self.log.push(line);
    }

    /// Starts capturing for a new invocation.
    pub(crate) fn begin(&self, first_line: String) {
        *self.capture.lock() = Some(String::new());
        self.line(first_line);
    }

    /// Stops capturing and returns what was captured.
    pub(crate) fn end(&self) -> String {
        self.capture.lock().take().unwrap_or_default()
    }
}

/// The last [`TAIL_BYTES`] of `text`, cut at a character boundary.
pub fn tail(text: &str) -> &str {
    if text.len() <= TAIL_BYTES {
        return text;
    }
    let mut start = text.len() - TAIL_BYTES;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_read_by_position_without_gaps_or_repeats() {
        let log = FunctionLog::default();
        for i in 0..5 {
            log.push(format!("l{i}"));
        }
        assert_eq!(log.since(None, 2), (vec!["l3".into(), "l4".into()], 5));
        assert_eq!(log.since(Some(1), 2), (vec!["l1".into(), "l2".into()], 3));
        assert_eq!(log.since(Some(5), 10), (vec![], 5));
        log.push("l5".into());
        assert_eq!(log.since(Some(5), 10), (vec!["l5".into()], 6));
        // Lines already dropped from the ring are skipped, not repeated.
        let big = "x".repeat(RING_BYTES / 2);
        log.push(big.clone());
        log.push(big.clone());
        let (lines, next) = log.since(Some(0), 10);
        assert_eq!((lines.len(), next), (1, 8));
    }

    #[test]
    fn ring_is_bounded_and_ordered() {
        let log = FunctionLog::default();
        for i in 0..20_000 {
            log.push(format!("line {i:05} {}", "x".repeat(20)));
        }
        let recent = log.recent(3);
        assert_eq!(recent.len(), 3);
        assert!(recent[2].starts_with("line 19999"));
        assert!(log.ring.lock().bytes <= RING_BYTES);
    }

    #[test]
    fn tail_keeps_the_last_4k() {
        let s = "é".repeat(5000);
        let t = tail(&s);
        assert!(t.len() <= TAIL_BYTES && t.len() >= TAIL_BYTES - 1);
        assert_eq!(tail("short"), "short");
    }
}
