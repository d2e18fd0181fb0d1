//! One Kubernetes object as a policy sees it: its JSON text, parsed on first use.
//!
//! Most policies read only some kinds (pods and workloads, namespaces), and a policy without
//! settings may read none. Parsing every object into a [`Value`] up front cost each policy as
//! much as its rules, so an object is parsed when a rule first asks for its [`Resource::json`].
//! Until then [`Resource::kind`], [`Resource::api_version`] and [`Resource::string_at`] read the
//! text without parsing it, and [`Resource::metadata`] parses just the metadata: filtering by
//! kind, or reading names and labels of every object, leaves large bodies (CRD schemas) unparsed.

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
    kind: OnceCell<Found>,
    /// `apiVersion`, once asked for.
    api_version: OnceCell<Found>,
    /// `metadata` parsed on its own, while the object is not parsed.
    metadata: OnceCell<Value>,
}

/// Where a top-level string member was found.
#[derive(Debug, Clone)]
enum Found {
    /// This range of the text (empty: no such member).
    Text(Range<usize>),
    /// The parsed object's.
    Parsed(String),
}

/// `null`, for absent members.
static NULL: Value = Value::Null;

impl Resource {
    /// A resource from an already parsed object (tests, fixtures).
    #[must_use]
    pub fn new(index: u32, json: Value) -> Self {
        Self { json: OnceCell::from(json), ..Self::from_text(index, String::new()) }
    }

    /// A resource from the host's JSON text, parsed when first read.
    #[must_use]
    pub fn from_text(index: u32, text: String) -> Self {
        Self {
            index,
            text,
            json: OnceCell::new(),
            invalid: OnceCell::new(),
            kind: OnceCell::new(),
            api_version: OnceCell::new(),
            metadata: OnceCell::new(),
        }
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

    /// `kind`, or `""`. Read from the text, once, when the object is not parsed yet (the first
    /// `kind` member counts; hosts never send duplicate keys).
    #[must_use]
    pub fn kind(&self) -> &str {
        self.top_level(&self.kind, "kind")
    }

    /// `apiVersion`, or `""`; read like [`Resource::kind`].
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.top_level(&self.api_version, "apiVersion")
    }

    fn top_level<'a>(&'a self, cell: &'a OnceCell<Found>, key: &str) -> &'a str {
        let found = cell.get_or_init(|| {
            if !self.is_parsed()
                && let Some(found) = string_span(&self.text, &[key])
            {
                return Found::Text(found.unwrap_or_default());
            }
            Found::Parsed(self.json().get(key).and_then(Value::as_str).unwrap_or("").to_string())
        });
        match found {
            Found::Text(range) => &self.text[range.clone()],
            Found::Parsed(value) => value,
        }
    }

    /// The string at `path` (e.g. `["spec", "scope"]`), if there is one; read from the text
    /// without parsing it when the object is not parsed yet.
    #[must_use]
    pub fn string_at(&self, path: &[&str]) -> Option<&str> {
        if !self.is_parsed()
            && let Some(found) = string_span(&self.text, path)
        {
            return found.map(|range| &self.text[range]);
        }
        path.iter().try_fold(self.json(), |value, key| value.get(key))?.as_str()
    }

    /// `metadata`, or `null`. While the object is not parsed, only its metadata is.
    #[must_use]
    pub fn metadata(&self) -> &Value {
        if let Some(json) = self.json.get() {
            return json.get("metadata").unwrap_or(&NULL);
        }
        if let Some(metadata) = self.metadata.get() {
            return metadata;
        }
        match member_span(self.text.as_bytes(), 0, "metadata") {
            Some(None) => self.metadata.get_or_init(|| Value::Null),
            Some(Some(span)) => match serde_json::from_str(&self.text[span]) {
                Ok(metadata) => self.metadata.get_or_init(|| metadata),
                // The full parse says why.
                Err(_) => self.json().get("metadata").unwrap_or(&NULL),
            },
            None => self.json().get("metadata").unwrap_or(&NULL),
        }
    }

