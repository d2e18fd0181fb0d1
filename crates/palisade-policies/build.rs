//! Builds every crate of `policies/` for `wasm32-unknown-unknown` with a nested cargo and wraps
//! each core module into a component with `wit-component`. The components land in `OUT_DIR` and
//! are embedded by `src/lib.rs`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Policies shipped in the binary; the other members of `policies/` are test fixtures.
const BUILTIN: &[&str] = &["hardening", "pod-security", "supply-chain"];
/// Fixture components exposed for tests only.
const FIXTURES: &[&str] = &["hostile"];

fn main() {
    if let Err(e) = run() {
        eprintln!("error: building policy components: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let root = manifest_dir.join("../..").canonicalize().map_err(|e| format!("repository root: {e}"))?;
    let policies = root.join("policies");
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    // <target>/<profile>/build/<pkg>/out → share one nested target dir across profiles.
    let target_dir = out_dir.ancestors().nth(4).map_or_else(|| out_dir.join("policies-target"), |t| t.join("policies"));

    watch(&root.join("wit"));
    watch(&root.join("crates/palisade-policy-sdk/src"));
    watch(&root.join("crates/palisade-policy-sdk/Cargo.toml"));
    // The SDK depends on the core (pod template locations).
    watch(&root.join("crates/palisade-core/src"));
    watch(&root.join("crates/palisade-core/Cargo.toml"));
    watch(&policies.join("Cargo.toml"));
    watch(&policies.join("Cargo.lock"));
    for name in BUILTIN.iter().chain(FIXTURES) {
        watch(&policies.join(name).join("src"));
        watch(&policies.join(name).join("Cargo.toml"));
    }

    ensure_wasm_target()?;
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&policies)
        .args(["build", "--release", "--locked", "--workspace", "--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(&target_dir);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars() {
        if key.starts_with("CARGO_PROFILE_") || key.starts_with("CARGO_FEATURE_") || key.starts_with("CARGO_CFG_") {
            cmd.env_remove(key);
        }
    }
    let status = cmd.status().map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo build` of {} failed ({status})", policies.display()));
    }

    for name in BUILTIN.iter().chain(FIXTURES) {
        let module_path =
            target_dir.join(format!("wasm32-unknown-unknown/release/palisade_policy_{}.wasm", name.replace('-', "_")));
        let module = fs::read(&module_path).map_err(|e| format!("{}: {e}", module_path.display()))?;
        let component = wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&module)
            .and_then(|mut enc| enc.encode())
            .map_err(|e| format!("wrapping {name} as a component: {e:#}"))?;
        let out = out_dir.join(format!("{name}.wasm"));
        write_if_changed(&out, &component)?;
    }
    Ok(())
}

/// Install the `wasm32-unknown-unknown` standard library through rustup when it is missing, so a
/// fresh clone builds with nothing set up by hand (rustup may have auto-install turned off).
fn ensure_wasm_target() -> Result<(), String> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", "wasm32-unknown-unknown"])
        .output()
        .map_err(|e| format!("running {rustc}: {e}"))?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&libdir.stdout).trim());
    if fs::read_dir(&libdir).is_ok_and(|mut d| d.next().is_some()) {
        return Ok(());
    }
    println!("cargo:warning=installing the wasm32-unknown-unknown target with rustup");
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", "wasm32-unknown-unknown"]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        cmd.args(["--toolchain", &toolchain]);
    }
    let status =
        cmd.status().map_err(|e| format!("the wasm32-unknown-unknown target is missing and rustup cannot run: {e}"))?;
    if status.success() { Ok(()) } else { Err("`rustup target add wasm32-unknown-unknown` failed".into()) }
}

fn watch(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
