//! Kubernetes manifests from text: multi-document YAML, JSON, `kind: List`, `helm template` output.
//!
//! Each object keeps its file, document number, source positions and — for `helm template`
//! output — the chart template it came from (the `# Source:` comment before it).

use std::sync::Arc;

use crate::yaml::{self, Limits, Node, Pos, Value};

/// Bounds on one input.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Largest input accepted, in bytes.
    pub max_bytes: u64,
    /// YAML limits per document.
    pub yaml: Limits,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits { max_bytes: 64 * 1024 * 1024, yaml: Limits::default() }
    }
}

/// Identity of an object, as `kubectl` would name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct ObjectRef {
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`).
    pub name: String,
}

/// One Kubernetes object read from an input.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Display name of the input (path, or `<stdin>`).
    pub file: Arc<str>,
    /// 1-based document number in the input.
    pub document: usize,
    /// The object's identity.
    pub object: ObjectRef,
    /// The object after Kubernetes' YAML decoding, as compact JSON text.
    pub json: String,
    /// The chart template it was rendered from (`# Source:` comment), if known.
    pub source: Option<Arc<str>>,
    node: Arc<Node>,
}

impl Resource {
    /// Line and column of the field at a JSON pointer (or of its deepest existing ancestor).
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Pos {
        self.node.locate(pointer).0
    }

    /// The object's YAML tree, with positions.
    #[must_use]
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Where the object starts.
    #[must_use]
    pub fn pos(&self) -> Pos {
        self.node.pos
    }
}

/// An input that could not be read, or one document of it that is not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct InputError {
    /// Display name of the input.
    pub file: Arc<str>,
    /// Line the problem is at (1 when it concerns the whole input).
    pub line: u32,
    /// What is wrong, lowercase.
    pub message: String,
}

/// Something legal that Kubernetes may read differently from what the author meant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputWarning {
    /// Display name of the input.
    pub file: Arc<str>,
    /// Line.
    pub line: u32,
    /// Column.
    pub column: u32,
    /// What.
    pub message: String,
}

/// Everything read from one input.
#[derive(Debug, Clone, Default)]
pub struct ParsedInput {
    /// The objects, in order.
    pub resources: Vec<Resource>,
    /// Documents or the whole input that could not be read.
    pub errors: Vec<InputError>,
    /// Readings worth a second look.
    pub warnings: Vec<InputWarning>,
}

/// Check that raw bytes are a text manifest within limits and decode them.
///
/// # Errors
/// Too large, binary (NUL bytes) or not UTF-8, with the line of the first offending byte.
pub fn decode(file: &Arc<str>, bytes: &[u8], limits: &InputLimits) -> Result<String, InputError> {
    let err = |line: u32, message: String| InputError { file: file.clone(), line, message };
    if bytes.len() as u64 > limits.max_bytes {
        return Err(err(1, format!("input larger than the limit of {} bytes", limits.max_bytes)));
    }
    #[expect(clippy::naive_bytecount, reason = "only on the error path")]
    let line_of = |offset: usize| -> u32 {
        u32::try_from(bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1).unwrap_or(u32::MAX)
    };
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(err(line_of(offset), "binary input (NUL byte), not a YAML or JSON manifest".into()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string()),
        Err(e) => Err(err(line_of(e.valid_up_to()), "input is not valid UTF-8".into())),
    }
}

/// Parse a manifest stream into objects. Errors in one document do not hide the others, except
/// a YAML syntax error, after which the rest of the stream cannot be trusted.
#[must_use]
pub fn parse(file: &Arc<str>, text: &str, limits: &InputLimits) -> ParsedInput {
    let mut out = ParsedInput::default();
    let docs = match yaml::parse_stream(text, limits.yaml) {
        Ok(docs) => docs,
        Err(e) => {
            let message = e.to_string();
            let message = message.split_once(": ").map_or(message.clone(), |(_, m)| m.to_string());
            out.errors.push(InputError { file: file.clone(), line: e.line(), message });
            return out;
        }
    };
    let sources = helm_sources(text);
    let mut previous_line = 0;
    for (i, doc) in docs.into_iter().enumerate() {
        let number = i + 1;
        for a in doc.ambiguities {
            out.warnings.push(InputWarning {
                file: file.clone(),
                line: a.pos.line,
                column: a.pos.column,
                message: a.message,
            });
        }
        let Some(root) = doc.root else { continue };
        let source = source_for(&sources, previous_line, root.pos.line);
        previous_line = root.pos.line;
        add_document(&mut out, file, number, root, source);
    }
    out
}

