//! Controller lifecycle: restart policies, CronJob deadlines, finished Jobs, StatefulSet Services,
//! selectors that miss their own template, and bare Pods.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::{BATCH, CATEGORY};
use crate::index::{Named, template_labels};
use crate::objects::{judge, lookup, namespace, report, show, text};
use crate::pod_security::{Visit, visit};
use crate::selector::Selector;
use crate::settings::Settings;

/// Row 144: a pod's `restartPolicy` does not fit its controller: Jobs and CronJobs need `OnFailure`
/// or `Never` (set explicitly, since the default `Always` is refused); other controllers need
/// `Always` (or unset); a bare Pod any valid value.
pub(crate) const RESTART_POLICY: RuleDef = RuleDef {
    id: "restart-policy",
    title: "Pod restart policy does not fit its controller",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `restartPolicy: OnFailure` (or `Never`) in the pod template of Jobs and CronJobs, and leave it unset \
                  (`Always`) for Deployments, StatefulSets and DaemonSets.",
    standards: &["kube-linter:restart-policy", "kube-score:cronjob-restartpolicy"],
    enabled_by_default: true,
};

/// Row 145: a CronJob does not set `spec.startingDeadlineSeconds`.
pub(crate) const CRONJOB_DEADLINE: RuleDef = RuleDef {
    id: "cronjob-deadline",
    title: "CronJob has no starting deadline",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.startingDeadlineSeconds` on the CronJob, for example `startingDeadlineSeconds: 300`.",
    standards: &["kube-score:cronjob-has-deadline"],
    enabled_by_default: true,
};

/// Row 146: a standalone Job does not set `spec.ttlSecondsAfterFinished`, or a CronJob's job
/// template sets it (the CronJob's history limits clean its Jobs up). Helm hook Jobs with a
/// `helm.sh/hook-delete-policy` are deleted by Helm and pass.
pub(crate) const JOB_TTL_AFTER_FINISHED: RuleDef = RuleDef {
    id: "job-ttl-after-finished",
    title: "Finished Job cleanup is misconfigured",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.ttlSecondsAfterFinished: 3600` on standalone Jobs, and remove it from CronJob job templates \
                  (use `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`).",
    standards: &["kube-linter:job-ttl-seconds-after-finished"],
    enabled_by_default: true,
};

/// Row 147: a StatefulSet's `spec.serviceName` is unset, or does not name a headless Service
/// (`clusterIP: None`) of the input, in its namespace, whose selector matches the pod template.
pub(crate) const STATEFULSET_SERVICE_NAME: RuleDef = RuleDef {
    id: "statefulset-service-name",
    title: "StatefulSet has no headless governing Service",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Ship a headless Service (`spec: {clusterIP: None, selector: {app: my-app}}`) and name it in the \
                  StatefulSet's `spec.serviceName`.",
    standards: &["kube-score:statefulset-has-servicename"],
    enabled_by_default: true,
};

/// Row 148: a controller's `spec.selector` does not match its own `spec.template.metadata.labels`
/// (Deployment, ReplicaSet, StatefulSet, DaemonSet, Rollout, ReplicationController, DeploymentConfig,
/// and Jobs with `manualSelector: true`). An `apps/v1` workload without a selector, or with an empty
/// one, is reported too: the API refuses both.
pub(crate) const SELECTOR_MATCHES_TEMPLATE: RuleDef = RuleDef {
    id: "selector-matches-template",
    title: "Controller selector does not match its pod template",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Make `spec.selector.matchLabels` a subset of `spec.template.metadata.labels`, for example both `app: \
                  my-app`.",
    standards: &[
        "kube-linter:mismatching-selector",
        "kube-score:deployment-pod-selector-labels-match-template-metadata-labels",
        "kube-score:statefulset-pod-selector-labels-match-template-metadata-labels",
        "kubescape:C-0296",
    ],
    enabled_by_default: true,
};

/// Row 149: a bare Pod has no owning controller (`metadata.ownerReferences` with `controller: true`).
/// Helm hook Pods (`helm.sh/hook`, such as `helm test` pods) are meant to run alone and pass.
pub(crate) const NAKED_POD: RuleDef = RuleDef {
    id: "naked-pod",
    title: "Pod has no controller",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Run the pod through a controller: a Deployment (`kind: Deployment` with the pod under `spec.template`), \
                  a StatefulSet, or a Job for run-to-completion work.",
    standards: &["polaris:nakedPod", "kubescape:C-0073"],
    enabled_by_default: true,
};

