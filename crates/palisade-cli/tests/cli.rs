//! End-to-end tests of the `palisade` binary: exit codes, stdout and stderr, snapshotted with
//! insta (`INSTA_UPDATE=always cargo test` rewrites them; review the diff).

#![expect(clippy::unwrap_used, reason = "test set-up: a panic is a test failure")]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod helm;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run palisade in `dir` with an isolated compilation cache; returns a transcript.
fn palisade(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let cache = std::env::temp_dir().join("palisade-cli-test-cache");
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(dir)
        .env("PALISADE_CACHE_DIR", &cache)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n";

#[test]
fn sample_text() {
    insta::assert_snapshot!(palisade(&repo(), &["check", "--color", "never", "examples/demo-app.yaml"], None));
}

#[test]
fn sample_json() {
    insta::assert_snapshot!(palisade(&repo(), &["check", "--format", "json", "examples/demo-app.yaml"], None));
}

#[test]
fn fail_on_threshold_sets_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let critical = palisade(
        dir.path(),
        &["check", "--fail-on", "critical", "--include", "privileged-container", "pod.yaml"],
        None,
    );
    assert!(critical.starts_with("exit: 1\n"), "{critical}");
    let none = palisade(dir.path(), &["check", "--exclude", "*", "pod.yaml"], None);
    insta::assert_snapshot!(none);
}

#[test]
fn stdin_and_include() {
    insta::assert_snapshot!(palisade(
        Path::new("."),
        &["check", "--include", "hardening/privileged-*", "-"],
        Some(POD)
    ));
}

#[test]
fn rule_override_and_settings_validation() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let raised = palisade(
        dir.path(),
        &[
            "check",
            "--include",
            "privileged-container",
            "--set",
            "hardening.rules.privileged-container=low",
            "--format",
            "json",
            "pod.yaml",
        ],
        None,
    );
    assert!(raised.contains("\"severity\": \"low\""), "{raised}");
    let unknown_rule = palisade(dir.path(), &["check", "--set", "hardening.rules.no-such-rule=on", "pod.yaml"], None);
    let bad_setting = palisade(dir.path(), &["check", "--set", "hardening.no-such-setting=1", "pod.yaml"], None);
    insta::assert_snapshot!(format!("{unknown_rule}\n{bad_setting}"));
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "01-good.yaml", POD);
    write(d, "02-invalid.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
    write(d, "03-scalar.yaml", "---\njust a string\n");
    write(d, "04-binary.yaml", b"apiVersion: v1\n\x00\x01\x02");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let _ = writeln!(
            bomb,
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]",
            p = i - 1
        );
    }
    write(d, "05-alias-bomb.yaml", bomb);
    let deep: String = (0..100).fold(String::new(), |mut s, i| {
        let _ = writeln!(s, "{}k:", "  ".repeat(i));
        s
    });
    write(d, "06-deep.yaml", deep);
    write(d, "07-not-utf8.yaml", b"apiVersion: v1\nkind: \xff\n");
    write(d, "08-no-kind.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
    // A multi-gigabyte input: a sparse file, refused by size before anything is read.
    let huge = std::fs::File::create(d.join("09-huge.yaml")).unwrap();
    huge.set_len(3 << 30).unwrap();
    drop(huge);
    std::fs::create_dir(d.join("empty-dir")).unwrap();
    insta::assert_snapshot!(palisade(
        d,
        &["check", "--color", "never", "--include", "privileged-container", ".", "missing.yaml", "empty-dir"],
        None
    ));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let cases = [
        palisade(dir.path(), &["check", "--policy", "nope", "pod.yaml"], None),
        palisade(dir.path(), &["check", "--fail-on", "severe", "pod.yaml"], None),
        palisade(dir.path(), &["check", "--include", "[", "pod.yaml"], None),
        palisade(dir.path(), &["check", "--policy", "pod.yaml", "pod.yaml"], None),
        palisade(dir.path(), &["check", "-o", "pod.yaml", "pod.yaml"], None),
    ];
    insta::assert_snapshot!(cases.join("\n"));
    // The input named as output is untouched.
    assert_eq!(std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap(), POD);
}

#[test]
fn output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let t = palisade(
        dir.path(),
        &["check", "--include", "privileged-container", "--format", "json", "-o", "report.json", "pod.yaml"],
        None,
    );
    assert_eq!(t, "exit: 1\n--- stdout\n--- stderr\n");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["summary"]["findings"], 1);
}

#[test]
fn policies_listing() {
    insta::assert_snapshot!(palisade(Path::new("."), &["policies"], None));
    let json = palisade(Path::new("."), &["policies", "--format", "json"], None);
    let body = json.split_once("--- stdout\n").unwrap().1.split_once("--- stderr\n").unwrap().0;
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(parsed[0]["name"], "hardening");
}

const RULES: [&str; 4] = ["--include", "privileged-container", "--include", "run-as-user-not-zero"];

fn sample(format: &str) -> String {
    let mut args = vec!["check", "--now", "2026-01-01T00:00:00Z", "--format", format, "examples/demo-app.yaml"];
    args.extend(RULES);
    palisade(&repo(), &args, None)
}

