//! What Roles and ClusterRoles grant on the cluster's own controls: wildcards, RBAC escalation,
//! impersonation, admission webhooks, certificate approval, token minting, PersistentVolumes,
//! Service status, and verbs beyond an allow-list.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity};

use super::{Access, CATEGORY, ROLE_KINDS, report_grants, rules_of};
use crate::objects::{items, report};
use crate::settings::Settings;

/// `bind` and `escalate` on roles and bindings (row 60).
pub(crate) const BIND_ESCALATE_ACCESS: Access = Access {
    targets: &[
        ("rbac.authorization.k8s.io", "roles"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("rbac.authorization.k8s.io", "rolebindings"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ],
    verbs: &["bind", "escalate"],
};

/// Impersonating identities (row 61).
pub(crate) const IMPERSONATE_ACCESS: Access = Access {
    targets: &[("", "users"), ("", "groups"), ("", "serviceaccounts"), ("authentication.k8s.io", "uids")],
    verbs: &["impersonate"],
};

/// Changing admission control (row 62): webhook configurations, and the admission policies that
/// replace them.
const ADMISSION_ACCESS: Access = Access {
    targets: &[
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
    ],
    verbs: &["create", "update", "patch", "delete", "deletecollection"],
};

/// Approving CSRs, first half (row 63).
const CSR_APPROVAL: Access =
    Access { targets: &[("certificates.k8s.io", "certificatesigningrequests/approval")], verbs: &["update", "patch"] };

/// Approving CSRs, second half (row 63).
const SIGNER_APPROVE: Access = Access { targets: &[("certificates.k8s.io", "signers")], verbs: &["approve"] };

/// Minting ServiceAccount tokens (row 64).
const TOKEN_CREATE: Access = Access { targets: &[("", "serviceaccounts/token")], verbs: &["create"] };

/// Creating PersistentVolumes (row 65).
const PV_CREATE: Access = Access { targets: &[("", "persistentvolumes")], verbs: &["create"] };

/// Changing Service status (row 66).
const SERVICES_STATUS: Access = Access { targets: &[("", "services/status")], verbs: &["update", "patch"] };

/// Row 51: a Role or ClusterRole rule has `*` in `verbs`, `resources` or `apiGroups`.
pub(crate) const WILDCARD_IN_RULES: RuleDef = RuleDef {
    id: "wildcard-in-rules",
    title: "Role uses wildcards",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "List the API groups, resources and verbs the subject needs instead of `*`, for example `apiGroups: \
                  [\"\"]`, `resources: [configmaps]`, `verbs: [get, list, watch]`.",
    standards: &["kube-linter:wildcard-in-rules", "checkov:CKV_K8S_49", "kubescape:C-0187", "cis:5.1.3"],
    enabled_by_default: true,
};

/// Row 60: a role grants `bind` or `escalate` on (cluster) roles or (cluster) role bindings. The
/// Checkov graph variant (a ServiceAccount bound to such a role) is covered by reporting the role.
pub(crate) const BIND_ESCALATE: RuleDef = RuleDef {
    id: "bind-escalate",
    title: "Role grants RBAC bind or escalate",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `bind` and `escalate` (and `*`) from the `verbs` of rules on `roles`, `clusterroles`, \
                  `rolebindings` and `clusterrolebindings`.",
    standards: &["checkov:CKV_K8S_157", "checkov:CKV_K8S_158", "checkov:CKV2_K8S_1", "kubescape:C-0191", "cis:5.1.8"],
    enabled_by_default: true,
};

/// Row 61: a role grants `impersonate` on users, groups, ServiceAccounts or UIDs.
pub(crate) const IMPERSONATE: RuleDef = RuleDef {
    id: "impersonate",
    title: "Role grants impersonation",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `impersonate` (and `*`) from the `verbs` of rules on `users`, `groups`, `serviceaccounts` and \
                  `uids`.",
    standards: &["checkov:CKV2_K8S_3", "kubescape:C-0065", "kubescape:C-0191", "cis:5.1.8"],
    enabled_by_default: true,
};

/// Row 62: a ClusterRole grants `create`, `update`, `patch` or `delete` on validating or mutating
/// webhook configurations. Admission policies (`validatingadmissionpolicies`, `...bindings`,
/// mutating ones) are included: changing them switches admission control off just as well.
pub(crate) const ADMISSION_WEBHOOK_CONTROL: RuleDef = RuleDef {
    id: "admission-webhook-control",
    title: "ClusterRole may change admission control",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Grant at most `get`, `list` and `watch` on `validatingwebhookconfigurations` and \
                  `mutatingwebhookconfigurations`; name the webhook the controller manages with `resourceNames` if it must \
                  update its own.",
    standards: &["checkov:CKV_K8S_155", "kubescape:C-0281", "cis:5.1.12"],
    enabled_by_default: true,
};

/// Row 63: a ClusterRole grants both `update` (or `patch`) on
/// `certificatesigningrequests/approval` and `approve` on `signers`, possibly in different rules.
pub(crate) const CSR_APPROVE: RuleDef = RuleDef {
    id: "csr-approve",
    title: "ClusterRole may approve certificate requests",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `update` on `certificatesigningrequests/approval` or `approve` on `signers`, or restrict the \
                  signers with `resourceNames: [example.com/my-signer]`.",
    standards: &["checkov:CKV_K8S_156", "kubescape:C-0280", "cis:5.1.11"],
    enabled_by_default: true,
};

/// Row 64: a role grants `create` on `serviceaccounts/token`.
pub(crate) const SERVICEACCOUNT_TOKEN_CREATE: RuleDef = RuleDef {
    id: "serviceaccount-token-create",
    title: "Role grants minting ServiceAccount tokens",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `create` on `serviceaccounts/token`; use projected ServiceAccount token volumes in the pods that \
                  need a token.",
    standards: &["kubescape:C-0282", "cis:5.1.13"],
    enabled_by_default: true,
};

/// Row 65: a role grants `create` on PersistentVolumes.
pub(crate) const PERSISTENTVOLUME_CREATE: RuleDef = RuleDef {
    id: "persistentvolume-create",
    title: "Role grants creating PersistentVolumes",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `create` on `persistentvolumes`; let workloads request storage with a `PersistentVolumeClaim` and \
                  a StorageClass.",
    standards: &["kubescape:C-0278", "cis:5.1.9"],
    enabled_by_default: false,
};

/// Row 66: a role grants `update` or `patch` on `services/status` (CVE-2020-8554).
pub(crate) const SERVICES_STATUS_MODIFY: RuleDef = RuleDef {
    id: "services-status-modify",
    title: "Role may change Service status",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `update` and `patch` on `services/status` from the role.",
    standards: &["checkov:CKV2_K8S_4"],
    enabled_by_default: true,
};

/// Row 75: a Role or ClusterRole rule uses a verb outside the `roleVerbsAllowlist` setting (default
/// `get`, `list`, `watch`).
pub(crate) const ROLE_VERBS_ALLOWLIST: RuleDef = RuleDef {
    id: "role-verbs-allowlist",
    title: "Role uses verbs outside the allow-list",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Keep the role's `verbs` within the allow-list (by default `verbs: [get, list, watch]`), or extend \
                  `roleVerbsAllowlist` for the verbs the chart needs.",
    standards: &[],
    enabled_by_default: false,
};

/// [`WILDCARD_IN_RULES`].
pub(crate) fn wildcard_in_rules(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for role in resources.iter().filter(|r| ROLE_KINDS.contains(&r.kind())) {
        for (i, rule) in items(role.json().get("rules")) {
            for field in ["apiGroups", "resources", "verbs"] {
                if let Some((j, _)) = items(rule.get(field)).find(|(_, v)| *v == "*") {
                    out.push(report(
                        &WILDCARD_IN_RULES,
                        role,
                        format!("/rules/{i}/{field}/{j}"),
                        format_args!("rules[{i}] has \"*\" in {field}"),
                    ));
                }
            }
        }
    }
    out
}

/// [`BIND_ESCALATE`].
pub(crate) fn bind_escalate(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&BIND_ESCALATE, resources, &ROLE_KINDS, &BIND_ESCALATE_ACCESS, |_, _| false)
}

/// [`IMPERSONATE`].
pub(crate) fn impersonate(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&IMPERSONATE, resources, &ROLE_KINDS, &IMPERSONATE_ACCESS, |_, _| false)
}

