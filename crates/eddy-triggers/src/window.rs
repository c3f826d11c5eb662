//! Tumbling windows (`TumblingWindowInSeconds`, spec §2.10).
//!
//! Records are grouped into windows aligned to their creation time; a batch never spans
//! two windows. Each invocation carries the window bounds and the state the previous
//! invocation of the same window returned (`{}` at the start); the function must return
//! `{"state": {...}}`. When a window ends (a record of a later window arrives, the window's
//! end passes while idle, or the shard ends) a final invocation with
//! `isFinalInvokeForWindow: true` and no records is made, and the state is dropped.
//! Window state lives in the poller's memory: a restart starts the open window afresh
//! (records are redelivered from the checkpoint, as AWS allows).

use crate::InvokeError;
use crate::deliver::Context;
use crate::deliver::iso_seconds;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

/// State of the open window.
#[derive(Debug, Clone)]
pub(crate) struct Window {
    /// Start, epoch seconds.
    pub(crate) start: i64,
    /// End (exclusive), epoch seconds.
    pub(crate) end: i64,
    /// The state returned by the last invocation of this window.
    pub(crate) state: Value,
}

impl Window {
    /// The window of `width_s` seconds containing `created_ms`.
    pub(crate) fn containing(created_ms: i64, width_s: i64) -> Self {
        let t = created_ms.div_euclid(1000);
        let start = t - t.rem_euclid(width_s.max(1));
        Self {
            start,
            end: start + width_s.max(1),
            state: Value::Object(Map::new()),
        }
    }

    /// Adds the window members to an event.
    pub(crate) fn decorate(&self, event: &mut Value, shard_id: &str, stream_arn: &str, last: bool) {
        event["window"] = json!({
            "start": iso_seconds(self.start * 1000),
            "end": iso_seconds(self.end * 1000),
        });
        event["state"] = self.state.clone();
        event["shardId"] = json!(shard_id);
        event["eventSourceARN"] = json!(stream_arn);
        event["isFinalInvokeForWindow"] = json!(last);
        event["isWindowTerminatedEarly"] = json!(false);
    }

    /// Takes the state from a function response; false when the response has none.
    pub(crate) fn absorb(&mut self, payload: &[u8]) -> bool {
        let v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        match v.get("state") {
            Some(s @ Value::Object(_)) => {
                self.state = s.clone();
                true
            }
            _ => false,
        }
    }
}

/// Makes the final invocation of `window`, retrying until it succeeds; false if the
/// poller was stopped first.
pub(crate) async fn close(
    ctx: &Context<'_>,
    window: &Window,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let mut event = json!({ "Records": [] });
    window.decorate(&mut event, ctx.shard_id, ctx.stream_arn, true);
    let payload = serde_json::to_vec(&event).unwrap_or_default();
    let mut failures = 0u32;
    loop {
        let r = ctx
            .shared
            .invoker
            .invoke(&ctx.mapping.function_arn, payload.clone())
            .await;
        match r {
            Ok(inv) if inv.function_error.is_none() => return true,
            Ok(_)
            | Err(InvokeError::Throttled(_) | InvokeError::Service(_) | InvokeError::NotFound) => {
                *ctx.last_result.lock() = "PROBLEM: Function call failed".into();
            }
        }
        let pause = ctx.shared.config.retry_backoff * 2u32.pow(failures.min(4));
        failures += 1;
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_their_width() {
        let w = Window::containing(1_700_000_123_456, 60);
        assert_eq!((w.start, w.end), (1_700_000_100, 1_700_000_160));
        let mut w = w;
        assert!(!w.absorb(b"{}"));
        assert!(w.absorb(br#"{"state": {"n": 2}}"#));
        assert_eq!(w.state, json!({"n": 2}));
        let mut e = json!({"Records": []});
        w.decorate(&mut e, "shardId-1", "arn:s", true);
        assert_eq!(e["window"]["start"], "2023-11-14T22:15:00Z");
        assert_eq!(e["isFinalInvokeForWindow"], true);
    }
}
