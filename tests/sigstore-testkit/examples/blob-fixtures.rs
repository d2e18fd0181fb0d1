//! Write the blob-verification fixtures of the browser playground's tests into a directory:
//! `cargo run --release -p palisade-sigstore-testkit --example blob-fixtures -- DIR`.
//!
//! ```text
//! DIR/fixtures.json                    times and keyless identity the tests pass to page and CLI
//! DIR/key/artifact.txt                 a blob, its cosign signature (base64) and the public key
//! DIR/key/artifact.txt.sig
//! DIR/key/cosign.pub
//! DIR/key-tampered/…                   the same signature and key over a changed blob
//! DIR/keyless/artifact.txt             a blob, its Sigstore bundle (v0.3, Fulcio-shaped
//! DIR/keyless/artifact.txt.sigstore.json   certificate, Rekor-shaped log entry) and the
//! DIR/keyless/trusted_root.json        trusted root naming the test CA and log
//! DIR/key-bundle/…                     the blob, a key-based bundle (v0.3, logged), the public
//!                                      key and the trusted root
//! ```
//!
//! Keys come from fixed seeds (the testkit's), so every run writes the same bytes. The keyless
//! certificate is valid for ten minutes from `T0`; verifying at `now` needs that time given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use palisade_sigstore_testkit::{self as kit, BundleVersion, Ca, Key, Leaf, Log, b64};
use serde_json::json;

/// Certificates start here (2026-11-18T11:06:40Z); the log entry is integrated a minute later.
const T0: u64 = 1_795_000_000;
const SIGNED_AT: u64 = T0 + 60;
const NOW: u64 = T0 + 300;
const IDENTITY: &str = "release@example.test";
const ISSUER: &str = "https://issuer.example.test";
const BLOB: &[u8] = b"release artefact v1.0.0\n";
const TAMPERED: &[u8] = b"release artefact v1.0.1\n";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: blob-fixtures DIR");
        return ExitCode::from(2);
    };
    match write_all(&PathBuf::from(dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blob-fixtures: {e}");
            ExitCode::from(2)
        }
    }
}

fn write(dir: &Path, name: &str, data: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, data).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_all(dir: &Path) -> Result<(), String> {
    // Key-based: a P-256 key signs the blob as `cosign sign-blob --key` does (base64 signature).
    let key = Key::p256(2);
    let signature = b64(&key.sign(BLOB));
    for (sub, blob) in [("key", BLOB), ("key-tampered", TAMPERED)] {
        let d = dir.join(sub);
        write(&d, "artifact.txt", blob)?;
        write(&d, "artifact.txt.sig", signature.as_bytes())?;
        write(&d, "cosign.pub", key.public_pem().as_bytes())?;
    }

    // Keyless: a Fulcio-shaped certificate for IDENTITY from ISSUER, logged in a Rekor-shaped log.
    let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
    let mut log = Log::new("rekor", 9, T0 - 86_400);
    let root = kit::trusted_root(&[&ca], &[&log]);
    let signer = Key::p256(1);
    let cert = ca.issue(&Leaf::new(IDENTITY, ISSUER, T0), &signer);
    let bundle = kit::bundle(BundleVersion::V03, BLOB, &signer, Some(&cert), &mut log, SIGNED_AT);
    let bundle = serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())?;
    let d = dir.join("keyless");
    write(&d, "artifact.txt", BLOB)?;
    write(&d, "artifact.txt.sigstore.json", bundle.as_bytes())?;
    write(&d, "trusted_root.json", root.as_bytes())?;

    // Key-based bundle: the P-256 key's signature with its entry in a fresh copy of the log.
    let mut log = Log::new("rekor", 9, T0 - 86_400);
    let bundle = kit::bundle(BundleVersion::V03, BLOB, &key, None, &mut log, SIGNED_AT);
    let bundle = serde_json::to_string_pretty(&bundle).map_err(|e| e.to_string())?;
    let d = dir.join("key-bundle");
    write(&d, "artifact.txt", BLOB)?;
    write(&d, "artifact.txt.sigstore.json", bundle.as_bytes())?;
    write(&d, "cosign.pub", key.public_pem().as_bytes())?;
    write(&d, "trusted_root.json", root.as_bytes())?;

    let about = json!({
        "now": NOW,
        "certificateIdentity": IDENTITY,
        "certificateOidcIssuer": ISSUER,
        "signedAt": SIGNED_AT,
    });
    let about = serde_json::to_string_pretty(&about).map_err(|e| e.to_string())?;
    write(dir, "fixtures.json", format!("{about}\n").as_bytes())
}
