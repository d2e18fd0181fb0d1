//! ServiceAccounts of pods: token automounting, the `default` account, the deprecated field,
//! accounts missing from the input, the dashboard's account, and accounts bound to powerful roles.

use crate::context::Ctx;
use std::collections::HashMap;

use palisade_policy_sdk::workload::PodSpec;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::bindings::each_subject;
use super::escalation::{BIND_ESCALATE_ACCESS, IMPERSONATE_ACCESS};
use super::grants::{CREATE_PODS, EXEC_ATTACH, NODES_PROXY, SECRETS_READ};
use super::{BINDING_KINDS, CATEGORY, Roles, subject, subject_namespace, subjects};
use crate::index::Named;
use crate::objects::{describe, each_of_kind, judge, lookup, namespace};
use crate::pod_security::{Inherit, Subject, Visit, visit};
use crate::settings::Settings;

/// Row 45: the pod does not set `automountServiceAccountToken: false`, and neither does its
/// ServiceAccount when that is in the input (Polaris and Kubescape accept either; the pod's own
/// `true` wins over the ServiceAccount's `false`).
pub(crate) const AUTOMOUNT_SERVICE_ACCOUNT_TOKEN: RuleDef = RuleDef {
    id: "automount-service-account-token",
    title: "Pod mounts a ServiceAccount token",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `automountServiceAccountToken: false` in the pod spec (or on its ServiceAccount); pods that call the \
                  Kubernetes API can mount a token with a projected `serviceAccountToken` volume instead.",
    standards: &[
        "polaris:automountServiceAccountToken",
        "checkov:CKV_K8S_38",
        "kubescape:C-0034",
        "kubescape:C-0190",
        "kubescape:C-0261",
        "cis:5.1.6",
    ],
    enabled_by_default: true,
};

/// Row 46: a ServiceAccount named `default` does not set `automountServiceAccountToken: false`.
pub(crate) const DEFAULT_SERVICE_ACCOUNT_AUTOMOUNT: RuleDef = RuleDef {
    id: "default-service-account-automount",
    title: "Default ServiceAccount mounts its token",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `automountServiceAccountToken: false` on the `default` ServiceAccount.",
    standards: &["checkov:CKV_K8S_41", "kubescape:C-0189", "cis:5.1.5"],
    enabled_by_default: true,
};

/// Row 47: the pod runs as the `default` ServiceAccount (`serviceAccountName` unset, empty or
/// `default`).
pub(crate) const DEFAULT_SERVICE_ACCOUNT_USED: RuleDef = RuleDef {
    id: "default-service-account-used",
    title: "Pod uses the default ServiceAccount",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Create a ServiceAccount for the workload and set `serviceAccountName: my-app` in the pod spec.",
    standards: &["kube-linter:default-service-account", "kubescape:C-0189", "cis:5.1.5"],
    enabled_by_default: true,
};

/// Row 49: the pod sets the deprecated `spec.serviceAccount`.
pub(crate) const DEPRECATED_SERVICE_ACCOUNT_FIELD: RuleDef = RuleDef {
    id: "deprecated-service-account-field",
    title: "Pod uses the deprecated serviceAccount field",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Replace `serviceAccount: my-app` with `serviceAccountName: my-app` in the pod spec.",
    standards: &["kube-linter:deprecated-service-account-field", "kubescape:C-0294"],
    enabled_by_default: true,
};

/// Row 50: the pod names a ServiceAccount that is not in the input (in the pod's namespace). The
/// `default` account, which every namespace has, is not looked for (kube-linter does the same).
pub(crate) const NON_EXISTENT_SERVICE_ACCOUNT: RuleDef = RuleDef {
    id: "non-existent-service-account",
    title: "Pod uses a ServiceAccount missing from the input",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Ship the ServiceAccount with the chart (`kind: ServiceAccount`, `metadata: {name: my-app}`), or set \
                  `serviceAccountName` to one that exists.",
    standards: &["kube-linter:non-existent-service-account", "kubescape:C-0307"],
    enabled_by_default: true,
};

