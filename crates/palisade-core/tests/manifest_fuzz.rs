//! Robustness of manifest reading: any bytes, and any YAML-shaped text (anchors, aliases, merge
//! keys, flow and block collections, block scalars, `List` kinds, several documents), end in
//! objects or errors that name the input and a line inside it — never a panic — and every object
//! handed to policies is a JSON object whose pointers locate inside the input.

use std::sync::Arc;

use palisade_core::InputLimits;
use palisade_core::manifest::{decode, parse};
use proptest::prelude::*;

fn lines(text: &str) -> u32 {
    u32::try_from(text.lines().count() + 1).unwrap_or(u32::MAX)
}

/// Read `bytes` as `palisade check` does and assert the invariants.
fn read(bytes: &[u8]) -> Result<(), TestCaseError> {
    let file: Arc<str> = Arc::from("fuzz.yaml");
    let limits = InputLimits::default();
    let text = match decode(&file, bytes, &limits) {
        Ok(text) => text,
        Err(e) => {
            prop_assert_eq!(&*e.file, "fuzz.yaml");
            prop_assert!(e.line >= 1 && !e.message.is_empty(), "{e:?}");
            return Ok(());
        }
    };
    let parsed = parse(&file, &text, &limits);
    let last = lines(&text);
    for e in &parsed.errors {
        prop_assert_eq!(&*e.file, "fuzz.yaml");
        prop_assert!(e.line >= 1 && e.line <= last, "line {} of {last}: {}", e.line, e.message);
        prop_assert!(!e.message.is_empty());
    }
    for w in &parsed.warnings {
        prop_assert!(w.line >= 1 && w.line <= last, "warning at line {} of {last}", w.line);
    }
    for r in &parsed.resources {
        let json: serde_json::Value = serde_json::from_str(&r.json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(json.is_object(), "{}", r.json);
        prop_assert!(json.get("kind").is_some_and(serde_json::Value::is_string));
        for pointer in ["", "/metadata/name", "/spec/template/spec/containers/0/image", "/no/such/field"] {
            let pos = r.locate(pointer);
            prop_assert!(pos.line >= 1 && pos.line <= last, "{pointer} at line {} of {last}", pos.line);
        }
    }
    Ok(())
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{0,12}",
        Just("~".to_string()),
        Just("yes".to_string()),
        Just("0x1F".to_string()),
        Just("1e3".to_string()),
        Just("'quoted ''x'''".to_string()),
        Just("\"esc \\u00e9 \\n\"".to_string()),
        Just("*a".to_string()),
        Just("&a v".to_string()),
        Just("!!str 1".to_string()),
        Just("[1, {a: b}]".to_string()),
        Just("{k: v, l: [x]}".to_string()),
        Just("|\n    block\n    text".to_string()),
        Just(">-\n    folded".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("apiVersion".to_string()),
        Just("kind".to_string()),
        Just("metadata".to_string()),
        Just("name".to_string()),
        Just("items".to_string()),
        Just("spec".to_string()),
        Just("<<".to_string()),
        "[a-z]{1,6}",
    ];
    prop_oneof![
        (0usize..4, key.clone(), scalar()).prop_map(|(indent, k, v)| format!("{}{k}: {v}", "  ".repeat(indent))),
        (0usize..4, key).prop_map(|(indent, k)| format!("{}{k}:", "  ".repeat(indent))),
        (0usize..4, scalar()).prop_map(|(indent, v)| format!("{}- {v}", "  ".repeat(indent))),
        Just("---".to_string()),
        Just("kind: List".to_string()),
        Just("kind: ConfigMapList".to_string()),
        Just("apiVersion: v1".to_string()),
        Just("# Source: chart/templates/x.yaml".to_string()),
        Just("...".to_string()),
        "[ -~\\t]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        read(&bytes)?;
    }

    #[test]
    fn yaml_shaped_text(lines in proptest::collection::vec(line(), 0..40)) {
        read(lines.join("\n").as_bytes())?;
    }
}
