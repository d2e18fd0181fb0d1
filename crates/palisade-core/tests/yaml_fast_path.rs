//! The fast YAML reader (`yaml/simple.rs`) against `yaml-rust2`: whatever text the fast reader
//! accepts must load to exactly the documents — values, positions, warnings — that the
//! `yaml-rust2` path gives. Checked on every file of the shared corpus and conformance fixtures,
//! on hand-picked edge cases, and on generated block-style YAML with random damage.

use std::path::{Path, PathBuf};

use palisade_core::yaml::{Limits, fast_path_reads, parse_stream, parse_stream_reference};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Both readings as text (`Debug`, so that NaN equals NaN).
fn readings(text: &str) -> (String, String) {
    let fast = format!("{:?}", parse_stream(text, Limits::default()));
    let reference = format!("{:?}", parse_stream_reference(text, Limits::default()));
    (fast, reference)
}

fn shared_files(dir: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(dir);
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.sort();
    out
}

/// The first line whose addition makes the fast reader give up (for messages).
fn first_refused_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    (1..=lines.len())
        .find(|&n| !fast_path_reads(&lines[..n].join("\n")))
        .map_or_else(String::new, |n| format!("line {n}: {:?}", lines[n - 1]))
}

/// Every file of a shared directory reads the same both ways; returns (files, read fast).
fn same_on(dir: &str) -> (usize, usize) {
    let files = shared_files(dir);
    assert!(!files.is_empty(), "no files under ../shared/{dir}");
    let mut fast = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let (a, b) = readings(&text);
        assert!(a == b, "{}: the fast reader differs from yaml-rust2", file.display());
        if fast_path_reads(&text) {
            fast += 1;
        } else if std::env::var_os("PALISADE_YAML_REFUSALS").is_some() {
            eprintln!("{}: {}", file.display(), first_refused_line(&text));
        }
    }
    (files.len(), fast)
}

#[test]
fn corpus_reads_the_same_and_fast() {
    let (files, fast) = same_on("corpus");
    eprintln!("corpus: {fast} of {files} files read by the fast reader");
    // Rendered charts are what the fast reader is for: nearly all must take it.
    assert!(fast * 100 >= files * 95, "only {fast} of {files} corpus files took the fast reader");
}

#[test]
fn conformance_fixtures_read_the_same() {
    let (files, fast) = same_on("conformance");
    eprintln!("conformance: {fast} of {files} files read by the fast reader");
    assert!(fast > 0);
}

/// Texts the fast reader must read by itself, and the same as yaml-rust2.
const ACCEPTED: &[&str] = &[
    "",
    "# only a comment\n",
    "a: 1\n",
    "a: 1",
    "---\n",
    "---\n---\nk: v\n",
    "# c\n---\n# Source: x\napiVersion: v1\nkind: \"Pod\"\nmetadata:\n  name: 'a'\n  labels: {}\n  empty:\nspec:\n  containers:\n  - name: x\n    args:\n      - a\n      - \"b\"\n    script: |\n      line1\n      line2\n    f: >-\n      a\n      b\n  x: [a, \"b\"]\n",
    "a:\nb:   # trailing\n  # inner\n\nc:\n  - x: 1\n    y: [1, 2]\nd: |+\n  keep\n\ne: |\n\n  after blank\nf: |-\ng:\n",
    "- a\n- b:\n",
    "k:\n- 1\n- two\nnext: {a: 1, \"b\": [x, 'y'], c: {}}\n",
    "s: \"tab\\there \\\"q\\\" \\u00e9 \\x41 \\/ \\\\\"\nt: 'it''s'\n",
    "é: ünïcode # comment\nkey: valüe\n  \n",
    "yes: on\nn: 0777\nf: 1.5e3\nnull: ~\ni: -12\nh: 0x1F\n",
    "dup: 1\ndup: 2\n",
    "folded: >\n  one\n  two\n\n  three\n\n\nnext: 1\n",
    "lit: |-\n  a\n\n  b\n\nn: 2\n",
    "key:\n  plain on its own line\nother: \"x\"\n",
    "deep:\n  a:\n    b:\n      - c:\n          d: e\n        f: g\n",
    "url: http://example.com:8080/x?y=z#frag\n",
    "list:\n  -   spaced: 1\n      also: 2\n",
    "a: |+\n  x\n  y\n\n  [z]\n---\nb: 1\n",
    "a: |\n  x\n    \n  y\n",
    "a: |\n  x\n    \nb: |+\n  y\n     \n",
    "d: one\n  two\n\n  three\ne: 1\n",
    "- item\n  more\n- k: v\n    w\n",
    "k:\n  v w\n  x\n",
    "- {key: job-name, operator: NotIn, values: [a-b]}\n",
    "- - nested\n  - x\n- - - y\n",
    "a: plain\n  continued\n  && (x) [y] {z}, *w &v !u |t >s %r @q `p\n",
    "a: 'single\n  quoted'\nb: \"dou ble  \n\n  quoted\"  # c\nc: 'x\n\n\n  ''y'' '\n",
    "- \"a\n  b\"\n- 'c\n    d'\n",
    "a: x\n  \"quoted\" start\n  'single' (x)\nb: 1\n",
];

