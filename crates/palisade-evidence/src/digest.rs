//! `sha256:<hex>` digests.

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of `bytes`.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The hex part of a well-formed `sha256:<64 lowercase hex>` digest.
#[must_use]
pub fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then_some(hex)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(super::sha256(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn only_lowercase_sha256_digests_have_hex() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(super::sha256_hex(&format!("sha256:{hex}")), Some(hex));
        assert_eq!(super::sha256_hex(&format!("sha256:{}", hex.to_uppercase())), None);
        assert_eq!(super::sha256_hex(&format!("sha512:{hex}")), None);
        assert_eq!(super::sha256_hex("sha256:../../etc/passwd"), None);
    }
}
