//! Metadata and hygiene (checks.md §1.9, area `hygiene`), plus `duplicate-object`, a palisade
//! addition: namespaces, labels and annotations, API versions, structural validity, container
//! settings, monitoring references, node versions and inventory of mounted objects.

pub(crate) mod apis;
pub(crate) mod containers;
pub(crate) mod metadata;
pub(crate) mod references;

use palisade_policy_sdk::Resource;
use palisade_policy_sdk::workload::template_pointer;

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "hygiene";

/// Objects that run pods (every pod-bearing kind): the workloads whose own metadata the label and
/// annotation rules judge.
pub(crate) fn workloads(resources: &[Resource]) -> impl Iterator<Item = &Resource> {
    resources.iter().filter(|r| template_pointer(r.kind()).is_some())
}
