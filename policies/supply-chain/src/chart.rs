//! Evidence → charts → findings. See the crate docs for the evidence protocol.

use palisade_policy_sdk::{Evidence, Finding, Input, Resource};

use crate::keyring::Keyring;
use crate::settings::Settings;
use crate::verify::{self, Chart};
use crate::{CHART_PROVENANCE, CHART_SIGNER, KIND_CHART, KIND_KEYRING, KIND_PROVENANCE};

/// Findings for every chart in the evidence; none when there is no chart evidence.
///
/// # Errors
/// Evidence that cannot be evaluated: a chart without its `HelmChart` resource, a chart given
/// twice, no keyring, a keyring that does not parse.
pub fn evaluate(input: &Input, settings: &Settings) -> Result<Vec<Finding>, String> {
    let charts: Vec<&Evidence> = of_kind(&input.evidence, KIND_CHART).collect();
    if charts.is_empty() {
        return Ok(Vec::new());
    }
    let mut keyring = Keyring::default();
    for k in of_kind(&input.evidence, KIND_KEYRING) {
        keyring.add(&k.subject, &k.data)?;
    }
    let keyring_given = of_kind(&input.evidence, KIND_KEYRING).next().is_some();
    let mut findings = Vec::new();
    for (i, chart) in charts.iter().enumerate() {
        let name = chart.subject.as_str();
        if charts[..i].iter().any(|c| c.subject == name) {
            return Err(format!("chart {name} is given twice"));
        }
        let resource = chart_resource(&input.resources, name)
            .ok_or_else(|| format!("chart {name} has no HelmChart resource to report against"))?;
        let provs: Vec<&Evidence> = of_kind(&input.evidence, KIND_PROVENANCE).filter(|p| p.subject == name).collect();
        let finding = match provs.as_slice() {
            [] if settings.require_provenance => Some(CHART_PROVENANCE.finding(
                resource,
                "",
                format!("chart {name} is not signed: no provenance file (.prov)"),
            )),
            [] => None,
            [prov] if !keyring_given => {
                return Err(format!("chart {name}: no keyring given to verify {}", prov.subject));
            }
            [prov] => {
                let chart = Chart { file_name: name, bytes: &chart.data, provenance: &prov.data };
                Some(match verify::verify(&chart, &keyring, settings, input.now_unix) {
                    Ok(verified) => CHART_SIGNER.finding(resource, "", verified.message()),
                    Err(reason) => CHART_PROVENANCE.finding(resource, "", reason),
                })
            }
            _ => return Err(format!("chart {name} has more than one provenance file")),
        };
        findings.extend(finding);
    }
    Ok(findings)
}

fn of_kind<'a>(evidence: &'a [Evidence], kind: &'a str) -> impl Iterator<Item = &'a Evidence> {
    evidence.iter().filter(move |e| e.kind == kind)
}

/// Index of the `palisade.dev/v1` `HelmChart` resource named `name`.
fn chart_resource(resources: &[Resource], name: &str) -> Option<u32> {
    resources
        .iter()
        .find(|r| r.kind() == "HelmChart" && r.api_version() == "palisade.dev/v1" && r.name() == name)
        .map(|r| r.index)
}
