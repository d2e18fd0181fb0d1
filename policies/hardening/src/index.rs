//! Indexes over the whole input for the rules that relate objects to each other (NetworkPolicy →
//! pods, Service → pods, HPA → workload, binding → role, ...).
//!
//! A cross-object rule builds the indexes it needs once, in one pass over the input, and then looks
//! every reference up instead of scanning the input again: evaluation stays linear in the number of
//! objects (plus the number of matches). Label selectors are answered from a per-namespace map
//! `label=value → pods`, so only pods carrying one of the selector's required labels are tested;
//! selectors without such a label (`{}`, only `Exists`/`NotIn`) test every pod of their namespace.

use std::collections::HashMap;

use crate::context::Ctx;
use palisade_policy_sdk::workload::{PodSpec, pod_spec};
use palisade_policy_sdk::{Finding, Resource, RuleDef};

use crate::objects::{is_cluster_scoped, namespace, report};
use crate::selector::{Labels, Selector};

/// The labels of a pod (template).
pub(crate) fn pod_labels<'a>(spec: &PodSpec<'a>) -> Option<&'a Labels> {
    spec.metadata.and_then(|m| m.get("labels")).and_then(|l| l.as_object())
}

/// The labels of the pod (template) of a pod-bearing object.
pub(crate) fn template_labels(resource: &Resource) -> Option<&Labels> {
    pod_spec(resource).as_ref().and_then(pod_labels)
}

/// A workload's pod template (or a bare Pod).
#[derive(Debug, Clone)]
pub(crate) struct Pod<'a> {
    /// Where the pod spec is.
    pub(crate) spec: PodSpec<'a>,
    /// The labels of the pod (template).
    pub(crate) labels: Option<&'a Labels>,
}

impl<'a> Pod<'a> {
    /// The object that carries the pod.
    pub(crate) fn resource(&self) -> &'a Resource {
        self.spec.resource
    }

    /// Pointer to the pod (template) labels.
    pub(crate) fn labels_pointer(&self) -> String {
        format!("{}/labels", self.spec.metadata_pointer)
    }
}

/// Labels controllers add to the pods they create, by the kind of the controller that runs the
/// template: selectors may rely on them, and no template carries them.
const RUNTIME_LABELS: [(&str, &[&str]); 5] = [
    ("Deployment", &["pod-template-hash"]),
    (
        "StatefulSet",
        &["statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "controller-revision-hash"],
    ),
    ("DaemonSet", &["controller-revision-hash", "pod-template-generation"]),
    (
        "Job",
        &[
            "job-name",
            "controller-uid",
            "batch.kubernetes.io/job-name",
            "batch.kubernetes.io/controller-uid",
            "batch.kubernetes.io/job-completion-index",
        ],
    ),
    (
        "CronJob",
        &[
            "job-name",
            "controller-uid",
            "batch.kubernetes.io/job-name",
            "batch.kubernetes.io/controller-uid",
            "batch.kubernetes.io/job-completion-index",
        ],
    ),
];

/// Every key of [`RUNTIME_LABELS`] (never used to look candidates up).
const ANY_RUNTIME_LABEL: [&str; 10] = [
    "pod-template-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-generation",
    "job-name",
    "controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-completion-index",
];

/// The labels the controller of `kind` adds to its pods.
fn runtime_labels(kind: &str) -> &'static [&'static str] {
    RUNTIME_LABELS.iter().find(|(k, _)| *k == kind).map_or(&[], |(_, keys)| keys)
}

/// The pods of one namespace.
#[derive(Debug, Default)]
struct Group<'a> {
    /// Positions in [`Pods::all`], in input order.
    members: Vec<usize>,
    /// `label=value` → positions of the pods that carry it, in input order.
    by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
}

/// Every pod the input would run, by namespace and label.
#[derive(Debug, Default)]
pub(crate) struct Pods<'a> {
    all: Vec<Pod<'a>>,
    groups: HashMap<Option<&'a str>, Group<'a>>,
    /// Namespaces in the order their first pod appears.
    order: Vec<Option<&'a str>>,
}

