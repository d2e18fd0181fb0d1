//! A YAML loader that keeps source positions and decodes scalars the way Kubernetes does.
//!
//! `kubectl` and Helm send what `sigs.k8s.io/yaml` makes of a manifest: YAML 1.1 scalar rules
//! (`yes`/`on` are booleans, `0777` is octal), merge keys (`<<`), non-string keys turned into
//! strings, and the last of duplicate keys winning. This loader reproduces that reading, records
//! the line and column of every node, and reports what the two readings would disagree on.
//!
//! Bounded by design: nesting depth and the number of nodes after alias expansion are capped, so
//! an alias bomb or a deeply nested document is an error, not an out-of-memory.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

mod simple;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in a source file, 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, starting at 1.
    pub line: u32,
    /// Column in characters, starting at 1.
    pub column: u32,
}

impl Pos {
    /// Line 1, column 1.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn from_marker(m: Marker) -> Self {
        Pos { line: saturate(m.line()), column: saturate(m.col() + 1) }
    }
}

fn earliest(a: Pos, b: Pos) -> Pos {
    if (b.line, b.column) < (a.line, a.column) { b } else { a }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A decoded YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// A mapping entry; `key_pos` is where the key is written (the line a user looks for).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key, as Kubernetes' decoder turns it into a string.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

/// The JSON data model, with positions kept on children.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A YAML 1.1 boolean.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in source order, keys unique (the last duplicate wins, as in Kubernetes).
    Map(Vec<Entry>),
}

/// Limits that keep hostile input bounded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes one document may expand to, aliases counted at their expanded size.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 64, max_nodes: 1_000_000 }
    }
}

/// Why a YAML stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// The text is not valid YAML.
    #[error("{pos_line}:{pos_col}: invalid YAML: {message}")]
    Syntax {
        /// Line of the error.
        pos_line: u32,
        /// Column of the error.
        pos_col: u32,
        /// What the parser said.
        message: String,
    },
    /// A limit of [`Limits`] was exceeded.
    #[error("{pos_line}:{pos_col}: {message}")]
    Limit {
        /// Line where the limit was hit.
        pos_line: u32,
        /// Column where the limit was hit.
        pos_col: u32,
        /// Which limit.
        message: String,
    },
}

impl YamlError {
    /// The line the error points at.
    #[must_use]
    pub fn line(&self) -> u32 {
        match self {
            YamlError::Syntax { pos_line, .. } | YamlError::Limit { pos_line, .. } => *pos_line,
        }
    }

    fn limit(pos: Pos, message: impl Into<String>) -> Self {
        YamlError::Limit { pos_line: pos.line, pos_col: pos.column, message: message.into() }
    }
}

/// Something the Kubernetes reading of the document makes differently from a naive one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlDocument {
    /// Where the document's content starts (`None` for an empty document).
    pub root: Option<Node>,
    /// Line of the document start (the `---` line, or the first content line).
    pub start_line: u32,
    /// Things a reader should know about (duplicate keys, YAML 1.1 booleans written as words).
    pub ambiguities: Vec<Ambiguity>,
}

/// Parse every document of a YAML stream.
///
/// Block-style text of the kind Helm and kubectl write is read by a fast reader ([`simple`]);
/// anything it does not handle (and every error) goes through `yaml-rust2`, so results and error
/// messages are those of `yaml-rust2` either way.
///
/// # Errors
/// Returns the first syntax error or exceeded limit, with its position.
pub fn parse_stream(text: &str, limits: Limits) -> Result<Vec<YamlDocument>, YamlError> {
    if let Some(events) = simple::events(text, limits.max_depth)
        && let Ok(docs) = load(events.into_iter().map(Ok), limits)
    {
        return Ok(docs);
    }
    parse_stream_reference(text, limits)
}

/// [`parse_stream`] with `yaml-rust2` only: the reference the fast reader is tested against.
///
/// # Errors
/// As [`parse_stream`].
#[doc(hidden)]
pub fn parse_stream_reference(text: &str, limits: Limits) -> Result<Vec<YamlDocument>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let events = std::iter::from_fn(move || {
        Some(parser.next_token().map(|(event, marker)| (event, Pos::from_marker(marker))).map_err(|e| {
            let pos = Pos::from_marker(*e.marker());
            YamlError::Syntax { pos_line: pos.line, pos_col: pos.column, message: e.info().to_string() }
        }))
    });
    load(events, limits)
}

