//! The built-in policy components, compiled from `policies/` by this crate's build script and
//! embedded as bytes. Each is a WebAssembly component of the `palisade:policy` world with zero
//! imports.

/// An embedded policy component.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Policy name (also the name of its crate under `policies/`).
    pub name: &'static str,
    /// The component.
    pub wasm: &'static [u8],
}

/// Every built-in policy, in a stable order.
pub const BUILTIN: &[Builtin] = &[
    Builtin { name: "hardening", wasm: include_bytes!(concat!(env!("OUT_DIR"), "/hardening.wasm")) },
    Builtin { name: "pod-security", wasm: include_bytes!(concat!(env!("OUT_DIR"), "/pod-security.wasm")) },
    Builtin { name: "supply-chain", wasm: include_bytes!(concat!(env!("OUT_DIR"), "/supply-chain.wasm")) },
];

/// The built-in policy called `name`.
#[must_use]
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}

/// Components used by tests only; never loaded by the CLI.
pub mod fixtures {
    /// A policy that loops, allocates, traps, overflows its stack or errors, as its `mode` setting says.
    pub const HOSTILE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hostile.wasm"));
}
