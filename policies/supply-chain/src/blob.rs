//! Evidence → blobs → findings (`palisade verify blob`). See the crate docs for the protocol.

use palisade_policy_sdk::{Evidence, Finding, Input, Resource};

use crate::settings::Settings;
use crate::sigstore::bundle::{Bundle, Material};
use crate::sigstore::trust::TrustedRoot;
use crate::sigstore::{self, Identity, NamedKey, Trust};
use crate::{
    BLOB_SIGNATURE, BLOB_SIGNER, KIND_BLOB, KIND_BUNDLE, KIND_COSIGN_SIGNATURE, KIND_PUBLIC_KEY, KIND_TRUSTED_ROOT,
};

/// Trust material in the evidence: every public key and every trusted root.
#[derive(Debug, Default)]
pub struct TrustMaterial {
    /// Keys by subject.
    pub keys: Vec<NamedKey>,
    /// Trusted roots by subject.
    pub roots: Vec<(String, TrustedRoot)>,
}

/// Read keys and trusted roots.
///
/// # Errors
/// A key or trusted root that does not parse (an input error).
pub fn trust_material(evidence: &[Evidence]) -> Result<TrustMaterial, String> {
    let mut out = TrustMaterial::default();
    for e in evidence {
        if e.kind == KIND_PUBLIC_KEY {
            out.keys.push(NamedKey::from_pem(&e.subject, &e.data)?);
        } else if e.kind == KIND_TRUSTED_ROOT {
            let mut root = TrustedRoot::default();
            root.add(&e.subject, &e.data)?;
            out.roots.push((e.subject.clone(), root));
        }
    }
    Ok(out)
}

impl TrustMaterial {
    /// All trusted roots merged, or the one named.
    ///
    /// # Errors
    /// A name that no evidence has.
    pub fn root(&self, name: Option<&str>) -> Result<Option<TrustedRoot>, String> {
        let mut merged = TrustedRoot::default();
        let mut any = false;
        for (subject, root) in &self.roots {
            if name.is_none_or(|n| n == subject) {
                merged.authorities.extend(root.authorities.iter().cloned());
                merged.logs.extend(root.logs.iter().cloned());
                any = true;
            }
        }
        match (any, name) {
            (false, Some(n)) => Err(format!("trusted root `{n}` is not given")),
            (false, None) => Ok(None),
            (true, _) => Ok(Some(merged)),
        }
    }
}

/// Findings for every `blob` evidence; none when there is none.
///
/// # Errors
/// Input errors: no resource for a blob, a blob given twice, unparsable trust material, a
/// signature that cannot be checked for lack of a key, trusted root or expected identity.
pub fn evaluate(input: &Input, settings: &Settings) -> Result<Vec<Finding>, String> {
    let blobs: Vec<&Evidence> = input.evidence.iter().filter(|e| e.kind == KIND_BLOB).collect();
    if blobs.is_empty() {
        return Ok(Vec::new());
    }
    let material = trust_material(&input.evidence)?;
    let identities: Vec<Identity> = settings.identities.iter().map(|k| k.identity.clone()).collect();
    let root = material.root(None)?;
    let trust = Trust { keys: &material.keys, root: root.as_ref(), identities: &identities, now: input.now_unix };
    let mut findings = Vec::new();
    for (i, blob) in blobs.iter().enumerate() {
        let name = blob.subject.as_str();
        if blobs[..i].iter().any(|b| b.subject == name) {
            return Err(format!("blob {name} is given twice"));
        }
        let resource = blob_resource(&input.resources, name)
            .ok_or_else(|| format!("blob {name} has no Blob resource to report against"))?;
        let signatures: Vec<&Evidence> = input
            .evidence
            .iter()
            .filter(|e| e.subject == name && (e.kind == KIND_COSIGN_SIGNATURE || e.kind == KIND_BUNDLE))
            .collect();
        if signatures.is_empty() {
            findings.push(BLOB_SIGNATURE.finding(
                resource,
                "",
                format!("blob {name} is not signed: no signature or bundle"),
            ));
            continue;
        }
        let mut verdict = None;
        for sig in signatures {
            let result = if sig.kind == KIND_BUNDLE {
                check_inputs(name, &sig.data, &trust)?;
                sigstore::verify_bundle(&blob.data, &sig.data, &trust)
            } else {
                if trust.keys.is_empty() {
                    return Err(format!("blob {name}: no public key given to verify its signature"));
                }
                sigstore::verify_detached(&blob.data, &sig.data, trust.keys)
            };
            match result {
                Ok(v) => {
                    verdict.get_or_insert(Ok(v));
                }
                Err(reason) => {
                    verdict = Some(Err(reason));
                    break;
                }
            }
        }
        findings.extend(verdict.map(|v| match v {
            Ok(verified) => BLOB_SIGNER.finding(resource, "", verified.message()),
            Err(reason) => BLOB_SIGNATURE.finding(resource, "", reason),
        }));
    }
    Ok(findings)
}

/// A bundle that needs trust material the caller did not give is an input error, not a deny.
fn check_inputs(name: &str, bundle: &[u8], trust: &Trust<'_>) -> Result<(), String> {
    let Ok(parsed) = Bundle::parse(bundle) else { return Ok(()) };
    if trust.root.is_none() {
        return Err(format!("blob {name}: a bundle needs a trusted root (sigstore-trusted-root evidence)"));
    }
    match parsed.material {
        Material::Certificate(_) if trust.identities.is_empty() => {
            Err(format!("blob {name}: a keyless bundle needs an expected certificate identity and OIDC issuer"))
        }
        Material::PublicKey(_) if trust.keys.is_empty() => {
            Err(format!("blob {name}: the bundle is signed with a key, but no public key is given"))
        }
        _ => Ok(()),
    }
}

fn blob_resource(resources: &[Resource], name: &str) -> Option<u32> {
    resources
        .iter()
        .find(|r| r.kind() == "Blob" && r.api_version() == "palisade.dev/v1" && r.name() == name)
        .map(|r| r.index)
}
