//! RoleBindings and ClusterRoleBindings: who is bound (the `default` ServiceAccount, anonymous
//! users) and to what (`cluster-admin`, wildcard roles, roles granting exec, roles missing from the
//! input), and cluster-scoped RBAC in a chart.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity};

use super::{Access, BINDING_KINDS, Bound, CATEGORY, Roles, Source, grants::EXEC_ATTACH, rules_of, subject, subjects};
use crate::objects::report;
use crate::settings::Settings;

/// Row 48: a binding has the ServiceAccount `default` as a subject.
pub(crate) const DEFAULT_SERVICE_ACCOUNT_BOUND: RuleDef = RuleDef {
    id: "default-service-account-bound",
    title: "Binding grants permissions to the default ServiceAccount",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Bind a dedicated ServiceAccount instead: `subjects: [{kind: ServiceAccount, name: my-app, namespace: \
                  my-namespace}]`, and set `serviceAccountName: my-app` in the pods that need the permissions.",
    standards: &["checkov:CKV_K8S_42", "kubescape:C-0189", "cis:5.1.5"],
    enabled_by_default: true,
};

/// Row 52: a binding references the ClusterRole `cluster-admin`.
pub(crate) const CLUSTER_ADMIN_BINDING: RuleDef = RuleDef {
    id: "cluster-admin-binding",
    title: "Binding grants cluster-admin",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Bind a role that grants only what the subject needs instead of `roleRef: {kind: ClusterRole, name: \
                  cluster-admin}`.",
    standards: &[
        "kube-linter:cluster-admin-role-binding",
        "polaris:clusterrolebindingClusterAdmin",
        "polaris:rolebindingClusterAdminClusterRole",
        "kubescape:C-0035",
        "cis:5.1.1",
    ],
    enabled_by_default: true,
};

/// Row 53: a binding references a role of the input with an admin-equivalent rule (`*` in
/// `apiGroups`, `resources` and `verbs`). Polaris checks RoleBindings to Roles only; ClusterRoles
/// with such a rule are reported too, as they are `cluster-admin` under another name.
pub(crate) const BINDING_TO_WILDCARD_ROLE: RuleDef = RuleDef {
    id: "binding-to-wildcard-role",
    title: "Binding grants a role with full wildcards",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Replace the role's `apiGroups: [\"*\"]`, `resources: [\"*\"]`, `verbs: [\"*\"]` rule with the groups, \
                  resources and verbs the subject needs.",
    standards: &["polaris:rolebindingClusterAdminRole", "kubescape:C-0272"],
    enabled_by_default: true,
};

/// Row 55: a binding references a role that grants `pods/exec` or `pods/attach`, or a role that is
/// not in the input (whose grants cannot be checked; Polaris' semantics). Built-in ClusterRoles are
/// judged by their known rules (`admin` and `edit` grant exec, `view` does not), and other `system:`
/// bootstrap roles pass.
pub(crate) const BINDING_PODS_EXEC_ATTACH: RuleDef = RuleDef {
    id: "binding-pods-exec-attach",
    title: "Binding grants exec or attach into pods",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Bind a role without `pods/exec` and `pods/attach`, and ship the role with the chart so that it can be \
                  checked: `roleRef: {kind: Role, name: my-app}`.",
    standards: &[
        "polaris:clusterrolebindingPodExecAttach",
        "polaris:rolebindingClusterRolePodExecAttach",
        "polaris:rolebindingRolePodExecAttach",
    ],
    enabled_by_default: true,
};

/// Row 71: a binding subject is `system:anonymous` or `system:unauthenticated`.
pub(crate) const ANONYMOUS_SUBJECT_BINDING: RuleDef = RuleDef {
    id: "anonymous-subject-binding",
    title: "Binding grants permissions to anonymous users",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove the `system:anonymous` and `system:unauthenticated` subjects from the binding; bind \
                  authenticated users, groups or ServiceAccounts instead.",
    standards: &["kubescape:C-0262"],
    enabled_by_default: true,
};

/// Row 74: the chart ships a ClusterRole or ClusterRoleBinding.
pub(crate) const CLUSTER_SCOPE_RBAC_IN_CHART: RuleDef = RuleDef {
    id: "cluster-scope-rbac-in-chart",
    title: "Chart ships cluster-scoped RBAC",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Use a namespaced `kind: Role` and `kind: RoleBinding` unless the application must act in every \
                  namespace.",
    standards: &[],
    enabled_by_default: false,
};

