//! Prometheus metrics, served on `/metrics` in the text exposition format.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Every metric the webhook exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    denies: Family<Labels, Counter>,
    policy_errors: Family<Labels, Counter>,
    audit_findings: Family<Labels, Counter>,
    reloads: Family<Labels, Counter>,
}

fn latency_histogram() -> Histogram {
    Histogram::new([0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("palisade_webhook");
        let requests = Family::<Labels, Counter>::default();
        let latency = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let denies = Family::<Labels, Counter>::default();
        let policy_errors = Family::<Labels, Counter>::default();
        let audit_findings = Family::<Labels, Counter>::default();
        let reloads = Family::<Labels, Counter>::default();
        registry.register("requests", "Admission reviews by endpoint and result", requests.clone());
        registry.register("request_duration_seconds", "Time to answer a review", latency.clone());
        registry.register("denies", "Denied reviews by the policy and rule that denied them", denies.clone());
        registry.register(
            "policy_errors",
            "Policy evaluations that failed (trap, timeout, memory)",
            policy_errors.clone(),
        );
        registry.register("audit_findings", "Findings recorded by profiles in audit mode", audit_findings.clone());
        registry.register("reloads", "Reloads of configuration, policies and certificate", reloads.clone());
        Metrics { registry, requests, latency, denies, policy_errors, audit_findings, reloads }
    }
}

impl Metrics {
    /// Count one review and its latency. `result` is `allowed`, `denied` or `invalid`.
    pub fn request(&self, endpoint: &str, result: &'static str, seconds: f64) {
        self.requests.get_or_create(&vec![("endpoint", endpoint.to_string()), ("result", result.to_string())]).inc();
        self.latency.get_or_create(&vec![("endpoint", endpoint.to_string())]).observe(seconds);
    }

    /// Count a deny by one rule.
    pub fn deny(&self, policy: &str, rule: &str) {
        self.denies.get_or_create(&vec![("policy", policy.to_string()), ("rule", rule.to_string())]).inc();
    }

    /// Count a failed evaluation.
    pub fn policy_error(&self, policy: &str) {
        self.policy_errors.get_or_create(&vec![("policy", policy.to_string())]).inc();
    }

    /// Count a finding recorded in audit mode.
    pub fn audit_finding(&self, policy: &str, rule: &str) {
        self.audit_findings.get_or_create(&vec![("policy", policy.to_string()), ("rule", rule.to_string())]).inc();
    }

    /// Count a reload: `what` is `config` or `certificate`, `result` is `ok` or `error`.
    pub fn reload(&self, what: &'static str, result: &'static str) {
        self.reloads.get_or_create(&vec![("what", what.to_string()), ("result", result.to_string())]).inc();
    }

    /// The text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
