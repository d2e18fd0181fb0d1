//! What Roles and ClusterRoles grant on workloads and their data: exec/attach, the kubelet proxy,
//! Secrets, creating pods, port-forwarding, deletions and ConfigMaps of `kube-system`.
//!
//! Each rule reports the `rules[]` entries that grant the permission, explicitly or through
//! wildcards, at `/rules/<i>`.

use crate::context::Ctx;
use std::collections::HashSet;

use palisade_policy_sdk::{Finding, RuleDef, Severity};

use super::{Access, CATEGORY, ROLE_KINDS, Roles, bindings::report_builtin_bindings, report_grants};
use crate::objects::namespace;
use crate::settings::Settings;

/// `pods/exec` and `pods/attach` (row 54): `create`, or `get` that older API servers accept for the
/// websocket upgrade.
pub(crate) const EXEC_ATTACH: Access =
    Access { targets: &[("", "pods/exec"), ("", "pods/attach")], verbs: &["create", "get"] };

/// The kubelet API through `nodes/proxy` (row 56).
pub(crate) const NODES_PROXY: Access = Access { targets: &[("", "nodes/proxy")], verbs: &["get", "create"] };

/// Reading Secrets (row 57).
pub(crate) const SECRETS_READ: Access = Access { targets: &[("", "secrets")], verbs: &["get", "list", "watch"] };

