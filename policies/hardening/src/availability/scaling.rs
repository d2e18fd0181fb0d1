//! Replica counts and HorizontalPodAutoscalers.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity};

use super::{Autoscalers, CATEGORY, hpa_max, hpa_min, int, replicas};
use crate::index::Named;
use crate::objects::{describe, namespace, report};
use crate::settings::Settings;

/// Row 128: a Deployment that no HorizontalPodAutoscaler scales runs fewer `spec.replicas` (1 when
/// unset) than the `minReplicas` setting (default 2, as kube-score; kube-linter 3).
pub(crate) const REPLICAS_MINIMUM: RuleDef = RuleDef {
    id: "replicas-minimum",
    title: "Deployment runs too few replicas",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.replicas: 2` (or more) on the Deployment, or scale it with a HorizontalPodAutoscaler.",
    standards: &[
        "kube-linter:minimum-three-replicas",
        "polaris:deploymentMissingReplicas",
        "kube-score:deployment-replicas",
    ],
    enabled_by_default: false,
};

/// Row 129: a HorizontalPodAutoscaler's `spec.minReplicas` (1 when unset) is below the
/// `hpaMinReplicas` setting (default 2).
pub(crate) const HPA_MIN_REPLICAS: RuleDef = RuleDef {
    id: "hpa-min-replicas",
    title: "Autoscaler may scale down to too few replicas",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.minReplicas: 2` (or more) on the HorizontalPodAutoscaler.",
    standards: &[
        "kube-linter:hpa-minimum-three-replicas",
        "polaris:hpaMinAvailability",
        "kube-score:horizontalpodautoscaler-replicas",
    ],
    enabled_by_default: false,
};

