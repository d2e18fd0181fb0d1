//! The `palisade` binary.

/// mimalloc instead of the system allocator: parsing manifests and lowering them into policy
/// instances allocate many small strings from several threads (measured in `scripts/bench_corpus.py`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    palisade_cli::run()
}
