//! Strict framing of an OpenPGP clear-signed message (RFC 4880 §7, RFC 9580 §7).
//!
//! Only the framing is parsed here; the signature packets are decoded by rPGP. Anything the
//! signature does not cover and that could change what a reader sees is refused: text before or
//! after the block, armor headers other than `Hash:`, lines that start with `-` without being
//! dash-escaped, lines ending in whitespace, bare carriage returns.

const BEGIN_MESSAGE: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// The parts of a clear-signed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearSigned {
    /// Digest names from the `Hash:` headers, as written (`SHA512`); empty when there is none.
    pub hashes: Vec<String>,
    /// The signed text, dash-unescaped, lines joined with `\n`.
    pub text: String,
    /// The armored signature block, `BEGIN` to `END` line inclusive.
    pub signature: String,
}

/// Split a `.prov` into header, signed text and signature block.
///
/// # Errors
/// A reason naming what is wrong with the framing.
pub fn parse(bytes: &[u8]) -> Result<ClearSigned, String> {
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("provenance is binary OpenPGP data, not a clear-signed message".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "provenance is not valid UTF-8 text".to_string())?;
    let mut lines = Lines::new(text)?;
    match lines.next() {
        Some(BEGIN_MESSAGE) => {}
        Some(BEGIN_SIGNATURE) => {
            return Err("provenance is a detached signature, not a clear-signed message".into());
        }
        Some(_) if text.contains(BEGIN_MESSAGE) => {
            return Err(format!("provenance has unsigned text before `{BEGIN_MESSAGE}`"));
        }
        _ => return Err(format!("provenance is not a clear-signed message: no `{BEGIN_MESSAGE}` line")),
    }
    let hashes = headers(&mut lines)?;
    let text = signed_text(&mut lines)?;
    let signature = signature_block(&mut lines)?;
    Ok(ClearSigned { hashes, text, signature })
}

/// `Hash:` headers up to the blank line.
fn headers(lines: &mut Lines<'_>) -> Result<Vec<String>, String> {
    let mut hashes = Vec::new();
    loop {
        let Some(line) = lines.next() else {
            return Err("provenance ends inside the clear-signed header".into());
        };
        if line.is_empty() {
            return Ok(hashes);
        }
        let Some((key, value)) = line.split_once(": ") else {
            return Err(format!("provenance has a malformed armor header line `{line}`"));
        };
        if key != "Hash" {
            return Err(format!("provenance has an unexpected armor header `{key}` (only `Hash` is allowed)"));
        }
        hashes.extend(value.split(',').map(|h| h.trim().to_string()));
    }
}

/// Lines up to the `BEGIN PGP SIGNATURE` line, dash-unescaped.
fn signed_text(lines: &mut Lines<'_>) -> Result<String, String> {
    let mut text: Vec<&str> = Vec::new();
    loop {
        let number = lines.number + 1;
        let Some(line) = lines.next() else {
            return Err(format!("provenance has no `{BEGIN_SIGNATURE}` block"));
        };
        if line == BEGIN_SIGNATURE {
            return Ok(text.join("\n"));
        }
        let unescaped = match line.strip_prefix("- ") {
            Some(rest) => rest,
            None if line.starts_with('-') => {
                return Err(format!("line {number} of the provenance starts with `-` but is not dash-escaped"));
            }
            None => line,
        };
        if unescaped.ends_with([' ', '\t']) {
            return Err(format!(
                "line {number} of the provenance ends in whitespace, which the signature does not cover"
            ));
        }
        text.push(unescaped);
    }
}

/// The armored signature, and nothing but line breaks after it. The armor is checked here
/// (headers, base64 alphabet, optional checksum line) so a damaged block gets a precise reason.
fn signature_block(lines: &mut Lines<'_>) -> Result<String, String> {
    let mut block = vec![BEGIN_SIGNATURE];
    let mut in_headers = true;
    loop {
        let number = lines.number + 1;
        let Some(line) = lines.next() else {
            return Err(format!("provenance signature block has no `{END_SIGNATURE}` line"));
        };
        block.push(line);
        if line == END_SIGNATURE {
            break;
        }
        if in_headers {
            in_headers = !line.is_empty();
            match line.split_once(": ") {
                _ if line.is_empty() => {}
                Some(("Version" | "Comment", _)) => {}
                _ => return Err(format!("line {number} of the provenance is not a valid signature armor header")),
            }
        } else if !is_base64_line(line) {
            return Err(format!("line {number} of the provenance is not base64 signature data"));
        }
    }
    if lines.any(|l| !l.is_empty()) {
        return Err(format!("provenance has unsigned text after `{END_SIGNATURE}`"));
    }
    Ok(block.join("\n") + "\n")
}

/// A line of base64 data (padding only at its end) or the `=XXXX` checksum line.
fn is_base64_line(line: &str) -> bool {
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
    if let Some(crc) = line.strip_prefix('=') {
        return crc.len() == 4 && crc.bytes().all(alphabet);
    }
    let data = line.trim_end_matches('=');
    !data.is_empty() && line.len() - data.len() <= 2 && data.bytes().all(alphabet)
}

/// Lines split at `\n` or `\r\n`, counted from 1.
struct Lines<'a> {
    inner: std::str::Split<'a, char>,
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        if let Some(at) = bytes.iter().enumerate().position(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            let line = text[..at].split('\n').count();
            return Err(format!("line {line} of the provenance holds a bare carriage return"));
        }
        Ok(Lines { inner: text.split('\n'), number: 0 })
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let line = self.inner.next()?;
        self.number += 1;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----";

    fn prov(text: &str) -> String {
        format!("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{text}\n{SIG}")
    }

    #[test]
    fn splits_and_unescapes() {
        let parsed = parse(prov("a: b\n- - x\n- -----BEGIN PGP SIGNATURE-----\n").as_bytes());
        assert_eq!(
            parsed,
            Ok(ClearSigned {
                hashes: vec!["SHA512".into()],
                text: "a: b\n- x\n-----BEGIN PGP SIGNATURE-----\n".into(),
                signature: format!("{SIG}\n"),
            })
        );
    }

    #[test]
    fn crlf_is_a_line_break() {
        let crlf = prov("a\n").replace('\n', "\r\n");
        assert_eq!(parse(crlf.as_bytes()).map(|c| c.text), Ok("a\n".into()));
    }

    #[test]
    fn refuses_ambiguity() {
        let cases = [
            (prov("-x"), "line 4 of the provenance starts with `-` but is not dash-escaped"),
            (prov("x "), "line 4 of the provenance ends in whitespace, which the signature does not cover"),
            (prov("x\ry"), "line 4 of the provenance holds a bare carriage return"),
            (
                prov("x").replace("Hash: SHA512", "Comment: hi"),
                "provenance has an unexpected armor header `Comment` (only `Hash` is allowed)",
            ),
            (format!("hi\n{}", prov("x")), "provenance has unsigned text before `-----BEGIN PGP SIGNED MESSAGE-----`"),
            (format!("{}\nmore", prov("x")), "provenance has unsigned text after `-----END PGP SIGNATURE-----`"),
            (SIG.to_string(), "provenance is a detached signature, not a clear-signed message"),
            ("x".to_string(), "provenance is not a clear-signed message: no `-----BEGIN PGP SIGNED MESSAGE-----` line"),
        ];
        for (input, reason) in cases {
            assert_eq!(parse(input.as_bytes()), Err(reason.to_string()), "{input}");
        }
        assert_eq!(
            parse(&[0xc2, 0x01]),
            Err("provenance is binary OpenPGP data, not a clear-signed message".to_string())
        );
    }
}
