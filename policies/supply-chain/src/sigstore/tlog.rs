//! Rekor transparency-log entries of a bundle: the entry body must describe this signature, the
//! log must be trusted, and the entry must be proven by a signed entry timestamp (SET, Rekor's
//! inclusion promise over canonical JSON) and/or an RFC 6962 / 9162 Merkle inclusion proof whose
//! root is committed to by a signed checkpoint (a C2SP signed note).

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::keys::{base64_decode, base64_encode};
use super::trust::{Log, TrustedRoot};
use crate::time::rfc3339;

/// One `tlogEntries[]` element, decoded.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `logIndex` (global).
    pub log_index: u64,
    /// `logId.keyId`.
    pub log_id: Vec<u8>,
    /// `kindVersion.kind` / `.version`.
    pub kind: (String, String),
    /// `integratedTime`, Unix seconds.
    pub integrated_time: Option<u64>,
    /// `inclusionPromise.signedEntryTimestamp`.
    pub set: Option<Vec<u8>>,
    /// `inclusionProof`.
    pub proof: Option<Proof>,
    /// `canonicalizedBody`, decoded.
    pub body: Vec<u8>,
}

/// `inclusionProof`.
#[derive(Debug, Clone)]
pub struct Proof {
    /// Index of the leaf in this tree.
    pub index: u64,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Vec<u8>,
    /// Audit path.
    pub hashes: Vec<Vec<u8>>,
    /// `checkpoint.envelope`.
    pub checkpoint: Option<String>,
}

fn int(v: &Value, key: &str) -> Result<Option<u64>, String> {
    // protobuf JSON writes int64 as a string; accept a number too.
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| format!("{key} is not an integer")),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| format!("{key} is not a non-negative integer")),
        Some(_) => Err(format!("{key} is not an integer")),
    }
}

fn b64(v: &Value, path: &str) -> Result<Option<Vec<u8>>, String> {
    v.pointer(path)
        .map(|s| s.as_str().and_then(|s| base64_decode(s).ok()).ok_or_else(|| format!("{path} is not base64")))
        .transpose()
}

impl Entry {
    /// Decode a bundle's `tlogEntries[]` element.
    ///
    /// # Errors
    /// A field is missing or malformed.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let proof = v
            .get("inclusionProof")
            .map(|p| -> Result<Proof, String> {
                Ok(Proof {
                    index: int(p, "logIndex")?.ok_or("inclusionProof.logIndex is missing")?,
                    size: int(p, "treeSize")?.ok_or("inclusionProof.treeSize is missing")?,
                    root: b64(p, "/rootHash")?.ok_or("inclusionProof.rootHash is missing")?,
                    hashes: p
                        .get("hashes")
                        .and_then(Value::as_array)
                        .map_or(&[][..], Vec::as_slice)
                        .iter()
                        .map(|h| {
                            h.as_str()
                                .and_then(|s| base64_decode(s).ok())
                                .ok_or("inclusionProof.hashes[] is not base64")
                        })
                        .collect::<Result<_, _>>()?,
                    checkpoint: p.pointer("/checkpoint/envelope").and_then(Value::as_str).map(str::to_string),
                })
            })
            .transpose()?;
        let text = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        Ok(Entry {
            log_index: int(v, "logIndex")?.ok_or("logIndex is missing")?,
            log_id: b64(v, "/logId/keyId")?.ok_or("logId.keyId is missing")?,
            kind: (text("/kindVersion/kind"), text("/kindVersion/version")),
            integrated_time: int(v, "integratedTime")?,
            set: b64(v, "/inclusionPromise/signedEntryTimestamp")?,
            proof,
            body: b64(v, "/canonicalizedBody")?.ok_or("canonicalizedBody is missing")?,
        })
    }
}

/// What the log entry must describe.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// SHA-256 of the signed artifact.
    pub artifact_sha256: &'a [u8; 32],
    /// The signature bytes.
    pub signature: &'a [u8],
    /// DER of the signing certificate or public key (compared with the body's PEM).
    pub verifier_der: &'a [u8],
}

/// What a verified entry proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proven {
    /// Index in the log.
    pub log_index: u64,
    /// Integrated time, when a SET vouches for it.
    pub integrated_time: Option<u64>,
}

/// Verify one entry. `need_proof`: an inclusion proof with a checkpoint is required (bundle
/// v0.2+); otherwise a SET is enough (v0.1, legacy cosign).
///
/// # Errors
/// The reason the entry does not prove this signature is in a trusted log.
pub fn verify(entry: &Entry, expected: &Expected<'_>, root: &TrustedRoot, need_proof: bool) -> Result<Proven, String> {
    let log = root
        .log(&entry.log_id)
        .ok_or_else(|| format!("transparency log entry is from an unknown log (log id {})", hex(&entry.log_id)))?;
    check_body(entry, expected)?;
    let mut integrated_time = None;
    if let Some(set) = &entry.set {
        let time = entry.integrated_time.ok_or("transparency log entry has a SET but no integratedTime")?;
        verify_set(entry, log, set, time)?;
        integrated_time = Some(time);
    }
    match &entry.proof {
        Some(proof) => verify_proof(entry, log, proof)?,
        None if need_proof => return Err("transparency log entry has no inclusion proof".into()),
        None if entry.set.is_none() => {
            return Err("transparency log entry has neither an inclusion proof nor a signed entry timestamp".into());
        }
        None => {}
    }
    Ok(Proven { log_index: entry.log_index, integrated_time })
}

