//! RBAC and service account rules (checks.md §1.2, area `rbac`).
//!
//! The rules share one model of what RBAC grants:
//! - [`PolicyRule`] is one entry of a Role's or ClusterRole's `rules`, and answers what part of an
//!   [`Access`] (verbs on API group/resource pairs) it allows, with Kubernetes' wildcard semantics
//!   (`*` verbs, groups and resources; `*/scale` for a subresource of every resource).
//! - [`Roles`] resolves a binding's `roleRef` against the input. A ClusterRole that is not in the
//!   input may be one Kubernetes ships: `cluster-admin`, `admin`, `edit` and `view` (and
//!   `system:aggregate-to-{admin,edit,view}`) are modelled by their documented rules (see
//!   [`builtin`]); other `system:` roles, and the Roles Kubernetes creates in `kube-system`
//!   ([`BOOTSTRAP_ROLES`]), are bootstrap roles whose rules are not modelled.

pub(crate) mod accounts;
pub(crate) mod bindings;
pub(crate) mod escalation;
pub(crate) mod grants;

use crate::context::Ctx;
use std::fmt;

use palisade_policy_sdk::{Finding, Resource, RuleDef, Value};

use crate::index::Named;
use crate::objects::{items, lookup, namespace, report, strings, text};

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "rbac";

/// Kinds that hold RBAC rules.
pub(crate) const ROLE_KINDS: [&str; 2] = ["Role", "ClusterRole"];

/// Kinds that bind roles to subjects.
pub(crate) const BINDING_KINDS: [&str; 2] = ["RoleBinding", "ClusterRoleBinding"];

/// Permissions a rule looks for: any of `verbs` on any of `targets`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access {
    /// `(API group, resource)` pairs; the resource may name a subresource (`pods/exec`).
    pub(crate) targets: &'static [(&'static str, &'static str)],
    /// Verbs.
    pub(crate) verbs: &'static [&'static str],
}

/// One entry of a role's `rules`.
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyRule<'a> {
    pub(crate) api_groups: Vec<&'a str>,
    pub(crate) resources: Vec<&'a str>,
    pub(crate) verbs: Vec<&'a str>,
    pub(crate) resource_names: Vec<&'a str>,
}

/// What part of an [`Access`] a rule allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// Verbs allowed on some target, in the order of the access.
    pub(crate) verbs: Vec<&'static str>,
    /// Targets some verb is allowed on, in the order of the access.
    pub(crate) targets: Vec<(&'static str, &'static str)>,
}

impl fmt::Display for Grant {
    /// `create, get on pods/exec, deployments.apps`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let targets: Vec<String> = self
            .targets
            .iter()
            .map(
                |(group, resource)| {
                    if group.is_empty() { (*resource).to_string() } else { format!("{resource}.{group}") }
                },
            )
            .collect();
        write!(f, "{} on {}", self.verbs.join(", "), targets.join(", "))
    }
}

impl<'a> PolicyRule<'a> {
    /// Reads a `rules[]` entry.
    pub(crate) fn parse(value: &'a Value) -> Self {
        let list = |field: &str| strings(value.get(field));
        Self {
            api_groups: list("apiGroups"),
            resources: list("resources"),
            verbs: list("verbs"),
            resource_names: list("resourceNames"),
        }
    }

    /// Whether the rule allows `verb` on `resource` (optionally `resource/subresource`) of `group`.
    pub(crate) fn allows(&self, verb: &str, group: &str, resource: &str) -> bool {
        let subresource = resource.split_once('/').map(|(_, sub)| sub);
        let resource_matches =
            |r: &&str| *r == "*" || *r == resource || subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub));
        self.verbs.iter().any(|v| *v == "*" || *v == verb)
            && self.api_groups.iter().any(|g| *g == "*" || *g == group)
            && self.resources.iter().any(resource_matches)
    }

    /// What of `access` the rule allows, if anything.
    pub(crate) fn grants(&self, access: &Access) -> Option<Grant> {
        let mut grant = Grant { verbs: Vec::new(), targets: Vec::new() };
        for verb in access.verbs {
            for &(group, resource) in access.targets {
                if self.allows(verb, group, resource) {
                    if !grant.verbs.contains(verb) {
                        grant.verbs.push(verb);
                    }
                    if !grant.targets.contains(&(group, resource)) {
                        grant.targets.push((group, resource));
                    }
                }
            }
        }
        grant.targets.sort_by_key(|t| access.targets.iter().position(|a| a == t));
        (!grant.verbs.is_empty()).then_some(grant)
    }

    /// Whether the rule is admin-equivalent: `*` in `apiGroups`, `resources` and `verbs`.
    pub(crate) fn is_full_wildcard(&self) -> bool {
        [&self.api_groups, &self.resources, &self.verbs].iter().all(|list| list.contains(&"*"))
    }
}