/// Whether the fast reader handles `text` by itself (for tests and benchmarks).
#[doc(hidden)]
#[must_use]
pub fn fast_path_reads(text: &str) -> bool {
    simple::events(text, Limits::default().max_depth).is_some()
}

/// Build the documents of a stream of parser events.
fn load<I>(events: I, limits: Limits) -> Result<Vec<YamlDocument>, YamlError>
where
    I: Iterator<Item = Result<(Event, Pos), YamlError>>,
{
    let mut loader = Loader { events, limits, anchors: HashMap::new() };
    let mut docs = Vec::new();
    loop {
        let (event, pos) = loader.next()?;
        match event {
            Event::StreamEnd => return Ok(docs),
            Event::DocumentStart => {
                let start_line = pos.line;
                loader.anchors.clear();
                let mut doc = DocState { nodes: 0, ambiguities: Vec::new() };
                let root = loader.document(&mut doc)?;
                docs.push(YamlDocument { root, start_line, ambiguities: doc.ambiguities });
            }
            _ => {}
        }
    }
}

struct Loader<I> {
    events: I,
    limits: Limits,
    /// Anchored nodes and their expanded node count.
    anchors: HashMap<usize, (Node, usize)>,
}

struct DocState {
    nodes: usize,
    ambiguities: Vec<Ambiguity>,
}

/// A container being built.
enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
        start_nodes: usize,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(Node, bool)>,
        merges: Vec<Node>,
        /// The keys of `entries`, once there are many (duplicate checks stay linear).
        keys: HashSet<String>,
        start_nodes: usize,
    },
}

impl<I: Iterator<Item = Result<(Event, Pos), YamlError>>> Loader<I> {
    fn next(&mut self) -> Result<(Event, Pos), YamlError> {
        self.events.next().unwrap_or_else(|| {
            Err(YamlError::Syntax { pos_line: 0, pos_col: 0, message: "unexpected end of events".into() })
        })
    }