/// Row 130: a HorizontalPodAutoscaler's `spec.maxReplicas` is not above its `spec.minReplicas`.
pub(crate) const HPA_MAX_GT_MIN: RuleDef = RuleDef {
    id: "hpa-max-gt-min",
    title: "Autoscaler cannot scale",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.maxReplicas` above `spec.minReplicas`, for example `minReplicas: 2` and `maxReplicas: 6`.",
    standards: &["polaris:hpaMaxAvailability"],
    enabled_by_default: false,
};

/// Row 131: a HorizontalPodAutoscaler's `scaleTargetRef` (kind, name, and API group when
/// `apiVersion` is set) names no object of the input in its namespace.
pub(crate) const HPA_TARGET_EXISTS: RuleDef = RuleDef {
    id: "hpa-target-exists",
    title: "Autoscaler targets a missing workload",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Point `spec.scaleTargetRef` at a workload of the chart: `scaleTargetRef: {apiVersion: apps/v1, kind: \
                  Deployment, name: my-app}`.",
    standards: &[
        "kube-linter:dangling-horizontalpodautoscaler",
        "kube-score:horizontalpodautoscaler-has-target",
        "kubescape:C-0300",
    ],
    enabled_by_default: true,
};

/// Row 132: a Deployment that a HorizontalPodAutoscaler scales also sets `spec.replicas`, which every
/// `kubectl apply` or `helm upgrade` resets. StatefulSets are checked too: the same happens to them.
pub(crate) const HPA_TARGET_NO_STATIC_REPLICAS: RuleDef = RuleDef {
    id: "hpa-target-no-static-replicas",
    title: "Autoscaled workload sets replicas",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Remove `spec.replicas` from workloads that a HorizontalPodAutoscaler scales (in Helm: render it only when \
                  autoscaling is off).",
    standards: &["kube-score:deployment-targeted-by-hpa-does-not-have-replicas-configured"],
    enabled_by_default: true,
};

/// [`REPLICAS_MINIMUM`].
pub(crate) fn replicas_minimum(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let hpas = Autoscalers::new(resources);
    let minimum = i64::from(settings.min_replicas);
    resources
        .iter()
        .filter(|r| r.kind() == "Deployment" && hpas.of(r).is_empty() && replicas(r) < minimum)
        .map(|deployment| {
            let what = match int(deployment.json(), &["spec", "replicas"]) {
                Some(n) => format!("sets spec.replicas: {n}, fewer than {minimum}"),
                None => format!("does not set spec.replicas (1 replica), fewer than {minimum}"),
            };
            report(&REPLICAS_MINIMUM, deployment, "/spec/replicas", what)
        })
        .collect()
}

/// [`HPA_MIN_REPLICAS`].
pub(crate) fn hpa_min_replicas(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let minimum = i64::from(settings.hpa_min_replicas);
    Autoscalers::all(resources)
        .filter(|hpa| hpa_min(hpa) < minimum)
        .map(|hpa| {
            let what = match int(hpa.json(), &["spec", "minReplicas"]) {
                Some(n) => format!("sets spec.minReplicas: {n}, below {minimum}"),
                None => format!("does not set spec.minReplicas (1), below {minimum}"),
            };
            report(&HPA_MIN_REPLICAS, hpa, "/spec/minReplicas", what)
        })
        .collect()
}

/// [`HPA_MAX_GT_MIN`].
pub(crate) fn hpa_max_gt_min(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    Autoscalers::all(resources)
        .filter(|hpa| hpa_max(hpa) <= hpa_min(hpa))
        .map(|hpa| {
            report(
                &HPA_MAX_GT_MIN,
                hpa,
                "/spec/maxReplicas",
                format_args!("sets spec.maxReplicas: {}, not above its minReplicas {}", hpa_max(hpa), hpa_min(hpa)),
            )
        })
        .collect()
}

/// [`HPA_TARGET_EXISTS`].
pub(crate) fn hpa_target_exists(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    if Autoscalers::all(resources).next().is_none() {
        return Vec::new();
    }
    let objects = Named::everything(resources);
    Autoscalers::all(resources)
        .filter_map(|hpa| {
            let (kind, name) = Autoscalers::target(hpa);
            let found = objects.get(kind, namespace(hpa), name).iter().any(|w| Autoscalers::same_group(hpa, w));
            (!found).then(|| {
                report(
                    &HPA_TARGET_EXISTS,
                    hpa,
                    "/spec/scaleTargetRef/name",
                    format_args!("scales {kind} \"{name}\", which is not in the input"),
                )
            })
        })
        .collect()
}

/// [`HPA_TARGET_NO_STATIC_REPLICAS`].
pub(crate) fn hpa_target_no_static_replicas(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let hpas = Autoscalers::new(resources);
    resources
        .iter()
        .filter(|r| matches!(r.kind(), "Deployment" | "StatefulSet"))
        .filter_map(|workload| {
            let set = int(workload.json(), &["spec", "replicas"])?;
            let hpa = *hpas.of(workload).first()?;
            Some(report(
                &HPA_TARGET_NO_STATIC_REPLICAS,
                workload,
                "/spec/replicas",
                format_args!("sets spec.replicas: {set}, but {} scales it", describe(hpa)),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, run, with_spec};
    use palisade_policy_sdk::{Value, json};

    fn hpa(target: &str, min: Option<i64>, max: i64) -> Value {
        let mut spec = json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "maxReplicas": max});
        if let Some(min) = min {
            spec["minReplicas"] = json!(min);
        }
        with_spec("autoscaling/v2", "HorizontalPodAutoscaler", target, spec)
    }

    fn deployment(name: &str, replicas: Option<i64>) -> Value {
        let spec = replicas.map_or_else(|| json!({}), |n| json!({"replicas": n}));
        with_spec("apps/v1", "Deployment", name, spec)
    }

    #[test]
    fn replicas_minimum_skips_autoscaled_deployments() {
        let docs = vec![
            deployment("one", Some(1)),
            deployment("unset", None),
            deployment("two", Some(2)),
            deployment("scaled", None),
            hpa("scaled", Some(2), 5),
        ];
        let id = "replicas-minimum";
        assert_eq!(
            run(replicas_minimum, docs.clone(), &json!({})),
            vec![
                (0, id, "/spec/replicas".into(), "Deployment sets spec.replicas: 1, fewer than 2".into()),
                (
                    1,
                    id,
                    "/spec/replicas".into(),
                    "Deployment does not set spec.replicas (1 replica), fewer than 2".into()
                ),
            ]
        );
        assert_eq!(run(replicas_minimum, docs[2..].to_vec(), &json!({"minReplicas": 2})), vec![]);
        assert_eq!(run(replicas_minimum, docs[2..3].to_vec(), &json!({"minReplicas": 3})).len(), 1);
    }

    #[test]
    fn hpa_min_replicas_follows_the_setting() {
        assert_findings(
            hpa_min_replicas,
            hpa("web", None, 5),
            &[(
                "hpa-min-replicas",
                "/spec/minReplicas",
                "HorizontalPodAutoscaler does not set spec.minReplicas (1), below 2",
            )],
        );
        assert_findings_with(
            hpa_min_replicas,
            hpa("web", Some(2), 5),
            &json!({"hpaMinReplicas": 3}),
            &[("hpa-min-replicas", "/spec/minReplicas", "HorizontalPodAutoscaler sets spec.minReplicas: 2, below 3")],
        );
        assert_findings(hpa_min_replicas, hpa("web", Some(2), 5), &[]);
    }

    #[test]
    fn hpa_max_gt_min_needs_room_to_scale() {
        assert_findings(
            hpa_max_gt_min,
            hpa("web", Some(3), 3),
            &[(
                "hpa-max-gt-min",
                "/spec/maxReplicas",
                "HorizontalPodAutoscaler sets spec.maxReplicas: 3, not above its minReplicas 3",
            )],
        );
        assert_findings(hpa_max_gt_min, hpa("web", None, 2), &[]);
    }

    #[test]
    fn hpa_target_exists_matches_kind_name_group_and_namespace() {
        let mut elsewhere = deployment("other", None);
        elsewhere["metadata"]["namespace"] = json!("demo");
        let rollout = with_spec("argoproj.io/v1alpha1", "Rollout", "web", json!({}));
        let docs = vec![
            deployment("web", None),
            elsewhere,
            rollout,
            hpa("web", None, 3),
            hpa("other", None, 3),
            hpa("gone", None, 3),
        ];
        let id = "hpa-target-exists";
        assert_eq!(
            run(hpa_target_exists, docs, &json!({})),
            vec![
                (
                    4,
                    id,
                    "/spec/scaleTargetRef/name".into(),
                    "HorizontalPodAutoscaler scales Deployment \"other\", which is not in the input".into()
                ),
                (
                    5,
                    id,
                    "/spec/scaleTargetRef/name".into(),
                    "HorizontalPodAutoscaler scales Deployment \"gone\", which is not in the input".into()
                ),
            ]
        );
    }

    #[test]
    fn hpa_target_no_static_replicas_reports_the_replicas() {
        let docs = vec![
            deployment("web", Some(3)),
            deployment("api", None),
            hpa("web", Some(2), 5),
            hpa("api", Some(2), 5),
            deployment("lone", Some(2)),
        ];
        assert_eq!(
            run(hpa_target_no_static_replicas, docs, &json!({})),
            vec![(
                0,
                "hpa-target-no-static-replicas",
                "/spec/replicas".into(),
                "Deployment sets spec.replicas: 3, but HorizontalPodAutoscaler \"web\" scales it".into()
            )]
        );
    }
}
