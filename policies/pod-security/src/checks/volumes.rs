//! Volume sources: `hostPath` (baseline) and everything but the allowed core types (restricted).

use palisade_policy_sdk::{Severity, Value};

use super::{Check, Revision, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{join_quote, pluralize};
use crate::pod::{Pod, items, lookup, text};

/// `hostPathVolumes` (`check_hostPathVolumes.go`): no volume may be a `hostPath`.
pub(crate) const HOST_PATH_VOLUMES: Check = Check {
    def: rule(
        "hostPathVolumes",
        "Pod mounts a hostPath volume",
        Severity::Critical,
        "Replace the `hostPath` volume with an `emptyDir`, a `configMap`/`secret`, or a `persistentVolumeClaim`.",
        &["pss:baseline/hostPathVolumes"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, host_path_volumes)],
    overrides: None,
};

fn host_path_volumes(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let host_paths: Vec<(String, String)> = items(pod.get(&["volumes"]))
        .filter(|(_, volume)| lookup(volume, &["hostPath"]).is_some())
        .map(|(i, volume)| (i, text(volume.get("name"))))
        .collect();
    let (first, _) = host_paths.first()?;
    let names: Vec<&str> = host_paths.iter().map(|(_, name)| name.as_str()).collect();
    let detail = format!("{} {}", pluralize("volume", "volumes", names.len()), join_quote(&names));
    Some(Violation::new("hostPath volumes", detail, pod.at(&["volumes", first, "hostPath"])))
}

/// `restrictedVolumes` (`check_restrictedVolumes.go`): every volume must be one of the allowed core
/// types. It replaces `hostPathVolumes` at the restricted level.
pub(crate) const RESTRICTED_VOLUMES: Check = Check {
    def: rule(
        "restrictedVolumes",
        "Pod uses a volume type outside the restricted set",
        Severity::High,
        "Use only `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, \
         `projected` or `secret` volumes; reach other storage through a PersistentVolumeClaim.",
        &["pss:restricted/restrictedVolumes"],
    ),
    level: Level::Restricted,
    revisions: &[Revision::since(0, restricted_volumes)],
    overrides: Some("hostPathVolumes"),
};

/// Volume sources the restricted level allows (`image` since it exists: upstream added it to the
/// v1.0 revision).
const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "image",
];

/// The other volume sources, in the order upstream names the first one a volume sets.
const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// The restricted source a volume uses, if it uses no allowed one. A volume that sets no source at
/// all is defaulted to `emptyDir` by the API server before admission, so it is allowed.
fn restricted_source(volume: &Value) -> Option<&'static str> {
    if ALLOWED.iter().any(|source| lookup(volume, &[source]).is_some()) {
        return None;
    }
    RESTRICTED.into_iter().find(|source| lookup(volume, &[source]).is_some())
}

fn restricted_volumes(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let restricted: Vec<(String, String, &str)> = items(pod.get(&["volumes"]))
        .filter_map(|(i, volume)| restricted_source(volume).map(|source| (i, text(volume.get("name")), source)))
        .collect();
    let (first, _, first_source) = restricted.first()?;
    let names: Vec<&str> = restricted.iter().map(|(_, name, _)| name.as_str()).collect();
    let mut sources: Vec<&str> = restricted.iter().map(|(_, _, source)| *source).collect();
    sources.sort_unstable();
    sources.dedup();
    let detail = format!(
        "{} {} {} {} {}",
        pluralize("volume", "volumes", names.len()),
        join_quote(&names),
        pluralize("uses", "use", names.len()),
        pluralize("restricted volume type", "restricted volume types", sources.len()),
        join_quote(&sources)
    );
    Some(Violation::new("restricted volume types", detail, pod.at(&["volumes", first, first_source])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn host_path_volumes_are_named() {
        check_cases(
            &HOST_PATH_VOLUMES,
            &[
                Case::pass(
                    "no host path",
                    0,
                    json!({"volumes": [{"name": "a", "emptyDir": {}}, {"name": "b", "hostPath": null}]}),
                ),
                Case::fail(
                    "two",
                    37,
                    json!({"volumes": [{"name": "a", "emptyDir": {}}, {"name": "b", "hostPath": {"path": "/"}}, {"name": "c", "hostPath": {"path": "/x"}}]}),
                    r#"hostPath volumes (volumes "b", "c")"#,
                    "/spec/volumes/1/hostPath",
                ),
            ],
        );
    }

    #[test]
    fn restricted_volumes_allow_only_the_core_types() {
        let allowed: Vec<Value> =
            ALLOWED.iter().map(|t| json!({"name": t, *t: {}})).chain([json!({"name": "bare"})]).collect();
        let mut volumes = allowed.clone();
        volumes.extend(RESTRICTED.iter().enumerate().map(|(i, t)| json!({"name": format!("b{}", i + 1), *t: {}})));
        let names: Vec<String> = (1..=RESTRICTED.len()).map(|i| format!("b{i}")).collect();
        let mut types = RESTRICTED.to_vec();
        types.sort_unstable();
        check_cases(
            &RESTRICTED_VOLUMES,
            &[
                Case::pass("allowed types, and a volume defaulted to emptyDir", 0, json!({"volumes": allowed})),
                Case::pass(
                    "an allowed source wins",
                    37,
                    json!({"volumes": [{"name": "x", "secret": {}, "hostPath": {}}]}),
                ),
                Case::fail(
                    "every restricted type, names in order, types sorted",
                    37,
                    json!({"volumes": volumes}),
                    &format!(
                        "restricted volume types (volumes {} use restricted volume types {})",
                        join_quote(&names),
                        join_quote(&types)
                    ),
                    "/spec/volumes/10/hostPath",
                ),
                Case::fail(
                    "one",
                    0,
                    json!({"volumes": [{"name": "data", "nfs": {"server": "x", "path": "/"}}]}),
                    r#"restricted volume types (volume "data" uses restricted volume type "nfs")"#,
                    "/spec/volumes/0/nfs",
                ),
            ],
        );
    }
}
