//! Workload hardening policy: checks of the palisade catalog (`checks.md` §1) over rendered
//! Kubernetes manifests.
//!
//! Every rule is a [`RuleDef`] constant beside its check function, in a module per theme; [`RULES`]
//! lists them all in catalog order. `evaluate` runs every rule on every call: the host filters
//! findings by the rules enabled in its configuration, so opt-in rules are evaluated too.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Input, Policy, PolicyMeta, RuleDef, export_policy};

mod availability;
mod context;
mod control_plane;
#[cfg(test)]
mod corpus;
#[cfg(test)]
mod fixtures;
mod hygiene;
mod images;
mod index;
mod legacy_psp;
mod network;
mod objects;
mod pod_security;
mod quantity;
mod rbac;
mod resources;
mod secrets;
mod selector;
mod settings;
mod supply_chain;
#[cfg(test)]
mod testing;

use availability::{disruption, lifecycle, probes, scaling, scheduling};
use control_plane::table;
use hygiene::{apis, containers, metadata, references};
use network::{ingress, policies, services};
use pod_security::{capabilities, cluster, host, misc, privilege, profiles, users, volumes, windows};
use rbac::{accounts, bindings, escalation, grants};
use settings::Settings;

/// A rule's check: findings over the whole resource set.
pub(crate) type Check = fn(&Ctx<'_>, &Settings) -> Vec<Finding>;

/// A rule and its check.
pub(crate) struct Rule {
    /// What the host is told about the rule.
    pub(crate) def: RuleDef,
    /// How it is checked.
    pub(crate) check: Check,
}

impl Rule {
    const fn new(def: RuleDef, check: Check) -> Self {
        Self { def, check }
    }
}

/// Every rule, in catalog order.
pub(crate) const RULES: &[Rule] = &[
    Rule::new(privilege::PRIVILEGED_CONTAINER, privilege::privileged_container),
    Rule::new(host::HOST_NETWORK, host::host_network),
    Rule::new(host::HOST_PID, host::host_pid),
    Rule::new(host::HOST_IPC, host::host_ipc),
    Rule::new(host::HOST_PORT, host::host_port),
    Rule::new(volumes::HOST_PATH_VOLUME, volumes::host_path_volume),
    Rule::new(volumes::HOST_PATH_WRITABLE, volumes::host_path_writable),
    Rule::new(volumes::HOST_PATH_SENSITIVE, volumes::host_path_sensitive),
    Rule::new(volumes::CONTAINER_RUNTIME_SOCKET, volumes::container_runtime_socket),
    Rule::new(volumes::CLOUD_CREDENTIAL_HOST_PATH, volumes::cloud_credential_host_path),
    Rule::new(volumes::RESTRICTED_VOLUME_TYPES, volumes::restricted_volume_types),
    Rule::new(privilege::ALLOW_PRIVILEGE_ESCALATION, privilege::allow_privilege_escalation),
    Rule::new(users::RUN_AS_NON_ROOT, users::run_as_non_root),
    Rule::new(users::RUN_AS_USER_NOT_ZERO, users::run_as_user_not_zero),
    Rule::new(users::RUN_AS_GROUP_NOT_ZERO, users::run_as_group_not_zero),
    Rule::new(users::RUN_AS_HIGH_UID, users::run_as_high_uid),
    Rule::new(users::RUN_AS_HIGH_GID, users::run_as_high_gid),
    Rule::new(users::FS_GROUP_SET, users::fs_group_set),
    Rule::new(users::FS_GROUP_CHANGE_POLICY, users::fs_group_change_policy),
    Rule::new(users::SUPPLEMENTAL_GROUPS_NOT_ROOT, users::supplemental_groups_not_root),
    Rule::new(profiles::SECCOMP_PROFILE_REQUIRED, profiles::seccomp_profile_required),
    Rule::new(profiles::SECCOMP_NOT_UNCONFINED, profiles::seccomp_not_unconfined),
    Rule::new(capabilities::CAPABILITIES_DROP_ALL, capabilities::capabilities_drop_all),
    Rule::new(capabilities::CAPABILITIES_ADD_RESTRICTED, capabilities::capabilities_add_restricted),
    Rule::new(capabilities::CAPABILITIES_ADD_BASELINE, capabilities::capabilities_add_baseline),
    Rule::new(capabilities::CAPABILITIES_DANGEROUS, capabilities::capabilities_dangerous),
    Rule::new(capabilities::CAPABILITIES_DROP_NET_RAW, capabilities::capabilities_drop_net_raw),
    Rule::new(privilege::READ_ONLY_ROOT_FILESYSTEM, privilege::read_only_root_filesystem),
    Rule::new(privilege::PROC_MOUNT_DEFAULT, privilege::proc_mount_default),
    Rule::new(misc::SYSCTLS_SAFE, misc::sysctls_safe),
    Rule::new(profiles::SELINUX_OPTIONS_RESTRICTED, profiles::selinux_options_restricted),
    Rule::new(profiles::APPARMOR_PROFILE_ALLOWED, profiles::apparmor_profile_allowed),
    Rule::new(windows::WINDOWS_HOST_PROCESS, windows::windows_host_process),
    Rule::new(windows::WINDOWS_OPTIONS_SET, windows::windows_options_set),
    Rule::new(misc::PROBE_HOST_FIELD, misc::probe_host_field),
    Rule::new(profiles::LINUX_HARDENING_ANY, profiles::linux_hardening_any),
    Rule::new(misc::POD_SECURITY_CONTEXT_PRESENT, misc::pod_security_context_present),
    Rule::new(misc::CONTAINER_SECURITY_CONTEXT_PRESENT, misc::container_security_context_present),
    Rule::new(host::PRIVILEGED_PORTS, host::privileged_ports),
    Rule::new(host::SSH_PORT, host::ssh_port),
    Rule::new(misc::SUDO_IN_ENTRYPOINT, misc::sudo_in_entrypoint),
    Rule::new(cluster::NAMESPACE_PSS_ENFORCE_LABEL, cluster::namespace_pss_enforce_label),
    Rule::new(misc::HARDENED_RUNTIME_CLASS, misc::hardened_runtime_class),
    Rule::new(cluster::SCC_PRIVILEGED, cluster::scc_privileged),
    Rule::new(accounts::AUTOMOUNT_SERVICE_ACCOUNT_TOKEN, accounts::automount_service_account_token),
    Rule::new(accounts::DEFAULT_SERVICE_ACCOUNT_AUTOMOUNT, accounts::default_service_account_automount),
    Rule::new(accounts::DEFAULT_SERVICE_ACCOUNT_USED, accounts::default_service_account_used),
    Rule::new(bindings::DEFAULT_SERVICE_ACCOUNT_BOUND, bindings::default_service_account_bound),
    Rule::new(accounts::DEPRECATED_SERVICE_ACCOUNT_FIELD, accounts::deprecated_service_account_field),
    Rule::new(accounts::NON_EXISTENT_SERVICE_ACCOUNT, accounts::non_existent_service_account),
    Rule::new(escalation::WILDCARD_IN_RULES, escalation::wildcard_in_rules),
    Rule::new(bindings::CLUSTER_ADMIN_BINDING, bindings::cluster_admin_binding),
    Rule::new(bindings::BINDING_TO_WILDCARD_ROLE, bindings::binding_to_wildcard_role),
    Rule::new(grants::ROLE_PODS_EXEC_ATTACH, grants::role_pods_exec_attach),
    Rule::new(bindings::BINDING_PODS_EXEC_ATTACH, bindings::binding_pods_exec_attach),
    Rule::new(grants::NODES_PROXY_ACCESS, grants::nodes_proxy_access),
    Rule::new(grants::SECRETS_READ_RULE, grants::secrets_read),
    Rule::new(grants::SECRETS_WITHOUT_RESOURCE_NAMES, grants::secrets_without_resource_names),
    Rule::new(grants::CREATE_PODS_RULE, grants::create_pods),
    Rule::new(escalation::BIND_ESCALATE, escalation::bind_escalate),
    Rule::new(escalation::IMPERSONATE, escalation::impersonate),
    Rule::new(escalation::ADMISSION_WEBHOOK_CONTROL, escalation::admission_webhook_control),
    Rule::new(escalation::CSR_APPROVE, escalation::csr_approve),
    Rule::new(escalation::SERVICEACCOUNT_TOKEN_CREATE, escalation::serviceaccount_token_create),
    Rule::new(escalation::PERSISTENTVOLUME_CREATE, escalation::persistentvolume_create),
    Rule::new(escalation::SERVICES_STATUS_MODIFY, escalation::services_status_modify),
    Rule::new(grants::DELETE_CAPABILITIES, grants::delete_capabilities),
    Rule::new(grants::DELETE_EVENTS_RULE, grants::delete_events),
    Rule::new(grants::KUBE_SYSTEM_CONFIGMAP_UPDATE, grants::kube_system_configmap_update),
    Rule::new(grants::PORTFORWARD, grants::portforward),
    Rule::new(bindings::ANONYMOUS_SUBJECT_BINDING, bindings::anonymous_subject_binding),
    Rule::new(accounts::DASHBOARD_SERVICE_ACCOUNT_ACCESS, accounts::dashboard_service_account_access),
    Rule::new(accounts::WORKLOAD_SA_PRIVILEGED_RBAC, accounts::workload_sa_privileged_rbac),
    Rule::new(bindings::CLUSTER_SCOPE_RBAC_IN_CHART, bindings::cluster_scope_rbac_in_chart),
    Rule::new(escalation::ROLE_VERBS_ALLOWLIST, escalation::role_verbs_allowlist),
    Rule::new(policies::POD_NOT_SELECTED_BY_NETWORKPOLICY, policies::pod_not_selected_by_networkpolicy),
    Rule::new(policies::INGRESS_AND_EGRESS_POLICY, policies::ingress_and_egress_policy),
    Rule::new(policies::NAMESPACE_DEFAULT_DENY, policies::namespace_default_deny),
    Rule::new(policies::NAMESPACE_WITHOUT_NETWORKPOLICY, policies::namespace_without_networkpolicy),
    Rule::new(policies::EGRESS_UNRESTRICTED, policies::egress_unrestricted),
    Rule::new(policies::DANGLING_NETWORKPOLICY, policies::dangling_networkpolicy),
    Rule::new(policies::DANGLING_NETWORKPOLICY_PEER, policies::dangling_networkpolicy_peer),
    Rule::new(services::SERVICE_TYPE_FORBIDDEN, services::service_type_forbidden),
    Rule::new(ingress::INGRESS_TLS, ingress::ingress_tls),
    Rule::new(services::DANGLING_SERVICE, services::dangling_service),
    Rule::new(services::DANGLING_INGRESS_BACKEND, services::dangling_ingress_backend),
    Rule::new(services::DANGLING_GATEWAY_BACKEND, services::dangling_gateway_backend),
    Rule::new(services::INVALID_TARGET_PORT, services::invalid_target_port_rule),
    Rule::new(ingress::NGINX_SNIPPET_ANNOTATION, ingress::nginx_snippet_annotation),
    Rule::new(ingress::NGINX_SNIPPET_DANGEROUS_CONTENT, ingress::nginx_snippet_dangerous_content),
    Rule::new(secrets::ENV_LITERAL_SECRET, secrets::env_literal_secret),
    Rule::new(secrets::CONFIGMAP_SENSITIVE_CONTENT, secrets::configmap_sensitive_content),
    Rule::new(secrets::SECRET_AS_ENV, secrets::secret_as_env),
    Rule::new(secrets::ENV_REF_MISSING, secrets::env_ref_missing),
    Rule::new(secrets::SECRET_DATA_IN_CHART, secrets::secret_data_in_chart),
    Rule::new(secrets::WORKLOAD_SECRET_ACCESS, secrets::workload_secret_access),
    Rule::new(images::IMAGE_TAG_MUTABLE, images::image_tag_mutable),
    Rule::new(images::IMAGE_DIGEST_PINNED, images::image_digest_pinned),
    Rule::new(images::IMAGE_PULL_POLICY_ALWAYS, images::image_pull_policy_always),
    Rule::new(images::LATEST_REQUIRES_PULL_ALWAYS, images::latest_requires_pull_always),
    Rule::new(images::IMAGE_REGISTRY_ALLOWLIST, images::image_registry_allowlist),
    Rule::new(images::IMAGE_REGISTRY_DENYLIST, images::image_registry_denylist),
    Rule::new(images::DEPRECATED_K8S_REGISTRY, images::deprecated_k8s_registry),
    Rule::new(images::IMAGE_PULL_SECRETS, images::image_pull_secrets),
    Rule::new(supply_chain::KUBERNETES_DASHBOARD_DEPLOYED, supply_chain::kubernetes_dashboard_deployed),
    Rule::new(supply_chain::TILLER_DEPLOYED, supply_chain::tiller_deployed),
    Rule::new(supply_chain::TILLER_SERVICE, supply_chain::tiller_service),
    Rule::new(supply_chain::TILLER_LISTENING, supply_chain::tiller_listening),
    Rule::new(supply_chain::GIT_SYNC_CODE_INJECTION, supply_chain::git_sync_code_injection),
    Rule::new(supply_chain::INGRESS_NGINX_EOL, supply_chain::ingress_nginx_eol),
    Rule::new(supply_chain::VULNERABLE_COMPONENT_VERSION, supply_chain::vulnerable_component_version),
    Rule::new(resources::CPU_REQUESTS, resources::cpu_requests),
    Rule::new(resources::CPU_LIMITS, resources::cpu_limits),
    Rule::new(resources::MEMORY_REQUESTS, resources::memory_requests),
    Rule::new(resources::MEMORY_LIMITS, resources::memory_limits),
    Rule::new(resources::REQUESTS_EQUAL_LIMITS, resources::requests_equal_limits),
    Rule::new(resources::EPHEMERAL_STORAGE_SET, resources::ephemeral_storage_set),
    Rule::new(resources::EPHEMERAL_STORAGE_EQUAL, resources::ephemeral_storage_equal),
    Rule::new(resources::RESOURCES_WITHIN_BOUNDS, resources::resources_within_bounds),
    Rule::new(resources::LIMITRANGE_PRESENT, resources::limitrange_present),
    Rule::new(probes::LIVENESS_PROBE, probes::liveness_probe),
    Rule::new(probes::READINESS_PROBE, probes::readiness_probe),
    Rule::new(probes::PROBES_NOT_IDENTICAL, probes::probes_not_identical),
    Rule::new(probes::PROBE_PORT_EXPOSED, probes::probe_port_exposed),
    Rule::new(scaling::REPLICAS_MINIMUM, scaling::replicas_minimum),
    Rule::new(scaling::HPA_MIN_REPLICAS, scaling::hpa_min_replicas),
    Rule::new(scaling::HPA_MAX_GT_MIN, scaling::hpa_max_gt_min),
    Rule::new(scaling::HPA_TARGET_EXISTS, scaling::hpa_target_exists),
    Rule::new(scaling::HPA_TARGET_NO_STATIC_REPLICAS, scaling::hpa_target_no_static_replicas),
    Rule::new(disruption::PDB_PRESENT, disruption::pdb_present),
    Rule::new(disruption::PDB_HAS_POLICY, disruption::pdb_has_policy),
    Rule::new(disruption::PDB_ALLOWS_DISRUPTION, disruption::pdb_allows_disruption),
    Rule::new(disruption::PDB_MIN_AVAILABLE_VS_HPA, disruption::pdb_min_available_vs_hpa),
    Rule::new(disruption::PDB_UNHEALTHY_POD_EVICTION_POLICY, disruption::pdb_unhealthy_pod_eviction_policy),
    Rule::new(scheduling::POD_ANTI_AFFINITY, scheduling::pod_anti_affinity),
    Rule::new(scheduling::TOPOLOGY_SPREAD_PRESENT, scheduling::topology_spread_present),
    Rule::new(scheduling::TOPOLOGY_SPREAD_VALID, scheduling::topology_spread_valid),
    Rule::new(scheduling::NODE_AFFINITY, scheduling::node_affinity),
    Rule::new(scheduling::ROLLING_UPDATE_STRATEGY, scheduling::rolling_update_strategy),
    Rule::new(scheduling::PRIORITY_CLASS, scheduling::priority_class),
    Rule::new(lifecycle::RESTART_POLICY, lifecycle::restart_policy),
    Rule::new(lifecycle::CRONJOB_DEADLINE, lifecycle::cronjob_deadline),
    Rule::new(lifecycle::JOB_TTL_AFTER_FINISHED, lifecycle::job_ttl_after_finished),
    Rule::new(lifecycle::STATEFULSET_SERVICE_NAME, lifecycle::statefulset_service_name),
    Rule::new(lifecycle::SELECTOR_MATCHES_TEMPLATE, lifecycle::selector_matches_template),
    Rule::new(lifecycle::NAKED_POD, lifecycle::naked_pod),
    Rule::new(metadata::DEFAULT_NAMESPACE, metadata::default_namespace),
    Rule::new(metadata::REQUIRED_LABELS, metadata::required_labels),
    Rule::new(metadata::RECOMMENDED_K8S_LABELS, metadata::recommended_k8s_labels),
    Rule::new(metadata::INSTANCE_LABEL_MATCHES_NAME, metadata::instance_label_matches_name),
    Rule::new(metadata::REQUIRED_ANNOTATIONS, metadata::required_annotations),
    Rule::new(metadata::LABEL_VALUES_VALID, metadata::label_values_valid),
    Rule::new(apis::DEPRECATED_API_VERSION, apis::deprecated_api_version),
    Rule::new(apis::SCHEMA_VALIDATION, apis::schema_validation),
    Rule::new(apis::SORTED_KEYS, apis::sorted_keys),
    Rule::new(containers::DUPLICATE_ENV_VAR, containers::duplicate_env_var),
    Rule::new(containers::CONTAINER_PORTS_VALID, containers::container_ports_valid),
    Rule::new(references::DANGLING_SERVICEMONITOR, references::dangling_servicemonitor),
    Rule::new(containers::DNS_CONFIG_OPTIONS, containers::dns_config_options),
    Rule::new(references::OUTDATED_KUBERNETES_VERSION, references::outdated_kubernetes_version),
    Rule::new(containers::WORKLOAD_CONFIGMAP_ACCESS, containers::workload_configmap_access),
    Rule::new(containers::WORKLOAD_PVC_ACCESS, containers::workload_pvc_access),
    Rule::new(apis::DUPLICATE_OBJECT, apis::duplicate_object),
    Rule::new(table::ROWS[0].def, control_plane::check::<0>),
    Rule::new(table::ROWS[1].def, control_plane::check::<1>),
    Rule::new(table::ROWS[2].def, control_plane::check::<2>),
    Rule::new(table::ROWS[3].def, control_plane::check::<3>),
    Rule::new(table::ROWS[4].def, control_plane::check::<4>),
    Rule::new(table::ROWS[5].def, control_plane::check::<5>),
    Rule::new(table::ROWS[6].def, control_plane::check::<6>),
    Rule::new(table::ROWS[7].def, control_plane::check::<7>),
    Rule::new(table::ROWS[8].def, control_plane::check::<8>),
    Rule::new(table::ROWS[9].def, control_plane::check::<9>),
    Rule::new(table::ROWS[10].def, control_plane::check::<10>),
    Rule::new(table::ROWS[11].def, control_plane::check::<11>),
    Rule::new(table::ROWS[12].def, control_plane::check::<12>),
    Rule::new(table::ROWS[13].def, control_plane::check::<13>),
    Rule::new(table::ROWS[14].def, control_plane::check::<14>),
    Rule::new(table::ROWS[15].def, control_plane::check::<15>),
    Rule::new(table::ROWS[16].def, control_plane::check::<16>),
    Rule::new(table::ROWS[17].def, control_plane::check::<17>),
    Rule::new(table::ROWS[18].def, control_plane::check::<18>),
    Rule::new(table::ROWS[19].def, control_plane::check::<19>),
    Rule::new(table::ROWS[20].def, control_plane::check::<20>),
    Rule::new(table::ROWS[21].def, control_plane::check::<21>),
    Rule::new(table::ROWS[22].def, control_plane::check::<22>),
    Rule::new(table::ROWS[23].def, control_plane::check::<23>),
    Rule::new(table::ROWS[24].def, control_plane::check::<24>),
    Rule::new(table::ROWS[25].def, control_plane::check::<25>),
    Rule::new(table::ROWS[26].def, control_plane::check::<26>),
    Rule::new(table::ROWS[27].def, control_plane::check::<27>),
    Rule::new(table::ROWS[28].def, control_plane::check::<28>),
    Rule::new(table::ROWS[29].def, control_plane::check::<29>),
    Rule::new(table::ROWS[30].def, control_plane::check::<30>),
    Rule::new(table::ROWS[31].def, control_plane::check::<31>),
    Rule::new(table::ROWS[32].def, control_plane::check::<32>),
    Rule::new(table::ROWS[33].def, control_plane::check::<33>),
    Rule::new(table::ROWS[34].def, control_plane::check::<34>),
    Rule::new(table::ROWS[35].def, control_plane::check::<35>),
    Rule::new(table::ROWS[36].def, control_plane::check::<36>),
    Rule::new(table::ROWS[37].def, control_plane::check::<37>),
    Rule::new(table::ROWS[38].def, control_plane::check::<38>),
    Rule::new(table::ROWS[39].def, control_plane::check::<39>),
    Rule::new(table::ROWS[40].def, control_plane::check::<40>),
    Rule::new(table::ROWS[41].def, control_plane::check::<41>),
    Rule::new(table::ROWS[42].def, control_plane::check::<42>),
    Rule::new(table::ROWS[43].def, control_plane::check::<43>),
    Rule::new(table::ROWS[44].def, control_plane::check::<44>),
    Rule::new(table::ROWS[45].def, control_plane::check::<45>),
    Rule::new(table::ROWS[46].def, control_plane::check::<46>),
    Rule::new(table::ROWS[47].def, control_plane::check::<47>),
    Rule::new(table::ROWS[48].def, control_plane::check::<48>),
    Rule::new(table::ROWS[49].def, control_plane::check::<49>),
    Rule::new(table::ROWS[50].def, control_plane::check::<50>),
    Rule::new(table::ROWS[51].def, control_plane::check::<51>),
    Rule::new(table::ROWS[52].def, control_plane::check::<52>),
    Rule::new(table::ROWS[53].def, control_plane::check::<53>),
    Rule::new(table::ROWS[54].def, control_plane::check::<54>),
    Rule::new(table::ROWS[55].def, control_plane::check::<55>),
    Rule::new(table::ROWS[56].def, control_plane::check::<56>),
    Rule::new(table::ROWS[57].def, control_plane::check::<57>),
    Rule::new(table::ROWS[58].def, control_plane::check::<58>),
    Rule::new(legacy_psp::ROWS[0].def, legacy_psp::check::<0>),
    Rule::new(legacy_psp::ROWS[1].def, legacy_psp::check::<1>),
    Rule::new(legacy_psp::ROWS[2].def, legacy_psp::check::<2>),
    Rule::new(legacy_psp::ROWS[3].def, legacy_psp::check::<3>),
    Rule::new(legacy_psp::ROWS[4].def, legacy_psp::check::<4>),
    Rule::new(legacy_psp::ROWS[5].def, legacy_psp::check::<5>),
    Rule::new(legacy_psp::ROWS[6].def, legacy_psp::check::<6>),
    Rule::new(legacy_psp::ROWS[7].def, legacy_psp::check::<7>),
    Rule::new(legacy_psp::ROWS[8].def, legacy_psp::check::<8>),
    Rule::new(legacy_psp::ROWS[9].def, legacy_psp::check::<9>),
    Rule::new(legacy_psp::LEGACY_PSP_ENABLED, legacy_psp::legacy_psp_enabled),
];

/// The definitions of [`RULES`], for [`PolicyMeta`].
static RULE_DEFS: [RuleDef; RULES.len()] = {
    let mut defs = [RULES[0].def; RULES.len()];
    let mut i = 1;
    while i < RULES.len() {
        defs[i] = RULES[i].def;
        i += 1;
    }
    defs
};

static META: PolicyMeta = PolicyMeta {
    name: "hardening",
    version: env!("CARGO_PKG_VERSION"),
    description: "Workload hardening",
    rules: &RULE_DEFS,
    settings_schema: settings::SCHEMA,
};

struct Hardening;

impl Policy for Hardening {
    fn meta() -> &'static PolicyMeta {
        &META
    }

    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let settings = Settings::parse(&input.settings)?;
        let cx = Ctx::new(&input.resources);
        Ok(RULES.iter().filter(|rule| input.runs(rule.def.id)).flat_map(|rule| (rule.check)(&cx, &settings)).collect())
    }
}