/// Runs `check` on every subject of every binding; when it returns a reason, reports it at the
/// subject's name: `RoleBinding binds <reason>`.
pub(super) fn each_subject(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    check: impl Fn(&str, &str) -> Option<String>,
) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| BINDING_KINDS.contains(&r.kind()))
        .flat_map(|binding| {
            subjects(binding)
                .filter_map(|(i, value)| {
                    let (kind, name) = subject(value);
                    let reason = check(kind, name)?;
                    Some(report(rule, binding, format!("/subjects/{i}/name"), format_args!("binds {reason}")))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Runs `check` on the resolved `roleRef` of every binding; when it returns a reason, reports it at
/// `/roleRef/name`: `RoleBinding binds <role>, <reason>`.
fn each_bound_role<'a>(
    rule: &RuleDef,
    resources: &'a [Resource],
    check: impl Fn(&Bound<'a>) -> Option<String>,
) -> Vec<Finding> {
    let roles = Roles::new(resources);
    resources
        .iter()
        .filter(|r| BINDING_KINDS.contains(&r.kind()))
        .filter_map(|binding| {
            let bound = roles.resolve(binding);
            let reason = check(&bound)?;
            Some(report(rule, binding, "/roleRef/name", format_args!("binds {}{reason}", bound.label())))
        })
        .collect()
}

/// Reports bindings of a built-in ClusterRole (not in the input) that grants part of `access`, for
/// rules that otherwise judge the roles of the input.
pub(crate) fn report_builtin_bindings(rule: &RuleDef, resources: &Ctx<'_>, access: &Access) -> Vec<Finding> {
    each_bound_role(rule, resources, |bound| match bound.source {
        Source::Builtin(_) => bound.grants(access).map(|grant| format!(", which grants {grant}")),
        _ => None,
    })
}

/// [`DEFAULT_SERVICE_ACCOUNT_BOUND`].
pub(crate) fn default_service_account_bound(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_subject(&DEFAULT_SERVICE_ACCOUNT_BOUND, resources, |kind, name| {
        (kind == "ServiceAccount" && name == "default").then(|| "ServiceAccount \"default\"".to_string())
    })
}

/// [`CLUSTER_ADMIN_BINDING`].
pub(crate) fn cluster_admin_binding(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_bound_role(&CLUSTER_ADMIN_BINDING, resources, |bound| {
        (bound.kind == "ClusterRole" && bound.name == "cluster-admin").then(String::new)
    })
}

/// [`BINDING_TO_WILDCARD_ROLE`].
pub(crate) fn binding_to_wildcard_role(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_bound_role(&BINDING_TO_WILDCARD_ROLE, resources, |bound| {
        let Source::Object(role) = bound.source else {
            return None;
        };
        if bound.name == "cluster-admin" {
            return None;
        }
        let (i, _) = rules_of(role).find(|(_, rule)| rule.is_full_wildcard())?;
        Some(format!(", whose rules[{i}] grants every verb on every resource"))
    })
}

/// [`BINDING_PODS_EXEC_ATTACH`].
pub(crate) fn binding_pods_exec_attach(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_bound_role(&BINDING_PODS_EXEC_ATTACH, resources, |bound| match bound.source {
        Source::Missing => {
            Some(", which is not in the input: its pods/exec and pods/attach grants cannot be checked".into())
        }
        _ => bound.grants(&EXEC_ATTACH).map(|grant| format!(", which grants {grant}")),
    })
}

/// Subjects that stand for every caller, authenticated or not.
const ANONYMOUS: [&str; 2] = ["system:anonymous", "system:unauthenticated"];

/// [`ANONYMOUS_SUBJECT_BINDING`].
pub(crate) fn anonymous_subject_binding(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_subject(&ANONYMOUS_SUBJECT_BINDING, resources, |kind, name| {
        (matches!(kind, "User" | "Group") && ANONYMOUS.contains(&name)).then(|| format!("{kind} \"{name}\""))
    })
}

/// [`CLUSTER_SCOPE_RBAC_IN_CHART`].
pub(crate) fn cluster_scope_rbac_in_chart(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter_map(|r| {
            let what = match r.kind() {
                "ClusterRole" => "defines permissions in every namespace",
                "ClusterRoleBinding" => "grants permissions in every namespace",
                _ => return None,
            };
            Some(report(&CLUSTER_SCOPE_RBAC_IN_CHART, r, "/kind", what))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, object, run};
    use palisade_policy_sdk::{Value, json};

    fn binding(kind: &str, role_kind: &str, role: &str, subjects: Value) -> Value {
        let mut doc = object(
            "rbac.authorization.k8s.io/v1",
            kind,
            "b",
            json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}}),
        );
        doc["subjects"] = subjects;
        doc
    }

    fn sa(name: &str) -> Value {
        json!({"kind": "ServiceAccount", "name": name, "namespace": "demo"})
    }

    #[test]
    fn default_service_account_bound_reports_the_subject() {
        let doc =
            binding("RoleBinding", "Role", "r", json!([sa("app"), sa("default"), {"kind": "User", "name": "default"}]));
        assert_findings(
            default_service_account_bound,
            doc,
            &[("default-service-account-bound", "/subjects/1/name", "RoleBinding binds ServiceAccount \"default\"")],
        );
        assert_findings(default_service_account_bound, binding("RoleBinding", "Role", "r", json!([sa("app")])), &[]);
    }

    #[test]
    fn cluster_admin_binding_reports_the_role_ref() {
        assert_findings(
            cluster_admin_binding,
            binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", json!([sa("app")])),
            &[(
                "cluster-admin-binding",
                "/roleRef/name",
                "ClusterRoleBinding binds built-in ClusterRole \"cluster-admin\"",
            )],
        );
        assert_findings(cluster_admin_binding, binding("RoleBinding", "Role", "cluster-admin", json!([])), &[]);
    }

    #[test]
    fn binding_to_wildcard_role_resolves_roles_of_the_input() {
        let role = |kind: &str, name: &str, verbs: &[&str]| {
            object(
                "rbac.authorization.k8s.io/v1",
                kind,
                name,
                json!({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}, {"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}]}),
            )
        };
        let docs = vec![
            role("Role", "admin-like", &["*"]),
            role("ClusterRole", "reader", &["get"]),
            binding("RoleBinding", "Role", "admin-like", json!([sa("app")])),
            binding("ClusterRoleBinding", "ClusterRole", "reader", json!([sa("app")])),
            binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", json!([sa("app")])),
        ];
        assert_eq!(
            run(binding_to_wildcard_role, docs, &json!({})),
            vec![(
                2,
                "binding-to-wildcard-role",
                "/roleRef/name".into(),
                "RoleBinding binds Role \"admin-like\", whose rules[1] grants every verb on every resource".into()
            )]
        );
    }

    #[test]
    fn binding_pods_exec_attach_reports_exec_and_unknown_roles() {
        let role = object(
            "rbac.authorization.k8s.io/v1",
            "Role",
            "debug",
            json!({"rules": [{"apiGroups": [""], "resources": ["pods/attach"], "verbs": ["create"]}]}),
        );
        let docs = vec![
            role,
            binding("RoleBinding", "Role", "debug", json!([sa("app")])),
            binding("RoleBinding", "ClusterRole", "edit", json!([sa("app")])),
            binding("RoleBinding", "ClusterRole", "view", json!([sa("app")])),
            binding("ClusterRoleBinding", "ClusterRole", "system:auth-delegator", json!([sa("app")])),
            binding("RoleBinding", "Role", "elsewhere", json!([sa("app")])),
        ];
        let id = "binding-pods-exec-attach";
        assert_eq!(
            run(binding_pods_exec_attach, docs, &json!({})),
            vec![
                (1, id, "/roleRef/name".into(), "RoleBinding binds Role \"debug\", which grants create on pods/attach".into()),
                (
                    2,
                    id,
                    "/roleRef/name".into(),
                    "RoleBinding binds built-in ClusterRole \"edit\", which grants create, get on pods/exec, pods/attach".into()
                ),
                (
                    5,
                    id,
                    "/roleRef/name".into(),
                    "RoleBinding binds Role \"elsewhere\", which is not in the input: its pods/exec and pods/attach grants \
                     cannot be checked"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn anonymous_subject_binding_reports_users_and_groups() {
        let doc = binding(
            "ClusterRoleBinding",
            "ClusterRole",
            "view",
            json!([{"kind": "Group", "name": "system:unauthenticated"}, {"kind": "User", "name": "system:anonymous"}, {"kind": "Group", "name": "system:authenticated"}]),
        );
        assert_findings(
            anonymous_subject_binding,
            doc,
            &[
                (
                    "anonymous-subject-binding",
                    "/subjects/0/name",
                    "ClusterRoleBinding binds Group \"system:unauthenticated\"",
                ),
                ("anonymous-subject-binding", "/subjects/1/name", "ClusterRoleBinding binds User \"system:anonymous\""),
            ],
        );
        assert_findings(anonymous_subject_binding, binding("RoleBinding", "Role", "r", json!([sa("app")])), &[]);
    }

    #[test]
    fn cluster_scope_rbac_in_chart_reports_cluster_kinds() {
        let docs = vec![
            object("rbac.authorization.k8s.io/v1", "ClusterRole", "r", json!({"rules": []})),
            binding("ClusterRoleBinding", "ClusterRole", "r", json!([])),
            binding("RoleBinding", "ClusterRole", "r", json!([])),
        ];
        let id = "cluster-scope-rbac-in-chart";
        assert_eq!(
            run(cluster_scope_rbac_in_chart, docs, &json!({})),
            vec![
                (0, id, "/kind".into(), "ClusterRole defines permissions in every namespace".into()),
                (1, id, "/kind".into(), "ClusterRoleBinding grants permissions in every namespace".into()),
            ]
        );
    }
}