/// The `restartPolicy` values a pod of `kind` may use, and whether it must set one.
fn restart_policies(kind: &str) -> (&'static [&'static str], bool) {
    if BATCH.contains(&kind) {
        (&["OnFailure", "Never"], true)
    } else if matches!(kind, "Pod" | "PodTemplate") {
        (&["Always", "OnFailure", "Never"], false)
    } else {
        (&["Always"], false)
    }
}

/// [`RESTART_POLICY`].
pub(crate) fn restart_policy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        let kind = pod.pod.resource.kind();
        let (allowed, required) = restart_policies(kind);
        let expected = allowed.join(" or ");
        match pod.get(&["restartPolicy"]) {
            Some(value) if value.as_str().is_some_and(|v| allowed.contains(&v)) => None,
            Some(value) => Some(pod.report(
                &RESTART_POLICY,
                &["restartPolicy"],
                format_args!("sets restartPolicy: {}, but {kind} pods need {expected}", show(value)),
            )),
            None if required => Some(pod.report(
                &RESTART_POLICY,
                &["restartPolicy"],
                format_args!("does not set restartPolicy, but {kind} pods need {expected}"),
            )),
            None => None,
        }
    })
}

/// [`CRONJOB_DEADLINE`].
pub(crate) fn cronjob_deadline(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "CronJob")
        .filter_map(|cronjob| {
            judge(&CRONJOB_DEADLINE, cronjob, &["spec", "startingDeadlineSeconds"], |_| true, Some(""))
        })
        .collect()
}

/// Whether Helm deletes the object as a hook.
fn helm_deletes(resource: &Resource) -> bool {
    lookup(resource.metadata(), &["annotations", "helm.sh/hook-delete-policy"]).is_some()
}

/// [`JOB_TTL_AFTER_FINISHED`].
pub(crate) fn job_ttl_after_finished(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter_map(|r| match r.kind() {
            "Job" if !helm_deletes(r) => {
                judge(&JOB_TTL_AFTER_FINISHED, r, &["spec", "ttlSecondsAfterFinished"], |_| true, Some(""))
            }
            "CronJob" => judge(
                &JOB_TTL_AFTER_FINISHED,
                r,
                &["spec", "jobTemplate", "spec", "ttlSecondsAfterFinished"],
                |_| false,
                None,
            )
            .map(|mut finding| {
                finding.message.push_str(", but the CronJob's history limits clean its Jobs up");
                finding
            }),
            _ => None,
        })
        .collect()
}

/// [`STATEFULSET_SERVICE_NAME`].
pub(crate) fn statefulset_service_name(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let services = Named::new(resources, &["Service"]);
    resources
        .iter()
        .filter(|r| r.kind() == "StatefulSet")
        .filter_map(|set| {
            let name = text(set.json(), &["spec", "serviceName"]);
            let why = if name.is_empty() {
                "does not set spec.serviceName".to_string()
            } else {
                let problem = match services.first("Service", namespace(set), name) {
                    None => "which is not a Service in the input",
                    Some(service) if text(service.json(), &["spec", "clusterIP"]) != "None" => {
                        "which is not headless (clusterIP: None)"
                    }
                    Some(service) => {
                        let labels = template_labels(set);
                        let selector = lookup(service.json(), &["spec", "selector"]).and_then(Selector::from_map);
                        if selector.is_some_and(|s| !s.is_empty() && s.matches(labels)) {
                            return None;
                        }
                        "whose selector does not match the pod template"
                    }
                };
                format!("sets spec.serviceName: {name}, {problem}")
            };
            Some(report(&STATEFULSET_SERVICE_NAME, set, "/spec/serviceName", why))
        })
        .collect()
}

/// How a controller kind writes its selector.
enum SelectorForm {
    /// A `LabelSelector`, required in `apps/v1`.
    Label,
    /// A plain map, defaulted from the template labels when unset.
    Map,
}

/// The selector form of a controller kind, if it has one.
fn selector_form(resource: &Resource) -> Option<SelectorForm> {
    match resource.kind() {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Rollout" => Some(SelectorForm::Label),
        "Job" if lookup(resource.json(), &["spec", "manualSelector"]) == Some(&Value::Bool(true)) => {
            Some(SelectorForm::Label)
        }
        "ReplicationController" | "DeploymentConfig" => Some(SelectorForm::Map),
        _ => None,
    }
}

