//! One evaluation's input, with the pod specs and containers found once.
//!
//! Most rules walk every pod spec and container of the input; finding them (kind lookup, template
//! pointer, container lists) once per evaluation instead of once per rule keeps the policy's cost
//! close to one pass per rule over the pods themselves. A [`Ctx`] dereferences to the resource
//! slice, so rules that look at objects directly use it as `&[Resource]`.

use std::ops::Deref;

use palisade_policy_sdk::Resource;
use palisade_policy_sdk::workload::{Container, PodSpec, pod_spec};

/// A pod spec of the input and its containers (init, regular, ephemeral, in that order).
#[derive(Debug)]
pub(crate) struct Pod<'a> {
    /// The pod spec.
    pub(crate) spec: PodSpec<'a>,
    /// Its containers.
    pub(crate) containers: Vec<Container<'a>>,
}

/// The resources of one evaluation and the pods they carry.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    resources: &'a [Resource],
    pods: Vec<Pod<'a>>,
}

impl<'a> Ctx<'a> {
    /// Find every pod spec of `resources`, in input order.
    pub(crate) fn new(resources: &'a [Resource]) -> Self {
        let pods =
            resources.iter().filter_map(pod_spec).map(|spec| Pod { containers: spec.containers(), spec }).collect();
        Ctx { resources, pods }
    }

    /// Every pod spec of the input (a bare Pod's or a workload's template), in input order.
    pub(crate) fn pods(&self) -> &[Pod<'a>] {
        &self.pods
    }
}

impl<'a> IntoIterator for &Ctx<'a> {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.resources.iter()
    }
}

impl Deref for Ctx<'_> {
    type Target = [Resource];

    fn deref(&self) -> &[Resource] {
        self.resources
    }
}
