//! A fast reader for the block-style YAML that Helm, kubectl and most people write: block
//! mappings and sequences, plain and quoted scalars (also over several lines), literal and folded
//! block scalars, one-line flow collections, comments and `---` documents.
//!
//! It emits the events `yaml-rust2` would, at the positions `yaml-rust2` would give. Everything
//! else — anchors, aliases, tags, flow collections over several lines, escaped line breaks,
//! explicit indentation indicators, empty sequence entries, tabs in indentation, `...`,
//! directives — and everything invalid makes it give up (`None`), and the caller reads the text
//! with `yaml-rust2`. So it never decides what is an error, and `tests/yaml_fast_path.rs` checks
//! that whatever it accepts reads the same both ways.

use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

use super::Pos;

/// Events of the whole stream (from the first document start to the stream end), or `None` if
/// the text is outside the subset.
pub(super) fn events(text: &str, max_depth: usize) -> Option<Vec<(Event, Pos)>> {
    if !allowed_characters(text) {
        return None;
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    // The piece after a final newline is not a line; yaml-rust2 puts the end one line below
    // the last, with or without a final newline.
    if lines.last() == Some(&"") {
        lines.pop();
    }
    let eof = Pos { line: line_number(lines.len()), column: 1 };
    let kinds = lines.iter().map(|l| kind(l)).collect();
    let mut reader = Reader { lines, kinds, eof, max_depth, out: Vec::with_capacity(text.len() / 12) };
    reader.stream()?;
    Some(reader.out)
}

/// No carriage returns, byte-order marks or control characters other than tab and newline
/// (what `yaml-rust2` accepts or refuses there is its business).
fn allowed_characters(text: &str) -> bool {
    let ascii_ok = !text.bytes().any(|b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f);
    ascii_ok
        && (text.is_ascii()
            || !text.chars().any(|c| c == '\u{feff}' || (('\u{80}'..='\u{9f}').contains(&c) && c != '\u{85}')))
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// 1-based column, in characters, of byte offset `off` of `line`.
fn column(line: &str, off: usize) -> u32 {
    let prefix = &line[..off];
    let chars = if prefix.is_ascii() { off } else { prefix.chars().count() };
    u32::try_from(chars + 1).unwrap_or(u32::MAX)
}

fn indent_of(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// What a line is, for the block structure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Only spaces, or a comment.
    Skip,
    /// `---`, optionally followed by a comment.
    DocStart,
    /// Content starting at this indent.
    Content(usize),
    /// Outside the subset: tabs in indentation, `...`, directives, content after `---`.
    Unsupported,
}

/// Classify a line.
fn kind(line: &str) -> Kind {
    let indent = indent_of(line);
    let rest = &line[indent..];
    match rest.as_bytes().first() {
        None | Some(b'#') => return Kind::Skip,
        Some(b'\t') => return Kind::Unsupported,
        _ => {}
    }
    if indent == 0 {
        for (marker, is_start) in [("---", true), ("...", false)] {
            if let Some(after) = rest.strip_prefix(marker)
                && (after.is_empty() || after.starts_with([' ', '\t']))
            {
                let trailing = after.trim_start_matches([' ', '\t']);
                let start = is_start && (trailing.is_empty() || trailing.starts_with('#'));
                return if start { Kind::DocStart } else { Kind::Unsupported };
            }
        }
        // `%` directives, and plain scalars that look like document markers.
        if rest.starts_with(['%']) || rest.starts_with("---") || rest.starts_with("...") {
            return Kind::Unsupported;
        }
    }
    Kind::Content(indent)
}

/// Whether `s` (from a node's first character) begins a block sequence entry.
fn is_entry(s: &str) -> bool {
    s == "-" || s.starts_with("- ")
}

/// The end of a value on its line: only spaces, or spaces and a comment.
fn rest_is_blank(s: &str) -> bool {
    let t = s.trim_start_matches(' ');
    t.is_empty() || (t.starts_with('#') && t.len() < s.len())
}

struct Reader<'a> {
    lines: Vec<&'a str>,
    /// What each line is.
    kinds: Vec<Kind>,
    eof: Pos,
    max_depth: usize,
    out: Vec<(Event, Pos)>,
}

/// A scalar read from one line: its text, style and the byte offset just after it.
struct Scalar {
    text: String,
    style: TScalarStyle,
    end: usize,
}

impl Reader<'_> {
    fn pos(&self, line: usize, off: usize) -> Pos {
        Pos { line: line_number(line), column: column(self.lines[line], off) }
    }

    fn emit(&mut self, event: Event, pos: Pos) {
        self.out.push((event, pos));
    }

    fn scalar(&mut self, text: String, style: TScalarStyle, pos: Pos) {
        self.emit(Event::Scalar(text, style, 0, None), pos);
    }

    /// The next line at or after `from` that is not blank or a comment, with its kind.
    #[expect(clippy::option_option, reason = "outer `None`: give up; inner `None`: end of stream")]
    fn next_content(&self, from: usize) -> Option<Option<(usize, Kind)>> {
        for (i, &k) in self.kinds.iter().enumerate().skip(from) {
            match k {
                Kind::Skip => {}
                Kind::Unsupported => return None,
                k => return Some(Some((i, k))),
            }
        }
        Some(None)
    }

    /// Where the token on line `next` (or the end of the stream) starts: the position
    /// `yaml-rust2` gives an empty value.
    fn token_pos(&self, next: Option<(usize, Kind)>) -> Pos {
        match next {
            None => self.eof,
            Some((i, Kind::Content(indent))) => self.pos(i, indent),
            Some((i, _)) => self.pos(i, 0),
        }
    }

    fn stream(&mut self) -> Option<()> {
        let mut from = 0;
        loop {
            let Some((line, k)) = self.next_content(from)? else {
                self.emit(Event::StreamEnd, self.eof);
                return Some(());
            };
            self.emit(Event::DocumentStart, self.pos(line, 0));
            let root = if k == Kind::DocStart { self.next_content(line + 1)? } else { Some((line, k)) };
            from = match root {
                Some((first, Kind::Content(indent))) => {
                    let after = self.block_node(first, indent, None, 0)?;
                    match self.next_content(after)? {
                        None => self.lines.len(),
                        Some((next, Kind::DocStart)) => next,
                        Some(_) => return None,
                    }
                }
                // An empty document.
                other => {
                    let pos = self.token_pos(other);
                    self.scalar(String::new(), TScalarStyle::Plain, pos);
                    other.map_or(self.lines.len(), |(i, _)| i)
                }
            };
            self.emit(Event::DocumentEnd, Pos::default());
        }
    }

    /// A node that starts a line, at `off` of `line`: a block sequence, a block mapping, or —
    /// below a mapping key whose mapping has indent `parent` — a scalar. (A document that is
    /// just a scalar is left to yaml-rust2.)
    fn block_node(&mut self, line: usize, off: usize, parent: Option<usize>, depth: usize) -> Option<usize> {
        let rest = &self.lines[line][off..];
        if is_entry(rest) {
            self.sequence(line, off, false, depth)
        } else if self.key(line, off)?.is_some() {
            self.mapping(line, off, depth)
        } else {
            self.inline_value(line, off, parent?, depth)
        }
    }

    /// A block mapping whose first key starts at `off` of `line` (its indent). Returns the
    /// index of the first line after it.
    fn mapping(&mut self, mut line: usize, indent: usize, depth: usize) -> Option<usize> {
        if depth >= self.max_depth {
            return None;
        }
        let start = self.out.len();
        loop {
            let found = self.key(line, indent)??;
            let value_off = found.value;
            if self.out.len() == start {
                // yaml-rust2 places a block mapping at its first `:`.
                self.emit(Event::MappingStart(0, None), self.pos(line, value_off - 1));
            }
            let key = self.key_scalar(line, indent, &found)?;
            let key_pos = self.pos(line, indent);
            self.scalar(key.text, key.style, key_pos);
            let after = self.value(line, value_off, indent, depth + 1)?;
            match self.next_content(after)? {
                Some((next, Kind::Content(i))) if i == indent => {
                    if is_entry(&self.lines[next][i..]) {
                        return None;
                    }
                    line = next;
                }
                Some((_, Kind::Content(i))) if i > indent => return None,
                _ => {
                    self.emit(Event::MappingEnd, Pos::default());
                    return Some(after);
                }
            }
        }
    }

    /// A block sequence whose first `-` is at `indent` of `line`; `indentless` when it is the
    /// value of a mapping key at the same indent. Returns the index of the first line after it.
    fn sequence(&mut self, mut line: usize, indent: usize, indentless: bool, depth: usize) -> Option<usize> {
        if depth >= self.max_depth {
            return None;
        }
        let start = self.out.len();
        self.emit(Event::SequenceStart(0, None), self.pos(line, indent));
        loop {
            let text = self.lines[line];
            let item = indent + 1 + indent_of(&text[indent + 1..]);
            let rest = &text[item..];
            // Empty entries and entries continued on the next line are left to yaml-rust2.
            if rest_is_blank(&text[indent + 1..]) || rest.starts_with('\t') {
                return None;
            }
            if indentless {
                if rest.starts_with(['|', '>']) {
                    return None;
                }
                if self.out.len() == start + 1 {
                    // yaml-rust2 places an indentless sequence at its first entry's token.
                    self.out[start].1 = self.pos(line, item);
                }
            }
            let after = if is_entry(rest) {
                if indentless {
                    return None;
                }
                self.sequence(line, item, false, depth + 1)?
            } else if self.key(line, item)?.is_some() {
                self.mapping(line, item, depth + 1)?
            } else {
                self.inline_value(line, item, indent, depth + 1)?
            };
            match self.next_content(after)? {
                Some((next, Kind::Content(i))) if i == indent && is_entry(&self.lines[next][i..]) => line = next,
                Some((_, Kind::Content(i))) if i > indent => return None,
                _ => {
                    self.emit(Event::SequenceEnd, Pos::default());
                    return Some(after);
                }
            }
        }
    }

    /// The value of a mapping key whose `:` ends at `off` of `line`; `indent` is the mapping's.
    fn value(&mut self, line: usize, off: usize, indent: usize, depth: usize) -> Option<usize> {
        let text = self.lines[line];
        if !rest_is_blank(&text[off..]) {
            let start = off + indent_of(&text[off..]);
            return self.inline_value(line, start, indent, depth);
        }
        let next = self.next_content(line + 1)?;
        match next {
            Some((n, Kind::Content(i))) if i > indent => self.block_node(n, i, Some(indent), depth),
            Some((n, Kind::Content(i))) if i == indent && is_entry(&self.lines[n][i..]) => {
                self.sequence(n, i, true, depth)
            }
            other => {
                let pos = self.token_pos(other);
                self.scalar(String::new(), TScalarStyle::Plain, pos);
                Some(line + 1)
            }
        }
    }

    /// A value starting at `off` of `line` that is not a block collection: a scalar, a block
    /// scalar or a flow collection. `parent` is the indent of the collection holding it.
    fn inline_value(&mut self, line: usize, off: usize, parent: usize, depth: usize) -> Option<usize> {
        let text = self.lines[line];
        let rest = &text[off..];
        let pos = self.pos(line, off);
        // The value's last line, and where on it the value ends.
        let (last, end) = match rest.as_bytes()[0] {
            b'|' | b'>' => return self.block_scalar(line, off, parent),
            b'[' | b'{' => (line, self.flow(line, off, depth)?),
            b'"' | b'\'' => {
                let (s, last) = self.quoted_lines(line, off, parent)?;
                self.scalar(s.text, s.style, pos);
                (last, s.end)
            }
            _ => {
                let mut s = plain_block(text, off)?;
                let commented = !text[s.end..].trim_start_matches(' ').is_empty();
                let last = self.plain_continuation(line, parent, commented, &mut s.text)?;
                self.scalar(s.text, s.style, pos);
                // Continuation lines are taken whole.
                (last, if last > line { self.lines[last].len() } else { s.end })
            }
        };
        if !rest_is_blank(&self.lines[last][end..]) {
            return None;
        }
        self.after_value(last, parent)
    }

    /// Lines continuing a plain scalar that starts on `line`, folded into `text`; returns the
    /// scalar's last line. A comment after the scalar's first line ends it (`commented`).
    fn plain_continuation(&self, line: usize, parent: usize, commented: bool, text: &mut String) -> Option<usize> {
        let mut last = line;
        let mut empties = 0;
        for (i, l) in self.lines.iter().enumerate().skip(line + 1) {
            if l.bytes().all(|b| b == b' ') {
                empties += 1;
                continue;
            }
            if indent_of(l) <= parent {
                break;
            }
            let part = l.trim_matches(' ');
            // Comments, indicators and `: ` inside continuation lines are left to yaml-rust2.
            if commented || part.starts_with(['-', '?', ':', '#']) || !plain_inner(part) {
                return None;
            }
            fold_break(text, empties);
            text.push_str(part);
            empties = 0;
            last = i;
        }
        Some(last)
    }

    /// A quoted scalar starting at `off` of `line`, possibly over several lines (line breaks
    /// folded as in plain scalars); the scalar (`end` is on its last line) and its last line.
    fn quoted_lines(&self, line: usize, off: usize, parent: usize) -> Option<(Scalar, usize)> {
        let text = self.lines[line];
        if let Some(one_line) = quoted(text, off) {
            return Some((one_line, line));
        }
        let quote = text.as_bytes()[off];
        let first = text[off + 1..].trim_end_matches(' ');
        // Escaped line breaks, and tabs before a break (folding trims them), are left to yaml-rust2.
        if first.ends_with(['\\', '\t']) {
            return None;
        }
        let (mut out, None) = unquote(first, quote)? else { return None };
        let mut empties = 0;
        for (i, l) in self.lines.iter().enumerate().skip(line + 1) {
            let raw = l.trim_start_matches(' ');
            if raw.is_empty() {
                empties += 1;
                continue;
            }
            if indent_of(l) <= parent || raw.starts_with('\t') {
                return None;
            }
            fold_break(&mut out, empties);
            empties = 0;
            let (part, close) = unquote(raw, quote)?;
            if let Some(close) = close {
                out.push_str(&part);
                let end = l.len() - raw.len() + close + 1;
                return Some((Scalar { text: out, style: quote_style(quote), end }, i));
            }
            let trimmed = raw.trim_end_matches(' ');
            if trimmed.ends_with(['\\', '\t']) {
                return None;
            }
            out.push_str(&unquote(trimmed, quote)?.0);
        }
        None
    }

    /// After a value that ends on `line`: nothing more indented than its collection may follow.
    fn after_value(&self, line: usize, parent: usize) -> Option<usize> {
        match self.next_content(line + 1)? {
            Some((_, Kind::Content(i))) if i > parent => None,
            _ => Some(line + 1),
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at `off` of `line`.
    fn block_scalar(&mut self, line: usize, off: usize, parent: usize) -> Option<usize> {
        let header = &self.lines[line][off..];
        let literal = header.starts_with('|');
        let mut chomp = b' ';
        let mut after = 1;
        if let Some(&c @ (b'-' | b'+')) = header.as_bytes().get(1) {
            chomp = c;
            after = 2;
        }
        if !rest_is_blank(&header[after..]) {
            return None;
        }
        // Leading blank lines, then the first content line sets the indentation.
        let mut first = line + 1;
        let mut widest_blank = 0;
        while let Some(l) = self.lines.get(first)
            && l.bytes().all(|b| b == b' ')
        {
            widest_blank = widest_blank.max(l.len());
            first += 1;
        }
        let content_indent = self.lines.get(first).map(|l| indent_of(l));
        let indent = match content_indent {
            Some(i) if i > parent && !self.lines[first][i..].starts_with('\t') => i,
            _ => {
                // An empty block scalar: yaml-rust2 places it at the next token.
                if first != line + 1 || chomp == b'+' {
                    return None;
                }
                // (At the end of the stream yaml-rust2 reads it differently.)
                let next = self.next_content(first)?;
                if next.is_none_or(|(i, _)| i != first) {
                    return None;
                }
                let pos = self.token_pos(next);
                let style = if literal { TScalarStyle::Literal } else { TScalarStyle::Folded };
                self.scalar(String::new(), style, pos);
                return Some(first);
            }
        };
        if widest_blank > indent {
            return None;
        }
        let pos = self.pos(first, indent);
        let mut end = line + 1;
        let mut body: Vec<&str> = Vec::new();
        while let Some(l) = self.lines.get(end) {
            if l.bytes().all(|b| b == b' ') {
                // Spaces beyond the indentation are content.
                body.push(l.get(indent..).unwrap_or(""));
            } else if indent_of(l) >= indent {
                body.push(&l[indent..]);
            } else {
                break;
            }
            end += 1;
        }
        let trailing = body.iter().rev().take_while(|l| l.is_empty()).count();
        let content = &body[..body.len() - trailing];
        let mut text = if literal { content.join("\n") } else { fold(content)? };
        match chomp {
            b'-' => {}
            b'+' => text.push_str(&"\n".repeat(trailing + 1)),
            _ => text.push('\n'),
        }
        let style = if literal { TScalarStyle::Literal } else { TScalarStyle::Folded };
        self.scalar(text, style, pos);
        Some(end)
    }

    /// A flow sequence or mapping on one line, starting at `off`; returns the offset after it.
    fn flow(&mut self, line: usize, off: usize, depth: usize) -> Option<usize> {
        if depth >= self.max_depth {
            return None;
        }
        let text = self.lines[line];
        let is_map = text.as_bytes()[off] == b'{';
        let close = if is_map { b'}' } else { b']' };
        let start = if is_map { Event::MappingStart(0, None) } else { Event::SequenceStart(0, None) };
        self.emit(start, self.pos(line, off));
        let mut at = skip_spaces(text, off + 1);
        if text.as_bytes().get(at) == Some(&close) {
            self.emit(if is_map { Event::MappingEnd } else { Event::SequenceEnd }, Pos::default());
            return Some(at + 1);
        }
        loop {
            if is_map {
                let key = flow_scalar(text, at, true)?;
                let key_pos = self.pos(line, at);
                // `"k":v` is a pair; a plain key needs a space after its `:`.
                at = skip_spaces(text, key.end);
                if text.as_bytes().get(at) != Some(&b':') {
                    return None;
                }
                at += 1;
                if key.style == TScalarStyle::Plain && text.as_bytes().get(at) != Some(&b' ') {
                    return None;
                }
                self.scalar(key.text, key.style, key_pos);
                at = skip_spaces(text, at);
            }
            at = match text.as_bytes().get(at)? {
                b'[' | b'{' => self.flow(line, at, depth + 1)?,
                _ => {
                    let item = flow_scalar(text, at, false)?;
                    let pos = self.pos(line, at);
                    self.scalar(item.text, item.style, pos);
                    item.end
                }
            };
            at = skip_spaces(text, at);
            match text.as_bytes().get(at)? {
                b',' => {
                    at = skip_spaces(text, at + 1);
                    if matches!(text.as_bytes().get(at), Some(b']' | b'}')) {
                        return None;
                    }
                }
                &c if c == close => {
                    self.emit(if is_map { Event::MappingEnd } else { Event::SequenceEnd }, Pos::default());
                    return Some(at + 1);
                }
                _ => return None,
            }
        }
    }

    /// If a mapping key starts at `off` of `line`: where it ends and where its value starts.
    /// `Some(None)` when the text there is not a key; `None` when it is outside the subset.
    #[expect(clippy::option_option, reason = "outer `None`: give up; inner `None`: not a key")]
    fn key(&self, line: usize, off: usize) -> Option<Option<Key>> {
        let text = self.lines[line];
        let rest = &text[off..];
        if rest.starts_with(['[', '{']) {
            return Some(None);
        }
        if rest.starts_with(['"', '\'']) {
            let Some(key) = quoted(text, off) else { return Some(None) };
            let colon = skip_spaces(text, key.end);
            return Some(is_separator(text, colon).then_some(Key { quoted: true, end: key.end, value: colon + 1 }));
        }
        let Some(colon) = plain_key_colon(rest) else { return Some(None) };
        let raw = rest[..colon].trim_end_matches(' ');
        if raw.len() > 1000 || !plain_start(raw) {
            return None;
        }
        Some(Some(Key { quoted: false, end: off + raw.len(), value: off + colon + 1 }))
    }

    /// The text and style of a key found by [`Reader::key`] at `off` of `line`.
    fn key_scalar(&self, line: usize, off: usize, key: &Key) -> Option<Scalar> {
        let text = self.lines[line];
        if key.quoted {
            return quoted(text, off);
        }
        Some(Scalar { text: text[off..key.end].to_string(), style: TScalarStyle::Plain, end: key.end })
    }
}

/// Where a mapping key ends and its value starts (byte offsets in the line).
struct Key {
    quoted: bool,
    end: usize,
    value: usize,
}

/// Whether `text[at]` is a `:` followed by a space or the end of the line.
fn is_separator(text: &str, at: usize) -> bool {
    text.as_bytes().get(at) == Some(&b':') && matches!(text.as_bytes().get(at + 1), None | Some(b' '))
}

/// The offset of the `:` ending a plain key in `rest`, if the line is `key: …` (not inside a
/// comment, no tab before it).
fn plain_key_colon(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b':' if matches!(b.get(i + 1), None | Some(b' ')) => return Some(i),
            b'#' if i > 0 && b[i - 1] == b' ' => return None,
            // Not a key here; read as a value, which gives up on the tab.
            b'\t' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

fn skip_spaces(text: &str, at: usize) -> usize {
    at + indent_of(&text[at.min(text.len())..])
}

/// Whether a plain scalar may start like `s` (YAML's indicator rules).
fn plain_start(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        None => false,
        Some(b'-' | b'?' | b':') => matches!(b.get(1), Some(c) if !matches!(c, b' ' | b'\t')),
        Some(c) => !b",[]{}#&*!|>'\"%@`\t ".contains(c),
    }
}

/// Whether `part` can be the inside of a plain scalar line: no tab, no `: ` or `:` at the end,
/// no ` #` (a comment).
fn plain_inner(part: &str) -> bool {
    let b = part.as_bytes();
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\t' => false,
        b':' => !matches!(b.get(i + 1), None | Some(b' ')),
        b'#' => i == 0 || b[i - 1] != b' ',
        _ => true,
    })
}

