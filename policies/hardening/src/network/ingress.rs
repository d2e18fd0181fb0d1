//! Ingresses: TLS, and ingress-nginx configuration snippets (CVE-2021-25742).

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value, pointer};

use super::CATEGORY;
use crate::objects::{judge, map, report};
use crate::settings::Settings;

/// Row 84: an Ingress has no `spec.tls` (or an empty one).
pub(crate) const INGRESS_TLS: RuleDef = RuleDef {
    id: "ingress-tls",
    title: "Ingress does not terminate TLS",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `spec.tls: [{hosts: [app.example.com], secretName: app-tls}]` on the Ingress (cert-manager can issue \
                  the Secret).",
    standards: &["polaris:tlsSettingsMissing", "kubescape:C-0263"],
    enabled_by_default: true,
};

/// Row 89: an Ingress carries an `nginx.ingress.kubernetes.io/*-snippet` annotation, which injects raw
/// nginx configuration (CVE-2021-25742).
pub(crate) const NGINX_SNIPPET_ANNOTATION: RuleDef = RuleDef {
    id: "nginx-snippet-annotation",
    title: "Ingress injects an nginx configuration snippet",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove the `nginx.ingress.kubernetes.io/*-snippet` annotations and use the dedicated ingress-nginx \
                  annotations instead; keep `allow-snippet-annotations: \"false\"` in the controller ConfigMap.",
    standards: &["checkov:CKV_K8S_153", "kubescape:C-0059"],
    enabled_by_default: true,
};

/// Row 90: an nginx snippet annotation runs Lua code (a `*_by_lua*` directive) or sets an `alias`
/// directive (file disclosure).
pub(crate) const NGINX_SNIPPET_DANGEROUS_CONTENT: RuleDef = RuleDef {
    id: "nginx-snippet-dangerous-content",
    title: "nginx snippet runs Lua or aliases files",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove `*_by_lua` and `alias` directives from the `nginx.ingress.kubernetes.io/*-snippet` annotations.",
    standards: &["checkov:CKV_K8S_152", "checkov:CKV_K8S_154", "kubescape:C-0059"],
    enabled_by_default: true,
};

/// [`INGRESS_TLS`].
pub(crate) fn ingress_tls(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "Ingress")
        .filter_map(|ingress| {
            let ok = |v: &Value| v.as_array().is_some_and(|tls| !tls.is_empty());
            judge(&INGRESS_TLS, ingress, &["spec", "tls"], ok, Some(""))
        })
        .collect()
}

/// The ingress-nginx annotation prefix.
const NGINX_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// The nginx snippet annotations of every Ingress: `(ingress, key, value)`.
fn snippets(resources: &[Resource]) -> impl Iterator<Item = (&Resource, &str, &str)> {
    resources.iter().filter(|r| r.kind() == "Ingress").flat_map(|ingress| {
        map(ingress.metadata(), &["annotations"]).into_iter().flatten().filter_map(move |(key, value)| {
            let name = key.strip_prefix(NGINX_PREFIX)?;
            name.ends_with("-snippet").then(|| (ingress, key.as_str(), value.as_str().unwrap_or_default()))
        })
    })
}

/// Pointer to an annotation.
fn annotation_pointer(key: &str) -> String {
    pointer::join("/metadata/annotations", &[key])
}

/// [`NGINX_SNIPPET_ANNOTATION`].
pub(crate) fn nginx_snippet_annotation(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    snippets(resources)
        .map(|(ingress, key, _)| {
            report(&NGINX_SNIPPET_ANNOTATION, ingress, annotation_pointer(key), format_args!("sets annotation {key}"))
        })
        .collect()
}