/// Row 72: a pod runs as, or a binding binds, the `kubernetes-dashboard` ServiceAccount.
pub(crate) const DASHBOARD_SERVICE_ACCOUNT_ACCESS: RuleDef = RuleDef {
    id: "dashboard-service-account-access",
    title: "Uses the Kubernetes dashboard ServiceAccount",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Do not reuse the `kubernetes-dashboard` ServiceAccount: give the workload its own \
                  (`serviceAccountName: my-app`) and bind roles to that one.",
    standards: &["kubescape:C-0014"],
    enabled_by_default: false,
};

/// Row 73: a pod whose ServiceAccount token is mounted (see [`AUTOMOUNT_SERVICE_ACCOUNT_TOKEN`]) runs
/// as a ServiceAccount that a binding of the input gives cluster-takeover permissions: reading
/// Secrets, creating pods or pod controllers, exec/attach, the kubelet proxy, RBAC bind/escalate or
/// impersonation (wildcard roles grant them all). Bindings are matched on the subject's name and
/// namespace (its own, else the binding's).
pub(crate) const WORKLOAD_SA_PRIVILEGED_RBAC: RuleDef = RuleDef {
    id: "workload-sa-privileged-rbac",
    title: "Workload ServiceAccount has takeover permissions",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Narrow the roles bound to the workload's ServiceAccount, or set `automountServiceAccountToken: false` in \
                  the pod spec when the workload does not call the Kubernetes API.",
    standards: &["kubescape:C-0053", "kubescape:C-0267", "kubescape:C-0272"],
    enabled_by_default: false,
};

/// The ServiceAccount a pod runs as, and the field that names it (`None` when unset: `default`).
fn account<'a>(pod: &PodSpec<'a>) -> (&'a str, Option<&'static str>) {
    ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .find_map(|field| {
            let name = lookup(pod.spec, &[field])?.as_str().filter(|n| !n.is_empty())?;
            Some((name, Some(field)))
        })
        .unwrap_or(("default", None))
}

/// Whether the pod gets its ServiceAccount token: the pod's `automountServiceAccountToken`, else its
/// ServiceAccount's when that is in the input, else `true`.
fn token_mounted(pod: &PodSpec<'_>, accounts: &Named<'_>) -> bool {
    let own = |value: &Value| value.get("automountServiceAccountToken").and_then(Value::as_bool);
    own(pod.spec).unwrap_or_else(|| {
        let (name, _) = account(pod);
        accounts.first("ServiceAccount", namespace(pod.resource), name).and_then(|sa| own(sa.json())).unwrap_or(true)
    })
}

/// [`AUTOMOUNT_SERVICE_ACCOUNT_TOKEN`].
pub(crate) fn automount_service_account_token(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let accounts = Named::new(resources, &["ServiceAccount"]);
    visit(resources, Visit::Pods, |pod| {
        if !token_mounted(pod.pod, &accounts) {
            return None;
        }
        let (name, _) = account(pod.pod);
        let nor = match accounts.first("ServiceAccount", namespace(pod.pod.resource), name) {
            Some(sa) => format!(": false, nor does its {}", describe(sa)),
            None => ": false".to_string(),
        };
        pod.judge(
            &AUTOMOUNT_SERVICE_ACCOUNT_TOKEN,
            &["automountServiceAccountToken"],
            Inherit::No,
            |_| false,
            Some(&nor),
        )
    })
}

/// [`DEFAULT_SERVICE_ACCOUNT_AUTOMOUNT`].
pub(crate) fn default_service_account_automount(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_of_kind(resources, "ServiceAccount", |sa| {
        if sa.name() != "default" {
            return None;
        }
        judge(
            &DEFAULT_SERVICE_ACCOUNT_AUTOMOUNT,
            sa,
            &["automountServiceAccountToken"],
            |v| v == false,
            Some(": false"),
        )
    })
}