/// [`ADMISSION_WEBHOOK_CONTROL`].
pub(crate) fn admission_webhook_control(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&ADMISSION_WEBHOOK_CONTROL, resources, &["ClusterRole"], &ADMISSION_ACCESS, |_, _| false)
}

/// [`CSR_APPROVE`].
pub(crate) fn csr_approve(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "ClusterRole")
        .filter_map(|role| {
            let find = |access: &Access| rules_of(role).find_map(|(i, rule)| Some((i, rule.grants(access)?)));
            let (i, approval) = find(&CSR_APPROVAL)?;
            let (j, approve) = find(&SIGNER_APPROVE)?;
            Some(report(
                &CSR_APPROVE,
                role,
                "/rules",
                format_args!("grants {approval} (rules[{i}]) and {approve} (rules[{j}])"),
            ))
        })
        .collect()
}

/// [`SERVICEACCOUNT_TOKEN_CREATE`].
pub(crate) fn serviceaccount_token_create(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&SERVICEACCOUNT_TOKEN_CREATE, resources, &ROLE_KINDS, &TOKEN_CREATE, |_, _| false)
}

/// [`PERSISTENTVOLUME_CREATE`].
pub(crate) fn persistentvolume_create(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&PERSISTENTVOLUME_CREATE, resources, &ROLE_KINDS, &PV_CREATE, |_, _| false)
}

