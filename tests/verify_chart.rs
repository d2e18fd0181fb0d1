//! Attack suite for `palisade verify chart` (issue 6, Helm half): every valid provenance of
//! `../shared/fixtures/helm-prov` verifies, and every hostile variant is denied with its precise
//! reason. Hostile variants are derived at test time, in temporary directories, from the shared
//! fixtures (never edited) or signed with throw-away `GnuPG` keys made with a faked clock (no
//! network; the trials that need `gpg` are ignored when it is not installed).
//!
//! Each case runs the CLI's own verification (`palisade_cli::verify::verify_chart`): the host
//! reads files, the embedded `supply-chain` component judges them.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

#[path = "verify_chart/gpg.rs"]
mod gpg;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use palisade_cli::verify::{ChartRequest, Verdict, Verification};
use palisade_engine::{Engine, Policy};

use gpg::Signed;

/// Fingerprints and digests of the shared fixtures (see their README).
const RSA_FPR: &str = "CC092D10C66431CDB1B9A9ADC0F0D83E4F73AAD6";
const EDDSA_FPR: &str = "046008DFF48836E19A13E6656D65F80692D56906";
const EDDSA_SUB_FPR: &str = "746CB80D071A34B1D804E30961AF271244715070";
const RSA_UID: &str = "Helm Test Signer <helm-signer@example.test>";
const EDDSA_UID: &str = "Other Key <other@example.test>";
const DEMO_SHA256: &str = "sha256:fb626d9e7e62224130ba431ecf93e405c4b0ff3526db862bf8b6425a318544df";
const DEMO_SHA512: &str = "sha512:4ef28a5e50fa554aaa89e852173052b9cba0f99fd260fe1be5e1256b44e3c45be6c6b9318ca311d31a7ee13d8d77c6f590d17517f9d472600530ca9732435ec8";
const TAMPERED_SHA256: &str = "sha256:07e558fb3fb619c7a2771ee986a9c7432966a46f651cf4f340f1431b2acd0022";
/// A time when every shared fixture key is valid (they were made on 2026-11-22).
const FIXTURE_NOW: &str = "2026-11-28T00:00:00Z";
const ACCEPTED_HASHES: &str = "accepted: SHA256, SHA384, SHA512, SHA3-256, SHA3-512";

/// What one case puts on disk and passes on the command line.
struct Setup {
    /// Chart file name and bytes.
    chart: (&'static str, Vec<u8>),
    /// Bytes written to `<chart>.prov`; `None` leaves the chart unsigned.
    prov: Option<Vec<u8>>,
    /// Keyrings, each written to its own file.
    keyrings: Vec<Vec<u8>>,
    /// `--now`.
    now: &'static str,
}

/// The expected verdict.
enum Expect {
    Verified(Verification),
    Denied(String),
}

/// A case: its name, whether it needs `gpg`, and how to build it.
struct Case {
    name: &'static str,
    needs_gpg: bool,
    build: fn(&Fixtures, Option<&Signed>) -> (Setup, Expect),
}

/// Bytes of the shared fixtures.
struct Fixtures {
    dir: PathBuf,
}

impl Fixtures {
    fn read(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(path))
            .unwrap_or_else(|e| panic!("{path}: {e} (the shared folder must sit beside the repository)"))
    }
    fn demo(&self) -> Vec<u8> {
        self.read("demo-0.1.0.tgz")
    }
    fn demo_prov(&self) -> String {
        String::from_utf8(self.read("demo-0.1.0.tgz.prov")).expect("UTF-8 prov")
    }
    fn rsa(&self) -> Vec<u8> {
        self.read("pubring.gpg")
    }
    fn eddsa(&self) -> Vec<u8> {
        self.read("eddsa/pubring.gpg")
    }
    /// The RSA-signed demo chart with a `.prov` changed by `edit`.
    fn demo_with(&self, edit: impl FnOnce(String) -> String) -> Setup {
        Setup {
            chart: ("demo-0.1.0.tgz", self.demo()),
            prov: Some(edit(self.demo_prov()).into_bytes()),
            keyrings: vec![self.rsa()],
            now: FIXTURE_NOW,
        }
    }
}

