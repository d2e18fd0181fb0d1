//! Throw-away `GnuPG` keys and signatures for the attack suite, made once per run in a temporary
//! `GNUPGHOME` with a faked clock (`--faked-system-time`), so every time in an expected message
//! is fixed. The agent gpg starts is stopped before the directory is removed.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{DEMO_SHA256, DEMO_SHA512};

/// User ID of every throw-away key.
pub const UID: &str = "Attack Signer <attack@example.test>";

/// Everything the gpg-backed cases need.
pub struct Signed {
    /// Fingerprint of the Ed25519 primary key `A` (created 2026-01-01, expires 2027-01-01).
    pub primary: String,
    /// `A` as exported before its expiry was shortened.
    pub primary_keyring: Vec<u8>,
    /// `A` after a later self-signature moved its expiry to 2026-03-01 12:00 UTC.
    pub shortened_keyring: Vec<u8>,
    /// Helm-style body for `demo-0.1.0.tgz`, signed by `A` on 2026-02-01.
    pub valid: Vec<u8>,
    /// The same with a `sha512:` digest.
    pub sha512_files: Vec<u8>,
    /// `files:` names `other-0.1.0.tgz`, signed by `A`.
    pub other_file: Vec<u8>,
    /// Metadata says version 0.2.0, `files:` names `demo-0.1.0.tgz`, signed by `A`.
    pub other_version: Vec<u8>,
    /// `files:` gives a `sha1:` digest, signed by `A`.
    pub sha1_files: Vec<u8>,
    /// Valid body, signature hash SHA-1.
    pub sha1_signature: Vec<u8>,
    /// Valid body signed by `A` on 2026-04-01, after the expiry its newest self-signature sets.
    pub after_expiry: Vec<u8>,
    /// Valid body signed by `A` on 2026-02-01 with a signature that expires after one day.
    pub expiring_signature: Vec<u8>,
    /// Valid body signed on 2025-12-01, before `A` existed.
    pub before_key: Vec<u8>,
    /// A binary detached signature of the chart by `A`.
    pub binary_detached: Vec<u8>,
    /// Fingerprint of key `V`, revoked after it signed.
    pub revoked: String,
    /// Valid body signed by `V`.
    pub by_revoked: Vec<u8>,
    /// `V` with its revocation.
    pub revoked_keyring: Vec<u8>,
    /// Fingerprint of key `S`, whose signing subkey is revoked after it signed.
    pub subkey_primary: String,
    /// Fingerprint of that subkey.
    pub subkey: String,
    /// Valid body signed by the subkey.
    pub by_subkey: Vec<u8>,
    /// `S` before the subkey was revoked.
    pub subkey_keyring: Vec<u8>,
    /// `S` with the subkey revocation.
    pub subkey_revoked_keyring: Vec<u8>,
    /// Fingerprint of an RSA-1024 key, and a valid body it signed.
    pub rsa1024: (String, Vec<u8>),
    /// Its keyring.
    pub rsa1024_keyring: Vec<u8>,
    /// Fingerprint of a DSA-2048 key, and a valid body it signed.
    pub dsa: (String, Vec<u8>),
    /// Its keyring.
    pub dsa_keyring: Vec<u8>,
    /// Valid body clear-signed by `A` and by the subkey of `S`, in that order.
    pub two_signers: Vec<u8>,
}

/// Whether `gpg` runs here.
pub fn available() -> bool {
    Command::new("gpg").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn body(version: &str, file: &str, digest: &str) -> String {
    format!(
        "apiVersion: v2\nappVersion: 1.16.0\ndescription: A Helm chart for Kubernetes\nname: demo\ntype: application\n\
         version: {version}\n\n...\nfiles:\n  {file}: {digest}\n"
    )
}

/// A `GNUPGHOME` to run gpg in (also used by `tests/verify_remote.rs` to sign charts with Helm).
pub struct Gpg<'a> {
    /// The directory.
    pub home: &'a Path,
}