/// [`SERVICES_STATUS_MODIFY`].
pub(crate) fn services_status_modify(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_grants(&SERVICES_STATUS_MODIFY, resources, &ROLE_KINDS, &SERVICES_STATUS, |_, _| false)
}

/// [`ROLE_VERBS_ALLOWLIST`].
pub(crate) fn role_verbs_allowlist(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let allowed = &settings.role_verbs_allowlist;
    let list = allowed.join(", ");
    let mut out = Vec::new();
    for role in resources.iter().filter(|r| ROLE_KINDS.contains(&r.kind())) {
        for (i, rule) in items(role.json().get("rules")) {
            for (j, verb) in items(rule.get("verbs")) {
                let verb = verb.as_str().unwrap_or_default();
                if !allowed.iter().any(|a| a == verb) {
                    out.push(report(
                        &ROLE_VERBS_ALLOWLIST,
                        role,
                        format!("/rules/{i}/verbs/{j}"),
                        format_args!("rules[{i}] uses verb {verb}, outside the allow-list ({list})"),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, rbac_rule, role};
    use palisade_policy_sdk::json;

    #[test]
    fn wildcard_in_rules_reports_each_field() {
        let doc = role(
            "ClusterRole",
            json!([rbac_rule(&["*"], &["pods", "*"], &["get"]), rbac_rule(&["apps"], &["deployments"], &["*"])]),
        );
        assert_findings(
            wildcard_in_rules,
            doc,
            &[
                ("wildcard-in-rules", "/rules/0/apiGroups/0", "ClusterRole rules[0] has \"*\" in apiGroups"),
                ("wildcard-in-rules", "/rules/0/resources/1", "ClusterRole rules[0] has \"*\" in resources"),
                ("wildcard-in-rules", "/rules/1/verbs/0", "ClusterRole rules[1] has \"*\" in verbs"),
            ],
        );
        assert_findings(wildcard_in_rules, role("Role", json!([rbac_rule(&[""], &["pods"], &["get"])])), &[]);
    }

    #[test]
    fn bind_escalate_and_impersonate() {
        let doc = role(
            "ClusterRole",
            json!([
                rbac_rule(&["rbac.authorization.k8s.io"], &["clusterroles"], &["bind", "get"]),
                rbac_rule(&[""], &["serviceaccounts", "users"], &["impersonate"])
            ]),
        );
        assert_findings(
            bind_escalate,
            doc.clone(),
            &[(
                "bind-escalate",
                "/rules/0",
                "ClusterRole rules[0] grants bind on clusterroles.rbac.authorization.k8s.io",
            )],
        );
        assert_findings(
            impersonate,
            doc,
            &[("impersonate", "/rules/1", "ClusterRole rules[1] grants impersonate on users, serviceaccounts")],
        );
        let ok =
            role("ClusterRole", json!([rbac_rule(&["rbac.authorization.k8s.io"], &["roles"], &["get", "create"])]));
        assert_findings(bind_escalate, ok.clone(), &[]);
        assert_findings(impersonate, ok, &[]);
    }

    #[test]
    fn admission_webhook_control_checks_cluster_roles() {
        let rules = json!([rbac_rule(
            &["admissionregistration.k8s.io"],
            &["validatingwebhookconfigurations"],
            &["get", "patch"]
        )]);
        assert_findings(
            admission_webhook_control,
            role("ClusterRole", rules.clone()),
            &[(
                "admission-webhook-control",
                "/rules/0",
                "ClusterRole rules[0] grants patch on validatingwebhookconfigurations.admissionregistration.k8s.io",
            )],
        );
        assert_findings(admission_webhook_control, role("Role", rules), &[]);
        let read = json!([rbac_rule(&["admissionregistration.k8s.io"], &["mutatingwebhookconfigurations"], &["get"])]);
        assert_findings(admission_webhook_control, role("ClusterRole", read), &[]);
    }

    #[test]
    fn csr_approve_needs_both_halves() {
        let approval = rbac_rule(&["certificates.k8s.io"], &["certificatesigningrequests/approval"], &["update"]);
        let signers = rbac_rule(&["certificates.k8s.io"], &["signers"], &["approve"]);
        assert_findings(
            csr_approve,
            role("ClusterRole", json!([approval.clone(), rbac_rule(&[""], &["pods"], &["get"]), signers.clone()])),
            &[(
                "csr-approve",
                "/rules",
                "ClusterRole grants update on certificatesigningrequests/approval.certificates.k8s.io (rules[0]) and \
                 approve on signers.certificates.k8s.io (rules[2])",
            )],
        );
        assert_findings(csr_approve, role("ClusterRole", json!([approval])), &[]);
        assert_findings(csr_approve, role("ClusterRole", json!([signers])), &[]);
    }

    #[test]
    fn token_pv_and_service_status_grants() {
        let doc = role(
            "ClusterRole",
            json!([
                rbac_rule(&[""], &["serviceaccounts/token"], &["create"]),
                rbac_rule(&[""], &["persistentvolumes"], &["create", "delete"]),
                rbac_rule(&[""], &["services/status"], &["patch"])
            ]),
        );
        assert_findings(
            serviceaccount_token_create,
            doc.clone(),
            &[(
                "serviceaccount-token-create",
                "/rules/0",
                "ClusterRole rules[0] grants create on serviceaccounts/token",
            )],
        );
        assert_findings(
            persistentvolume_create,
            doc.clone(),
            &[("persistentvolume-create", "/rules/1", "ClusterRole rules[1] grants create on persistentvolumes")],
        );
        assert_findings(
            services_status_modify,
            doc,
            &[("services-status-modify", "/rules/2", "ClusterRole rules[2] grants patch on services/status")],
        );
        let ok = role(
            "ClusterRole",
            json!([rbac_rule(&[""], &["serviceaccounts", "persistentvolumes", "services"], &["get"])]),
        );
        for check in [serviceaccount_token_create, persistentvolume_create, services_status_modify] {
            assert_findings(check, ok.clone(), &[]);
        }
    }

    #[test]
    fn role_verbs_allowlist_follows_the_setting() {
        let doc = role("Role", json!([rbac_rule(&[""], &["configmaps"], &["get", "create", "*"])]));
        assert_findings(
            role_verbs_allowlist,
            doc.clone(),
            &[
                (
                    "role-verbs-allowlist",
                    "/rules/0/verbs/1",
                    "Role rules[0] uses verb create, outside the allow-list (get, list, watch)",
                ),
                (
                    "role-verbs-allowlist",
                    "/rules/0/verbs/2",
                    "Role rules[0] uses verb *, outside the allow-list (get, list, watch)",
                ),
            ],
        );
        assert_findings_with(role_verbs_allowlist, doc, &json!({"roleVerbsAllowlist": ["get", "create", "*"]}), &[]);
    }
}