/// A plain scalar in block context from `off` to the end of the line (or a comment).
fn plain_block(text: &str, off: usize) -> Option<Scalar> {
    let rest = &text[off..];
    let b = rest.as_bytes();
    let mut end = b.len();
    for i in 0..b.len() {
        match b[i] {
            b'#' if i > 0 && b[i - 1] == b' ' => {
                end = i;
                break;
            }
            b':' if matches!(b.get(i + 1), None | Some(b' ')) => return None,
            b'\t' => return None,
            _ => {}
        }
    }
    let value = rest[..end].trim_end_matches(' ');
    if !plain_start(value) {
        return None;
    }
    Some(Scalar { text: value.to_string(), style: TScalarStyle::Plain, end: off + value.len() })
}

/// A scalar inside a one-line flow collection: quoted, or plain without `:` or `#` (a key's
/// ends at its `:`).
fn flow_scalar(text: &str, off: usize, key: bool) -> Option<Scalar> {
    if text[off..].starts_with(['"', '\'']) {
        return quoted(text, off);
    }
    let rest = &text[off..];
    let ends: &[char] = if key { &[',', '[', ']', '{', '}', ':'] } else { &[',', '[', ']', '{', '}'] };
    let len = rest.find(ends).unwrap_or(rest.len());
    let value = rest[..len].trim_end_matches(' ');
    // yaml-rust2 reads a word starting with an indicator (`0 -,`) differently inside flow.
    if !plain_start(value)
        || value.contains([':', '#', '\t', '"', '\''])
        || value.split(' ').skip(1).any(|word| word.starts_with(['-', '?']))
    {
        return None;
    }
    Some(Scalar { text: value.to_string(), style: TScalarStyle::Plain, end: off + value.len() })
}