impl<'a> Pods<'a> {
    /// The pods of every pod-bearing object except `PodTemplate`, which runs nothing by itself.
    pub(crate) fn new(cx: &Ctx<'a>) -> Self {
        let mut index = Self::default();
        for spec in cx.pods().iter().map(|pod| pod.spec.clone()).filter(|spec| spec.resource.kind() != "PodTemplate") {
            let labels = pod_labels(&spec);
            let position = index.all.len();
            let ns = namespace(spec.resource);
            let group = index.groups.entry(ns).or_insert_with(|| {
                index.order.push(ns);
                Group::default()
            });
            group.members.push(position);
            for (key, value) in labels.into_iter().flatten() {
                if let Some(value) = value.as_str() {
                    group.by_label.entry((key.as_str(), value)).or_default().push(position);
                }
            }
            index.all.push(Pod { spec, labels });
        }
        index
    }

    /// Every pod, in input order.
    pub(crate) fn all(&self) -> &[Pod<'a>] {
        &self.all
    }

    /// The pods of `namespace` that `selector` selects, in input order (an empty selector selects
    /// them all).
    pub(crate) fn select(&self, namespace: Option<&str>, selector: &Selector<'_>) -> Vec<&Pod<'a>> {
        self.positions(namespace, selector).into_iter().map(|i| &self.all[i]).collect()
    }

    /// [`Pods::select`], as positions in [`Pods::all`].
    pub(crate) fn positions(&self, namespace: Option<&str>, selector: &Selector<'_>) -> Vec<usize> {
        let Some(group) = self.groups.get(&namespace) else {
            return Vec::new();
        };
        let anchor = selector.anchor(&ANY_RUNTIME_LABEL);
        let mut candidates: Vec<usize> = if anchor.is_empty() {
            group.members.clone()
        } else {
            anchor.iter().filter_map(|label| group.by_label.get(label)).flatten().copied().collect()
        };
        if anchor.len() > 1 {
            candidates.sort_unstable();
            candidates.dedup();
        }
        candidates.retain(|&i| {
            let pod = &self.all[i];
            selector.matches_with(pod.labels, runtime_labels(pod.resource().kind()))
        });
        candidates
    }

    /// Whether a selector in `namespace` can be judged against the input: the input has pods there,
    /// or has no pods at all. A selector in a namespace without pods while the release runs pods
    /// elsewhere targets pods that other releases or the cluster run (`kube-system` components, say).
    pub(crate) fn judges(&self, namespace: Option<&str>) -> bool {
        self.groups.contains_key(&namespace) || self.all.is_empty()
    }

    /// Whether `selector` selects some pod of `namespace`.
    pub(crate) fn any(&self, namespace: Option<&str>, selector: &Selector<'_>) -> bool {
        !self.positions(namespace, selector).is_empty()
    }

    /// Each namespace that has pods, with its first pod, in input order.
    pub(crate) fn namespaces(&self) -> impl Iterator<Item = (Option<&'a str>, &Pod<'a>)> + '_ {
        self.order.iter().filter_map(|ns| {
            let first = *self.groups.get(ns)?.members.first()?;
            Some((*ns, &self.all[first]))
        })
    }
}

/// A namespace that receives workloads, and the object to report about it on: its `Namespace`
/// object when the input has one, else its first workload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WorkloadNamespace<'a> {
    /// The namespace (`None`: the release namespace).
    pub(crate) name: Option<&'a str>,
    /// Its `Namespace` object, if in the input.
    object: Option<&'a Resource>,
    /// Its first workload.
    first: &'a Resource,
}

