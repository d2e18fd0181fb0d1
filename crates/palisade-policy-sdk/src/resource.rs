//! One Kubernetes object as a policy sees it: its JSON text, parsed on first use.
//!
//! Most policies read only some kinds (pods and workloads, namespaces), and a policy without
//! settings may read none. Parsing every object into a [`Value`] up front cost each policy as
//! much as its rules, so an object is parsed when a rule first asks for its [`Resource::json`].
//! [`Resource::kind`] is read from the text without parsing, so filtering by kind parses nothing.

use std::cell::OnceCell;
use std::ops::Range;

use serde_json::Value;

/// One Kubernetes object handed to a policy.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Index to report findings against.
    pub index: u32,
    /// The JSON text from the host; empty when built from a value.
    text: String,
    /// The parsed object (`null` when the text is not JSON; see [`Resource::invalid`]).
    json: OnceCell<Value>,
    /// Why the text is not JSON, once [`Resource::json`] found out.
    invalid: OnceCell<String>,
    /// `kind`, once asked for: rules filter by it over and over.
    kind: OnceCell<Kind>,
}

/// Where [`Resource::kind`] found the kind.
#[derive(Debug, Clone)]
enum Kind {
    /// This range of the text (empty: no kind).
    Text(Range<usize>),
    /// The parsed object's.
    Parsed(String),
}

impl Resource {
    /// A resource from an already parsed object (tests, fixtures).
    #[must_use]
    pub fn new(index: u32, json: Value) -> Self {
        Self { index, text: String::new(), json: OnceCell::from(json), invalid: OnceCell::new(), kind: OnceCell::new() }
    }

    /// A resource from the host's JSON text, parsed when first read.
    #[must_use]
    pub fn from_text(index: u32, text: String) -> Self {
        Self { index, text, json: OnceCell::new(), invalid: OnceCell::new(), kind: OnceCell::new() }
    }

    /// The object. Text that is not JSON reads as `null`, and [`Resource::invalid`] says why; the
    /// SDK turns that into an error of the whole evaluation.
    #[must_use]
    pub fn json(&self) -> &Value {
        self.json.get_or_init(|| {
            serde_json::from_str(&self.text).unwrap_or_else(|e| {
                let _ = self.invalid.set(format!("resource {} is not valid JSON: {e}", self.index));
                Value::Null
            })
        })
    }

    /// Whether the object has been parsed (or was built from a value).
    #[must_use]
    pub fn is_parsed(&self) -> bool {
        self.json.get().is_some()
    }

    /// Why the text is not JSON, if reading it found that out.
    #[must_use]
    pub fn invalid(&self) -> Option<&str> {
        self.invalid.get().map(String::as_str)
    }

    /// `kind`, or `""`. Read from the text without parsing it when the object is not parsed yet
    /// (the first top-level `kind` member counts; hosts never send duplicate keys).
    #[must_use]
    pub fn kind(&self) -> &str {
        let kind = self.kind.get_or_init(|| {
            if !self.is_parsed()
                && let Some(found) = top_level_string(&self.text, "kind")
            {
                return Kind::Text(found.unwrap_or_default());
            }
            Kind::Parsed(self.json().get("kind").and_then(Value::as_str).unwrap_or("").to_string())
        });
        match kind {
            Kind::Text(range) => &self.text[range.clone()],
            Kind::Parsed(kind) => kind,
        }
    }

    /// `apiVersion`, or `""`.
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.json().get("apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata("name").unwrap_or("")
    }

    /// `metadata.namespace`, if set.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.metadata("namespace")
    }

    fn metadata(&self, field: &str) -> Option<&str> {
        self.json().get("metadata")?.get(field)?.as_str()
    }

    /// Keep the parsed object of `earlier` when it was read from the same text, so `requests`
    /// and `evaluate` on one instance parse each object once.
    pub(crate) fn reuse(&mut self, earlier: Self) {
        if earlier.is_parsed() && earlier.index == self.index && earlier.text == self.text {
            *self = earlier;
        }
    }
}