    fn count(&self, doc: &mut DocState, n: usize, pos: Pos) -> Result<(), YamlError> {
        doc.nodes = doc.nodes.saturating_add(n);
        if doc.nodes > self.limits.max_nodes {
            return Err(YamlError::limit(
                pos,
                format!("document expands to more than {} nodes (alias bomb?)", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    #[expect(clippy::too_many_lines, reason = "one event loop; splitting it would scatter the stack handling")]
    /// Read one document, iteratively (no recursion, so depth is only bounded by the limit).
    fn document(&mut self, doc: &mut DocState) -> Result<Option<Node>, YamlError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        loop {
            // A plain, untagged `<<` is a YAML 1.1 merge key; a quoted one is an ordinary key.
            let mut plain_merge = false;
            let (event, pos) = self.next()?;
            let finished: Node = match event {
                Event::DocumentEnd => return Ok(root),
                Event::StreamEnd | Event::DocumentStart | Event::StreamStart | Event::Nothing => {
                    return Err(YamlError::Syntax {
                        pos_line: pos.line,
                        pos_col: pos.column,
                        message: "unexpected end of document".into(),
                    });
                }
                Event::Scalar(text, style, anchor, tag) => {
                    self.count(doc, 1, pos)?;
                    plain_merge = text == "<<" && style == TScalarStyle::Plain && tag.is_none();
                    let value = resolve_scalar(text, style, tag.as_ref(), pos, &mut doc.ambiguities);
                    let node = Node { pos, value };
                    if anchor > 0 {
                        self.anchors.insert(anchor, (node.clone(), 1));
                    }
                    node
                }
                Event::Alias(id) => {
                    let Some((node, size)) = self.anchors.get(&id).cloned() else {
                        return Err(YamlError::Syntax {
                            pos_line: pos.line,
                            pos_col: pos.column,
                            message: "alias to an unknown anchor".into(),
                        });
                    };
                    self.count(doc, size, pos)?;
                    node
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if stack.len() >= self.limits.max_depth {
                        return Err(YamlError::limit(
                            pos,
                            format!("nesting deeper than {} levels", self.limits.max_depth),
                        ));
                    }
                    self.count(doc, 1, pos)?;
                    let start_nodes = doc.nodes;
                    stack.push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq { pos, anchor, items: Vec::new(), start_nodes }
                    } else {
                        Frame::Map {
                            pos,
                            anchor,
                            entries: Vec::new(),
                            pending_key: None,
                            merges: Vec::new(),
                            keys: HashSet::new(),
                            start_nodes,
                        }
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = stack.pop() else {
                        return Err(YamlError::Syntax {
                            pos_line: pos.line,
                            pos_col: pos.column,
                            message: "unbalanced collection end".into(),
                        });
                    };
                    let (node, anchor, start_nodes) = match frame {
                        Frame::Seq { pos, anchor, items, start_nodes } => {
                            (Node { pos, value: Value::Seq(items) }, anchor, start_nodes)
                        }
                        Frame::Map { pos, anchor, mut entries, merges, start_nodes, .. } => {
                            apply_merges(&mut entries, merges);
                            // A block mapping's start event can come after its first key.
                            let pos = entries.first().map_or(pos, |e| earliest(pos, e.key_pos));
                            (Node { pos, value: Value::Map(entries) }, anchor, start_nodes)
                        }
                    };
                    if anchor > 0 {
                        let size = doc.nodes - start_nodes + 1;
                        self.anchors.insert(anchor, (node.clone(), size));
                    }
                    node
                }
            };
            match stack.last_mut() {
                None => root = Some(finished),
                Some(Frame::Seq { items, .. }) => items.push(finished),
                Some(Frame::Map { entries, pending_key, merges, keys, .. }) => match pending_key.take() {
                    None => *pending_key = Some((finished, plain_merge)),
                    Some((key, is_merge)) => {
                        let key_pos = key.pos;
                        if is_merge {
                            merges.push(finished);
                            continue;
                        }
                        let key = key_string(key).map_err(|m| YamlError::Syntax {
                            pos_line: key_pos.line,
                            pos_col: key_pos.column,
                            message: m,
                        })?;
                        if let Some(i) = find_key(entries, keys, &key) {
                            doc.ambiguities.push(Ambiguity {
                                pos: key_pos,
                                message: format!(
                                    "duplicate key `{key}` (first at line {}); Kubernetes keeps the last",
                                    entries[i].key_pos.line
                                ),
                            });
                            entries.remove(i);
                        }
                        entries.push(Entry { key, key_pos, value: finished });
                    }
                },
            }
        }
    }
}

/// Where `key` already is in `entries`; `keys` mirrors the keys of long mappings, so that each
/// check is a hash lookup instead of a scan.
fn find_key(entries: &[Entry], keys: &mut HashSet<String>, key: &str) -> Option<usize> {
    const SCAN: usize = 16;
    if entries.len() >= SCAN {
        if keys.is_empty() {
            keys.extend(entries.iter().map(|e| e.key.clone()));
        }
        if keys.insert(key.to_string()) {
            return None;
        }
    }
    entries.iter().position(|e| e.key == key)
}

/// Merged entries fill in keys the mapping does not set itself; earlier merge sources win.
fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    for source in merges {
        let maps: Vec<Node> = match source.value {
            Value::Seq(items) => items,
            other => vec![Node { pos: source.pos, value: other }],
        };
        for map in maps {
            if let Value::Map(extra) = map.value {
                for e in extra {
                    if !entries.iter().any(|x| x.key == e.key) {
                        entries.push(e);
                    }
                }
            }
        }
    }
}

fn key_string(key: Node) -> Result<String, String> {
    Ok(match key.value {
        Value::Str(s) => s,
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(f),
        Value::Seq(_) | Value::Map(_) => return Err("a mapping key must be a scalar".into()),
    })
}

/// Formats a float the way Go's `strconv.FormatFloat(f, 'g', -1, 64)` would for common values.
fn format_float(f: f64) -> String {
    if f.is_infinite() {
        if f > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else if f.is_nan() {
        "NaN".into()
    } else {
        f.to_string()
    }
}

const TRUE_WORDS: &[&str] = &["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"];
const FALSE_WORDS: &[&str] = &["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"];

fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>, pos: Pos, notes: &mut Vec<Ambiguity>) -> Value {
    if let Some(tag) = tag
        && (tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:")
    {
        match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => return Value::Str(text),
            "null" => return Value::Null,
            _ => {}
        }
    }
    if style != TScalarStyle::Plain {
        return Value::Str(text);
    }
    let Some(value) = resolve_plain(&text) else { return Value::Str(text) };
    if let Value::Bool(b) = value
        && text != "true"
        && text != "false"
    {
        notes.push(Ambiguity {
            pos,
            message: format!(
                "`{text}` is the boolean {b} in Kubernetes (YAML 1.1), a string in YAML 1.2; quote it if a string is meant"
            ),
        });
    }
    if let Value::Int(i) = value
        && text.len() > 1
        && text.starts_with('0')
        && text.bytes().all(|c| c.is_ascii_digit())
    {
        notes.push(Ambiguity {
            pos,
            message: format!("`{text}` is the octal number {i} in Kubernetes (YAML 1.1), decimal in YAML 1.2"),
        });
    }
    value
}

/// YAML 1.1 resolution of a plain scalar, after go-yaml v2's `resolve`; `None` for a string.
fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Value::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    if TRUE_WORDS.contains(&text) {
        return Some(Value::Bool(true));
    }
    if FALSE_WORDS.contains(&text) {
        return Some(Value::Bool(false));
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int(&plain) {
        return Some(Value::Int(i));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

/// `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`, `0o`, `0b`, leading-`0` octal or decimal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if neg { -magnitude } else { magnitude }).ok()
}

/// go-yaml's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl Node {
    /// Convert to `serde_json::Value` (non-finite floats become strings, as JSON has none).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or_else(|| J::String(format_float(*f)), J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect()),
        }
    }

    /// A node tree for a JSON value that has no source text (an admission request's object):
    /// every position is line 1, column 1.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        let value = match value {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n.as_i64().map_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN)), Value::Int),
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::Seq(items.iter().map(Node::from_json).collect()),
            J::Object(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Entry { key: k.clone(), key_pos: Pos::START, value: Node::from_json(v) })
                    .collect(),
            ),
        };
        Node { pos: Pos::START, value }
    }

    /// Append this value as compact JSON text (what [`Node::to_json`] would serialize to).
    pub fn write_json(&self, out: &mut String) {
        match &self.value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => {
                    let _ = write!(out, "{n}");
                }
                None => write_json_str(out, &format_float(*f)),
            },
            Value::Str(s) => write_json_str(out, s),
            Value::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_str(out, &e.key);
                    out.push(':');
                    e.value.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// The mapping value under `key`, if this is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The node at an RFC 6901 JSON pointer, if it exists.
    #[must_use]
    pub fn at(&self, pointer: &str) -> Option<&Node> {
        let (node, _, complete) = self.walk(pointer);
        complete.then_some(node)
    }

    /// The string value, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Position of the deepest existing node along an RFC 6901 JSON pointer; for a mapping entry,
    /// the position of its key. Returns the position and whether the whole pointer resolved.
    #[must_use]
    pub fn locate(&self, pointer: &str) -> (Pos, bool) {
        let (_, pos, complete) = self.walk(pointer);
        (pos, complete)
    }

    /// Follow a JSON pointer as far as it resolves: the deepest node reached, its position (the
    /// key's, for a mapping entry), and whether every token resolved.
    fn walk(&self, pointer: &str) -> (&Node, Pos, bool) {
        let mut node = self;
        let mut pos = self.pos;
        let Some(tokens) = pointer.strip_prefix('/') else { return (node, pos, pointer.is_empty()) };
        for raw in tokens.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find(|e| e.key == token).map(|e| (e.key_pos, &e.value)),
                Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)).map(|n| (n.pos, n)),
                _ => None,
            };
            let Some((p, n)) = next else { return (node, pos, false) };
            pos = p;
            node = n;
        }
        (node, pos, true)
    }
}

