//! Delivery counters per topic and per subscription, rendered as Prometheus text.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Counters of one subscription.
#[derive(Debug, Default, Clone)]
pub struct SubCounters {
    /// Topic ARN (label).
    pub topic: String,
    /// Protocol (label).
    pub protocol: String,
    /// Deliveries that succeeded.
    pub delivered: u64,
    /// Failed attempts (each one; a retried delivery counts once per failure).
    pub failed_attempts: u64,
    /// Retries scheduled.
    pub retried: u64,
    /// Deliveries that ran out of retries (sent to the redrive queue or dropped).
    pub failed: u64,
    /// Deliveries moved to the RedrivePolicy queue.
    pub redriven: u64,
    /// Deliveries in the outbox.
    pub pending: i64,
    /// Sum of publish → delivered latencies, seconds.
    pub latency_sum: f64,
    /// Number of latencies summed.
    pub latency_count: u64,
}

/// Counters of one topic.
#[derive(Debug, Default, Clone)]
pub struct TopicCounters {
    /// Accepted Publish messages.
    pub published: u64,
    /// Deliveries that succeeded (all subscriptions).
    pub delivered: u64,
    /// Deliveries that ran out of retries.
    pub failed: u64,
    /// Retries scheduled.
    pub retried: u64,
    /// Messages no subscription's filter policy accepted, per subscription skipped.
    pub filtered: u64,
}

/// Name, help and getter of a per-topic metric.
type TopicMetric = (&'static str, &'static str, fn(&TopicCounters) -> u64);
/// Name, type, help and getter of a per-subscription metric.
type SubMetric = (
    &'static str,
    &'static str,
    &'static str,
    fn(&SubCounters) -> String,
);

/// All counters.
#[derive(Default)]
pub struct Metrics {
    subs: Mutex<BTreeMap<String, SubCounters>>,
    topics: Mutex<BTreeMap<String, TopicCounters>>,
}

impl Metrics {
    fn sub<R>(
        &self,
        sub: &str,
        topic: &str,
        protocol: &str,
        f: impl FnOnce(&mut SubCounters) -> R,
    ) -> R {
        let mut map = self.subs.lock();
        let c = map.entry(sub.to_string()).or_insert_with(|| SubCounters {
            topic: topic.to_string(),
            protocol: protocol.to_string(),
            ..SubCounters::default()
        });
        f(c)
    }

    fn topic(&self, topic: &str, f: impl FnOnce(&mut TopicCounters)) {
        f(self.topics.lock().entry(topic.to_string()).or_default());
    }

    /// A message was accepted; `filtered` subscriptions skipped it.
    pub fn published(&self, topic: &str, filtered: u64) {
        self.topic(topic, |t| {
            t.published += 1;
            t.filtered += filtered;
        });
    }

    /// Deliveries entered the outbox.
    pub fn enqueued(&self, sub: &str, topic: &str, protocol: &str, n: i64) {
        self.sub(sub, topic, protocol, |c| c.pending += n);
    }

    /// A delivery succeeded after `latency`.
    pub fn delivered(&self, sub: &str, topic: &str, protocol: &str, latency: Duration) {
        self.sub(sub, topic, protocol, |c| {
            c.delivered += 1;
            c.pending -= 1;
            c.latency_sum += latency.as_secs_f64();
            c.latency_count += 1;
        });
        self.topic(topic, |t| t.delivered += 1);
    }

    /// An attempt failed and will be retried.
    pub fn retried(&self, sub: &str, topic: &str, protocol: &str) {
        self.sub(sub, topic, protocol, |c| {
            c.failed_attempts += 1;
            c.retried += 1;
        });
        self.topic(topic, |t| t.retried += 1);
    }

    /// A delivery ran out of retries; `redriven` if it went to the redrive queue.
    pub fn failed(&self, sub: &str, topic: &str, protocol: &str, redriven: bool) {
        self.sub(sub, topic, protocol, |c| {
            c.failed_attempts += 1;
            c.failed += 1;
            c.pending -= 1;
            if redriven {
                c.redriven += 1;
            }
        });
        self.topic(topic, |t| t.failed += 1);
    }