impl WorkloadNamespace<'_> {
    /// Every namespace that has pods, in input order.
    pub(crate) fn all<'a>(resources: &'a [Resource], pods: &Pods<'a>) -> Vec<WorkloadNamespace<'a>> {
        let objects = Named::new(resources, &["Namespace"]);
        pods.namespaces()
            .map(|(name, pod)| WorkloadNamespace {
                name,
                object: name.and_then(|n| objects.first("Namespace", None, n)),
                first: pod.resource(),
            })
            .collect()
    }

    /// A finding that the namespace `has` something wrong (`has no NetworkPolicy`): `Namespace has
    /// no NetworkPolicy` on its object, else `Deployment runs in namespace "demo", which has no
    /// NetworkPolicy` at the workload's `metadata.namespace`.
    pub(crate) fn finding(&self, rule: &RuleDef, has: &str) -> Finding {
        if let Some(object) = self.object {
            return report(rule, object, "/metadata/name", has);
        }
        let place = self.name.map_or_else(|| "the release namespace".to_string(), |n| format!("namespace \"{n}\""));
        report(rule, self.first, "/metadata/namespace", format_args!("runs in {place}, which {has}"))
    }
}

/// The namespace an object is looked up in: `None` for cluster-scoped kinds, whatever their
/// metadata says.
pub(crate) fn scope(resource: &Resource) -> Option<&str> {
    if is_cluster_scoped(resource.kind()) { None } else { namespace(resource) }
}

/// Objects of some kinds by kind, namespace and name.
#[derive(Debug, Default)]
pub(crate) struct Named<'a> {
    map: HashMap<(&'a str, Option<&'a str>, &'a str), Vec<&'a Resource>>,
}

impl<'a> Named<'a> {
    /// The objects of `kinds` in `resources`.
    pub(crate) fn new(resources: &'a [Resource], kinds: &[&str]) -> Self {
        Self::from(resources.iter().filter(|r| kinds.contains(&r.kind())))
    }

    /// Every object of `resources`, whatever its kind.
    pub(crate) fn everything(resources: &'a [Resource]) -> Self {
        Self::from(resources.iter())
    }

    fn from(resources: impl Iterator<Item = &'a Resource>) -> Self {
        let mut map: HashMap<_, Vec<_>> = HashMap::new();
        for resource in resources {
            map.entry((resource.kind(), scope(resource), resource.name())).or_default().push(resource);
        }
        Self { map }
    }

    /// The objects of `kind` named `name` in `namespace` (ignored for cluster-scoped kinds), in input
    /// order.
    pub(crate) fn get<'k>(&'k self, kind: &'k str, namespace: Option<&'k str>, name: &'k str) -> &'k [&'a Resource] {
        let namespace = if is_cluster_scoped(kind) { None } else { namespace };
        self.map.get(&(kind, namespace, name)).map_or(&[], Vec::as_slice)
    }