fn stdout_of(transcript: &str) -> &str {
    transcript.split_once("--- stdout\n").unwrap().1.split_once("--- stderr\n").unwrap().0
}

#[test]
fn sample_sarif_junit_policyreport() {
    insta::assert_snapshot!("sarif", sample("sarif"));
    insta::assert_snapshot!("junit", sample("junit"));
    insta::assert_snapshot!("policyreport", sample("policyreport"));
}

/// The SARIF 2.1.0 constraints that apply to what palisade emits, transcribed from the OASIS
/// schema (sarif-schema-2.1.0.json): required properties, enums and minimums. A subset, not the
/// whole schema, which is not available offline here.
const SARIF_SUBSET: &str = r#"{
  "type": "object", "required": ["version", "runs"],
  "properties": {
    "version": {"const": "2.1.0"},
    "runs": {"type": "array", "items": {
      "type": "object", "required": ["tool"],
      "properties": {
        "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
          "type": "object", "required": ["name"],
          "properties": {"name": {"type": "string"}, "version": {"type": "string"},
            "rules": {"type": "array", "items": {"type": "object", "required": ["id"],
              "properties": {"id": {"type": "string"},
                "shortDescription": {"type": "object", "required": ["text"]},
                "fullDescription": {"type": "object", "required": ["text"]},
                "help": {"type": "object", "required": ["text"]},
                "defaultConfiguration": {"type": "object", "properties": {"level": {"enum": ["none", "note", "warning", "error"]}}}}}}}}}},
        "invocations": {"type": "array", "items": {"type": "object", "required": ["executionSuccessful"]}},
        "results": {"type": "array", "items": {
          "type": "object", "required": ["message"],
          "properties": {
            "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
            "level": {"enum": ["none", "note", "warning", "error"]},
            "message": {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}]},
            "locations": {"type": "array", "items": {"type": "object", "properties": {
              "physicalLocation": {"type": "object", "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
                "properties": {"artifactLocation": {"type": "object", "properties": {"uri": {"type": "string", "format": "uri-reference"}}},
                  "region": {"type": "object", "properties": {"startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1}}}}},
              "logicalLocations": {"type": "array", "items": {"type": "object"}}}}}}}}}}}
  }
}"#;

#[test]
fn sarif_satisfies_the_schema_constraints() {
    let schema: serde_json::Value = serde_json::from_str(SARIF_SUBSET).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let transcript = sample("sarif");
    let doc: serde_json::Value = serde_json::from_str(stdout_of(&transcript)).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert_eq!(errors, Vec::<String>::new());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // Every result's ruleIndex points at its own rule descriptor.
    for r in results {
        let i = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][i]["id"], r["ruleId"]);
    }
    // The validator catches a broken document.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = serde_json::json!(0);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn skip_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let pod = |name: &str, annotations: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: demo\n  annotations:\n{annotations}spec:\n  hostPID: true\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n"
        )
    };
    let text = [
        pod("native", "    palisade.dev/skip: privileged-container, hardening/host-pid\n    palisade.dev/skip-reason: node agent\n    palisade.dev/skip-expiry: 2027-01-01T00:00:00Z\n"),
        pod("expired", "    palisade.dev/skip: '*'\n    palisade.dev/skip-expiry: 2025-01-01T00:00:00Z\n"),
        pod("foreign", "    ignore-check.kube-linter.io/privileged-container: needs it\n    checkov.io/skip1: CKV_K8S_17=host pid\n"),
    ]
    .concat();
    write(dir.path(), "pods.yaml", text);
    let run = |mode: &str| {
        let t = palisade(
            dir.path(),
            &[
                "check",
                "--now",
                "2026-06-01T00:00:00Z",
                "--format",
                "json",
                "--skip-annotations",
                mode,
                "--include",
                "privileged-container",
                "--include",
                "host-pid",
                "pods.yaml",
            ],
            None,
        );
        let doc: serde_json::Value = serde_json::from_str(stdout_of(&t)).unwrap();
        let findings: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["resource"]["name"].as_str().unwrap(), f["rule"].as_str().unwrap()))
            .collect();
        format!(
            "--skip-annotations {mode}\nfindings: {findings:?}\nskipped: {}\nwarnings: {}\n",
            serde_json::to_string_pretty(&doc["skipped"]).unwrap(),
            serde_json::to_string_pretty(&doc["warnings"]).unwrap()
        )
    };
    insta::assert_snapshot!([run("native"), run("all"), run("none")].join("\n"));
}