/// Read one object given as JSON (an admission request's object) as [`parse`] reads a
/// one-document manifest, without going through text.
#[must_use]
pub fn from_json(file: &Arc<str>, value: &serde_json::Value) -> ParsedInput {
    let mut out = ParsedInput::default();
    add_document(&mut out, file, 1, Node::from_json(value), None);
    out
}

/// The object(s) of document `number`: nothing for an empty one, an error unless a mapping.
fn add_document(out: &mut ParsedInput, file: &Arc<str>, number: usize, root: Node, source: Option<Arc<str>>) {
    match &root.value {
        Value::Null => {}
        Value::Map(_) => add_object(out, file, number, root, source),
        other => out.errors.push(InputError {
            file: file.clone(),
            line: root.pos.line,
            message: format!("document {number} is {}, not a Kubernetes object (a mapping)", describe(other)),
        }),
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Str(_) => "a string",
        Value::Seq(_) => "a sequence",
        Value::Map(_) => "a mapping",
    }
}

fn add_object(out: &mut ParsedInput, file: &Arc<str>, number: usize, node: Node, source: Option<Arc<str>>) {
    let str_at = |n: &Node, key: &str| n.get(key).and_then(Node::as_str).map(str::to_string);
    let kind = str_at(&node, "kind");
    let api_version = str_at(&node, "apiVersion");
    let (Some(kind), Some(api_version)) = (kind, api_version) else {
        let missing = if str_at(&node, "kind").is_none() { "kind" } else { "apiVersion" };
        out.errors.push(InputError {
            file: file.clone(),
            line: node.pos.line,
            message: format!("document {number} is not a Kubernetes object: missing string `{missing}`"),
        });
        return;
    };
    if kind.ends_with("List") && matches!(node.get("items").map(|n| &n.value), Some(Value::Seq(_))) {
        let Value::Map(entries) = node.value else { return };
        let items = entries.into_iter().find(|e| e.key == "items").map(|e| e.value.value);
        if let Some(Value::Seq(items)) = items {
            for item in items {
                if matches!(item.value, Value::Null) {
                    continue;
                }
                if matches!(item.value, Value::Map(_)) {
                    add_object(out, file, number, item, source.clone());
                } else {
                    out.errors.push(InputError {
                        file: file.clone(),
                        line: item.pos.line,
                        message: format!(
                            "an item of the {kind} in document {number} is {}, not an object",
                            describe(&item.value)
                        ),
                    });
                }
            }
        }
        return;
    }
    let metadata = node.get("metadata");
    let meta = |key: &str| metadata.and_then(|m| str_at(m, key));
    let object = ObjectRef {
        api_version,
        kind,
        namespace: meta("namespace"),
        name: meta("name").or_else(|| meta("generateName")).unwrap_or_default(),
    };
    let mut json = String::new();
    node.write_json(&mut json);
    out.resources.push(Resource { file: file.clone(), document: number, object, json, source, node: Arc::new(node) });
}

/// `# Source: chart/templates/x.yaml` comments with their line numbers, in order.
fn helm_sources(text: &str) -> Vec<(u32, Arc<str>)> {
    const MARK: &str = "# Source: ";
    let mut out = Vec::new();
    // Line numbers are counted only between marks (one pass over the text, no per-line search).
    let (mut line, mut counted) = (1usize, 0);
    // `#` is rare outside comments; a byte search for it is much faster than one for MARK.
    for (at, _) in text.match_indices('#') {
        if !text[at..].starts_with(MARK) || (at > 0 && text.as_bytes()[at - 1] != b'\n') {
            continue;
        }
        line += newlines(&text.as_bytes()[counted..at]);
        counted = at;
        let rest = &text[at + MARK.len()..];
        let path = rest[..rest.find('\n').unwrap_or(rest.len())].trim();
        out.push((u32::try_from(line).unwrap_or(u32::MAX), Arc::from(path)));
    }
    out
}

