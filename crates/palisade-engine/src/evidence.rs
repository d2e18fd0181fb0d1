//! Evidence the host hands to a policy: bytes it fetched or read (a chart, its provenance, a
//! keyring, a signature), named by subject and kind. The policy judges them; the host never does.

use crate::bindings::types;

/// One piece of evidence, as passed to `evaluate`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    /// What it is about, e.g. `demo-0.1.0.tgz` or `oci://ghcr.io/x/chart:1.2.3`.
    pub subject: String,
    /// What it is, e.g. `helm-chart`, `helm-provenance`, `openpgp-keyring`.
    pub kind: String,
    /// Media type of `data`, when known.
    pub media_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Extra facts (source URL, file path), as key/value pairs.
    pub annotations: Vec<(String, String)>,
}

impl Evidence {
    /// Evidence with no media type and no annotations.
    #[must_use]
    pub fn new(subject: impl Into<String>, kind: impl Into<String>, data: Vec<u8>) -> Self {
        Evidence { subject: subject.into(), kind: kind.into(), data, ..Evidence::default() }
    }

    pub(crate) fn to_wit(&self) -> types::Evidence {
        types::Evidence {
            subject: self.subject.clone(),
            kind: self.kind.clone(),
            media_type: self.media_type.clone(),
            data: self.data.clone(),
            annotations: self.annotations.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Evidence;
    use crate::{Engine, EngineConfig, EvalError};

    /// Evidence crosses the boundary: the supply-chain guest sees the chart and says it has no
    /// resource to report against; without evidence it reports nothing.
    #[test]
    fn evidence_reaches_the_guest() {
        let engine = Engine::new(EngineConfig::default()).unwrap();
        let builtin = palisade_policies::builtin("supply-chain").unwrap();
        let policy = engine.load("builtin:supply-chain", builtin.wasm).unwrap();
        let chart = Evidence::new("demo-0.1.0.tgz", "helm-chart", vec![0x1f, 0x8b]);
        assert_eq!(
            policy.evaluate_with_evidence(&[], &[chart], "{}", 0, &[]),
            Err(EvalError::Policy {
                policy: "supply-chain".into(),
                reason: "chart demo-0.1.0.tgz has no HelmChart resource to report against".into(),
            })
        );
        assert_eq!(policy.evaluate(&[], "{}", 0), Ok(Vec::new()));
    }
}
