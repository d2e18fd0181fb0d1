//! Where pod-bearing kinds keep their pod template (checks.md §2: the Pod Security Admission
//! extractor plus OpenShift `DeploymentConfig` and Argo `Rollout`). Shared by host and guests.

/// JSON pointer to the pod template (the object with `metadata` and `spec`) of a kind; `""` for a
/// Pod itself; `None` for kinds that carry no pod.
#[must_use]
pub fn pod_template_pointer(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "",
        "PodTemplate" => "/template",
        "ReplicationController"
        | "ReplicaSet"
        | "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "DeploymentConfig"
        | "Rollout" => "/spec/template",
        "CronJob" => "/spec/jobTemplate/spec/template",
        _ => return None,
    })
}