/// Creating pods, directly or through a controller (row 59).
pub(crate) const CREATE_PODS: Access = Access {
    targets: &[
        ("", "pods"),
        ("", "replicationcontrollers"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    ],
    verbs: &["create"],
};

/// Verbs on Secrets that `resourceNames` can narrow (row 58): all but `create` and
/// `deletecollection`, which a name cannot restrict.
const SECRETS_BY_NAME: Access =
    Access { targets: &[("", "secrets")], verbs: &["get", "list", "watch", "update", "patch", "delete"] };

/// Port-forwarding (row 70).
const PORT_FORWARD: Access = Access { targets: &[("", "pods/portforward")], verbs: &["create"] };

/// Deleting workloads and their data (row 67, Kubescape C-0007's list plus ConfigMaps and PVCs).
const DELETE: Access = Access {
    targets: &[
        ("", "pods"),
        ("", "secrets"),
        ("", "configmaps"),
        ("", "services"),
        ("", "persistentvolumeclaims"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "daemonsets"),
        ("apps", "statefulsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    ],
    verbs: &["delete", "deletecollection"],
};

/// Deleting events, in both API groups (row 68).
const DELETE_EVENTS: Access =
    Access { targets: &[("", "events"), ("events.k8s.io", "events")], verbs: &["delete", "deletecollection"] };

/// Changing ConfigMaps (row 69).
const CONFIGMAP_UPDATE: Access = Access { targets: &[("", "configmaps")], verbs: &["update", "patch"] };

/// Row 54: a Role or ClusterRole grants `pods/exec` or `pods/attach`.
pub(crate) const ROLE_PODS_EXEC_ATTACH: RuleDef = RuleDef {
    id: "role-pods-exec-attach",
    title: "Role grants exec or attach into pods",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `pods/exec` and `pods/attach` (and wildcards covering them) from the role's `resources`; grant \
                  debugging access to people through a separate, audited role.",
    standards: &[
        "polaris:clusterrolePodExecAttach",
        "polaris:rolePodExecAttach",
        "checkov:CKV2_K8S_2",
        "kubescape:C-0002",
    ],
    enabled_by_default: true,
};

/// Row 56: a role grants `get` or `create` on `nodes/proxy` (the kubelet API, including exec).
pub(crate) const NODES_PROXY_ACCESS: RuleDef = RuleDef {
    id: "nodes-proxy-access",
    title: "Role grants access to the kubelet API",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `nodes/proxy` (and wildcards covering it) from the role's `resources`; read node metrics through \
                  `nodes/metrics` or `nodes/stats` instead.",
    standards: &["checkov:CKV2_K8S_2", "kubescape:C-0279", "cis:5.1.10"],
    enabled_by_default: true,
};

/// Row 57: a role grants `get`, `list` or `watch` on Secrets; a binding that binds a built-in
/// ClusterRole granting it (`cluster-admin`, `admin`, `edit`) is reported too, since the role itself is
/// not in the input.
pub(crate) const SECRETS_READ_RULE: RuleDef = RuleDef {
    id: "secrets-read",
    title: "Role grants reading Secrets",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `get`, `list` and `watch` on `secrets` from the role, or restrict them to the Secrets the workload \
                  needs with `resourceNames: [my-secret]`; mount Secrets into pods instead of reading them through the API.",
    standards: &[
        "kube-linter:access-to-secrets",
        "checkov:CKV2_K8S_5",
        "kubescape:C-0015",
        "kubescape:C-0186",
        "cis:5.1.2",
    ],
    enabled_by_default: true,
};

/// Row 58: a rule granting a verb on Secrets that a name can restrict (`get`, `list`, `watch`,
/// `update`, `patch`, `delete`) has no `resourceNames`. Rules that only grant `create` or
/// `deletecollection` pass: `resourceNames` cannot narrow those.
pub(crate) const SECRETS_WITHOUT_RESOURCE_NAMES: RuleDef = RuleDef {
    id: "secrets-without-resource-names",
    title: "Role grants access to all Secrets",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Name the Secrets the rule applies to: `resourceNames: [my-secret]`.",
    standards: &["checkov:CKV2_K8S_5"],
    enabled_by_default: true,
};

/// Row 59: a role grants `create` on pods or pod controllers (Deployments, ReplicaSets,
/// StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers); bindings of built-in roles that
/// grant it are reported as for `secrets-read`.
pub(crate) const CREATE_PODS_RULE: RuleDef = RuleDef {
    id: "create-pods",
    title: "Role grants creating pods",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `create` on `pods` and pod controllers (`deployments`, `statefulsets`, `daemonsets`, `jobs`, ...) \
                  from the role unless the subject is a controller that must create them.",
    standards: &["kube-linter:access-to-create-pods", "kubescape:C-0188", "cis:5.1.4"],
    enabled_by_default: false,
};

/// Row 67: a role grants `delete` or `deletecollection` on workloads, pods, Secrets, ConfigMaps,
/// Services or PersistentVolumeClaims.
pub(crate) const DELETE_CAPABILITIES: RuleDef = RuleDef {
    id: "delete-capabilities",
    title: "Role grants deleting workloads or their data",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Remove `delete` and `deletecollection` from the role's `verbs` unless the subject must delete those \
                  objects.",
    standards: &["kubescape:C-0007"],
    enabled_by_default: false,
};

/// Row 68: a role grants `delete` or `deletecollection` on events (core or `events.k8s.io`).
pub(crate) const DELETE_EVENTS_RULE: RuleDef = RuleDef {
    id: "delete-events",
    title: "Role grants deleting events",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Remove `delete` and `deletecollection` on `events` from the role; keep at most `create` and `patch`.",
    standards: &["kubescape:C-0031"],
    enabled_by_default: false,
};

/// Row 69: a role grants `update` or `patch` on ConfigMaps of `kube-system`: a Role in that
/// namespace, or a ClusterRole bound there (by a ClusterRoleBinding, or a RoleBinding in
/// `kube-system`). Rules whose `resourceNames` name neither `coredns` nor `kube-dns` (a controller's
/// leader-election ConfigMap, say) cannot poison cluster DNS and pass; Kubescape reports them too.
pub(crate) const KUBE_SYSTEM_CONFIGMAP_UPDATE: RuleDef = RuleDef {
    id: "kube-system-configmap-update",
    title: "Role may change ConfigMaps of kube-system",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `update` and `patch` on `configmaps` from the role, or bind it with a RoleBinding outside \
                  `kube-system` (`metadata.namespace: my-app`).",
    standards: &["kubescape:C-0037"],
    enabled_by_default: false,
};

/// Row 70: a role grants `create` on `pods/portforward`.
pub(crate) const PORTFORWARD: RuleDef = RuleDef {
    id: "portforward",
    title: "Role grants port-forwarding into pods",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `pods/portforward` (and wildcards covering it) from the role's `resources`.",
    standards: &["kubescape:C-0063"],
    enabled_by_default: false,
};

/// [`ROLE_PODS_EXEC_ATTACH`].
pub(crate) fn role_pods_exec_attach(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&ROLE_PODS_EXEC_ATTACH, resources, &ROLE_KINDS, &EXEC_ATTACH, |_, _| false)
}

/// [`NODES_PROXY_ACCESS`].
pub(crate) fn nodes_proxy_access(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&NODES_PROXY_ACCESS, resources, &ROLE_KINDS, &NODES_PROXY, |_, _| false)
}

/// [`SECRETS_READ_RULE`].
pub(crate) fn secrets_read(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = report_grants(&SECRETS_READ_RULE, resources, &ROLE_KINDS, &SECRETS_READ, |_, _| false);
    out.extend(report_builtin_bindings(&SECRETS_READ_RULE, resources, &SECRETS_READ));
    out
}

/// [`SECRETS_WITHOUT_RESOURCE_NAMES`].
pub(crate) fn secrets_without_resource_names(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out =
        report_grants(&SECRETS_WITHOUT_RESOURCE_NAMES, resources, &ROLE_KINDS, &SECRETS_BY_NAME, |_, rule| {
            !rule.resource_names.is_empty()
        });
    for finding in &mut out {
        finding.message.push_str(" without resourceNames");
    }
    out
}

/// [`CREATE_PODS_RULE`].
pub(crate) fn create_pods(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = report_grants(&CREATE_PODS_RULE, resources, &ROLE_KINDS, &CREATE_PODS, |_, _| false);
    out.extend(report_builtin_bindings(&CREATE_PODS_RULE, resources, &CREATE_PODS));
    out
}

/// [`DELETE_CAPABILITIES`].
pub(crate) fn delete_capabilities(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&DELETE_CAPABILITIES, resources, &ROLE_KINDS, &DELETE, |_, _| false)
}