    /// `metadata.name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata().get("name").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.namespace`, if set.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.metadata().get("namespace").and_then(Value::as_str)
    }

    /// Keep the parsed object of `earlier` when it was read from the same text, so `requests`
    /// and `evaluate` on one instance parse each object once.
    pub(crate) fn reuse(&mut self, earlier: Self) {
        if earlier.is_parsed() && earlier.index == self.index && earlier.text == self.text {
            *self = earlier;
        }
    }
}

/// The span of the value of member `key` of the JSON object whose text starts at `at` (after
/// any space), without parsing: `Some(Some(span))` when found, `Some(None)` when the object has no
/// such member, `None` when the answer needs a real parse (not an object, an escaped key,
/// malformed text).
fn member_span(bytes: &[u8], at: usize, key: &str) -> Option<Option<Range<usize>>> {
    let mut at = skip_space(bytes, at);
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
        let end = skip_value(bytes, at)?;
        if bytes[name] == *key.as_bytes() {
            return Some(Some(at..end));
        }
        at = skip_space(bytes, end);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some(None),
            _ => return None,
        }
    }
}

/// Where the string at `path` of a JSON object text is, without parsing: `Some(Some(range))` when
/// found and free of escapes, `Some(None)` when a member on the path is absent, `None` when the
/// answer needs a real parse (see [`member_span`]; also a value that is not a plain string).
fn string_span(text: &str, path: &[&str]) -> Option<Option<Range<usize>>> {
    let bytes = text.as_bytes();
    let mut span = 0..bytes.len();
    for key in path {
        match member_span(bytes, span.start, key)? {
            Some(found) => span = found,
            None => return Some(None),
        }
    }
    // Both ends are next to a `"`, so the range is on character boundaries.
    let (value, end) = plain_string(bytes, span.start)?;
    (end == span.end).then_some(Some(value))
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
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn kind_is_read_without_parsing() {
        let r = Resource::from_text(
            0,
            r#"{"apiVersion":"v1","metadata":{"kind":"x","a":[1,{"kind":"y"}]},"kind":"Pod"}"#.into(),
        );
        assert_eq!(r.kind(), "Pod");
        assert!(!r.is_parsed());
        assert_eq!(r.json()["kind"], "Pod");
        assert!(r.is_parsed());
    }

    /// Texts with the members in odd places: nested look-alikes, escapes, other value types,
    /// malformed and non-JSON text.
    const TEXTS: [&str; 18] = [
        r#"{"kind":"Pod"}"#,
        r#" { "a" : 1 , "kind" : "Service", "apiVersion" : "v1" } "#,
        r#"{"a":-1.5e3,"b":true,"c":null,"d":"x\"}","kind":"Job","metadata":{"name":"j"}}"#,
        r#"{"a":{"b":[[],{}],"c":"]"},"kind":"Deployment","spec":{"x":{"scope":"no"},"scope":"Cluster"}}"#,
        r#"{"kind":"Esc\u0061ped","apiVersion":"v\u0031"}"#,
        r#"{"ki\u006ed":"Pod","metad\u0061ta":{"name":"x"}}"#,
        r#"{"kind":7,"apiVersion":["v1"],"metadata":"m","spec":[]}"#,
        r#"{"kind":null,"metadata":null,"spec":{"scope":null}}"#,
        r#"{"apiVersion":"v1","metadata":{"name":"a","labels":{"k":"v"}},"spec":{"scope":5}}"#,
        r#"{"metadata":{"name":"n\"q","namespace":"ns"},"spec":{"names":{"kind":"Widget"}}}"#,
        "{}",
        "[]",
        r#""kind""#,
        r#"{"a":1 "kind":"Pod"}"#,
        r#"{"metadata":{"name":"a",}}"#,
        r#"{"metadata":{"name":"a"},"kind":"Pod","#,
        "not json",
        "",
    ];

    #[test]
    fn text_reads_match_a_full_parse() {
        for text in TEXTS {
            let parsed = Resource::new(0, serde_json::from_str(text).unwrap_or(Value::Null));
            let fresh = || Resource::from_text(0, text.into());
            if serde_json::from_str::<Value>(text).is_err() {
                // Broken text: no panic, whatever is read (see kind_does_not_check_the_rest_of_the_text).
                let r = fresh();
                let _ = (r.kind(), r.api_version(), r.metadata(), r.string_at(&["spec", "scope"]), r.name());
                continue;
            }
            assert_eq!(fresh().kind(), parsed.kind(), "{text}");
            assert_eq!(fresh().api_version(), parsed.api_version(), "{text}");
            assert_eq!(fresh().metadata(), parsed.metadata(), "{text}");
            assert_eq!(fresh().name(), parsed.name(), "{text}");
            assert_eq!(fresh().namespace(), parsed.namespace(), "{text}");
            for path in [&["spec", "scope"][..], &["spec", "names", "kind"], &["metadata", "name"], &["kind"], &[]] {
                assert_eq!(fresh().string_at(path), parsed.string_at(path), "{text} {path:?}");
            }
        }
    }

    /// JSON values whose keys are often the ones the text reads look for, at any depth, with
    /// strings that need escaping.
    fn values() -> impl Strategy<Value = Value> {
        let key =
            prop::sample::select(vec!["kind", "apiVersion", "metadata", "spec", "scope", "names", "name", "a", "k\"q"]);
        let string =
            prop::sample::select(vec!["Pod", "v1", "", "Cluster", "a\"b", "}]{[,:", "\\", "é\u{1F600}", "\n\t"]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6..1e6f64).prop_map(Value::from),
            string.prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Whatever JSON the host sends, compact or pretty, reading it without parsing gives what
        /// a full parse gives.
        #[test]
        fn text_reads_match_a_full_parse_on_generated_objects(value in values(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            // Against a parse of the text (floats need not read back as the exact value written).
            let parsed = Resource::new(0, serde_json::from_str(&text).unwrap());
            let fresh = || Resource::from_text(0, text.clone());
            // Each read on its own fresh resource, so none is answered from an earlier one's parse.
            let (kind, api_version, metadata, name) = (fresh(), fresh(), fresh(), fresh());
            prop_assert_eq!(kind.kind(), parsed.kind());
            prop_assert_eq!(api_version.api_version(), parsed.api_version());
            prop_assert_eq!(metadata.metadata(), parsed.metadata());
            prop_assert_eq!(name.name(), parsed.name());
            for path in [&["spec", "scope"][..], &["spec", "names", "kind"], &["metadata", "name"], &["kind"]] {
                let at = fresh();
                prop_assert_eq!(at.string_at(path), parsed.string_at(path));
            }
            // Without escapes nothing forces a full parse, except a kind that is not a string.
            if parsed.json().is_object() && !text.contains('\\') {
                prop_assert!(!metadata.is_parsed());
                let odd_kind = !matches!(parsed.json().get("kind"), None | Some(Value::String(_)));
                prop_assert_eq!(kind.is_parsed(), odd_kind);
            }
        }
    }

    #[test]
    fn metadata_and_strings_are_read_without_parsing_the_body() {
        let r = Resource::from_text(
            0,
            r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"w"},"spec":{"versions":[{"schema":{"x":["}"]}}],"scope":"Cluster"}}"#.into(),
        );
        assert_eq!((r.kind(), r.api_version(), r.name()), ("CustomResourceDefinition", "apiextensions.k8s.io/v1", "w"));
        assert_eq!(r.string_at(&["spec", "scope"]), Some("Cluster"));
        assert_eq!(r.string_at(&["spec", "group"]), None);
        assert!(!r.is_parsed());
        assert_eq!(r.json()["spec"]["scope"], "Cluster");
        assert_eq!(r.name(), "w");
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
        assert_eq!(earlier.json()["metadata"]["name"], "a");
        let mut same = Resource::from_text(0, text.into());
        same.reuse(earlier.clone());
        assert!(same.is_parsed());
        let mut other = Resource::from_text(0, r#"{"kind":"Pod","metadata":{"name":"b"}}"#.into());
        other.reuse(earlier);
        assert!(!other.is_parsed());
        assert_eq!(other.name(), "b");
    }
}