/// [`DEFAULT_SERVICE_ACCOUNT_USED`].
pub(crate) fn default_service_account_used(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| match account(pod.pod) {
        ("default", Some(field)) => {
            Some(pod.report(&DEFAULT_SERVICE_ACCOUNT_USED, &[field], format_args!("sets {field}: default")))
        }
        (_, Some(_)) => None,
        (_, None) => Some(pod.report(
            &DEFAULT_SERVICE_ACCOUNT_USED,
            &["serviceAccountName"],
            "does not set serviceAccountName and runs as ServiceAccount \"default\"",
        )),
    })
}

/// [`DEPRECATED_SERVICE_ACCOUNT_FIELD`].
pub(crate) fn deprecated_service_account_field(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        pod.judge(&DEPRECATED_SERVICE_ACCOUNT_FIELD, &["serviceAccount"], Inherit::No, |v| v == "", None).map(
            |mut finding| {
                finding.message.push_str(", a deprecated field");
                finding
            },
        )
    })
}

/// [`NON_EXISTENT_SERVICE_ACCOUNT`].
pub(crate) fn non_existent_service_account(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let accounts = Named::new(resources, &["ServiceAccount"]);
    visit(resources, Visit::Pods, |pod| {
        let (name, field) = account(pod.pod);
        let field = field.filter(|_| name != "default")?;
        if accounts.first("ServiceAccount", namespace(pod.pod.resource), name).is_some() {
            return None;
        }
        Some(pod.report(
            &NON_EXISTENT_SERVICE_ACCOUNT,
            &[field],
            format_args!("runs as ServiceAccount \"{name}\", which is not in the input"),
        ))
    })
}

/// The ServiceAccount of the Kubernetes dashboard.
const DASHBOARD: &str = "kubernetes-dashboard";

/// [`DASHBOARD_SERVICE_ACCOUNT_ACCESS`].
pub(crate) fn dashboard_service_account_access(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = visit(resources, Visit::Pods, |pod| match account(pod.pod) {
        (DASHBOARD, Some(field)) => Some(pod.report(
            &DASHBOARD_SERVICE_ACCOUNT_ACCESS,
            &[field],
            format_args!("runs as ServiceAccount \"{DASHBOARD}\""),
        )),
        _ => None,
    });
    out.extend(each_subject(&DASHBOARD_SERVICE_ACCOUNT_ACCESS, resources, |kind, name| {
        (kind == "ServiceAccount" && name == DASHBOARD).then(|| format!("ServiceAccount \"{DASHBOARD}\""))
    }));
    out
}

/// Bindings by the ServiceAccount subjects they bind: `(namespace, name)` → bindings.
fn bindings_by_account(resources: &[Resource]) -> HashMap<(Option<&str>, &str), Vec<&Resource>> {
    let mut index: HashMap<_, Vec<_>> = HashMap::new();
    for binding in resources.iter().filter(|r| BINDING_KINDS.contains(&r.kind())) {
        for (_, value) in subjects(binding) {
            if let ("ServiceAccount", name) = subject(value) {
                index.entry((subject_namespace(binding, value), name)).or_default().push(binding);
            }
        }
    }
    index
}

