//! Prometheus metrics: events accepted, deliveries by outcome, attempt latency,
//! plugin time and queue depth, rendered in the text exposition format.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Kait's metrics. Cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    events: Family<Vec<(String, String)>, Counter>,
    deliveries: Family<Vec<(String, String)>, Counter>,
    attempt_seconds: Histogram,
    plugin_seconds: Histogram,
    plugin_loads: Family<Vec<(String, String)>, Counter>,
    queue_depth: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kait");
        let events = Family::<Vec<(String, String)>, Counter>::default();
        let deliveries = Family::<Vec<(String, String)>, Counter>::default();
        let attempt_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let plugin_seconds = Histogram::new(exponential_buckets(0.000_01, 2.0, 16));
        let queue_depth = Gauge::default();
        let plugin_loads = Family::<Vec<(String, String)>, Counter>::default();
        registry.register(
            "plugin_loads",
            "Plugin versions made ready, by source (compiled, or cache: native code from disk)",
            plugin_loads.clone(),
        );
        registry.register(
            "events_accepted",
            "Events accepted by ingest",
            events.clone(),
        );
        registry.register(
            "deliveries",
            "Delivery attempts by outcome (succeeded, failed, skipped, dead)",
            deliveries.clone(),
        );
        registry.register(
            "attempt_duration_seconds",
            "Time of each delivery attempt, plugin and requests together",
            attempt_seconds.clone(),
        );
        registry.register(
            "plugin_duration_seconds",
            "Time of each plugin transform call",
            plugin_seconds.clone(),
        );
        registry.register(
            "queue_depth",
            "Deliveries waiting for an attempt",
            queue_depth.clone(),
        );
        Self {
            registry,
            events,
            deliveries,
            attempt_seconds,
            plugin_seconds,
            plugin_loads,
            queue_depth,
        }
    }
}

impl Metrics {
    /// Counts an accepted event of `kind`.
    pub fn event_accepted(&self, kind: &str) {
        self.events
            .get_or_create(&vec![("type".into(), kind.into())])
            .inc();
    }

    /// Counts an attempt's outcome and its time.
    pub fn attempt(&self, outcome: &str, seconds: f64) {
        self.deliveries
            .get_or_create(&vec![("outcome".into(), outcome.into())])
            .inc();
        self.attempt_seconds.observe(seconds);
    }

    /// Records one plugin call's time.
    pub fn plugin_call(&self, seconds: f64) {
        self.plugin_seconds.observe(seconds);
    }

    /// Counts a plugin version made ready: compiled, or loaded from the disk cache.
    pub fn plugin_load(&self, cached: bool) {
        let source = if cached { "cache" } else { "compiled" };
        self.plugin_loads
            .get_or_create(&vec![("source".into(), source.into())])
            .inc();
    }

    /// The metrics in Prometheus text format, with the queue depth given.
    pub fn render(&self, queue_depth: u64) -> String {
        self.queue_depth.set(queue_depth as i64);
        let mut text = String::new();
        let _ = encode(&mut text, &self.registry);
        text
    }
}