/// [`SELECTOR_MATCHES_TEMPLATE`].
pub(crate) fn selector_matches_template(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter_map(|workload| {
            let form = selector_form(workload)?;
            let rule = &SELECTOR_MATCHES_TEMPLATE;
            let required = matches!(form, SelectorForm::Label) && workload.api_version() == "apps/v1";
            let Some(value) = lookup(workload.json(), &["spec", "selector"]) else {
                return required.then(|| report(rule, workload, "/spec/selector", "does not set spec.selector"));
            };
            let selector = match form {
                SelectorForm::Label => Selector::parse(value),
                SelectorForm::Map => Selector::from_map(value),
            };
            let Some(selector) = selector else {
                return Some(report(rule, workload, "/spec/selector", "sets an invalid spec.selector"));
            };
            if selector.is_empty() {
                return required.then(|| report(rule, workload, "/spec/selector", "sets an empty spec.selector"));
            }
            let labels = template_labels(workload);
            (!selector.matches(labels)).then(|| {
                report(
                    rule,
                    workload,
                    "/spec/selector",
                    format_args!("spec.selector {selector} does not match its pod template labels"),
                )
            })
        })
        .collect()
}

/// [`NAKED_POD`].
pub(crate) fn naked_pod(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "Pod" && lookup(r.metadata(), &["annotations", "helm.sh/hook"]).is_none())
        .filter(|pod| {
            let owners = lookup(pod.metadata(), &["ownerReferences"]).and_then(Value::as_array);
            !owners.into_iter().flatten().any(|o| o.get("controller") == Some(&Value::Bool(true)))
        })
        .map(|pod| report(&NAKED_POD, pod, "/metadata/ownerReferences", "has no owning controller"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, object, pod, run, with_spec};
    use palisade_policy_sdk::json;

    fn job(kind: &str, spec: Value) -> Value {
        let mut template = json!({});
        template["spec"] = spec;
        match kind {
            "CronJob" => with_spec(
                "batch/v1",
                kind,
                "j",
                json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}),
            ),
            _ => with_spec("batch/v1", kind, "j", json!({"template": template})),
        }
    }

    #[test]
    fn restart_policy_fits_the_controller() {
        let id = "restart-policy";
        assert_findings(
            restart_policy,
            job("Job", json!({"containers": []})),
            &[(
                id,
                "/spec/template/spec/restartPolicy",
                "pod does not set restartPolicy, but Job pods need OnFailure or Never",
            )],
        );
        assert_findings(
            restart_policy,
            job("CronJob", json!({"restartPolicy": "Always"})),
            &[(
                id,
                "/spec/jobTemplate/spec/template/spec/restartPolicy",
                "pod sets restartPolicy: Always, but CronJob pods need OnFailure or Never",
            )],
        );
        assert_findings(
            restart_policy,
            deployment(json!({"restartPolicy": "Never"})),
            &[(
                id,
                "/spec/template/spec/restartPolicy",
                "pod sets restartPolicy: Never, but Deployment pods need Always",
            )],
        );
        assert_findings(restart_policy, job("Job", json!({"restartPolicy": "Never"})), &[]);
        assert_findings(restart_policy, pod(json!({"restartPolicy": "OnFailure"})), &[]);
        assert_findings(restart_policy, deployment(json!({})), &[]);
    }

    #[test]
    fn cronjob_deadline_requires_the_field() {
        assert_findings(
            cronjob_deadline,
            job("CronJob", json!({"restartPolicy": "Never"})),
            &[(
                "cronjob-deadline",
                "/spec/startingDeadlineSeconds",
                "CronJob does not set spec.startingDeadlineSeconds",
            )],
        );
        let mut ok = job("CronJob", json!({}));
        ok["spec"]["startingDeadlineSeconds"] = json!(60);
        assert_findings(cronjob_deadline, ok, &[]);
    }

    #[test]
    fn job_ttl_after_finished_for_jobs_and_cronjobs() {
        let id = "job-ttl-after-finished";
        assert_findings(
            job_ttl_after_finished,
            job("Job", json!({})),
            &[(id, "/spec/ttlSecondsAfterFinished", "Job does not set spec.ttlSecondsAfterFinished")],
        );
        let mut hook = job("Job", json!({}));
        hook["metadata"]["annotations"] =
            json!({"helm.sh/hook": "pre-install", "helm.sh/hook-delete-policy": "hook-succeeded"});
        assert_findings(job_ttl_after_finished, hook, &[]);
        let mut cron = job("CronJob", json!({}));
        cron["spec"]["jobTemplate"]["spec"]["ttlSecondsAfterFinished"] = json!(100);
        assert_findings(
            job_ttl_after_finished,
            cron,
            &[(
                id,
                "/spec/jobTemplate/spec/ttlSecondsAfterFinished",
                "CronJob sets spec.jobTemplate.spec.ttlSecondsAfterFinished: 100, but the CronJob's history limits clean its Jobs up",
            )],
        );
        assert_findings(job_ttl_after_finished, job("CronJob", json!({})), &[]);
    }

    #[test]
    fn statefulset_service_name_needs_a_headless_service() {
        let set = |service: Option<&str>| {
            let mut spec = json!({"selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}}});
            if let Some(name) = service {
                spec["serviceName"] = json!(name);
            }
            with_spec("apps/v1", "StatefulSet", "db", spec)
        };
        let service = |name: &str, spec: Value| with_spec("v1", "Service", name, spec);
        let docs = vec![
            set(None),
            set(Some("gone")),
            set(Some("plain")),
            set(Some("other")),
            set(Some("db-headless")),
            service("plain", json!({"selector": {"app": "db"}})),
            service("other", json!({"clusterIP": "None", "selector": {"app": "cache"}})),
            service("db-headless", json!({"clusterIP": "None", "selector": {"app": "db"}})),
        ];
        let id = "statefulset-service-name";
        let at = || "/spec/serviceName".to_string();
        assert_eq!(
            run(statefulset_service_name, docs, &json!({})),
            vec![
                (0, id, at(), "StatefulSet does not set spec.serviceName".into()),
                (1, id, at(), "StatefulSet sets spec.serviceName: gone, which is not a Service in the input".into()),
                (
                    2,
                    id,
                    at(),
                    "StatefulSet sets spec.serviceName: plain, which is not headless (clusterIP: None)".into()
                ),
                (
                    3,
                    id,
                    at(),
                    "StatefulSet sets spec.serviceName: other, whose selector does not match the pod template".into()
                ),
            ]
        );
    }

    #[test]
    fn selector_matches_template_per_form() {
        let id = "selector-matches-template";
        let mut wrong = deployment(json!({}));
        wrong["spec"]["selector"] = json!({"matchLabels": {"app": "api"}});
        assert_findings(
            selector_matches_template,
            wrong,
            &[(id, "/spec/selector", "Deployment spec.selector app=api does not match its pod template labels")],
        );
        assert_findings(
            selector_matches_template,
            deployment(json!({})),
            &[(id, "/spec/selector", "Deployment does not set spec.selector")],
        );
        let mut right = deployment(json!({}));
        right["spec"]["selector"] = json!({"matchLabels": {"app": "web"}});
        assert_findings(selector_matches_template, right, &[]);
        let rc = |selector: Value| {
            let mut doc = object("v1", "ReplicationController", "rc", json!({}));
            doc["spec"] = json!({"template": {"metadata": {"labels": {"app": "rc"}}, "spec": {"containers": []}}});
            if !selector.is_null() {
                doc["spec"]["selector"] = selector;
            }
            doc
        };
        assert_findings(selector_matches_template, rc(Value::Null), &[]);
        assert_findings(
            selector_matches_template,
            rc(json!({"app": "other"})),
            &[(
                id,
                "/spec/selector",
                "ReplicationController spec.selector app=other does not match its pod template labels",
            )],
        );
        let mut empty = deployment(json!({}));
        empty["spec"]["selector"] = json!({});
        assert_findings(
            selector_matches_template,
            empty,
            &[(id, "/spec/selector", "Deployment sets an empty spec.selector")],
        );
    }

    #[test]
    fn naked_pod_skips_owned_and_hook_pods() {
        assert_findings(
            naked_pod,
            pod(json!({})),
            &[("naked-pod", "/metadata/ownerReferences", "Pod has no owning controller")],
        );
        let mut owned = pod(json!({}));
        owned["metadata"]["ownerReferences"] = json!([{"kind": "ReplicaSet", "name": "rs", "controller": true}]);
        assert_findings(naked_pod, owned, &[]);
        let mut hook = pod(json!({}));
        hook["metadata"]["annotations"] = json!({"helm.sh/hook": "test"});
        assert_findings(naked_pod, hook, &[]);
    }
}