export_policy!(Hardening);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{hardened, kitchen_sink, kitchen_sink_settings};
    use palisade_policy_sdk::{Value, json};
    use std::collections::BTreeSet;

    /// The rule ids of checks.md §1, by area, in catalog order.
    const CATALOG: &[(&str, &[&str])] = &[
        (
            "pod-security",
            &[
                "privileged-container",
                "host-network",
                "host-pid",
                "host-ipc",
                "host-port",
                "host-path-volume",
                "host-path-writable",
                "host-path-sensitive",
                "container-runtime-socket",
                "cloud-credential-host-path",
                "restricted-volume-types",
                "allow-privilege-escalation",
                "run-as-non-root",
                "run-as-user-not-zero",
                "run-as-group-not-zero",
                "run-as-high-uid",
                "run-as-high-gid",
                "fs-group-set",
                "fs-group-change-policy",
                "supplemental-groups-not-root",
                "seccomp-profile-required",
                "seccomp-not-unconfined",
                "capabilities-drop-all",
                "capabilities-add-restricted",
                "capabilities-add-baseline",
                "capabilities-dangerous",
                "capabilities-drop-net-raw",
                "read-only-root-filesystem",
                "proc-mount-default",
                "sysctls-safe",
                "selinux-options-restricted",
                "apparmor-profile-allowed",
                "windows-host-process",
                "windows-options-set",
                "probe-host-field",
                "linux-hardening-any",
                "pod-security-context-present",
                "container-security-context-present",
                "privileged-ports",
                "ssh-port",
                "sudo-in-entrypoint",
                "namespace-pss-enforce-label",
                "hardened-runtime-class",
                "scc-privileged",
            ],
        ),
        (
            "rbac",
            &[
                "automount-service-account-token",
                "default-service-account-automount",
                "default-service-account-used",
                "default-service-account-bound",
                "deprecated-service-account-field",
                "non-existent-service-account",
                "wildcard-in-rules",
                "cluster-admin-binding",
                "binding-to-wildcard-role",
                "role-pods-exec-attach",
                "binding-pods-exec-attach",
                "nodes-proxy-access",
                "secrets-read",
                "secrets-without-resource-names",
                "create-pods",
                "bind-escalate",
                "impersonate",
                "admission-webhook-control",
                "csr-approve",
                "serviceaccount-token-create",
                "persistentvolume-create",
                "services-status-modify",
                "delete-capabilities",
                "delete-events",
                "kube-system-configmap-update",
                "portforward",
                "anonymous-subject-binding",
                "dashboard-service-account-access",
                "workload-sa-privileged-rbac",
                "cluster-scope-rbac-in-chart",
                "role-verbs-allowlist",
            ],
        ),
        (
            "network",
            &[
                "pod-not-selected-by-networkpolicy",
                "ingress-and-egress-policy",
                "namespace-default-deny",
                "namespace-without-networkpolicy",
                "egress-unrestricted",
                "dangling-networkpolicy",
                "dangling-networkpolicy-peer",
                "service-type-forbidden",
                "ingress-tls",
                "dangling-service",
                "dangling-ingress-backend",
                "dangling-gateway-backend",
                "invalid-target-port",
                "nginx-snippet-annotation",
                "nginx-snippet-dangerous-content",
            ],
        ),
        (
            "secrets",
            &[
                "env-literal-secret",
                "configmap-sensitive-content",
                "secret-as-env",
                "env-ref-missing",
                "secret-data-in-chart",
                "workload-secret-access",
            ],
        ),
        (
            "images",
            &[
                "image-tag-mutable",
                "image-digest-pinned",
                "image-pull-policy-always",
                "latest-requires-pull-always",
                "image-registry-allowlist",
                "image-registry-denylist",
                "deprecated-k8s-registry",
                "image-pull-secrets",
            ],
        ),
        (
            "supply-chain",
            &[
                "kubernetes-dashboard-deployed",
                "tiller-deployed",
                "tiller-service",
                "tiller-listening",
                "git-sync-code-injection",
                "ingress-nginx-eol",
                "vulnerable-component-version",
            ],
        ),
        (
            "resources",
            &[
                "cpu-requests",
                "cpu-limits",
                "memory-requests",
                "memory-limits",
                "requests-equal-limits",
                "ephemeral-storage-set",
                "ephemeral-storage-equal",
                "resources-within-bounds",
                "limitrange-present",
            ],
        ),
        (
            "availability",
            &[
                "liveness-probe",
                "readiness-probe",
                "probes-not-identical",
                "probe-port-exposed",
                "replicas-minimum",
                "hpa-min-replicas",
                "hpa-max-gt-min",
                "hpa-target-exists",
                "hpa-target-no-static-replicas",
                "pdb-present",
                "pdb-has-policy",
                "pdb-allows-disruption",
                "pdb-min-available-vs-hpa",
                "pdb-unhealthy-pod-eviction-policy",
                "pod-anti-affinity",
                "topology-spread-present",
                "topology-spread-valid",
                "node-affinity",
                "rolling-update-strategy",
                "priority-class",
                "restart-policy",
                "cronjob-deadline",
                "job-ttl-after-finished",
                "statefulset-service-name",
                "selector-matches-template",
                "naked-pod",
            ],
        ),
        (
            "hygiene",
            &[
                "default-namespace",
                "required-labels",
                "recommended-k8s-labels",
                "instance-label-matches-name",
                "required-annotations",
                "label-values-valid",
                "deprecated-api-version",
                "schema-validation",
                "sorted-keys",
                "duplicate-env-var",
                "container-ports-valid",
                "dangling-servicemonitor",
                "dns-config-options",
                "outdated-kubernetes-version",
                "workload-configmap-access",
                "workload-pvc-access",
                "duplicate-object",
            ],
        ),
        (
            "control-plane",
            &[
                "apiserver-anonymous-auth",
                "apiserver-basic-auth-file",
                "apiserver-token-auth-file",
                "apiserver-kubelet-https",
                "apiserver-kubelet-client-cert-and-key",
                "apiserver-kubelet-certificate-authority",
                "apiserver-authorization-mode-not-always-allow",
                "apiserver-authorization-mode-node",
                "apiserver-authorization-mode-rbac",
                "apiserver-admission-control-event-rate-limit",
                "apiserver-admission-control-always-admit",
                "apiserver-always-pull-images-plugin",
                "apiserver-security-context-deny-plugin",
                "apiserver-service-account-plugin",
                "apiserver-namespace-lifecycle-plugin",
                "apiserver-pod-security-policy-plugin",
                "apiserver-node-restriction-plugin",
                "apiserver-insecure-bind-address",
                "apiserver-insecure-port",
                "apiserver-secure-port",
                "apiserver-profiling",
                "apiserver-audit-log",
                "apiserver-audit-log-max-age",
                "apiserver-audit-log-max-backup",
                "apiserver-audit-log-max-size",
                "apiserver-request-timeout",
                "apiserver-service-account-lookup",
                "apiserver-service-account-key-file",
                "apiserver-etcd-cert-and-key",
                "apiserver-tls-cert-and-key",
                "apiserver-etcd-ca-file",
                "apiserver-encryption-providers",
                "apiserver-strong-cryptographic-ciphers",
                "controller-manager-terminated-pods",
                "controller-manager-block-profiles",
                "controller-manager-service-account-credentials",
                "controller-manager-service-account-private-key-file",
                "controller-manager-root-ca-file",
                "controller-manager-rotate-kubelet-server-cert",
                "controller-manager-bind-address",
                "scheduler-profiling",
                "scheduler-bind-address",
                "etcd-cert-and-key",
                "etcd-client-cert-auth",
                "etcd-auto-tls",
                "etcd-peer-files",
                "etcd-peer-client-cert-auth",
                "kubelet-anonymous-auth",
                "kubelet-authorization-mode-not-always-allow",
                "kubelet-client-ca",
                "kubelet-read-only-port",
                "kubelet-streaming-connection-idle-timeout",
                "kubelet-protect-kernel-defaults",
                "kubelet-make-iptables-util-chains",
                "kubelet-hostname-override",
                "kubelet-event-capture",
                "kubelet-key-files-set-appropriate",
                "kubelet-rotate-certificates",
                "kubelet-cryptographic-ciphers",
            ],
        ),
        (
            "legacy-psp",
            &[
                "legacy-psp-host-pid",
                "legacy-psp-privileged",
                "legacy-psp-host-ipc",
                "legacy-psp-host-network",
                "legacy-psp-allow-privilege-escalation",
                "legacy-psp-root-containers",
                "legacy-psp-net-raw",
                "legacy-psp-allowed-capabilities",
                "legacy-psp-default-seccomp",
                "legacy-psp-required-drop-capabilities",
                "legacy-psp-enabled",
            ],
        ),
    ];

    /// Areas whose rules are all opt-in (checks.md §1.10, §1.11).
    const OPT_IN_AREAS: &[&str] = &["control-plane", "legacy-psp"];

    /// Rule ids that are opt-in (`opt` in checks.md).
    const OPT_IN: &[&str] = &[
        "run-as-high-uid",
        "run-as-high-gid",
        "fs-group-set",
        "fs-group-change-policy",
        "supplemental-groups-not-root",
        "windows-options-set",
        "pod-security-context-present",
        "container-security-context-present",
        "privileged-ports",
        "namespace-pss-enforce-label",
        "hardened-runtime-class",
        "create-pods",
        "persistentvolume-create",
        "delete-capabilities",
        "delete-events",
        "kube-system-configmap-update",
        "portforward",
        "dashboard-service-account-access",
        "workload-sa-privileged-rbac",
        "cluster-scope-rbac-in-chart",
        "role-verbs-allowlist",
        "namespace-default-deny",
        "namespace-without-networkpolicy",
        "egress-unrestricted",
        "dangling-networkpolicy",
        "dangling-networkpolicy-peer",
        "dangling-gateway-backend",
        "secret-as-env",
        "env-ref-missing",
        "secret-data-in-chart",
        "workload-secret-access",
        "image-digest-pinned",
        "image-pull-policy-always",
        "image-registry-allowlist",
        "image-registry-denylist",
        "image-pull-secrets",
        "requests-equal-limits",
        "ephemeral-storage-set",
        "ephemeral-storage-equal",
        "resources-within-bounds",
        "limitrange-present",
        "replicas-minimum",
        "hpa-min-replicas",
        "hpa-max-gt-min",
        "topology-spread-present",
        "node-affinity",
        "rolling-update-strategy",
        "priority-class",
        "required-labels",
        "recommended-k8s-labels",
        "instance-label-matches-name",
        "required-annotations",
        "schema-validation",
        "sorted-keys",
        "container-ports-valid",
        "dangling-servicemonitor",
        "dns-config-options",
        "outdated-kubernetes-version",
        "workload-configmap-access",
        "workload-pvc-access",
    ];

    /// Rules that never report here: key order is not part of the objects a policy sees.
    const NEVER_REPORTS: &[&str] = &["sorted-keys"];

    /// Catalog rows (105–107) that need fetched evidence: rules of the `supply-chain` policy, not of this one.
    const IN_SUPPLY_CHAIN_POLICY: [&str; 3] =
        ["image-signature-verified", "image-signature-present", "chart-provenance"];

    #[test]
    fn evidence_rows_are_left_to_the_supply_chain_policy() {
        for id in IN_SUPPLY_CHAIN_POLICY {
            assert!(META.rules.iter().all(|r| r.id != id), "{id}");
        }
    }

    /// Reference prefixes a `standards` entry may use.
    const STANDARDS: [&str; 8] = [
        "pss:baseline/",
        "pss:restricted/",
        "kube-linter:",
        "polaris:",
        "kube-score:",
        "checkov:",
        "kubescape:",
        "cis:",
    ];

    fn catalog_ids() -> Vec<&'static str> {
        CATALOG.iter().flat_map(|(_, ids)| ids.iter().copied()).collect()
    }

    #[test]
    fn rules_follow_the_catalog() {
        let ids: Vec<_> = META.rules.iter().map(|r| r.id).collect();
        assert_eq!(ids, catalog_ids());
        for rule in META.rules {
            let area = CATALOG.iter().find(|(_, ids)| ids.contains(&rule.id)).map(|(area, _)| *area);
            assert_eq!(Some(rule.category), area, "{}", rule.id);
            let opt_in = OPT_IN.contains(&rule.id) || OPT_IN_AREAS.contains(&rule.category);
            assert_eq!(rule.enabled_by_default, !opt_in, "{}", rule.id);
            assert!(!rule.title.is_empty() && rule.title.len() <= 60, "{}", rule.id);
            assert!(rule.remediation.contains('`'), "{} remediation shows no YAML", rule.id);
            assert!(!rule.remediation.contains("  "), "{} remediation has a double space", rule.id);
            for standard in rule.standards {
                assert!(STANDARDS.iter().any(|p| standard.starts_with(p)), "{}: {standard}", rule.id);
            }
            let unique: BTreeSet<_> = rule.standards.iter().collect();
            assert_eq!(unique.len(), rule.standards.len(), "{} repeats a standard", rule.id);
        }
        let unique: BTreeSet<_> = catalog_ids().into_iter().collect();
        assert_eq!(unique.len(), RULES.len(), "rule ids are unique");
    }

    #[test]
    fn every_rule_reports_under_its_own_id() {
        let resources = kitchen_sink();
        let settings = Settings::parse(&kitchen_sink_settings()).unwrap();
        for rule in RULES {
            let findings = (rule.check)(&Ctx::new(&resources), &settings);
            let never = NEVER_REPORTS.contains(&rule.def.id);
            assert_eq!(findings.is_empty(), never, "{} in the kitchen sink: {findings:?}", rule.def.id);
            for finding in findings {
                assert_eq!((finding.rule, finding.severity), (rule.def.id, rule.def.severity));
                assert!(finding.path.starts_with('/'), "{}: {}", rule.def.id, finding.path);
                assert!(
                    !finding.message.is_empty() && !finding.message.contains('\n'),
                    "{}: {}",
                    rule.def.id,
                    finding.message
                );
            }
        }
    }

    #[test]
    fn evaluate_runs_only_the_rules_the_host_reports() {
        let input = Input {
            resources: kitchen_sink(),
            evidence: Vec::new(),
            settings: kitchen_sink_settings(),
            now_unix: 0,
            rules: BTreeSet::from(["privileged-container".into(), "host-pid".into()]),
        };
        let rules: BTreeSet<_> = Hardening::evaluate(&input).unwrap().iter().map(|f| f.rule).collect();
        assert_eq!(rules, BTreeSet::from(["host-pid", "privileged-container"]));
    }

    #[test]
    fn evaluate_runs_every_rule_and_checks_settings() {
        let input = |settings: Value| Input {
            resources: kitchen_sink(),
            evidence: Vec::new(),
            settings,
            now_unix: 0,
            rules: BTreeSet::new(),
        };
        let findings = Hardening::evaluate(&input(kitchen_sink_settings())).unwrap();
        let rules: BTreeSet<_> = findings.iter().map(|f| f.rule).collect();
        let expected: BTreeSet<_> = catalog_ids().into_iter().filter(|id| !NEVER_REPORTS.contains(id)).collect();
        assert_eq!(rules, expected);
        assert_eq!(
            Hardening::evaluate(&input(json!({"minRunAsUser": "high"}))).map(|f| f.len()),
            Err("invalid settings: invalid type: string \"high\", expected i64".to_string())
        );
    }

    #[test]
    fn a_hardened_release_passes_every_rule() {
        let resources = hardened();
        let findings: Vec<_> =
            RULES.iter().flat_map(|rule| (rule.check)(&Ctx::new(&resources), &Settings::default())).collect();
        assert_eq!(findings, Vec::new());
    }

    #[test]
    fn info_describes_the_policy() {
        let info = &META;
        assert_eq!((info.name, info.version), ("hardening", "0.1.0"));
        assert_eq!(info.rules.len(), RULES.len());
        let schema: Value = serde_json::from_str(info.settings_schema).unwrap();
        assert_eq!(schema["type"], json!("object"));
    }
}