/// Where the string value of top-level member `key` of a JSON object text is, without parsing
/// it: `Some(Some(range))` when found and free of escapes, `Some(None)` when the object has no such
/// member, `None` when the answer needs a real parse (not an object, an escaped or non-string
/// value, malformed text).
fn top_level_string(text: &str, key: &str) -> Option<Option<Range<usize>>> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(None);
    }
    loop {
        let (name, after) = plain_string(bytes, at)?;
        at = skip_space(bytes, after);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(bytes, at + 1);
        if bytes[name.clone()] == *key.as_bytes() {
            let (value, _) = plain_string(bytes, at)?;
            // Both ends are next to a `"`, so the range is on character boundaries.
            return Some(Some(value));
        }
        at = skip_space(bytes, skip_value(bytes, at)?);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some(None),
            _ => return None,
        }
    }
}

/// The contents and end of a string starting at `at`; `None` if it is not a string or has escapes.
fn plain_string(bytes: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let len = bytes.get(at + 1..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
    let end = at + 1 + len;
    (bytes[end] == b'"').then(|| (at + 1..end, end + 1))
}

/// The end of the JSON value starting at `at` (strings, nesting and escapes respected; scalars
/// are not checked, which a later parse does).
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    loop {
        match *bytes.get(i)? {
            b'"' => i = skip_string(bytes, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                i += 1;
            }
            b',' | b'}' | b']' if depth == 0 => return (i > at).then_some(i),
            _ => i += 1,
        }
        if depth == 0 && i > at && !matches!(bytes.get(i), Some(b) if is_scalar_byte(*b)) {
            return Some(i);
        }
    }
}

/// Bytes that continue a number or literal (`true`, `-1.5e3`).
fn is_scalar_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// The index after the string starting at `at` (which is `"`).
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i += bytes.get(i..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
        if bytes[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind_of(text: &str) -> String {
        Resource::from_text(0, text.into()).kind().to_string()
    }

    #[test]
    fn kind_is_read_without_parsing() {
        let r = Resource::from_text(
            0,
            r#"{"apiVersion":"v1","metadata":{"kind":"x","a":[1,{"kind":"y"}]},"kind":"Pod"}"#.into(),
        );
        assert_eq!(r.kind(), "Pod");
        assert!(!r.is_parsed());
        assert_eq!(r.name(), "");
        assert!(r.is_parsed());
    }

    #[test]
    fn kind_matches_a_full_parse() {
        for text in [
            r#"{"kind":"Pod"}"#,
            r#" { "a" : 1 , "kind" : "Service" } "#,
            r#"{"a":-1.5e3,"b":true,"c":null,"d":"x\"}","kind":"Job"}"#,
            r#"{"a":{"b":[[],{}],"c":"]"},"kind":"Deployment"}"#,
            r#"{"kind":"Esc\u0061ped"}"#,
            r#"{"ki\u006ed":"Pod"}"#,
            r#"{"kind":7}"#,
            r#"{"kind":null}"#,
            r#"{"apiVersion":"v1"}"#,
            "{}",
            "[]",
            r#"{"a":1 "kind":"Pod"}"#,
            "not json",
            "",
        ] {
            let parsed = serde_json::from_str::<Value>(text).ok();
            let expected = parsed.as_ref().and_then(|v| v.get("kind")).and_then(Value::as_str).unwrap_or("");
            assert_eq!(kind_of(text), expected, "{text}");
        }
    }

    #[test]
    fn kind_does_not_check_the_rest_of_the_text() {
        let r = Resource::from_text(0, r#"{"kind":"Pod""#.into());
        assert_eq!(r.kind(), "Pod");
        assert_eq!(r.json(), &Value::Null);
        assert!(r.invalid().is_some());
    }

    #[test]
    fn text_that_is_not_json_reads_as_null_and_says_why() {
        let r = Resource::from_text(3, "{".into());
        assert_eq!(r.json(), &Value::Null);
        assert!(r.invalid().is_some_and(|e| e.starts_with("resource 3 is not valid JSON")), "{:?}", r.invalid());
        assert_eq!(Resource::new(0, json!({"kind": "Pod"})).invalid(), None);
    }

    #[test]
    fn a_parse_is_reused_only_for_the_same_text() {
        let text = r#"{"kind":"Pod","metadata":{"name":"a"}}"#;
        let earlier = Resource::from_text(0, text.into());
        assert_eq!(earlier.name(), "a");
        let mut same = Resource::from_text(0, text.into());
        same.reuse(earlier.clone());
        assert!(same.is_parsed());
        let mut other = Resource::from_text(0, r#"{"kind":"Pod","metadata":{"name":"b"}}"#.into());
        other.reuse(earlier);
        assert!(!other.is_parsed());
        assert_eq!(other.name(), "b");
    }
}
