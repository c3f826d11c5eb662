//! Per-mapping delivery metrics, rendered in the Prometheus text format for `/metrics`.
//!
//! Counters are plain atomics updated by the poller and `deliver.rs`; rendering reads
//! them without locking the pollers.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Counters of one mapping.
#[derive(Debug, Default)]
pub struct MappingMetrics {
    /// Records handed to the function in successful invocations.
    pub records_delivered: AtomicU64,
    /// Invocations attempted.
    pub invocations: AtomicU64,
    /// Invocations that failed (function error or partial failure).
    pub errors: AtomicU64,
    /// Retries of failed batches (including bisected halves).
    pub retries: AtomicU64,
    /// Records discarded after retries or record age ran out.
    pub discarded: AtomicU64,
    /// Records dropped by filters.
    pub filtered: AtomicU64,
    /// Sum of invocation durations, microseconds.
    pub batch_micros: AtomicU64,
    /// Age of the newest delivered record when it was delivered (ms): the iterator age.
    pub iterator_age_ms: AtomicI64,
}

impl MappingMetrics {
    /// Adds one to a counter.
    pub fn inc(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// One metric: name, Prometheus type, help text, and how to read it.
type Series = (
    &'static str,
    &'static str,
    &'static str,
    fn(&MappingMetrics) -> f64,
);

/// Renders the metrics of every mapping: `(uuid, function arn, metrics)`.
pub fn render(out: &mut String, mappings: &[(String, String, std::sync::Arc<MappingMetrics>)]) {
    let series: [Series; 8] = [
        (
            "eddy_esm_records_delivered_total",
            "counter",
            "Records delivered to the function.",
            |m| m.records_delivered.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_invocations_total",
            "counter",
            "Function invocations.",
            |m| m.invocations.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_errors_total",
            "counter",
            "Failed invocations.",
            |m| m.errors.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_retries_total",
            "counter",
            "Retried batches.",
            |m| m.retries.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_records_discarded_total",
            "counter",
            "Records discarded after failures.",
            |m| m.discarded.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_records_filtered_total",
            "counter",
            "Records dropped by filter criteria.",
            |m| m.filtered.load(Ordering::Relaxed) as f64,
        ),
        (
            "eddy_esm_batch_duration_seconds_total",
            "counter",
            "Time spent in invocations.",
            |m| m.batch_micros.load(Ordering::Relaxed) as f64 / 1e6,
        ),
        (
            "eddy_esm_iterator_age_seconds",
            "gauge",
            "Age of the newest delivered record at delivery.",
            |m| m.iterator_age_ms.load(Ordering::Relaxed) as f64 / 1e3,
        ),
    ];
    for (name, kind, help, get) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (uuid, function, m) in mappings {
            let _ = writeln!(
                out,
                "{name}{{mapping=\"{uuid}\",function=\"{function}\"}} {}",
                get(m)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn renders_prometheus_text() {
        let m = Arc::new(MappingMetrics::default());
        MappingMetrics::inc(&m.records_delivered, 3);
        let mut out = String::new();
        render(&mut out, &[("u-1".into(), "arn:f".into(), m)]);
        assert!(out.contains("# TYPE eddy_esm_records_delivered_total counter"));
        assert!(
            out.contains(
                "eddy_esm_records_delivered_total{mapping=\"u-1\",function=\"arn:f\"} 3\n"
            )
        );
    }
}