/// What makes a snippet dangerous, if anything: the Lua directive it uses, or an `alias` directive.
fn dangerous(snippet: &str) -> Option<String> {
    let words = || snippet.split(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}');
    if let Some(lua) = words().find(|w| w.contains("_by_lua")) {
        return Some(format!("runs Lua code ({lua})"));
    }
    let mut previous_ends_statement = true;
    for word in snippet.split_inclusive(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}') {
        let bare = word.trim_end_matches(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}');
        if bare == "alias" && previous_ends_statement && word.len() > bare.len() {
            return Some("sets an alias directive".to_string());
        }
        if word.ends_with([';', '{', '}']) {
            previous_ends_statement = true;
        } else if !bare.is_empty() {
            previous_ends_statement = false;
        }
    }
    None
}

/// [`NGINX_SNIPPET_DANGEROUS_CONTENT`].
pub(crate) fn nginx_snippet_dangerous_content(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    snippets(resources)
        .filter_map(|(ingress, key, value)| {
            let why = dangerous(value)?;
            Some(report(
                &NGINX_SNIPPET_DANGEROUS_CONTENT,
                ingress,
                annotation_pointer(key),
                format_args!("annotation {key} {why}"),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, with_spec};
    use palisade_policy_sdk::json;

    fn ingress(annotations: Value, spec: Value) -> Value {
        let mut doc = with_spec("networking.k8s.io/v1", "Ingress", "i", spec);
        doc["metadata"]["annotations"] = annotations;
        doc
    }

    #[test]
    fn ingress_tls_requires_entries() {
        assert_findings(
            ingress_tls,
            ingress(json!({}), json!({})),
            &[("ingress-tls", "/spec/tls", "Ingress does not set spec.tls")],
        );
        assert_findings(
            ingress_tls,
            ingress(json!({}), json!({"tls": []})),
            &[("ingress-tls", "/spec/tls", "Ingress sets spec.tls: []")],
        );
        assert_findings(ingress_tls, ingress(json!({}), json!({"tls": [{"secretName": "tls"}]})), &[]);
    }

    #[test]
    fn nginx_snippet_annotation_reports_snippets_only() {
        let doc = ingress(
            json!({"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers \"X: y\";",
                "nginx.ingress.kubernetes.io/rewrite-target": "/", "example.com/server-snippet": "x"}),
            json!({"tls": [{}]}),
        );
        assert_findings(
            nginx_snippet_annotation,
            doc,
            &[(
                "nginx-snippet-annotation",
                "/metadata/annotations/nginx.ingress.kubernetes.io~1configuration-snippet",
                "Ingress sets annotation nginx.ingress.kubernetes.io/configuration-snippet",
            )],
        );
        assert_findings(
            nginx_snippet_annotation,
            ingress(json!({"nginx.ingress.kubernetes.io/ssl-redirect": "true"}), json!({})),
            &[],
        );
    }

    #[test]
    fn dangerous_snippets_run_lua_or_alias() {
        assert_eq!(
            dangerous("content_by_lua_block { ngx.say('x') }"),
            Some("runs Lua code (content_by_lua_block)".into())
        );
        assert_eq!(dangerous("location /x {\n  alias /etc/;\n}"), Some("sets an alias directive".into()));
        assert_eq!(dangerous("alias /var/run/secrets/;"), Some("sets an alias directive".into()));
        assert_eq!(dangerous("more_set_headers \"X-Alias: alias\";"), None);
        assert_eq!(dangerous("proxy_set_header X-Real-IP $remote_addr;"), None);
    }

    #[test]
    fn nginx_snippet_dangerous_content_reports_the_annotation() {
        let doc = ingress(
            json!({"nginx.ingress.kubernetes.io/server-snippet": "location /x { access_by_lua_block { os.execute('id') } }",
                "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers \"X: y\";"}),
            json!({}),
        );
        assert_findings(
            nginx_snippet_dangerous_content,
            doc,
            &[(
                "nginx-snippet-dangerous-content",
                "/metadata/annotations/nginx.ingress.kubernetes.io~1server-snippet",
                "Ingress annotation nginx.ingress.kubernetes.io/server-snippet runs Lua code (access_by_lua_block)",
            )],
        );
    }
}