fn verified(signed_by: &str, fingerprint: &str, subkey: Option<&str>, digest: &str) -> Expect {
    Expect::Verified(Verification {
        signed_by: signed_by.into(),
        fingerprint: fingerprint.into(),
        subkey: subkey.map(Into::into),
        digest: digest.into(),
    })
}

fn denied(reason: impl Into<String>) -> Expect {
    Expect::Denied(reason.into())
}

/// Chart `demo-0.1.0.tgz` with a `.prov` signed by a throw-away key, verified with `keyring`.
fn signed_demo(f: &Fixtures, prov: &[u8], keyring: &[u8], now: &'static str) -> Setup {
    Setup { chart: ("demo-0.1.0.tgz", f.demo()), prov: Some(prov.to_vec()), keyrings: vec![keyring.to_vec()], now }
}

fn gpg_material(s: Option<&Signed>) -> &Signed {
    s.expect("trial runs only when gpg material exists")
}

const CASES: &[Case] = &[
    // ---- valid: every variant must still verify ----
    Case {
        name: "valid/rsa-binary-keyring",
        needs_gpg: false,
        build: |f, _| (f.demo_with(|p| p), verified(RSA_UID, RSA_FPR, None, DEMO_SHA256)),
    },
    Case {
        name: "valid/rsa-armored-keyring",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.keyrings = vec![f.read("pubring.asc")];
            (s, verified(RSA_UID, RSA_FPR, None, DEMO_SHA256))
        },
    },
    Case {
        name: "valid/rsa-with-second-keyring",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.keyrings.insert(0, f.eddsa());
            (s, verified(RSA_UID, RSA_FPR, None, DEMO_SHA256))
        },
    },
    Case {
        name: "valid/eddsa-primary",
        needs_gpg: false,
        build: |f, _| {
            let s = Setup {
                chart: ("demo-0.1.0.tgz", f.read("eddsa/demo-0.1.0.tgz")),
                prov: Some(f.read("eddsa/demo-0.1.0.tgz.prov")),
                keyrings: vec![f.eddsa()],
                now: FIXTURE_NOW,
            };
            (s, verified(EDDSA_UID, EDDSA_FPR, None, DEMO_SHA256))
        },
    },
    Case {
        name: "valid/eddsa-subkey-gpg",
        needs_gpg: false,
        build: |f, _| {
            let s = Setup {
                chart: ("demo-0.1.0.tgz", f.read("eddsa-subkey-gpg/demo-0.1.0.tgz")),
                prov: Some(f.read("eddsa-subkey-gpg/demo-0.1.0.tgz.prov")),
                keyrings: vec![f.eddsa()],
                now: FIXTURE_NOW,
            };
            (s, verified(EDDSA_UID, EDDSA_FPR, Some(EDDSA_SUB_FPR), DEMO_SHA256))
        },
    },
    Case {
        name: "valid/eddsa-subkey-armored-keyring-day-before-expiry",
        needs_gpg: false,
        build: |f, _| {
            let s = Setup {
                chart: ("demo-0.1.0.tgz", f.read("eddsa-subkey-gpg/demo-0.1.0.tgz")),
                prov: Some(f.read("eddsa-subkey-gpg/demo-0.1.0.tgz.prov")),
                keyrings: vec![f.read("eddsa/pubring.asc")],
                now: "2027-11-21T00:00:00Z",
            };
            (s, verified(EDDSA_UID, EDDSA_FPR, Some(EDDSA_SUB_FPR), DEMO_SHA256))
        },
    },
    Case {
        name: "valid/dash-escaped-body",
        needs_gpg: false,
        build: |f, _| {
            let s = Setup {
                chart: ("dashy-0.1.0.tgz", f.read("dash-escape/dashy-0.1.0.tgz")),
                prov: Some(f.read("dash-escape/dashy-0.1.0.tgz.prov")),
                keyrings: vec![f.rsa()],
                now: FIXTURE_NOW,
            };
            let digest = "sha256:889947eced0fb5f04382848db2357134141097b452d9387064c3d2b3760664a6";
            (s, verified(RSA_UID, RSA_FPR, None, digest))
        },
    },
    Case {
        name: "valid/crlf-line-endings",
        needs_gpg: false,
        build: |f, _| (f.demo_with(|p| p.replace('\n', "\r\n")), verified(RSA_UID, RSA_FPR, None, DEMO_SHA256)),
    },
    Case {
        name: "valid/gpg-sha512-files-digest",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.sha512_files, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                verified(gpg::UID, &g.primary, None, DEMO_SHA512),
            )
        },
    },
    Case {
        name: "valid/gpg-two-signatures-both-trusted",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            let mut s = signed_demo(f, &g.two_signers, &g.primary_keyring, "2026-06-01T00:00:00Z");
            s.keyrings.push(g.subkey_keyring.clone());
            (s, verified(gpg::UID, &g.primary, None, DEMO_SHA256))
        },
    },
    // ---- hostile: each denied with its precise reason ----
    Case {
        name: "hostile/tampered-chart",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.chart.1 = f.read("tampered-chart/demo-0.1.0.tgz");
            (
                s,
                denied(format!(
                    "sha256 digest of demo-0.1.0.tgz does not match the provenance: provenance has {DEMO_SHA256}, chart has {TAMPERED_SHA256}"
                )),
            )
        },
    },
    Case {
        name: "hostile/tampered-prov-body",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.prov = Some(f.read("tampered-prov/demo-0.1.0.tgz.prov"));
            (s, denied(format!("bad signature: the signed text does not match the signature of key {RSA_FPR}")))
        },
    },
    Case {
        name: "hostile/prov-of-another-chart-version",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.chart.0 = "demo-0.1.1.tgz";
            (
                s,
                denied(
                    "provenance does not contain a digest for a file named demo-0.1.1.tgz (it names demo-0.1.0.tgz)",
                ),
            )
        },
    },
    Case {
        name: "hostile/prov-naming-another-file",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.other_file, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied(
                    "provenance does not contain a digest for a file named demo-0.1.0.tgz (it names other-0.1.0.tgz)",
                ),
            )
        },
    },
    Case {
        name: "hostile/signed-metadata-of-another-version",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.other_version, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied(
                    "chart file name demo-0.1.0.tgz does not match the signed chart metadata (name demo, version 0.2.0: expected demo-0.2.0.tgz)",
                ),
            )
        },
    },
    Case {
        name: "hostile/untrusted-key",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.keyrings = vec![f.eddsa()];
            (s, denied(format!("signature was made by key {RSA_FPR}, which is not in the keyring")))
        },
    },
    Case {
        name: "hostile/expired-subkey-at-now",
        needs_gpg: false,
        build: |f, _| {
            let s = Setup {
                chart: ("demo-0.1.0.tgz", f.read("eddsa-subkey-gpg/demo-0.1.0.tgz")),
                prov: Some(f.read("eddsa-subkey-gpg/demo-0.1.0.tgz.prov")),
                keyrings: vec![f.eddsa()],
                now: "2027-12-01T00:00:00Z",
            };
            (
                s,
                denied(format!(
                    "subkey {EDDSA_SUB_FPR} expired at 2027-11-22T19:17:29Z (verification time 2027-12-01T00:00:00Z)"
                )),
            )
        },
    },
    Case {
        name: "hostile/expired-primary-key-at-now",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.valid, &g.primary_keyring, "2027-02-01T00:00:00Z"),
                denied(format!(
                    "key {} expired at 2027-01-01T00:00:00Z (verification time 2027-02-01T00:00:00Z)",
                    g.primary
                )),
            )
        },
    },
    Case {
        name: "hostile/key-expired-before-signing",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.after_expiry, &g.shortened_keyring, "2026-06-01T00:00:00Z"),
                denied(format!(
                    "key {} expired at 2026-03-01T12:00:00Z, before the signature was made at 2026-04-01T00:00:00Z",
                    g.primary
                )),
            )
        },
    },
    Case {
        name: "hostile/key-expiry-shortened-by-newer-self-signature",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.valid, &g.shortened_keyring, "2026-06-01T00:00:00Z"),
                denied(format!(
                    "key {} expired at 2026-03-01T12:00:00Z (verification time 2026-06-01T00:00:00Z)",
                    g.primary
                )),
            )
        },
    },
    Case {
        name: "hostile/signature-before-key-existed",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.before_key, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied(format!(
                    "signature was made at 2025-12-01T00:00:00Z, before key {} was created at 2026-01-01T00:00:00Z",
                    g.primary
                )),
            )
        },
    },
    Case {
        name: "hostile/revoked-key",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.by_revoked, &g.revoked_keyring, "2026-06-01T00:00:00Z"),
                denied(format!("key {} is revoked", g.revoked)),
            )
        },
    },
    Case {
        name: "hostile/revoked-subkey",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.by_subkey, &g.subkey_revoked_keyring, "2026-06-01T00:00:00Z"),
                denied(format!("subkey {} of key {} is revoked", g.subkey, g.subkey_primary)),
            )
        },
    },
    Case {
        name: "hostile/weak-key-rsa1024",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.rsa1024.1, &g.rsa1024_keyring, "2026-06-01T00:00:00Z"),
                denied(format!("key {} is too weak: RSA-1024 (at least RSA-2048 is required)", g.rsa1024.0)),
            )
        },
    },
    Case {
        name: "hostile/dsa-key",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.dsa.1, &g.dsa_keyring, "2026-06-01T00:00:00Z"),
                denied(format!("key {} uses DSA, which is not accepted for signing charts", g.dsa.0)),
            )
        },
    },
    Case {
        name: "hostile/weak-hash-header-sha1",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("Hash: SHA512", "Hash: SHA1", 1)),
                denied(format!("provenance declares hash `SHA1` in its `Hash:` header; {ACCEPTED_HASHES}")),
            )
        },
    },
    Case {
        name: "hostile/weak-hash-header-md5",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("Hash: SHA512", "Hash: MD5", 1)),
                denied(format!("provenance declares hash `MD5` in its `Hash:` header; {ACCEPTED_HASHES}")),
            )
        },
    },
    Case {
        name: "hostile/weak-signature-hash-sha1",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            let prov =
                String::from_utf8(g.sha1_signature.clone()).expect("UTF-8").replacen("Hash: SHA1", "Hash: SHA512", 1);
            (
                signed_demo(f, prov.as_bytes(), &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied(format!("signature uses weak or unsupported hash algorithm SHA1; {ACCEPTED_HASHES}")),
            )
        },
    },
    Case {
        name: "hostile/weak-files-digest-sha1",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.sha1_files, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied("provenance gives a sha1 digest for demo-0.1.0.tgz; accepted: sha256, sha512"),
            )
        },
    },
    Case {
        name: "hostile/hash-header-disagrees-with-signature",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("Hash: SHA512", "Hash: SHA256", 1)),
                denied("signature hash algorithm SHA512 is not declared in the provenance's `Hash:` header"),
            )
        },
    },
    Case {
        name: "hostile/unsigned-text-before-block",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| format!("files:\n  evil-0.1.0.tgz: sha256:00\n{p}")),
                denied("provenance has unsigned text before `-----BEGIN PGP SIGNED MESSAGE-----`"),
            )
        },
    },
    Case {
        name: "hostile/unsigned-text-after-block",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| format!("{p}\nfiles:\n  evil-0.1.0.tgz: sha256:00\n")),
                denied("provenance has unsigned text after `-----END PGP SIGNATURE-----`"),
            )
        },
    },
    Case {
        name: "hostile/second-clear-signed-block-appended",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| format!("{p}\n{p}")),
                denied("provenance has unsigned text after `-----END PGP SIGNATURE-----`"),
            )
        },
    },
    Case {
        name: "hostile/unsigned-armor-header",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("Hash: SHA512\n", "Hash: SHA512\nComment: files: evil-0.1.0.tgz\n", 1)),
                denied("provenance has an unexpected armor header `Comment` (only `Hash` is allowed)"),
            )
        },
    },
    Case {
        name: "hostile/trailing-whitespace-outside-signature",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("version: 0.1.0\n", "version: 0.1.0   \n", 1)),
                denied("line 9 of the provenance ends in whitespace, which the signature does not cover"),
            )
        },
    },
    Case {
        name: "hostile/unescaped-dash-line",
        needs_gpg: false,
        build: |f, _| {
            let mut s = Setup {
                chart: ("dashy-0.1.0.tgz", f.read("dash-escape/dashy-0.1.0.tgz")),
                prov: None,
                keyrings: vec![f.rsa()],
                now: FIXTURE_NOW,
            };
            let prov = String::from_utf8(f.read("dash-escape/dashy-0.1.0.tgz.prov")).expect("UTF-8");
            s.prov = Some(prov.replacen("- - web", "-web", 1).into_bytes());
            (s, denied("line 10 of the provenance starts with `-` but is not dash-escaped"))
        },
    },
    Case {
        name: "hostile/detached-armored-signature",
        needs_gpg: false,
        build: |f, _| {
            let prov = f.demo_prov();
            let at = prov.find("-----BEGIN PGP SIGNATURE-----").expect("signature block");
            (
                f.demo_with(|_| prov[at..].to_string()),
                denied("provenance is a detached signature, not a clear-signed message"),
            )
        },
    },
    Case {
        name: "hostile/detached-binary-signature",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.binary_detached, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied("provenance is binary OpenPGP data, not a clear-signed message"),
            )
        },
    },
    Case {
        name: "hostile/unsigned-chart",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.prov = None;
            (s, denied("chart demo-0.1.0.tgz is not signed: no provenance file (.prov)"))
        },
    },
    Case {
        name: "hostile/empty-prov",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|_| String::new()),
                denied("provenance is not a clear-signed message: no `-----BEGIN PGP SIGNED MESSAGE-----` line"),
            )
        },
    },
    Case {
        name: "hostile/signature-from-the-future",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.now = "2026-11-01T00:00:00Z";
            (s, denied("signature was made at 2026-11-22T19:12:20Z, after the verification time 2026-11-01T00:00:00Z"))
        },
    },
    Case {
        name: "hostile/two-signatures-one-untrusted",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.two_signers, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied(format!(
                    "signature 2 of 2: signature was made by key {}, which is not in the keyring",
                    g.subkey
                )),
            )
        },
    },
    Case {
        name: "hostile/two-signatures-one-bad",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            let mut s = signed_demo(f, &g.two_signers, &g.primary_keyring, "2026-06-01T00:00:00Z");
            s.keyrings.push(g.subkey_keyring.clone());
            // Both signatures stay intact; the signed text changes under them.
            let prov = String::from_utf8(g.two_signers.clone()).expect("UTF-8");
            s.prov = Some(prov.replacen("type: application", "type: library", 1).into_bytes());
            (
                s,
                denied(format!(
                    "signature 1 of 2: bad signature: the signed text does not match the signature of key {}",
                    g.primary
                )),
            )
        },
    },
    Case {
        name: "hostile/expired-signature",
        needs_gpg: true,
        build: |f, g| {
            let g = gpg_material(g);
            (
                signed_demo(f, &g.expiring_signature, &g.primary_keyring, "2026-06-01T00:00:00Z"),
                denied("signature expired at 2026-02-02T00:00:00Z (verification time 2026-06-01T00:00:00Z)"),
            )
        },
    },
    Case {
        name: "hostile/tampered-chart-and-prov-digest",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p.replacen(&DEMO_SHA256[7..], &TAMPERED_SHA256[7..], 1));
            s.chart.1 = f.read("tampered-chart/demo-0.1.0.tgz");
            (s, denied(format!("bad signature: the signed text does not match the signature of key {RSA_FPR}")))
        },
    },
    Case {
        name: "hostile/prov-of-another-chart",
        needs_gpg: false,
        build: |f, _| {
            let mut s = f.demo_with(|p| p);
            s.prov = Some(f.read("dash-escape/dashy-0.1.0.tgz.prov"));
            (
                s,
                denied(
                    "provenance does not contain a digest for a file named demo-0.1.0.tgz (it names dashy-0.1.0.tgz)",
                ),
            )
        },
    },
    Case {
        name: "hostile/bare-carriage-return",
        needs_gpg: false,
        build: |f, _| {
            (
                f.demo_with(|p| p.replacen("type: application", "type: application\rversion: 9.9.9", 1)),
                denied("line 8 of the provenance holds a bare carriage return"),
            )
        },
    },
    Case {
        name: "hostile/signature-block-not-openpgp",
        needs_gpg: false,
        build: |f, _| {
            let prov = f.demo_prov();
            let at = prov.find("-----BEGIN PGP SIGNATURE-----\n\n").expect("signature block") + 31;
            let end = prov.find("-----END PGP SIGNATURE-----").expect("end");
            let garbled = format!("{}AAAAAAAA\n{}", &prov[..at], &prov[end..]);
            (
                f.demo_with(|_| garbled),
                denied("provenance signature block does not decode to OpenPGP signature packets"),
            )
        },
    },
    Case {
        name: "hostile/signature-block-not-base64",
        needs_gpg: false,
        build: |f, _| {
            let prov = f.demo_prov();
            let at = prov.find("-----BEGIN PGP SIGNATURE-----\n\n").expect("signature block") + 31;
            let garbled = format!("{}!!!!{}", &prov[..at], &prov[at..]);
            (f.demo_with(|_| garbled), denied("line 17 of the provenance is not base64 signature data"))
        },
    },
];

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let engine = Engine::new(palisade_cli::policy_set::engine_config()).expect("engine");
        palisade_cli::verify::load_policy(&engine).expect("the supply-chain policy loads")
    })
}