    /// A delivery was dropped without an attempt (subscription gone).
    pub fn dropped(&self, sub: &str, topic: &str, protocol: &str) {
        self.sub(sub, topic, protocol, |c| c.pending -= 1);
    }

    /// Per-subscription snapshot (for the pending view).
    pub fn subscriptions(&self) -> BTreeMap<String, SubCounters> {
        self.subs.lock().clone()
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let topics = self.topics.lock().clone();
        let subs = self.subs.lock().clone();
        let tl = |t: &str| format!("topic=\"{}\"", esc(t));
        let topic_metrics: [TopicMetric; 5] = [
            (
                "eddy_sns_published_total",
                "Messages accepted by Publish/PublishBatch.",
                |c| c.published,
            ),
            (
                "eddy_sns_topic_delivered_total",
                "Deliveries that succeeded, all subscriptions.",
                |c| c.delivered,
            ),
            (
                "eddy_sns_topic_failed_total",
                "Deliveries that ran out of retries, all subscriptions.",
                |c| c.failed,
            ),
            (
                "eddy_sns_topic_retried_total",
                "Retries scheduled, all subscriptions.",
                |c| c.retried,
            ),
            (
                "eddy_sns_topic_filtered_total",
                "Subscriptions whose filter policy rejected a message.",
                |c| c.filtered,
            ),
        ];
        for (name, help, get) in topic_metrics {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (t, c) in &topics {
                let _ = writeln!(out, "{name}{{{}}} {}", tl(t), get(c));
            }
        }
        let sl = |s: &str, c: &SubCounters| {
            format!(
                "topic=\"{}\",subscription=\"{}\",protocol=\"{}\"",
                esc(&c.topic),
                esc(s),
                esc(&c.protocol)
            )
        };
        let sub_metrics: [SubMetric; 8] = [
            (
                "eddy_sns_delivered_total",
                "counter",
                "Deliveries that succeeded.",
                |c| c.delivered.to_string(),
            ),
            (
                "eddy_sns_failed_attempts_total",
                "counter",
                "Delivery attempts that failed.",
                |c| c.failed_attempts.to_string(),
            ),
            (
                "eddy_sns_retried_total",
                "counter",
                "Retries scheduled.",
                |c| c.retried.to_string(),
            ),
            (
                "eddy_sns_failed_total",
                "counter",
                "Deliveries that ran out of retries.",
                |c| c.failed.to_string(),
            ),
            (
                "eddy_sns_redriven_total",
                "counter",
                "Deliveries sent to the RedrivePolicy queue.",
                |c| c.redriven.to_string(),
            ),
            (
                "eddy_sns_pending_deliveries",
                "gauge",
                "Deliveries waiting in the outbox.",
                |c| c.pending.max(0).to_string(),
            ),
            (
                "eddy_sns_delivery_latency_seconds_sum",
                "counter",
                "Publish-to-delivered latency, sum.",
                |c| format!("{:.6}", c.latency_sum),
            ),
            (
                "eddy_sns_delivery_latency_seconds_count",
                "counter",
                "Publish-to-delivered latency, count.",
                |c| c.latency_count.to_string(),
            ),
        ];
        for (name, kind, help, get) in sub_metrics {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (s, c) in &subs {
                let _ = writeln!(out, "{name}{{{}}} {}", sl(s, c), get(c));
            }
        }
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.published("arn:t", 1);
        m.enqueued("arn:t:1", "arn:t", "http", 2);
        m.delivered("arn:t:1", "arn:t", "http", Duration::from_millis(5));
        m.retried("arn:t:1", "arn:t", "http");
        m.failed("arn:t:1", "arn:t", "http", true);
        let text = m.render();
        assert!(
            text.contains("eddy_sns_published_total{topic=\"arn:t\"} 1"),
            "{text}"
        );
        assert!(text.contains(
            "eddy_sns_delivered_total{topic=\"arn:t\",subscription=\"arn:t:1\",protocol=\"http\"} 1"
        ));
        assert!(text.contains(
            "eddy_sns_redriven_total{topic=\"arn:t\",subscription=\"arn:t:1\",protocol=\"http\"} 1"
        ));
        assert!(text.contains("eddy_sns_pending_deliveries{topic=\"arn:t\",subscription=\"arn:t:1\",protocol=\"http\"} 0"));
    }
}
