//! TEMPORARY: PSA v1.37 fixtures vs the PSS-tagged rules. Not to be kept.
use crate::{RULES, settings::Settings};
use palisade_policy_sdk::{Resource, Value};

#[test]
fn psa_v137() {
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string("/tmp/psa_v137.json").unwrap()).unwrap();
    for case in cases {
        let level = case["level"].as_str().unwrap();
        let resources = vec![Resource { index: 0, json: case["doc"].clone() }];
        let mut hits = Vec::new();
        for rule in RULES {
            let applies = rule.def.standards.iter().any(|s| s.starts_with("pss:baseline/") || (level == "restricted" && s.starts_with("pss:restricted/")));
            if !applies { continue; }
            for f in (rule.check)(&resources, &Settings::default()) {
                hits.push(format!("{} {}", f.rule, f.message));
            }
        }
        let fail = !hits.is_empty();
        let expected_fail = case["outcome"] == "fail";
        if fail != expected_fail {
            println!("MISMATCH {} expected {} got {:?}", case["file"], case["outcome"], hits);
        }
    }
}