/// The `hashedrekord` 0.0.1 body names this artifact digest, signature and verifier.
fn check_body(entry: &Entry, expected: &Expected<'_>) -> Result<(), String> {
    let body: Value = serde_json::from_slice(&entry.body).map_err(|_| "transparency log entry body is not JSON")?;
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let version = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if kind != "hashedrekord" || version != "0.0.1" {
        return Err(format!(
            "transparency log entry is of kind {kind} {version}; only hashedrekord 0.0.1 is supported"
        ));
    }
    if !entry.kind.0.is_empty() && (entry.kind.0 != kind || entry.kind.1 != version) {
        return Err(format!(
            "transparency log entry claims kind {} {} but its body is {kind} {version}",
            entry.kind.0, entry.kind.1
        ));
    }
    let field = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    if field("/spec/data/hash/algorithm") != "sha256"
        || !field("/spec/data/hash/value").eq_ignore_ascii_case(&hex(expected.artifact_sha256))
    {
        return Err(format!(
            "transparency log entry is for another artifact (sha256:{}, expected sha256:{})",
            field("/spec/data/hash/value"),
            hex(expected.artifact_sha256)
        ));
    }
    if base64_decode(field("/spec/signature/content")).ok().as_deref() != Some(expected.signature) {
        return Err("transparency log entry records a different signature".into());
    }
    let pem = base64_decode(field("/spec/signature/publicKey/content")).unwrap_or_default();
    let der = super::keys::pem_decode(&pem).map(|(_, der)| der).unwrap_or_default();
    if der != expected.verifier_der {
        return Err("transparency log entry records a different certificate or key".into());
    }
    Ok(())
}

/// SET: the log's signature over the canonical JSON of body, integratedTime, logID, logIndex.
fn verify_set(entry: &Entry, log: &Log, set: &[u8], time: u64) -> Result<(), String> {
    if time < log.start || log.end.is_some_and(|end| time > end) {
        return Err(format!("log key of {} was not valid at integrated time {}", log.url, rfc3339(time)));
    }
    // serde_json maps are sorted and compact: RFC 8785 for these ASCII string and integer fields.
    let payload = json!({
        "body": base64_encode(&entry.body),
        "integratedTime": time,
        "logID": hex(&entry.log_id),
        "logIndex": entry.log_index,
    });
    log.key
        .verify(payload.to_string().as_bytes(), set)
        .map_err(|_| "signed entry timestamp (SET) does not verify with the log's key".to_string())
}

fn verify_proof(entry: &Entry, log: &Log, proof: &Proof) -> Result<(), String> {
    let mut leaf_input = vec![0u8];
    leaf_input.extend_from_slice(&entry.body);
    let leaf: [u8; 32] = Sha256::digest(&leaf_input).into();
    let root = merkle_root(proof.index, proof.size, &leaf, &proof.hashes)?;
    if root.as_slice() != proof.root.as_slice() {
        return Err(format!(
            "inclusion proof does not lead to the root hash (computed {}, proof states {})",
            hex(&root),
            hex(&proof.root)
        ));
    }
    let checkpoint = proof.checkpoint.as_deref().ok_or("inclusion proof has no signed checkpoint")?;
    let (size, cp_root) = verify_checkpoint(checkpoint, log)?;
    if size != proof.size || cp_root != proof.root {
        return Err("signed checkpoint does not commit to the inclusion proof's tree (size or root differ)".into());
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2: root from a leaf hash, its index, the tree size and the audit path.
///
/// # Errors
/// Index beyond the tree, or a path of the wrong length.
pub fn merkle_root(index: u64, size: u64, leaf: &[u8; 32], path: &[Vec<u8>]) -> Result<[u8; 32], String> {
    if index >= size {
        return Err(format!("inclusion proof index {index} is not inside a tree of size {size}"));
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        let p: &[u8; 32] = p.as_slice().try_into().map_err(|_| "inclusion proof hash is not 32 bytes")?;
        if sn == 0 {
            return Err("inclusion proof has more hashes than the tree is deep".into());
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err("inclusion proof has fewer hashes than the tree is deep".into());
    }
    Ok(r)
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A signed note: `origin\nsize\nbase64(root)\n[extension lines]\n\n— name base64(keyhint‖sig)\n`.
/// One signature line must be named after the origin, carry this log's key hint (first 4 bytes
/// of its log id) and verify.
fn verify_checkpoint(note: &str, log: &Log) -> Result<(u64, Vec<u8>), String> {
    let bad = |why: &str| format!("signed checkpoint is malformed: {why}");
    let (text, sigs) = note.split_once("\n\n").ok_or_else(|| bad("no blank line before the signatures"))?;
    let body = format!("{text}\n");
    let mut lines = text.split('\n');
    let origin = lines.next().filter(|o| !o.is_empty()).ok_or_else(|| bad("no origin line"))?;
    let size = lines.next().and_then(|s| s.parse::<u64>().ok()).ok_or_else(|| bad("no tree size line"))?;
    let root = lines.next().and_then(|s| base64_decode(s).ok()).ok_or_else(|| bad("no root hash line"))?;
    let mut found = false;
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(bad("a signature line does not start with an em dash"));
        };
        let (name, sig) = rest.rsplit_once(' ').ok_or_else(|| bad("a signature line has no key name"))?;
        let sig = base64_decode(sig).map_err(|_| bad("signature is not base64"))?;
        // Rekor v1 names its key after the origin's host (`host - tree id`); Rekor v2 after the origin.
        let named = name == origin || origin.strip_prefix(name).is_some_and(|rest| rest.starts_with(" - "));
        if !named || sig.len() < 5 || sig[..4] != log.id[..4] {
            continue;
        }
        found = true;
        if log.key.verify(body.as_bytes(), &sig[4..]).is_ok() {
            return Ok((size, root));
        }
    }
    Err(if found {
        "signed checkpoint signature does not verify with the log's key".into()
    } else {
        "signed checkpoint is not signed by the log's key".into()
    })
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