/// A single- or double-quoted scalar closed on the same line, starting at `off`.
fn quoted(text: &str, off: usize) -> Option<Scalar> {
    let quote = text.as_bytes()[off];
    let (out, close) = unquote(&text[off + 1..], quote)?;
    Some(Scalar { text: out, style: quote_style(quote), end: off + 1 + close? + 1 })
}

fn quote_style(quote: u8) -> TScalarStyle {
    if quote == b'"' { TScalarStyle::DoubleQuoted } else { TScalarStyle::SingleQuoted }
}

/// Decode quoted text up to its closing quote, or to the end of `segment` (one line's part);
/// the offset of the closing quote, if it is in `segment`. An escaped line break is `None`.
fn unquote(segment: &str, quote: u8) -> Option<(String, Option<usize>)> {
    let mut out = String::new();
    let mut chars = segment.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quote == b'\'' => {
                if segment[i + 1..].starts_with('\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some((out, Some(i)));
                }
            }
            '"' if quote == b'"' => return Some((out, Some(i))),
            '\\' if quote == b'"' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'x' | 'u' | 'U' => {
                        let width = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex = segment.get(i + 2..i + 2 + width)?;
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        for _ in 0..width {
                            chars.next();
                        }
                        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                    }
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    Some((out, None))
}

/// The line break(s) before the next text line of a folded scalar: one break becomes a space,
/// each empty line in between a newline.
fn fold_break(out: &mut String, empties: usize) {
    if empties == 0 {
        out.push(' ');
    } else {
        out.push_str(&"\n".repeat(empties));
    }
}

/// Folded block content without more-indented lines: line breaks between text lines become
/// spaces, each empty line a newline.
fn fold(lines: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut empties = 0;
    let mut started = false;
    for line in lines {
        if line.is_empty() {
            empties += 1;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return None;
        }
        if started {
            fold_break(&mut out, empties);
        } else {
            out.push_str(&"\n".repeat(empties));
        }
        out.push_str(line);
        empties = 0;
        started = true;
    }
    Some(out)
}