    /// The first of [`Named::get`].
    pub(crate) fn first(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&'a Resource> {
        self.get(kind, namespace, name).first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::{Value, json};

    fn resources(docs: Vec<Value>) -> Vec<Resource> {
        docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect()
    }

    fn workload(kind: &str, name: &str, namespace: Option<&str>, labels: &Value) -> Value {
        let mut doc = json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
            "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app"}]}}}});
        if let Some(ns) = namespace {
            doc["metadata"]["namespace"] = json!(ns);
        }
        doc
    }

    fn names<'p>(pods: &[&'p Pod<'_>]) -> Vec<&'p str> {
        pods.iter().map(|p| p.resource().name()).collect()
    }

    #[test]
    fn selectors_match_within_one_namespace() {
        let input = resources(vec![
            workload("Deployment", "web", None, &json!({"app": "web", "tier": "front"})),
            workload("StatefulSet", "db", None, &json!({"app": "db"})),
            workload("Deployment", "web-demo", Some("demo"), &json!({"app": "web"})),
            json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "labels": {"app": "web", "tier": "back"}},
                "spec": {"containers": []}}),
            workload("Deployment", "nolabels", None, &Value::Null),
        ]);
        let pods = Pods::new(&Ctx::new(&input));
        assert_eq!(pods.all().len(), 5, "PodTemplate runs nothing");
        let web = json!({"matchLabels": {"app": "web"}});
        let web = Selector::parse(&web).unwrap();
        assert_eq!(names(&pods.select(None, &web)), ["web", "bare"]);
        assert_eq!(names(&pods.select(Some("demo"), &web)), ["web-demo"]);
        assert_eq!(names(&pods.select(Some("other"), &web)), Vec::<&str>::new());
        let tiers = json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back", "front"]}]});
        assert_eq!(names(&pods.select(None, &Selector::parse(&tiers).unwrap())), ["web", "bare"]);
        let no_app = json!({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]});
        assert_eq!(names(&pods.select(None, &Selector::parse(&no_app).unwrap())), ["nolabels"]);
        let everything = json!({});
        assert_eq!(
            names(&pods.select(None, &Selector::parse(&everything).unwrap())),
            ["web", "db", "bare", "nolabels"]
        );
        assert!(pods.any(Some("demo"), &web) && !pods.any(Some("demo"), &Selector::parse(&no_app).unwrap()));
        let namespaces: Vec<_> = pods.namespaces().map(|(ns, first)| (ns, first.resource().name())).collect();
        assert_eq!(namespaces, [(None, "web"), (Some("demo"), "web-demo")]);
        assert_eq!(pods.all()[3].labels_pointer(), "/metadata/labels");
        assert_eq!(pods.all()[0].labels_pointer(), "/spec/template/metadata/labels");
    }

    #[test]
    fn selectors_may_use_labels_controllers_add() {
        let input = resources(vec![
            workload("StatefulSet", "db", None, &json!({"app": "db"})),
            workload("Deployment", "web", None, &json!({"app": "web"})),
        ]);
        let pods = Pods::new(&Ctx::new(&input));
        let pod_name = json!({"matchLabels": {"app": "db", "statefulset.kubernetes.io/pod-name": "db-0"}});
        assert_eq!(names(&pods.select(None, &Selector::parse(&pod_name).unwrap())), ["db"]);
        let only_hash = json!({"matchLabels": {"pod-template-hash": "abc"}});
        assert_eq!(names(&pods.select(None, &Selector::parse(&only_hash).unwrap())), ["web"]);
        assert!(pods.judges(None) && !pods.judges(Some("kube-system")));
        assert!(Pods::new(&Ctx::new(&[])).judges(Some("kube-system")));
    }

    #[test]
    fn workload_namespaces_report_on_the_namespace_or_the_first_workload() {
        let input = resources(vec![
            workload("Deployment", "a", None, &json!({})),
            workload("Deployment", "b", Some("demo"), &json!({})),
            workload("Deployment", "c", Some("apps"), &json!({})),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "empty"}}),
        ]);
        let pods = Pods::new(&Ctx::new(&input));
        let rule = crate::network::policies::NAMESPACE_WITHOUT_NETWORKPOLICY;
        let findings: Vec<_> = WorkloadNamespace::all(&input, &pods)
            .iter()
            .map(|ns| {
                let f = ns.finding(&rule, "has no NetworkPolicy");
                (f.resource, f.path, f.message)
            })
            .collect();
        assert_eq!(
            findings,
            [
                (
                    0,
                    "/metadata/namespace".into(),
                    "Deployment runs in the release namespace, which has no NetworkPolicy".into()
                ),
                (
                    1,
                    "/metadata/namespace".into(),
                    "Deployment runs in namespace \"demo\", which has no NetworkPolicy".into()
                ),
                (3, "/metadata/name".into(), "Namespace has no NetworkPolicy".into()),
            ]
        );
    }

    #[test]
    fn named_objects_respect_scope() {
        let input = resources(vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "demo"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r", "namespace": "demo"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}}),
        ]);
        let named = Named::new(&input, &["Service", "ClusterRole"]);
        assert_eq!(named.first("Service", None, "web").map(|r| r.index), Some(0));
        assert_eq!(named.first("Service", Some("demo"), "web").map(|r| r.index), Some(1));
        assert_eq!(named.first("Service", Some("other"), "web").map(|r| r.index), None);
        assert_eq!(named.first("ClusterRole", Some("x"), "r").map(|r| r.index), Some(2));
        assert_eq!(named.get("ConfigMap", None, "web").len(), 0, "kind not indexed");
    }
}