/// [`WORKLOAD_SA_PRIVILEGED_RBAC`].
pub(crate) fn workload_sa_privileged_rbac(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let accounts = Named::new(resources, &["ServiceAccount"]);
    let bindings = bindings_by_account(resources);
    if bindings.is_empty() {
        return Vec::new();
    }
    let roles = Roles::new(resources);
    let dangerous = [SECRETS_READ, CREATE_PODS, EXEC_ATTACH, NODES_PROXY, BIND_ESCALATE_ACCESS, IMPERSONATE_ACCESS];
    visit(resources, Visit::Pods, |pod: &Subject<'_, '_>| {
        let (name, field) = account(pod.pod);
        let bound_by = bindings.get(&(namespace(pod.pod.resource), name)).map_or(&[][..], Vec::as_slice);
        if bound_by.is_empty() || !token_mounted(pod.pod, &accounts) {
            return Vec::new();
        }
        bound_by
            .iter()
            .filter_map(|binding| {
                let bound = roles.resolve(binding);
                let grant = dangerous.iter().find_map(|access| bound.grants(access))?;
                Some(pod.report(
                    &WORKLOAD_SA_PRIVILEGED_RBAC,
                    &[field.unwrap_or("serviceAccountName")],
                    format_args!(
                        "runs as ServiceAccount \"{name}\" with its token mounted, and {} binds it to {}, which grants {grant}",
                        describe(binding),
                        bound.label()
                    ),
                ))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, object, pod, run};
    use palisade_policy_sdk::json;

    fn service_account(name: &str, automount: Option<bool>) -> Value {
        let mut doc = object("v1", "ServiceAccount", name, json!({}));
        if let Some(automount) = automount {
            doc["automountServiceAccountToken"] = json!(automount);
        }
        doc
    }

    #[test]
    fn automount_service_account_token_accepts_pod_or_account() {
        let docs = vec![
            pod(json!({"serviceAccountName": "quiet", "containers": [{"name": "app"}]})),
            pod(json!({"serviceAccountName": "loud", "containers": [{"name": "app"}]})),
            pod(
                json!({"serviceAccountName": "quiet", "automountServiceAccountToken": true, "containers": [{"name": "app"}]}),
            ),
            deployment(json!({"containers": [{"name": "app"}]})),
            deployment(json!({"automountServiceAccountToken": false, "containers": [{"name": "app"}]})),
            service_account("quiet", Some(false)),
            service_account("loud", None),
        ];
        let id = "automount-service-account-token";
        assert_eq!(
            run(automount_service_account_token, docs, &json!({})),
            vec![
                (
                    1,
                    id,
                    "/spec/automountServiceAccountToken".into(),
                    "pod does not set automountServiceAccountToken: false, nor does its ServiceAccount \"loud\"".into()
                ),
                (
                    2,
                    id,
                    "/spec/automountServiceAccountToken".into(),
                    "pod sets automountServiceAccountToken: true".into()
                ),
                (
                    3,
                    id,
                    "/spec/template/spec/automountServiceAccountToken".into(),
                    "pod does not set automountServiceAccountToken: false".into()
                ),
            ]
        );
    }

    #[test]
    fn default_service_account_automount_checks_only_default() {
        let id = "default-service-account-automount";
        assert_eq!(
            run(
                default_service_account_automount,
                vec![
                    service_account("default", None),
                    service_account("default", Some(true)),
                    service_account("default", Some(false)),
                    service_account("app", None)
                ],
                &json!({})
            ),
            vec![
                (
                    0,
                    id,
                    "/automountServiceAccountToken".into(),
                    "ServiceAccount does not set automountServiceAccountToken: false".into()
                ),
                (
                    1,
                    id,
                    "/automountServiceAccountToken".into(),
                    "ServiceAccount sets automountServiceAccountToken: true".into()
                ),
            ]
        );
    }

    #[test]
    fn default_service_account_used_reports_unset_and_default() {
        let id = "default-service-account-used";
        assert_findings(
            default_service_account_used,
            deployment(json!({"containers": [{"name": "app"}]})),
            &[(
                id,
                "/spec/template/spec/serviceAccountName",
                "pod does not set serviceAccountName and runs as ServiceAccount \"default\"",
            )],
        );
        assert_findings(
            default_service_account_used,
            pod(json!({"serviceAccountName": "default", "containers": []})),
            &[(id, "/spec/serviceAccountName", "pod sets serviceAccountName: default")],
        );
        assert_findings(
            default_service_account_used,
            pod(json!({"serviceAccountName": "", "serviceAccount": "app", "containers": []})),
            &[],
        );
    }

    #[test]
    fn deprecated_service_account_field_reports_the_field() {
        assert_findings(
            deprecated_service_account_field,
            pod(json!({"serviceAccount": "app", "serviceAccountName": "app", "containers": []})),
            &[(
                "deprecated-service-account-field",
                "/spec/serviceAccount",
                "pod sets serviceAccount: app, a deprecated field",
            )],
        );
        assert_findings(
            deprecated_service_account_field,
            pod(json!({"serviceAccountName": "app", "containers": []})),
            &[],
        );
    }

    #[test]
    fn non_existent_service_account_looks_in_the_pods_namespace() {
        let mut elsewhere = service_account("app", None);
        elsewhere["metadata"]["namespace"] = json!("other");
        let docs = vec![
            pod(json!({"serviceAccountName": "app", "containers": []})),
            pod(json!({"serviceAccountName": "here", "containers": []})),
            pod(json!({"serviceAccountName": "default", "containers": []})),
            pod(json!({"containers": []})),
            elsewhere,
            service_account("here", None),
        ];
        assert_eq!(
            run(non_existent_service_account, docs, &json!({})),
            vec![(
                0,
                "non-existent-service-account",
                "/spec/serviceAccountName".into(),
                "pod runs as ServiceAccount \"app\", which is not in the input".into()
            )]
        );
    }

    #[test]
    fn dashboard_service_account_access_reports_pods_and_bindings() {
        let docs = vec![
            deployment(json!({"serviceAccountName": "kubernetes-dashboard", "containers": []})),
            object(
                "rbac.authorization.k8s.io/v1",
                "ClusterRoleBinding",
                "b",
                json!({"roleRef": {"kind": "ClusterRole", "name": "view"},
                    "subjects": [{"kind": "ServiceAccount", "name": "kubernetes-dashboard", "namespace": "x"}]}),
            ),
            deployment(json!({"serviceAccountName": "app", "containers": []})),
        ];
        let id = "dashboard-service-account-access";
        assert_eq!(
            run(dashboard_service_account_access, docs, &json!({})),
            vec![
                (
                    0,
                    id,
                    "/spec/template/spec/serviceAccountName".into(),
                    "pod runs as ServiceAccount \"kubernetes-dashboard\"".into()
                ),
                (
                    1,
                    id,
                    "/subjects/0/name".into(),
                    "ClusterRoleBinding binds ServiceAccount \"kubernetes-dashboard\"".into()
                ),
            ]
        );
    }

    #[test]
    fn workload_sa_privileged_rbac_follows_bindings_to_roles() {
        let binding = |name: &str, kind: &str, role: &str, sa: &str, ns: Option<&str>| {
            let mut subject = json!({"kind": "ServiceAccount", "name": sa});
            if let Some(ns) = ns {
                subject["namespace"] = json!(ns);
            }
            object(
                "rbac.authorization.k8s.io/v1",
                kind,
                name,
                json!({"roleRef": {"kind": if kind == "RoleBinding" { "Role" } else { "ClusterRole" }, "name": role}, "subjects": [subject]}),
            )
        };
        let docs = vec![
            deployment(json!({"serviceAccountName": "app", "containers": []})),
            deployment(json!({"serviceAccountName": "app", "automountServiceAccountToken": false, "containers": []})),
            deployment(json!({"serviceAccountName": "reader", "containers": []})),
            object(
                "rbac.authorization.k8s.io/v1",
                "Role",
                "secrets",
                json!({"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]}]}),
            ),
            binding("app-secrets", "RoleBinding", "secrets", "app", None),
            binding("app-admin", "ClusterRoleBinding", "admin", "app", Some("elsewhere")),
            binding("reader-view", "ClusterRoleBinding", "view", "reader", None),
        ];
        assert_eq!(
            run(workload_sa_privileged_rbac, docs, &json!({})),
            vec![(
                0,
                "workload-sa-privileged-rbac",
                "/spec/template/spec/serviceAccountName".into(),
                "pod runs as ServiceAccount \"app\" with its token mounted, and RoleBinding \"app-secrets\" binds it to \
                 Role \"secrets\", which grants list on secrets"
                    .into()
            )]
        );
    }
}
