//! With real Helm (v4, from `.ci/install-helm.sh` at `target/tools/bin/helm`, or `$PALISADE_HELM`,
//! or on PATH; missing Helm fails these tests): the webhook's own chart rendered by `helm template`
//! passes `palisade check` (default policies and the restricted Pod Security Standard), and the
//! post-renderer plugin stops `helm template`/`install` on findings and passes clean manifests
//! through unchanged.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::repo;

fn helm_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("PALISADE_HELM") {
        return PathBuf::from(p);
    }
    let local = repo().join("target/tools/bin/helm");
    if local.is_file() {
        return local;
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("helm")).find(|p| p.is_file()));
    on_path.unwrap_or_else(|| panic!("helm not found: run .ci/install-helm.sh (or set PALISADE_HELM)"))
}

/// Helm with its config, cache and plugins in `home`, so tests touch nothing of the user's.
fn helm(home: &Path, args: &[&str]) -> Output {
    Command::new(helm_binary())
        .args(args)
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("PALISADE", env!("CARGO_BIN_EXE_palisade"))
        .env("PALISADE_CACHE_DIR", std::env::temp_dir().join("palisade-cli-test-cache"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn check(manifests: &[u8], args: &[&str]) -> (Option<i32>, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .arg("check")
        .args(args)
        .arg("-")
        .env("PALISADE_CACHE_DIR", std::env::temp_dir().join("palisade-cli-test-cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(manifests).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn documents(manifests: &str) -> Vec<serde_yaml::Value> {
    use serde::Deserialize as _;
    serde_yaml::Deserializer::from_str(manifests).map(|d| serde_yaml::Value::deserialize(d).unwrap()).collect()
}

fn kinds(manifests: &str) -> Vec<&str> {
    let mut k: Vec<&str> = manifests.lines().filter_map(|l| l.strip_prefix("kind: ")).collect();
    k.sort_unstable();
    k
}

#[test]
fn webhook_chart_passes_its_own_policies_and_restricted_pss() {
    let home = tempfile::tempdir().unwrap();
    let chart = repo().join("crates/palisade-webhook/chart/palisade");
    let chart = chart.to_str().unwrap();
    for (extra, resources, expected_kinds) in [
        (
            vec![],
            8,
            vec![
                "ConfigMap",
                "Deployment",
                "NetworkPolicy",
                "PodDisruptionBudget",
                "Secret",
                "Service",
                "ServiceAccount",
                "ValidatingWebhookConfiguration",
            ],
        ),
        (
            vec![
                "--set",
                "mutating.enabled=true",
                "--set",
                "tls.mode=certManager",
                "--set",
                "tls.certManagerIssuer.name=ca",
            ],
            9,
            vec![
                "Certificate",
                "ConfigMap",
                "Deployment",
                "MutatingWebhookConfiguration",
                "NetworkPolicy",
                "PodDisruptionBudget",
                "Service",
                "ServiceAccount",
                "ValidatingWebhookConfiguration",
            ],
        ),
        // Image rules: registry credentials mounted, egress to DNS and the registries opened.
        (
            vec![
                "--set",
                "mutating.enabled=true",
                "--set",
                "registryAuth.existingSecret=regcred",
                "--set-json",
                r#"networkPolicy.egress=[{"ports":[{"port":53,"protocol":"UDP"}]},{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}],"ports":[{"port":443,"protocol":"TCP"}]}]"#,
            ],
            9,
            vec![
                "ConfigMap",
                "Deployment",
                "MutatingWebhookConfiguration",
                "NetworkPolicy",
                "PodDisruptionBudget",
                "Secret",
                "Service",
                "ServiceAccount",
                "ValidatingWebhookConfiguration",
            ],
        ),
    ] {
        let mut args = vec!["template", "palisade", chart, "--namespace", "palisade-system"];
        args.extend(extra.iter().copied());
        let out = helm(home.path(), &args);
        assert_eq!(out.status.code(), Some(0), "helm template: {}", text(&out.stderr));
        let rendered = text(&out.stdout);
        // Least privilege: a ServiceAccount and no RBAC objects at all.
        assert_eq!(kinds(&rendered), expected_kinds);
        assert!(rendered.contains("\n  replicas: 2\n"), "two replicas");
        let summary = format!("0 findings in {resources} resources\n");
        assert_eq!(check(&out.stdout, &["--fail-on", "info"]), (Some(0), summary.clone(), String::new()));
        let restricted = ["--policy", "pod-security", "--set", "pod-security.level=restricted", "--fail-on", "info"];
        assert_eq!(check(&out.stdout, &restricted), (Some(0), summary, String::new()));
    }
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n";

fn chart(dir: &Path, template: &str) -> PathBuf {
    let chart = dir.join("demo");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("templates/pod.yaml"), template).unwrap();
    chart
}

#[test]
fn helm4_post_renderer_plugin_fails_on_findings_and_passes_clean_manifests() {
    let home = tempfile::tempdir().unwrap();
    let plugin = repo().join("crates/palisade-cli/helm-plugin");
    let out = helm(home.path(), &["plugin", "install", plugin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "helm plugin install: {}", text(&out.stderr));
    let out = helm(home.path(), &["plugin", "list"]);
    let listed: Vec<String> =
        text(&out.stdout).lines().skip(1).map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(listed, ["palisade 0.1.0 postrenderer/v1"]);

    let bad = chart(home.path(), PRIVILEGED_POD);
    let report = home.path().join("report.txt");
    let out = Command::new(helm_binary())
        .args(["template", "rel", bad.to_str().unwrap(), "--post-renderer", "palisade"])
        .args(["--post-renderer-args", "--fail-on=critical", "--post-renderer-args", "--policy=pod-security"])
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("PALISADE", env!("CARGO_BIN_EXE_palisade"))
        .env("PALISADE_CACHE_DIR", std::env::temp_dir().join("palisade-cli-test-cache"))
        .env("PALISADE_REPORT", &report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    // Helm 4.1 reports only that the plugin failed; the findings are in $PALISADE_REPORT. (Helm
    // hands post-renderers the manifests without `# Source:` comments, so no template is named.)
    assert_eq!(
        text(&out.stderr),
        "Error: error while running post render on files: failed to invoke post-renderer plugin \"palisade\": plugin \"palisade\" exited with error\n\nUse --debug flag to render out invalid YAML\n"
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "<stdin>\n    12:7   critical pod-security/privileged: privileged (container \"app\" must not set securityContext.privileged=true) (Pod rel)\n\n1 finding (1 critical) in 1 resource\npalisade: post-renderer refused the manifests (palisade check exit 1)\n"
    );

    // Below the threshold: the manifests pass through unchanged (Helm 4 re-indents what a
    // post-renderer returns, so the objects are compared).
    let clean = chart(home.path(), &PRIVILEGED_POD.replace("privileged: true", "privileged: false"));
    let plain = helm(home.path(), &["template", "rel", clean.to_str().unwrap()]);
    let post = helm(
        home.path(),
        &[
            "template",
            "rel",
            clean.to_str().unwrap(),
            "--post-renderer",
            "palisade",
            "--post-renderer-args",
            "--fail-on=critical",
        ],
    );
    assert_eq!(post.status.code(), Some(0), "{}", text(&post.stderr));
    assert_eq!(documents(&text(&post.stdout)), documents(&text(&plain.stdout)));
    assert_eq!(documents(&text(&plain.stdout)).len(), 1);
}

/// Helm 3's `--post-renderer PATH` runs the executable with the manifests on stdin and reads the
/// result from stdout; no Helm 3 is installed here, so the script is driven the same way directly.
#[test]
fn post_renderer_executable_mode() {
    use std::io::Write as _;
    let script = repo().join("crates/palisade-cli/helm-plugin/palisade-post-render");
    let run = |input: &str, args: &[&str]| {
        let mut child = Command::new(&script)
            .args(args)
            .env("PALISADE", env!("CARGO_BIN_EXE_palisade"))
            .env("PALISADE_CACHE_DIR", std::env::temp_dir().join("palisade-cli-test-cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let pod = PRIVILEGED_POD.replace("{{ .Release.Name }}", "web");
    assert_eq!(
        run(&pod, &["--policy", "pod-security"]),
        (
            Some(1),
            String::new(),
            "<stdin>\n    10:9   critical pod-security/privileged: privileged (container \"app\" must not set securityContext.privileged=true) (Pod web)\n\n1 finding (1 critical) in 1 resource\npalisade: post-renderer refused the manifests (palisade check exit 1)\n".into()
        )
    );
    let fine = pod.replace("privileged: true", "privileged: false");
    assert_eq!(run(&fine, &["--policy", "pod-security"]), (Some(0), fine.clone(), "0 findings in 1 resource\n".into()));
    // Usage errors are exit 2, and nothing reaches Helm.
    assert_eq!(
        run(&fine, &["--policy", "nope"]),
        (
            Some(2),
            String::new(),
            "palisade: unknown policy `nope` (built-in: hardening, pod-security, supply-chain; or give a path to a .wasm component)\npalisade: post-renderer refused the manifests (palisade check exit 2)\n".into()
        )
    );
}