/// [`DELETE_EVENTS_RULE`].
pub(crate) fn delete_events(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&DELETE_EVENTS_RULE, resources, &ROLE_KINDS, &DELETE_EVENTS, |_, _| false)
}

/// The namespace whose ConfigMaps row 69 protects.
const KUBE_SYSTEM: &str = "kube-system";

/// The cluster DNS ConfigMaps of `kube-system` (CoreDNS, kube-dns).
const DNS_CONFIGMAPS: [&str; 2] = ["coredns", "kube-dns"];

/// [`KUBE_SYSTEM_CONFIGMAP_UPDATE`].
pub(crate) fn kube_system_configmap_update(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let roles = Roles::new(resources);
    let bound_in_kube_system: HashSet<&str> = resources
        .iter()
        .filter(|b| {
            b.kind() == "ClusterRoleBinding" || (b.kind() == "RoleBinding" && namespace(b) == Some(KUBE_SYSTEM))
        })
        .map(|b| roles.resolve(b))
        .filter(|bound| bound.kind == "ClusterRole")
        .map(|bound| bound.name)
        .collect();
    let mut out =
        report_grants(&KUBE_SYSTEM_CONFIGMAP_UPDATE, resources, &ROLE_KINDS, &CONFIGMAP_UPDATE, |role, rule| {
            let names = &rule.resource_names;
            if !names.is_empty() && !names.iter().any(|n| DNS_CONFIGMAPS.contains(n)) {
                return true;
            }
            if role.kind() == "Role" {
                namespace(role) != Some(KUBE_SYSTEM)
            } else {
                !bound_in_kube_system.contains(role.name())
            }
        });
    for finding in &mut out {
        finding.message.push_str(" in kube-system");
    }
    out
}

