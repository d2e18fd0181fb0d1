//! The one place the host generates bindings from `wit/policy.wit`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "policy",
});

pub use palisade::policy::types;