#[test]
fn edge_cases_read_fast_and_the_same() {
    for text in ACCEPTED {
        assert!(fast_path_reads(text), "the fast reader gave up on {text:?}");
        let (a, b) = readings(text);
        assert_eq!(a, b, "{text:?}");
    }
}

/// Texts outside the subset (or invalid): the fast reader gives up, the result is yaml-rust2's.
const REFUSED: &[&str] = &[
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: \"two\\\n  lines\"\n",
    "a: \"tab\t\n  then\"\n",
    "a: [0 -, x]\n",
    "a: 'tab\t \n  then'\n",
    "a: [1,\n  2]\n",
    "-\n  a: 1\n",
    "a:\tb\n",
    "\ta: 1\n",
    "a: 1\r\nb: 2\r\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n...\n",
    "a: |2\n   x\n",
    "a: b: c\n",
    "a: 1\n  b: 2\n",
    "just a scalar\n",
    "? complex\n: key\n",
    "a:\n- |\n  x\n",
    "- |\n",
];

#[test]
fn outside_the_subset_falls_back() {
    for text in REFUSED {
        assert!(!fast_path_reads(text), "the fast reader should give up on {text:?}");
        let (a, b) = readings(text);
        assert_eq!(a, b, "{text:?}");
    }
}

fn scalar() -> impl Strategy<Value = String> {
    let common = prop_oneof![
        "[a-z][a-z0-9._/-]{0,12}",
        "[0-9]{1,5}",
        Just("true".to_string()),
        Just("yes".to_string()),
        Just("~".to_string()),
        Just("0777".to_string()),
        Just("1.5".to_string()),
        "\"[a-z :#'\\\\t]{0,8}\"",
        "'[a-z :#\"]{0,8}'",
        "[a-z]{1,4} [a-z#:]{1,4}",
        "[a-z]{1,4}\n +[a-z\"]{1,4}",
        Just("[]".to_string()),
        Just("{}".to_string()),
        "\\[[a-z0-9]{1,3}, \"[a-z]{0,3}\"\\]",
        "\\{[a-z]{1,3}: [0-9]{1,2}\\}",
        Just("é ü".to_string()),
    ];
    // Rarer: what the fast reader leaves to yaml-rust2.
    let rare = prop_oneof![Just("-".to_string()), Just("&a x".to_string()), Just("*a".to_string())];
    prop_oneof![12 => common, 1 => rare]
}