/// [`PORTFORWARD`].
pub(crate) fn portforward(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&PORTFORWARD, resources, &ROLE_KINDS, &PORT_FORWARD, |_, _| false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, object, rbac_rule, role, run};
    use palisade_policy_sdk::json;

    #[test]
    fn role_pods_exec_attach_reports_explicit_and_wildcard_grants() {
        let doc = role(
            "Role",
            json!([
                rbac_rule(&[""], &["pods"], &["get", "list"]),
                rbac_rule(&[""], &["pods/exec"], &["create"]),
                rbac_rule(&["*"], &["*"], &["*"]),
                rbac_rule(&[""], &["pods/attach"], &["list"])
            ]),
        );
        assert_findings(
            role_pods_exec_attach,
            doc,
            &[
                ("role-pods-exec-attach", "/rules/1", "Role rules[1] grants create on pods/exec"),
                ("role-pods-exec-attach", "/rules/2", "Role rules[2] grants create, get on pods/exec, pods/attach"),
            ],
        );
        assert_findings(role_pods_exec_attach, role("ClusterRole", json!([rbac_rule(&[""], &["pods"], &["*"])])), &[]);
    }

    #[test]
    fn nodes_proxy_access_reports_get_and_create() {
        let doc = role("ClusterRole", json!([rbac_rule(&[""], &["nodes/proxy", "nodes/stats"], &["get"])]));
        assert_findings(
            nodes_proxy_access,
            doc,
            &[("nodes-proxy-access", "/rules/0", "ClusterRole rules[0] grants get on nodes/proxy")],
        );
        assert_findings(
            nodes_proxy_access,
            role("ClusterRole", json!([rbac_rule(&[""], &["nodes/stats"], &["get"])])),
            &[],
        );
    }

    #[test]
    fn secrets_read_reports_roles_and_builtin_bindings() {
        let docs = vec![
            role(
                "Role",
                json!([rbac_rule(&[""], &["secrets"], &["list"]), rbac_rule(&[""], &["secrets"], &["create"])]),
            ),
            object(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                "b",
                json!({"roleRef": {"kind": "ClusterRole", "name": "edit"}}),
            ),
            object(
                "rbac.authorization.k8s.io/v1",
                "RoleBinding",
                "v",
                json!({"roleRef": {"kind": "ClusterRole", "name": "view"}}),
            ),
        ];
        assert_eq!(
            run(secrets_read, docs, &json!({})),
            vec![
                (0, "secrets-read", "/rules/0".into(), "Role rules[0] grants list on secrets".into()),
                (
                    1,
                    "secrets-read",
                    "/roleRef/name".into(),
                    "RoleBinding binds built-in ClusterRole \"edit\", which grants get, list, watch on secrets".into()
                ),
            ]
        );
    }

    #[test]
    fn secrets_without_resource_names_accepts_named_and_create_only_rules() {
        let doc = role(
            "Role",
            json!([
                rbac_rule(&[""], &["secrets"], &["get", "update"]),
                {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["tls"]},
                rbac_rule(&[""], &["secrets"], &["create"])
            ]),
        );
        assert_findings(
            secrets_without_resource_names,
            doc,
            &[(
                "secrets-without-resource-names",
                "/rules/0",
                "Role rules[0] grants get, update on secrets without resourceNames",
            )],
        );
    }

    #[test]
    fn create_pods_reports_pods_and_controllers() {
        let doc = role(
            "ClusterRole",
            json!([
                rbac_rule(&["apps", "batch"], &["deployments", "jobs"], &["create", "get"]),
                rbac_rule(&[""], &["pods"], &["get"])
            ]),
        );
        assert_findings(
            create_pods,
            doc,
            &[("create-pods", "/rules/0", "ClusterRole rules[0] grants create on deployments.apps, jobs.batch")],
        );
        assert_findings(create_pods, role("ClusterRole", json!([rbac_rule(&[""], &["pods"], &["get"])])), &[]);
    }

    #[test]
    fn delete_rules_report_deletions() {
        let doc = role(
            "Role",
            json!([rbac_rule(&["", "apps"], &["configmaps", "statefulsets", "events"], &["deletecollection", "get"])]),
        );
        assert_findings(
            delete_capabilities,
            doc.clone(),
            &[(
                "delete-capabilities",
                "/rules/0",
                "Role rules[0] grants deletecollection on configmaps, statefulsets.apps",
            )],
        );
        assert_findings(
            delete_events,
            doc,
            &[("delete-events", "/rules/0", "Role rules[0] grants deletecollection on events")],
        );
        let ok = role("Role", json!([rbac_rule(&[""], &["events", "pods"], &["create", "patch"])]));
        assert_findings(delete_capabilities, ok.clone(), &[]);
        assert_findings(delete_events, ok, &[]);
    }

    #[test]
    fn kube_system_configmap_update_needs_kube_system() {
        let update = json!([rbac_rule(&[""], &["configmaps"], &["patch"])]);
        let mut system_role = role("Role", update.clone());
        system_role["metadata"]["namespace"] = json!("kube-system");
        let mut app_role = role("Role", update.clone());
        app_role["metadata"]["namespace"] = json!("apps");
        let cluster_role =
            |name: &str| object("rbac.authorization.k8s.io/v1", "ClusterRole", name, json!({"rules": update.clone()}));
        let binding = |kind: &str, ns: &str, role: &str| {
            object(
                "rbac.authorization.k8s.io/v1",
                kind,
                "b",
                json!({"metadata": {"namespace": ns}, "roleRef": {"kind": "ClusterRole", "name": role}}),
            )
        };
        let mut election = role(
            "Role",
            json!([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["update"], "resourceNames": ["my-lock"]}]),
        );
        election["metadata"]["namespace"] = json!("kube-system");
        let docs = vec![
            system_role,
            app_role,
            cluster_role("wide"),
            cluster_role("local"),
            cluster_role("in-system"),
            binding("ClusterRoleBinding", "", "wide"),
            binding("RoleBinding", "apps", "local"),
            binding("RoleBinding", "kube-system", "in-system"),
            election,
        ];
        let rule_id = "kube-system-configmap-update";
        let message = |kind: &str| format!("{kind} rules[0] grants patch on configmaps in kube-system");
        assert_eq!(
            run(kube_system_configmap_update, docs, &json!({})),
            vec![
                (0, rule_id, "/rules/0".into(), message("Role")),
                (2, rule_id, "/rules/0".into(), message("ClusterRole")),
                (4, rule_id, "/rules/0".into(), message("ClusterRole")),
            ]
        );
    }

    #[test]
    fn portforward_reports_create() {
        let doc = role("Role", json!([rbac_rule(&[""], &["pods/portforward"], &["create"])]));
        assert_findings(
            portforward,
            doc,
            &[("portforward", "/rules/0", "Role rules[0] grants create on pods/portforward")],
        );
        assert_findings(portforward, role("Role", json!([rbac_rule(&[""], &["pods/portforward"], &["get"])])), &[]);
    }
}