impl Gpg<'_> {
    /// Run gpg at a faked time; panics (fails the trial) on error.
    pub fn run(&self, at: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut child = Command::new("gpg")
            .env("GNUPGHOME", self.home)
            .args(["--batch", "--no-tty", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(["--faked-system-time", at, "--ignore-time-conflict"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg runs");
        child.stdin.take().expect("stdin").write_all(stdin).expect("write to gpg");
        let out = child.wait_with_output().expect("gpg finishes");
        assert!(out.status.success(), "gpg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// A new key of `algorithm` (`ed25519`, `rsa1024`, ...) that signs and certifies, expiring
    /// one year after `at`; its fingerprint.
    pub fn key(&self, at: &str, name: &str, algorithm: &str) -> String {
        let uid = if name == "A" { UID.to_string() } else { format!("Signer {name} <{name}@example.test>") };
        self.run(at, &["--quick-gen-key", &uid, algorithm, "sign", "1y"], b"");
        self.fingerprints(&uid)[0].clone()
    }

    /// Primary and subkey fingerprints of the key with this user ID.
    fn fingerprints(&self, uid: &str) -> Vec<String> {
        let out = self.run("20260101T000000", &["--with-colons", "--list-keys", uid], b"");
        String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|l| l.strip_prefix("fpr:::::::::").and_then(|f| f.strip_suffix(':')))
            .map(str::to_string)
            .collect()
    }

    fn clearsign(&self, at: &str, signers: &[&str], digest: &str, text: &str) -> Vec<u8> {
        let mut args = vec!["--clearsign", "--digest-algo", digest];
        let ids: Vec<String> = signers.iter().map(|s| format!("{s}!")).collect();
        for id in &ids {
            args.extend(["-u", id.as_str()]);
        }
        self.run(at, &args, text.as_bytes())
    }

    pub fn export(&self, fpr: &str) -> Vec<u8> {
        self.run("20260101T000000", &["--export", fpr], b"")
    }
}

/// Make every key and signature; `chart` is `demo-0.1.0.tgz`.
pub fn make(chart: &[u8]) -> Signed {
    let dir = tempfile::tempdir().expect("temporary GNUPGHOME");
    let g = Gpg { home: dir.path() };
    let feb = "20260201T000000";
    let valid_body = body("0.1.0", "demo-0.1.0.tgz", DEMO_SHA256);

    let primary = g.key("20260101T000000", "A", "ed25519");
    let primary_keyring = g.export(&primary);
    let sign = |text: &str| g.clearsign(feb, &[&primary], "SHA256", text);
    let valid = sign(&valid_body);
    let sha512_files = sign(&body("0.1.0", "demo-0.1.0.tgz", DEMO_SHA512));
    let other_file = sign(&body("0.1.0", "other-0.1.0.tgz", DEMO_SHA256));
    let other_version = sign(&body("0.2.0", "demo-0.1.0.tgz", DEMO_SHA256));
    let sha1_files = sign(&body("0.1.0", "demo-0.1.0.tgz", "sha1:0e1a8a3fbf30cb1a8e3b2de3b9e1b1f7c4c0e5a2"));
    let sha1_signature = g.clearsign(feb, &[&primary], "SHA1", &valid_body);
    let after_expiry = g.clearsign("20260401T000000", &[&primary], "SHA256", &valid_body);
    let expiring_signature = g.run(
        feb,
        &["--clearsign", "--digest-algo", "SHA256", "--default-sig-expire", "1d", "-u", &format!("{primary}!")],
        valid_body.as_bytes(),
    );
    let before_key = g.clearsign("20251201T000000", &[&primary], "SHA256", &valid_body);
    let binary_detached = g.run(feb, &["--detach-sign", "-u", &format!("{primary}!")], chart);

    let revoked = g.key("20260101T000000", "V", "ed25519");
    let by_revoked = g.clearsign(feb, &[&revoked], "SHA256", &valid_body);
    let cert = std::fs::read_to_string(dir.path().join(format!("openpgp-revocs.d/{revoked}.rev"))).expect("rev cert");
    g.run("20260301T000000", &["--import"], cert.replace(":-----BEGIN", "-----BEGIN").as_bytes());
    let revoked_keyring = g.export(&revoked);

    let subkey_primary = g.key("20260101T000000", "S", "ed25519");
    g.run("20260102T000000", &["--quick-add-key", &subkey_primary, "ed25519", "sign", "1y"], b"");
    let subkey = g.fingerprints("S@example.test")[1].clone();
    let by_subkey = g.clearsign(feb, &[&subkey], "SHA256", &valid_body);
    let two_signers = g.clearsign(feb, &[&primary, &subkey], "SHA256", &valid_body);
    let subkey_keyring = g.export(&subkey_primary);
    let edit = ["--command-fd", "0", "--edit-key", &subkey_primary];
    g.run("20260301T000000", &edit, b"key 1\nrevkey\ny\n0\n\ny\nsave\n");
    let subkey_revoked_keyring = g.export(&subkey_primary);

    let weak = |name: &str, algorithm: &str| {
        let fpr = g.key("20260101T000000", name, algorithm);
        let signed = g.clearsign(feb, &[&fpr], "SHA256", &valid_body);
        let keyring = g.export(&fpr);
        ((fpr, signed), keyring)
    };
    let (rsa1024, rsa1024_keyring) = weak("R", "rsa1024");
    let (dsa, dsa_keyring) = weak("D", "dsa2048");

    // Last: a newer self-signature of A moves its expiry before the February signatures.
    g.run("20260215T000000", &["--quick-set-expire", &primary, "2026-03-01"], b"");
    let shortened_keyring = g.export(&primary);

    let _ = Command::new("gpgconf").env("GNUPGHOME", dir.path()).args(["--kill", "gpg-agent"]).status();
    Signed {
        primary,
        primary_keyring,
        shortened_keyring,
        valid,
        sha512_files,
        other_file,
        other_version,
        sha1_files,
        sha1_signature,
        after_expiry,
        expiring_signature,
        before_key,
        binary_detached,
        revoked,
        by_revoked,
        revoked_keyring,
        subkey_primary,
        subkey,
        by_subkey,
        subkey_keyring,
        subkey_revoked_keyring,
        rsa1024,
        rsa1024_keyring,
        dsa,
        dsa_keyring,
        two_signers,
    }
}
