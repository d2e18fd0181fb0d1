//! Evidence the host hands to a policy: bytes it fetched or read (a chart, its provenance, a
//! keyring, a signature), named by subject and kind. The policy judges them; the host never does.

use crate::bindings::types;

pub use palisade_core::evidence::{Evidence, EvidenceRequest};

/// The WIT form of one piece of evidence.
pub(crate) fn to_wit(e: &Evidence) -> types::Evidence {
    types::Evidence {
        subject: e.subject.clone(),
        kind: e.kind.clone(),
        media_type: e.media_type.clone(),
        data: e.data.clone(),
        annotations: e.annotations.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Evidence, EvidenceRequest};
    use crate::{Engine, EngineConfig, EvalError};

    /// Evidence crosses the boundary: the supply-chain guest sees the chart and says it has no
    /// resource to report against; without evidence it reports nothing.
    #[test]
    fn evidence_reaches_the_guest() {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let builtin = palisade_policies::builtin("supply-chain").unwrap();
        let policy = engine.load("builtin:supply-chain", builtin.wasm).unwrap();
        let chart = Evidence::new("demo-0.1.0.tgz", "helm-chart", vec![0x1f, 0x8b]);
        let none: [&str; 0] = [];
        assert_eq!(
            policy.evaluate_with_evidence(&none, &[chart], "{}", 0, &[]),
            Err(EvalError::Policy {
                policy: "supply-chain".into(),
                reason: "chart demo-0.1.0.tgz has no HelmChart resource to report against".into(),
            })
        );
        assert_eq!(policy.evaluate(&none, "{}", 0), Ok(Vec::new()));
    }

    /// `requests()` crosses the boundary too: the built-in policies ask for nothing on a plain
    /// Pod, so a check over manifests needs no network; a policy's own error is reported.
    #[test]
    fn requests_reach_the_guest() {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"ghcr.io/x/y:1"}]}}"#;
        for name in ["supply-chain", "hardening", "pod-security"] {
            let builtin = palisade_policies::builtin(name).unwrap();
            let policy = engine.load(&format!("builtin:{name}"), builtin.wasm).unwrap();
            assert_eq!(policy.requests(&[pod.to_string()], "{}"), Ok(Vec::new()), "{name}");
        }
    }

    /// `evaluate_fetching` asks, fetches and evaluates in one instance: the fetcher sees the
    /// policy's requests, its failure is an evidence error, and what it returns reaches `evaluate`.
    #[test]
    fn one_instance_asks_fetches_and_evaluates() {
        const KEY: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUnGFkruTRpDIcbN5joR+CYsyuiic\nrVKd76KTVzq55cJveMdMP3Cu3yhjV/2QV6TUFD6QapKk9r6zE7e3Yu5/Og==\n-----END PUBLIC KEY-----\n";
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let builtin = palisade_policies::builtin("supply-chain").unwrap();
        let policy = engine.load("builtin:supply-chain", builtin.wasm).unwrap();
        let pod = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"ghcr.io/x/y:1"}]}}"#;
        let settings = serde_json::json!({"verifyImages": [{"imageReferences": ["ghcr.io/x/*"],
            "attestors": [{"entries": [{"keys": {"publicKeys": KEY}}]}]}]})
        .to_string();
        let resources = [pod.to_string()];
        let mut seen = Vec::new();
        let failed = policy.evaluate_fetching(&resources, &settings, 0, &[], |requests| {
            seen = requests.to_vec();
            Err("registry ghcr.io: connection refused".into())
        });
        assert_eq!(seen, [EvidenceRequest::new("oci://ghcr.io/x/y:1", "oci-signatures")]);
        assert_eq!(
            failed,
            Err(EvalError::Evidence {
                policy: "supply-chain".into(),
                reason: "registry ghcr.io: connection refused".into()
            })
        );
        let nothing = policy.evaluate_fetching(&resources, &settings, 0, &[], |_| Ok(Vec::new()));
        let Err(EvalError::Policy { reason, .. }) = nothing else { panic!("{nothing:?}") };
        assert!(reason.contains("ghcr.io/x/y:1"), "{reason}");
    }
}