fn gpg_signed(fixtures: &Fixtures) -> Option<&'static Signed> {
    static SIGNED: OnceLock<Option<Signed>> = OnceLock::new();
    SIGNED.get_or_init(|| gpg::available().then(|| gpg::make(&fixtures.demo()))).as_ref()
}

fn run(case: &Case, fixtures: &Fixtures) -> Result<(), Failed> {
    let signed = if case.needs_gpg { gpg_signed(fixtures) } else { None };
    let (setup, expect) = (case.build)(fixtures, signed);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let chart = dir.path().join(setup.chart.0);
    write(&chart, &setup.chart.1)?;
    if let Some(prov) = &setup.prov {
        write(&dir.path().join(format!("{}.prov", setup.chart.0)), prov)?;
    }
    let mut keyrings = Vec::new();
    for (i, k) in setup.keyrings.iter().enumerate() {
        let path = dir.path().join(format!("keyring-{i}"));
        write(&path, k)?;
        keyrings.push(path);
    }
    let now_unix = palisade_core::time::parse_time(setup.now)?;
    let request = ChartRequest { chart, provenance: None, keyrings, now_unix };
    let verdict = palisade_cli::verify::verify_chart(policy(), &request).map_err(|e| format!("{e:#}"))?;
    let expected = match expect {
        Expect::Verified(v) => Verdict::Verified(v),
        Expect::Denied(reason) => Verdict::NotVerified(reason),
    };
    if verdict == expected { Ok(()) } else { Err(format!("expected {expected:?}\n     got {verdict:?}").into()) }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failed> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn main() {
    let args = Arguments::from_args();
    let fixtures =
        Arc::new(Fixtures { dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/helm-prov") });
    let has_gpg = gpg::available();
    let hostile = CASES.iter().filter(|c| c.name.starts_with("hostile/")).count();
    assert!(hostile >= 15, "the attack suite needs at least 15 hostile cases, has {hostile}");
    let trials = CASES
        .iter()
        .map(|case| {
            let fixtures = Arc::clone(&fixtures);
            Trial::test(case.name, move || run(case, &fixtures)).with_ignored_flag(case.needs_gpg && !has_gpg)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
