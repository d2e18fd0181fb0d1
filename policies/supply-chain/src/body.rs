//! The signed body of a Helm provenance file: chart metadata (YAML), a `...` line, then the
//! `files:` map (`<name>.tgz: sha256:<hex>`), as Helm's `parseMessageBlock` reads it.
//!
//! Helm runs a YAML parser over both parts; this reads only the shapes Helm writes (block
//! mappings, plain or single/double-quoted scalars) and refuses anything else, so the two can
//! never disagree about what was signed.

/// What the body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Top-level `name` of the chart metadata.
    pub name: String,
    /// Top-level `version` of the chart metadata.
    pub version: String,
    /// `files:` entries: file name → (algorithm, lowercase hex digest).
    pub files: Vec<(String, Digest)>,
}

/// One `files:` value, `sha256:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Algorithm as written (`sha256`).
    pub algorithm: String,
    /// Hex digest as written.
    pub hex: String,
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// Parse the signed text.
///
/// # Errors
/// A reason starting with `provenance body`.
pub fn parse(text: &str) -> Result<Body, String> {
    let mut parts = text.split("\n...\n");
    let (Some(metadata), Some(files), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("provenance body must hold chart metadata and a `files:` map separated by one `...` line".into());
    };
    let (name, version) = metadata_fields(metadata)?;
    Ok(Body { name, version, files: files_map(files)? })
}

/// Top-level `name` and `version`, each exactly once.
fn metadata_fields(metadata: &str) -> Result<(String, String), String> {
    let mut name = None;
    let mut version = None;
    for line in metadata.lines() {
        if line.starts_with([' ', '\t', '-', '#']) || line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("provenance body: chart metadata line `{line}` is not `key: value`"));
        };
        let slot = match key {
            "name" => &mut name,
            "version" => &mut version,
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!("provenance body: chart metadata has `{key}` twice"));
        }
        *slot = Some(scalar(value.trim_start()).map_err(|e| format!("provenance body: chart {key}: {e}"))?);
    }
    match (name, version) {
        (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => Ok((n, v)),
        _ => Err("provenance body: chart metadata lacks `name` or `version`".into()),
    }
}

/// `files:` followed by indented `name: algorithm:hex` lines.
fn files_map(files: &str) -> Result<Vec<(String, Digest)>, String> {
    let mut lines = files.lines();
    if lines.next() != Some("files:") {
        return Err("provenance body: the part after `...` must start with `files:`".into());
    }
    let mut out: Vec<(String, Digest)> = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let entry = line.strip_prefix("  ").filter(|e| !e.starts_with([' ', '\t']));
        let Some((key, value)) = entry.and_then(|e| e.split_once(": ")) else {
            return Err(format!("provenance body: `files:` line `{line}` is not `  <file>: <algorithm>:<hex>`"));
        };
        let file = scalar(key).map_err(|e| format!("provenance body: file name: {e}"))?;
        let value = scalar(value).map_err(|e| format!("provenance body: digest of {file}: {e}"))?;
        let Some((algorithm, hex)) = value.split_once(':') else {
            return Err(format!("provenance body: digest of {file} is not `<algorithm>:<hex>`"));
        };
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) || hex.is_empty() {
            return Err(format!("provenance body: digest of {file} is not hexadecimal"));
        }
        if out.iter().any(|(f, _)| *f == file) {
            return Err(format!("provenance body: `files:` names {file} twice"));
        }
        out.push((file, Digest { algorithm: algorithm.to_string(), hex: hex.to_string() }));
    }
    if out.is_empty() {
        return Err("provenance body: the `files:` map is empty".into());
    }
    Ok(out)
}

/// A plain, `'single'` or `"double"` quoted YAML scalar without escapes or comments.
fn scalar(raw: &str) -> Result<String, String> {
    let quoted = |q: char| raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q);
    let inner = if quoted('\'') || quoted('"') { &raw[1..raw.len() - 1] } else { raw };
    let special = inner.contains(['\\', '\'', '"', '#', '{', '}', '[', ']', '&', '*', '!', '|', '>', '%', '@', '`']);
    if special || inner.contains(": ") || inner.trim() != inner {
        return Err(format!("`{raw}` is not a simple scalar"));
    }
    Ok(inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_helm_body() {
        let text = "apiVersion: v2\nmaintainers:\n- - name: x\n  name: y\nname: demo\nversion: 0.1.0\n\n...\nfiles:\n  demo-0.1.0.tgz: sha256:ab12\n";
        assert_eq!(
            parse(text),
            Ok(Body {
                name: "demo".into(),
                version: "0.1.0".into(),
                files: vec![("demo-0.1.0.tgz".into(), Digest { algorithm: "sha256".into(), hex: "ab12".into() })],
            })
        );
    }

    #[test]
    fn refuses_odd_shapes() {
        let cases = [
            (
                "name: a\nversion: 1\n",
                "provenance body must hold chart metadata and a `files:` map separated by one `...` line",
            ),
            (
                "name: a\nname: b\nversion: 1\n...\nfiles:\n  a: sha256:00\n",
                "provenance body: chart metadata has `name` twice",
            ),
            (
                "name: a\nversion: 1\n...\nfiles:\n  a: sha256:00\n  a: sha256:01\n",
                "provenance body: `files:` names a twice",
            ),
            ("name: a\nversion: 1\n...\nfiles:\n  a: sha256:zz\n", "provenance body: digest of a is not hexadecimal"),
            (
                "name: a\nversion: 1\n...\nfiles: {a: b}\n",
                "provenance body: the part after `...` must start with `files:`",
            ),
            (
                "name: a\nversion: 1\n...\nfiles:\n    a: sha256:00\n",
                "provenance body: `files:` line `    a: sha256:00` is not `  <file>: <algorithm>:<hex>`",
            ),
            (
                "name: \"a\\x\"\nversion: 1\n...\nfiles:\n  a: sha256:00\n",
                "provenance body: chart name: `\"a\\x\"` is not a simple scalar",
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(parse(text), Err(reason.to_string()), "{text}");
        }
    }
}