/// The `rules` of a Role or ClusterRole object, with their indexes as pointer tokens.
pub(crate) fn rules_of(role: &Resource) -> impl Iterator<Item = (String, PolicyRule<'_>)> {
    items(role.json().get("rules")).map(|(i, rule)| (i, PolicyRule::parse(rule)))
}

/// Reports every rule entry of every object of `kinds` (Role, ClusterRole) that grants part of
/// `access`: `ClusterRole rules[2] grants create on pods/exec`, at `/rules/2`. `skip` leaves out
/// entries that grant it in a way the rule accepts.
pub(crate) fn report_grants(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    kinds: &[&str],
    access: &Access,
    skip: impl Fn(&Resource, &PolicyRule<'_>) -> bool,
) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| kinds.contains(&r.kind()))
        .flat_map(|role| {
            rules_of(role)
                .filter_map(|(i, entry)| {
                    let grant = entry.grants(access).filter(|_| !skip(role, &entry))?;
                    Some(report(rule, role, format!("/rules/{i}"), format_args!("rules[{i}] grants {grant}")))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A ClusterRole Kubernetes ships, modelled by its rules: `(apiGroups, resources, verbs)`.
type BuiltinRules = &'static [(&'static [&'static str], &'static [&'static str], &'static [&'static str])];

/// Every verb on ordinary resources.
const READ_WRITE: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// Read-only verbs.
const READ: &[&str] = &["get", "list", "watch"];

/// `cluster-admin`.
const CLUSTER_ADMIN: BuiltinRules = &[(&["*"], &["*"], &["*"])];

/// `edit` (also part of `admin`): the aggregated rules of `system:aggregate-to-edit`.
const EDIT: BuiltinRules = &[
    (
        &[""],
        &[
            "pods",
            "pods/attach",
            "pods/exec",
            "pods/portforward",
            "pods/proxy",
            "configmaps",
            "endpoints",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "secrets",
            "serviceaccounts",
            "services",
            "services/proxy",
        ],
        READ_WRITE,
    ),
    (&[""], &["serviceaccounts"], &["impersonate"]),
    (&[""], &["serviceaccounts/token"], &["create"]),
    (
        &["apps"],
        &[
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
        READ_WRITE,
    ),
    (&["batch"], &["cronjobs", "jobs"], READ_WRITE),
    (&["autoscaling"], &["horizontalpodautoscalers"], READ_WRITE),
    (&["policy"], &["poddisruptionbudgets"], READ_WRITE),
    (&["networking.k8s.io"], &["ingresses", "networkpolicies"], READ_WRITE),
];

/// What `admin` has beyond `edit`.
const ADMIN: BuiltinRules = &[
    (&["rbac.authorization.k8s.io"], &["roles", "rolebindings"], READ_WRITE),
    (&["authorization.k8s.io"], &["localsubjectaccessreviews"], &["create"]),
];

/// `view`: reads of everything but Secrets.
const VIEW: BuiltinRules = &[
    (
        &[""],
        &[
            "pods",
            "configmaps",
            "endpoints",
            "events",
            "persistentvolumeclaims",
            "replicationcontrollers",
            "serviceaccounts",
            "services",
            "namespaces",
        ],
        READ,
    ),
    (&["apps"], &["daemonsets", "deployments", "replicasets", "statefulsets"], READ),
    (&["batch"], &["cronjobs", "jobs"], READ),
    (&["autoscaling"], &["horizontalpodautoscalers"], READ),
    (&["policy"], &["poddisruptionbudgets"], READ),
    (&["networking.k8s.io"], &["ingresses", "networkpolicies"], READ),
];

/// The modelled rules of a ClusterRole Kubernetes ships.
fn builtin(name: &str) -> Option<&'static [BuiltinRules]> {
    Some(match name {
        "cluster-admin" => &[CLUSTER_ADMIN],
        "admin" | "system:aggregate-to-admin" => &[EDIT, ADMIN],
        "edit" | "system:aggregate-to-edit" => &[EDIT],
        "view" | "system:aggregate-to-view" => &[VIEW],
        _ => return None,
    })
}

/// Roles Kubernetes creates in `kube-system` whose names do not start with `system:` (their rules
/// are not modelled; none grants exec or attach).
const BOOTSTRAP_ROLES: [&str; 1] = ["extension-apiserver-authentication-reader"];

/// Where the rules of a bound role come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// A Role or ClusterRole of the input.
    Object(&'a Resource),
    /// A ClusterRole Kubernetes ships, modelled ([`builtin`]).
    Builtin(&'static [BuiltinRules]),
    /// A Kubernetes bootstrap ClusterRole (`system:*`) whose rules are not modelled.
    Bootstrap,
    /// Neither in the input nor known.
    Missing,
}

/// A binding's `roleRef`, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Bound<'a> {
    /// `Role` or `ClusterRole`.
    pub(crate) kind: &'a str,
    /// Its name.
    pub(crate) name: &'a str,
    /// Where its rules are.
    pub(crate) source: Source<'a>,
}

impl<'a> Bound<'a> {
    /// `Role "x"` or `built-in ClusterRole "edit"`.
    pub(crate) fn label(&self) -> String {
        let builtin = if matches!(self.source, Source::Builtin(_) | Source::Bootstrap) { "built-in " } else { "" };
        format!("{builtin}{} \"{}\"", self.kind, self.name)
    }

    /// The rules of the role, when known.
    pub(crate) fn rules(&self) -> Vec<PolicyRule<'a>> {
        match self.source {
            Source::Object(role) => rules_of(role).map(|(_, rule)| rule).collect(),
            Source::Builtin(sets) => sets
                .iter()
                .flat_map(|set| set.iter())
                .map(|(groups, resources, verbs)| PolicyRule {
                    api_groups: groups.to_vec(),
                    resources: resources.to_vec(),
                    verbs: verbs.to_vec(),
                    resource_names: Vec::new(),
                })
                .collect(),
            Source::Bootstrap | Source::Missing => Vec::new(),
        }
    }

    /// The first grant of `access` among the role's rules.
    pub(crate) fn grants(&self, access: &Access) -> Option<Grant> {
        self.rules().iter().find_map(|rule| rule.grants(access))
    }
}

/// The Roles and ClusterRoles of the input, to resolve bindings.
pub(crate) struct Roles<'a> {
    named: Named<'a>,
}

impl<'a> Roles<'a> {
    /// Indexes the roles of `resources`.
    pub(crate) fn new(resources: &'a [Resource]) -> Self {
        Self { named: Named::new(resources, &ROLE_KINDS) }
    }

    /// The role a binding refers to: a `Role` in the binding's namespace, or a `ClusterRole`.
    pub(crate) fn resolve(&self, binding: &'a Resource) -> Bound<'a> {
        let kind = text(binding.json(), &["roleRef", "kind"]);
        let name = text(binding.json(), &["roleRef", "name"]);
        let source = match self.named.first(kind, namespace(binding), name) {
            Some(role) => Source::Object(role),
            None if kind == "ClusterRole" => builtin(name)
                .map_or(if name.starts_with("system:") { Source::Bootstrap } else { Source::Missing }, Source::Builtin),
            None if namespace(binding) == Some("kube-system")
                && (name.starts_with("system:") || BOOTSTRAP_ROLES.contains(&name)) =>
            {
                Source::Bootstrap
            }
            None => Source::Missing,
        };
        Bound { kind, name, source }
    }
}

/// The subjects of a binding, with their indexes as pointer tokens.
pub(crate) fn subjects(binding: &Resource) -> impl Iterator<Item = (String, &Value)> {
    items(binding.json().get("subjects"))
}

/// A subject's `kind` and `name`.
pub(crate) fn subject(value: &Value) -> (&str, &str) {
    (text(value, &["kind"]), text(value, &["name"]))
}

/// The namespace of a ServiceAccount subject: its own, else the binding's (for a RoleBinding).
pub(crate) fn subject_namespace<'a>(binding: &'a Resource, value: &'a Value) -> Option<&'a str> {
    lookup(value, &["namespace"]).and_then(Value::as_str).filter(|ns| !ns.is_empty()).or_else(|| namespace(binding))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    const EXEC: Access = Access { targets: &[("", "pods/exec"), ("", "pods/attach")], verbs: &["create", "get"] };

    fn rule(value: &Value) -> PolicyRule<'_> {
        PolicyRule::parse(value)
    }

    #[test]
    fn rules_follow_rbac_wildcards() {
        let exact = json!({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]});
        assert!(rule(&exact).allows("create", "", "pods/exec"));
        assert!(!rule(&exact).allows("get", "", "pods/exec"));
        assert!(!rule(&exact).allows("create", "apps", "pods/exec"));
        assert!(!rule(&exact).allows("create", "", "pods"));
        let pods = json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]});
        assert!(!rule(&pods).allows("create", "", "pods/exec"), "a resource does not cover its subresources");
        let sub = json!({"apiGroups": ["*"], "resources": ["*/exec"], "verbs": ["create"]});
        assert!(rule(&sub).allows("create", "", "pods/exec") && !rule(&sub).allows("create", "", "pods"));
        let pods_star = json!({"apiGroups": [""], "resources": ["pods/*"], "verbs": ["create"]});
        assert!(!rule(&pods_star).allows("create", "", "pods/exec"), "RBAC has no pods/* wildcard");
        let all = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(rule(&all).allows("escalate", "rbac.authorization.k8s.io", "clusterroles"));
        assert!(rule(&all).is_full_wildcard() && !rule(&sub).is_full_wildcard());
    }

    #[test]
    fn grants_name_what_is_allowed() {
        let value = json!({"apiGroups": [""], "resources": ["pods/attach", "pods/exec"], "verbs": ["get", "create"]});
        let grant = rule(&value).grants(&EXEC).unwrap();
        assert_eq!(grant.to_string(), "create, get on pods/exec, pods/attach");
        let apps = Access { targets: &[("apps", "deployments")], verbs: &["create"] };
        let value = json!({"apiGroups": ["apps"], "resources": ["*"], "verbs": ["create"]});
        assert_eq!(rule(&value).grants(&apps).unwrap().to_string(), "create on deployments.apps");
        assert_eq!(rule(&json!({"verbs": ["*"]})).grants(&EXEC), None);
    }

    #[test]
    fn bindings_resolve_to_input_builtin_or_missing_roles() {
        let input: Vec<Resource> = [
            json!({"kind": "Role", "metadata": {"name": "r", "namespace": "demo"}, "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]}),
            json!({"kind": "RoleBinding", "metadata": {"name": "b1", "namespace": "demo"}, "roleRef": {"kind": "Role", "name": "r"}}),
            json!({"kind": "RoleBinding", "metadata": {"name": "b2"}, "roleRef": {"kind": "Role", "name": "r"}}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "b3"}, "roleRef": {"kind": "ClusterRole", "name": "edit"}}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "b4"}, "roleRef": {"kind": "ClusterRole", "name": "system:auth-delegator"}}),
            json!({"kind": "ClusterRoleBinding", "metadata": {"name": "b5"}, "roleRef": {"kind": "ClusterRole", "name": "view"}}),
            json!({"kind": "RoleBinding", "metadata": {"name": "b6", "namespace": "kube-system"},
                "roleRef": {"kind": "Role", "name": "extension-apiserver-authentication-reader"}}),
        ]
        .into_iter()
        .zip(0..)
        .map(|(json, index)| Resource::new(index, json))
        .collect();
        let roles = Roles::new(&input);
        let resolved: Vec<_> = input[1..]
            .iter()
            .map(|b| {
                let bound = roles.resolve(b);
                (bound.label(), bound.grants(&EXEC).map(|g| g.to_string()))
            })
            .collect();
        assert_eq!(
            resolved,
            [
                ("Role \"r\"".to_string(), Some("create on pods/exec".to_string())),
                ("Role \"r\"".to_string(), None),
                (
                    "built-in ClusterRole \"edit\"".to_string(),
                    Some("create, get on pods/exec, pods/attach".to_string())
                ),
                ("built-in ClusterRole \"system:auth-delegator\"".to_string(), None),
                ("built-in ClusterRole \"view\"".to_string(), None),
                ("built-in Role \"extension-apiserver-authentication-reader\"".to_string(), None),
            ]
        );
        assert!(matches!(roles.resolve(&input[2]).source, Source::Missing));
    }
}