#[expect(clippy::naive_bytecount, reason = "the compiler vectorizes this loop; no extra crate needed")]
fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The last `# Source:` comment after the previous object and before this one.
fn source_for(sources: &[(u32, Arc<str>)], after: u32, before: u32) -> Option<Arc<str>> {
    let end = sources.partition_point(|(line, _)| *line <= before);
    sources[..end].last().filter(|(line, _)| *line > after).map(|(_, s)| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> ParsedInput {
        parse(&Arc::from("x.yaml"), text, &InputLimits::default())
    }

    #[test]
    fn helm_template_output_maps_sources() {
        let text = "---\n# Source: app/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\n# Source: app/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n  namespace: demo\n";
        let p = parse_str(text);
        assert!(p.errors.is_empty());
        let got: Vec<_> = p
            .resources
            .iter()
            .map(|r| (r.object.name.as_str(), r.document, r.source.as_deref(), r.pos().line))
            .collect();
        assert_eq!(
            got,
            vec![("a", 1, Some("app/templates/sa.yaml"), 3), ("b", 2, Some("app/templates/deploy.yaml"), 9)]
        );
    }

    #[test]
    fn json_objects_read_as_their_text_does() {
        let text = r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"replicas":2,"ratio":1.5,"big":18446744073709551615,"on":true,"none":null,"list":[{"a":"x"}]}}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let from_text = parse_str(text);
        let from_value = from_json(&Arc::from("x.yaml"), &value);
        let json = |p: &ParsedInput| -> Vec<serde_json::Value> {
            p.resources.iter().map(|r| serde_json::from_str(&r.json).unwrap()).collect()
        };
        assert_eq!(json(&from_value), json(&from_text));
        assert_eq!(from_value.resources[0].object, from_text.resources[0].object);
        let list = from_json(&Arc::from("x"), &serde_json::json!([1]));
        assert_eq!(list.errors[0].message, "document 1 is a sequence, not a Kubernetes object (a mapping)");
    }

    #[test]
    fn sources_are_only_comments_at_line_starts() {
        let text = "# Source: a.yaml\nx: 1 # Source: not.yaml\n\n# Source: b.yaml \r\n";
        assert_eq!(helm_sources(text), vec![(1, Arc::from("a.yaml")), (4, Arc::from("b.yaml"))]);
    }

    #[test]
    fn lists_json_and_bad_documents() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}, 3]}\n---\n- a\n---\nfoo: bar\n---\n";
        let p = parse_str(text);
        assert_eq!(p.resources.len(), 1);
        assert_eq!(p.resources[0].object.kind, "Pod");
        let errors: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            vec![
                "x.yaml:1: an item of the List in document 1 is a number, not an object",
                "x.yaml:3: document 2 is a sequence, not a Kubernetes object (a mapping)",
                "x.yaml:5: document 3 is not a Kubernetes object: missing string `kind`",
            ]
        );
    }

    #[test]
    fn binary_and_invalid_utf8_are_refused() {
        let f: Arc<str> = Arc::from("b.bin");
        let limits = InputLimits::default();
        assert_eq!(
            decode(&f, b"a: 1\n\0", &limits).unwrap_err().to_string(),
            "b.bin:2: binary input (NUL byte), not a YAML or JSON manifest"
        );
        assert_eq!(
            decode(&f, b"a: 1\nb: \xff\n", &limits).unwrap_err().to_string(),
            "b.bin:2: input is not valid UTF-8"
        );
        let small = InputLimits { max_bytes: 3, ..InputLimits::default() };
        assert_eq!(
            decode(&f, b"abcd", &small).unwrap_err().to_string(),
            "b.bin:1: input larger than the limit of 3 bytes"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let p = parse_str("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.starts_with("invalid YAML"), "{}", p.errors[0]);
    }
}