/// A JSON string literal, escaped per RFC 8259.
fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    // Every character JSON escapes is ASCII, so bytes can be scanned without decoding UTF-8.
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> serde_json::Value {
        let docs = parse_stream(text, Limits::default()).unwrap();
        docs[0].root.as_ref().unwrap().to_json()
    }

    #[test]
    fn yaml_1_1_scalars() {
        let v = one(
            "a: yes\nb: Off\nc: 0777\nd: 0x1F\ne: 1_000\nf: 1.5e3\ng: ~\nh: '0777'\ni: .inf\nj: 12:30\nk: -0b101\n",
        );
        assert_eq!(
            v,
            serde_json::json!({"a": true, "b": false, "c": 511, "d": 31, "e": 1000, "f": 1500.0, "g": null,
                               "h": "0777", "i": "+Inf", "j": "12:30", "k": -5})
        );
    }

    #[test]
    fn keys_become_strings_and_last_duplicate_wins() {
        let docs = parse_stream("1: a\ntrue: b\nx: 1\nx: 2\n", Limits::default()).unwrap();
        assert_eq!(docs[0].root.as_ref().unwrap().to_json(), serde_json::json!({"1": "a", "true": "b", "x": 2}));
        assert_eq!(docs[0].ambiguities.len(), 1);
        assert_eq!(docs[0].ambiguities[0].pos, Pos { line: 4, column: 1 });
    }

    #[test]
    fn duplicates_are_found_in_long_mappings() {
        let mut text = (0..30).fold(String::new(), |mut t, i| {
            let _ = writeln!(t, "k{i}: {i}");
            t
        });
        text.push_str("k3: last\nk29: again\n");
        let docs = parse_stream(&text, Limits::default()).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let Value::Map(entries) = &root.value else { panic!("not a mapping") };
        assert_eq!(entries.len(), 30);
        assert_eq!(entries[28].key, "k3");
        assert_eq!(root.get("k3").and_then(Node::as_str), Some("last"));
        let lines: Vec<u32> = docs[0].ambiguities.iter().map(|a| a.pos.line).collect();
        assert_eq!(lines, [31, 32]);
    }

    #[test]
    fn json_text_matches_serde_json() {
        let text = "a: \"q\\\"b\\\\\\n\\u0001é\"\nb: [1, -2.5, .inf, ~, yes]\nc: {}\n";
        let docs = parse_stream(text, Limits::default()).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        let mut out = String::new();
        root.write_json(&mut out);
        assert_eq!(out, root.to_json().to_string());
        assert_eq!(out, r#"{"a":"q\"b\\\n\u0001é","b":[1,-2.5,"+Inf",null,true],"c":{}}"#);
    }

    #[test]
    fn merge_keys_fill_missing() {
        let v = one("base: &b {x: 1, z: 2}\nthing:\n  <<: *b\n  z: 3\n  '<<': 4\n");
        assert_eq!(v, serde_json::json!({"base": {"x": 1, "z": 2}, "thing": {"z": 3, "<<": 4, "x": 1}}));
        // go-yaml v2 reads a plain `y` key as the boolean true, which becomes the key "true".
        assert_eq!(one("y: 1\n"), serde_json::json!({"true": 1}));
    }

    #[test]
    fn positions_and_locate() {
        let docs = parse_stream("---\na:\n  b:\n    - x\n    - c: 1\n", Limits::default()).unwrap();
        let root = docs[0].root.as_ref().unwrap();
        assert_eq!(root.locate("/a/b/1/c"), (Pos { line: 5, column: 7 }, true));
        assert_eq!(root.locate("/a/b/1/missing/deeper"), (Pos { line: 5, column: 7 }, false));
        assert_eq!(root.locate("/a/b/0"), (Pos { line: 4, column: 7 }, true));
        assert_eq!(docs[0].start_line, 1);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text += &["a", &i.to_string(), ": &a", &i.to_string(), " [", &refs, "]\n"].concat();
        }
        let err = parse_stream(&text, Limits::default()).unwrap_err();
        assert!(matches!(err, YamlError::Limit { .. }), "{err}");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut text = String::new();
        for depth in 0..100 {
            text.push_str(&" ".repeat(depth * 2));
            text.push_str("a:\n");
        }
        let err = parse_stream(&text, Limits::default()).unwrap_err();
        assert_eq!(err.to_string(), "65:130: nesting deeper than 64 levels");
        // Flow nesting is stopped by the scanner's own recursion limit.
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(parse_stream(&text, Limits::default()), Err(YamlError::Syntax { .. })));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse_stream("a: [1, 2\nb: 3\n", Limits::default()).unwrap_err();
        assert!(matches!(err, YamlError::Syntax { .. }));
    }
}