#[test]
fn hostile_policy_component_is_contained() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    write(dir.path(), "hostile.wasm", palisade_policies::fixtures::HOSTILE);
    let common = [
        "check",
        "--color",
        "never",
        "--policy",
        "hostile.wasm",
        "--policy",
        "hardening",
        "--include",
        "privileged-container",
        "--include",
        "hostile/*",
    ];
    let mut out = Vec::new();
    for (mode, extra) in [
        ("loop", ["--policy-timeout", "300"]),
        ("alloc", ["--policy-memory", "16"]),
        ("trap", ["--policy-memory", "64"]),
    ] {
        let mut args: Vec<&str> = common.to_vec();
        let set = format!("hostile.mode={mode}");
        args.extend(["--set", &set]);
        args.extend(extra);
        args.push("pod.yaml");
        out.push(palisade(dir.path(), &args, None));
    }
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn pod_security_level_and_version() {
    let args = |level: &str, version: &str| {
        let level = format!("pod-security.level={level}");
        let version = format!("pod-security.version={version}");
        palisade(
            &repo(),
            &[
                "check",
                "--color",
                "never",
                "--policy",
                "pod-security",
                "--set",
                &level,
                "--set",
                &version,
                "examples/demo-app.yaml",
            ],
            None,
        )
    };
    insta::assert_snapshot!(
        [args("restricted", "v1.30"), args("baseline", "latest"), args("restricted", "v9.9")].join("\n")
    );
}

/// `palisade playground` serves a built playground from 127.0.0.1 and nothing outside it.
#[test]
fn playground_serves_the_built_page() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.html", "<!doctype html><title>p</title>\n");
    write(dir.path(), "x.wasm", b"\0asm\x01\0\0\0");
    let missing = palisade(dir.path(), &["playground", "--dir", "nowhere"], None);
    assert_eq!(
        missing,
        "exit: 2\n--- stdout\n--- stderr\npalisade: nowhere is not a built playground (no index.html); build it with `cd crates/playground && npm ci && npm run build`\n"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["playground", "--port", "0", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port = first.trim().strip_prefix("palisade playground at http://127.0.0.1:").unwrap().trim_end_matches('/');
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        String::from_utf8_lossy(&out).into_owned()
    };
    let index = get("/#s=abc");
    let wasm = get("/x.wasm");
    let outside = get("/../etc/passwd");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        index,
        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: 32\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n<!doctype html><title>p</title>\n"
    );
    assert_eq!(
        wasm,
        "HTTP/1.1 200 OK\r\ncontent-type: application/wasm\r\ncontent-length: 8\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n\0asm\u{1}\0\0\0"
    );
    assert_eq!(
        outside,
        "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 10\r\ncache-control: no-cache\r\nconnection: close\r\n\r\nnot found\n"
    );
}

/// `palisade policies --export DIR` writes the exact embedded components and their descriptions.
#[test]
fn policies_export_writes_the_embedded_components() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("export");
    let transcript = palisade(dir.path(), &["policies", "--export", "export"], None);
    assert_eq!(transcript, "exit: 0\n--- stdout\n--- stderr\n");
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut expected: Vec<String> = palisade_policies::BUILTIN
        .iter()
        .flat_map(|b| [format!("{}.json", b.name), format!("{}.wasm", b.name)])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let listing = palisade(dir.path(), &["policies", "--format", "json"], None);
    let listing: serde_json::Value =
        serde_json::from_str(listing.split_once("--- stdout\n").unwrap().1.split_once("--- stderr").unwrap().0)
            .unwrap();
    for (i, builtin) in palisade_policies::BUILTIN.iter().enumerate() {
        assert_eq!(std::fs::read(out.join(format!("{}.wasm", builtin.name))).unwrap(), builtin.wasm);
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("{}.json", builtin.name))).unwrap()).unwrap();
        assert_eq!(info, listing[i]);
    }
}

/// Remote verification refuses bad input before any network access: exit 2, one clear line.
#[test]
fn remote_verify_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keyring.gpg", b"not a keyring");
    write(dir.path(), "key.pem", b"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n");
    let mut out = String::new();
    for args in [
        &["verify", "image", "nginx:1.27", "--key", "key.pem"][..],
        &["verify", "image", "ghcr.io/org/app:1.0"],
        &["verify", "chart", "http://charts.example.invalid/demo-0.1.0.tgz", "--keyring", "keyring.gpg"],
        &["verify", "chart", "https://charts.example.invalid/demo-0.1.0.tgz", "--keyring", "keyring.gpg", "--offline"],
        &["verify", "chart", "oci://ghcr.io/org/charts/demo:0.1.0", "--keyring", "keyring.gpg", "--prov", "x.prov"],
        &["verify", "chart", "ftp://charts.example.invalid/demo-0.1.0.tgz", "--keyring", "keyring.gpg"],
    ] {
        let _ = writeln!(out, "$ palisade {}\n{}", args.join(" "), palisade(dir.path(), args, None));
    }
    insta::assert_snapshot!(out);
}

/// `check` fetches only what policies request: the built-in policies request nothing for plain
/// manifests, so `--offline` changes nothing.
#[test]
fn check_offline_without_requests_is_unchanged() {
    let args = ["check", "--color", "never", "examples/demo-app.yaml"];
    let online = palisade(&repo(), &args, None);
    let offline = palisade(&repo(), &[&args[..], &["--offline"]].concat(), None);
    assert_eq!(offline, online);
}