/// A block-style YAML node rendered at `indent`, as a list of lines.
#[derive(Debug, Clone)]
enum Gen {
    Scalar(String),
    Block { literal: bool, chomp: &'static str, lines: Vec<String> },
    Map(Vec<(String, Gen)>),
    Seq(Vec<Gen>),
}

fn node() -> impl Strategy<Value = Gen> {
    let leaf = prop_oneof![
        4 => scalar().prop_map(Gen::Scalar),
        1 => (any::<bool>(), prop_oneof![Just(""), Just("-"), Just("+")], prop::collection::vec("[a-z][a-z ]{0,5}|[a-z ]{0,3}", 1..4))
            .prop_map(|(literal, chomp, lines)| Gen::Block { literal, chomp, lines }),
    ];
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(("[a-z][a-z0-9]{0,5}|\"[a-z ]{1,4}\"", inner.clone()), 1..4).prop_map(Gen::Map),
            prop::collection::vec(inner, 1..4).prop_map(Gen::Seq),
        ]
    })
}

fn render(node: &Gen, indent: usize, step: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Gen::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(k);
                out.push(':');
                value(v, indent, step, out);
            }
        }
        Gen::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Gen::Map(_) | Gen::Seq(_) => {
                        // Compact: the first line of the item follows the dash.
                        let mut inner = String::new();
                        render(item, indent + 2, step, &mut inner);
                        out.push(' ');
                        out.push_str(inner.trim_start());
                    }
                    _ => value(item, indent, step, out),
                }
            }
        }
        other => {
            out.push_str(&pad);
            value(other, indent, step, out);
        }
    }
}

fn value(v: &Gen, indent: usize, step: usize, out: &mut String) {
    match v {
        Gen::Scalar(s) => {
            out.push(' ');
            out.push_str(s);
            out.push('\n');
        }
        Gen::Block { literal, chomp, lines } => {
            out.push_str(if *literal { " |" } else { " >" });
            out.push_str(chomp);
            out.push('\n');
            for l in lines {
                if !l.trim().is_empty() {
                    out.push_str(&" ".repeat(indent + step));
                }
                out.push_str(l.trim_end());
                out.push('\n');
            }
        }
        Gen::Map(_) | Gen::Seq(_) => {
            out.push('\n');
            render(v, indent + step, step, out);
        }
    }
}

fn document() -> impl Strategy<Value = String> {
    (prop::collection::vec((node(), 1usize..4, any::<bool>()), 1..3), prop::option::of("# [a-z ]{0,8}")).prop_map(
        |(docs, comment)| {
            let mut out = String::new();
            for (doc, step, marker) in docs {
                if marker {
                    out.push_str("---\n");
                }
                if let Some(c) = &comment {
                    out.push_str(c);
                    out.push('\n');
                }
                let root = match doc {
                    Gen::Map(_) | Gen::Seq(_) => doc,
                    leaf => Gen::Map(vec![("k".into(), leaf)]),
                };
                render(&root, 0, step, &mut out);
                out.push_str("---\n");
            }
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Generated block YAML reads the same both ways.
    #[test]
    fn generated_yaml_reads_the_same(text in document()) {
        let (a, b) = readings(&text);
        prop_assert_eq!(a, b, "{}", text);
    }

    /// The same after random damage: a byte range replaced by other YAML-ish characters.
    #[test]
    fn damaged_yaml_reads_the_same(text in document(), at in any::<prop::sample::Index>(), len in 0usize..4,
                                   with in "[ :#\\-|>\"'\\[\\]{},\n\ta-z]{0,3}") {
        let mut bytes = text.into_bytes();
        let start = at.index(bytes.len().max(1)).min(bytes.len());
        let end = (start + len).min(bytes.len());
        bytes.splice(start..end, with.bytes());
        if let Ok(text) = String::from_utf8(bytes) {
            let (a, b) = readings(&text);
            prop_assert_eq!(a, b, "{:?}", text);
        }
    }
}

#[test]
fn generated_yaml_mostly_takes_the_fast_reader() {
    // Without this the property tests above could pass with a reader that always gives up.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = document();
    let mut fast = 0;
    for _ in 0..500 {
        let text = strategy.new_tree(&mut runner).expect("a value").current();
        if fast_path_reads(&text) {
            fast += 1;
        } else if std::env::var_os("PALISADE_YAML_REFUSALS").is_some() {
            eprintln!("{text:?}: {}", first_refused_line(&text));
        }
    }
    assert!(fast >= 250, "only {fast} of 500 generated documents took the fast reader");
}
