//! Robustness of the provenance path: the clear-sign framing, the signed body and keyring parsers
//! return a reason for any input and never panic (proptest), and random multi-byte damage to a
//! valid `.prov` never verifies. (`verify::tests` flips and deletes every single byte.)

use proptest::prelude::*;

use crate::keyring::Keyring;
use crate::settings::Settings;
use crate::verify::{Chart, verify};
use crate::{body, cleartext};

const NOW: u64 = 1_795_910_400; // 2026-11-28

struct Valid {
    chart: Vec<u8>,
    prov: Vec<u8>,
    keyring: Keyring,
}

fn fixture(path: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/helm-prov/");
    std::fs::read(format!("{dir}{path}")).unwrap()
}

fn valid() -> &'static Valid {
    static V: std::sync::OnceLock<Valid> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let mut keyring = Keyring::default();
        keyring.add("eddsa", &fixture("eddsa/pubring.gpg")).unwrap();
        Valid {
            chart: fixture("eddsa-subkey-gpg/demo-0.1.0.tgz"),
            prov: fixture("eddsa-subkey-gpg/demo-0.1.0.tgz.prov"),
            keyring,
        }
    })
}

fn check(prov: &[u8]) -> Result<(), String> {
    let v = valid();
    let chart = Chart { file_name: "demo-0.1.0.tgz", bytes: &v.chart, provenance: prov };
    verify(&chart, &v.keyring, &Settings::default(), NOW).map(|_| ())
}

/// Text shaped like a `.prov`: the armor lines, `Hash:` headers, YAML-ish body lines and base64,
/// in any order, so the generator reaches past the first framing check.
fn prov_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("-----BEGIN PGP SIGNED MESSAGE-----".to_string()),
        Just("-----BEGIN PGP SIGNATURE-----".to_string()),
        Just("-----END PGP SIGNATURE-----".to_string()),
        Just("Hash: SHA512".to_string()),
        Just("Hash: SHA1".to_string()),
        Just("...".to_string()),
        Just("files:".to_string()),
        Just(String::new()),
        "(- )?[a-z]{1,8}: ?[a-zA-Z0-9.:-]{0,20}",
        "  [a-z0-9.-]{1,12}\\.tgz: sha256:[0-9a-f]{0,64}",
        "[A-Za-z0-9+/]{0,64}={0,2}",
        "=[A-Za-z0-9+/]{4}",
        "[ -~\\t\\r]{0,40}",
    ];
    proptest::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
}

#[test]
fn the_valid_provenance_verifies() {
    assert_eq!(check(&valid().prov), Ok(()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn framing_body_and_keyring_never_panic_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(reason) = cleartext::parse(&data) {
            prop_assert!(!reason.is_empty());
        }
        if let Err(reason) = body::parse(&String::from_utf8_lossy(&data)) {
            prop_assert!(reason.starts_with("provenance body"), "{reason}");
        }
        if let Err(reason) = Keyring::default().add("fuzz", &data) {
            prop_assert!(reason.starts_with("keyring fuzz "), "{reason}");
        }
        prop_assert!(check(&data).is_err());
    }

    #[test]
    fn prov_shaped_text_never_panics_or_verifies(text in prov_like()) {
        if let Ok(message) = cleartext::parse(text.as_bytes()) {
            let _ = body::parse(&message.text);
        }
        prop_assert!(check(text.as_bytes()).is_err());
    }

    #[test]
    fn damaged_provenance_never_verifies(flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8)) {
        let v = valid();
        let text = std::str::from_utf8(&v.prov).unwrap();
        // RFC 9580 §6.1: a CRC24 footer that disagrees MUST NOT cause a rejection.
        let crc_start = text.rfind("\n=").unwrap() + 2;
        let crc = crc_start..crc_start + 4;
        let mut damaged = v.prov.clone();
        let mut outside_crc = false;
        for (at, xor) in flips {
            // The final line break belongs to no line; changing it is covered by `verify::tests`.
            let i = at.index(damaged.len() - 1);
            damaged[i] ^= xor;
            outside_crc |= !crc.contains(&i);
        }
        if outside_crc && damaged != v.prov {
            prop_assert!(check(&damaged).is_err(), "damaged provenance verified");
        }
    }

    #[test]
    fn keyrings_shaped_like_armor_never_panic(body in "[A-Za-z0-9+/=\\n]{0,400}", kind in "(PUBLIC KEY BLOCK|PRIVATE KEY BLOCK|SIGNATURE|MESSAGE)") {
        let armored = format!("-----BEGIN PGP {kind}-----\n\n{body}\n-----END PGP {kind}-----\n");
        if let Err(reason) = Keyring::default().add("fuzz", armored.as_bytes()) {
            prop_assert!(reason.starts_with("keyring fuzz "), "{reason}");
        }
    }
}
