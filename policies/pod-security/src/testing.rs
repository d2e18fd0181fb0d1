//! Helpers for the tests: resources, pods and table-driven check cases with exact expectations.

use palisade_policy_sdk::workload::pod_spec;
use palisade_policy_sdk::{Resource, Value, json};

use crate::checks::{Check, Verdict};
use crate::level::Version;
use crate::pod::Pod;

/// `json` as resource 0.
pub(crate) fn resource(json: Value) -> Resource {
    Resource::new(0, json)
}

/// The pod of a pod-bearing resource.
pub(crate) fn pod_of(resource: &Resource) -> Pod<'_> {
    Pod::new(pod_spec(resource).unwrap())
}

/// What a case expects of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// The check does not exist at the version.
    Absent,
    /// It allows the pod.
    Pass,
    /// It forbids the pod with this message, at this pointer.
    Fail(String, String),
}

/// One pod judged by one check at one version.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    name: &'static str,
    minor: u32,
    annotations: Value,
    spec: Value,
    expect: Expect,
}

impl Case {
    fn new(name: &'static str, minor: u32, spec: Value, expect: Expect) -> Self {
        Self { name, minor, annotations: json!({}), spec, expect }
    }

    /// The check exists at `v1.<minor>` and allows a Pod with `spec`.
    pub(crate) fn pass(name: &'static str, minor: u32, spec: Value) -> Self {
        Self::new(name, minor, spec, Expect::Pass)
    }

    /// The check forbids a Pod with `spec` at `v1.<minor>` with `message`, at `pointer`.
    pub(crate) fn fail(name: &'static str, minor: u32, spec: Value, message: &str, pointer: &str) -> Self {
        Self::new(name, minor, spec, Expect::Fail(message.to_string(), pointer.to_string()))
    }

    /// The check does not exist yet at `v1.<minor>`.
    pub(crate) fn absent(name: &'static str, minor: u32, spec: Value) -> Self {
        Self::new(name, minor, spec, Expect::Absent)
    }

    /// The same case for a Pod with these annotations.
    pub(crate) fn annotated(self, annotations: Value) -> Self {
        Self { annotations, ..self }
    }
}

/// Runs every case against `check` and asserts all of them at once.
pub(crate) fn check_cases(check: &Check, cases: &[Case]) {
    let judged = |case: &Case| {
        let r = resource(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "annotations": case.annotations}, "spec": case.spec}));
        match check.judge(&pod_of(&r), Version::v1(case.minor)) {
            Verdict::Absent => Expect::Absent,
            Verdict::Allowed => Expect::Pass,
            Verdict::Forbidden(v) => Expect::Fail(v.message(), v.pointer),
        }
    };
    let got: Vec<_> = cases.iter().map(|c| (c.name, c.minor, judged(c))).collect();
    let expected: Vec<_> = cases.iter().map(|c| (c.name, c.minor, c.expect.clone())).collect();
    assert_eq!(got, expected, "{}", check.def.id);
}
