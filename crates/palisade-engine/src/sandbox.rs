//! The wasmtime engine, its compilation cache, and the limits every `Store` runs under.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{
    Cache, CacheConfig, Config, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter, Store,
};

use crate::error::EngineError;

/// How often the epoch advances; deadlines are whole ticks.
const TICK: Duration = Duration::from_millis(5);

/// Limits and caching for every policy loaded into an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory of the compilation cache (`None`: compile every time).
    pub cache_dir: Option<PathBuf>,
    /// Most linear memory one evaluation may use, in bytes.
    pub memory_limit: usize,
    /// Wall-clock limit of one call into a policy.
    pub timeout: Duration,
    /// Pre-allocate slots for this many concurrent evaluations (wasmtime's pooling allocator:
    /// no mmap/munmap per evaluation); `None` allocates on demand. More concurrent evaluations
    /// than slots fail with an error, so size it to the evaluation threads.
    pub pooled_instances: Option<u32>,
    /// Reuse a policy's instance for the next evaluation after a call that returned normally
    /// (at most 256 times, and never after a trap, a timeout or the memory limit). Saves the
    /// instantiation and the page faults of a fresh linear memory for every input, which dominate
    /// a run over many small inputs; it relies on policies being pure functions of their input, as
    /// the contract says. Off: every evaluation gets a fresh instance (the webhook's isolation).
    pub reuse_instances: bool,
}

/// How many evaluations one instance serves at most when [`EngineConfig::reuse_instances`] is on.
pub(crate) const MAX_REUSES: u32 = 256;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: None,
            memory_limit: 512 << 20,
            timeout: Duration::from_secs(10),
            pooled_instances: None,
            reuse_instances: false,
        }
    }
}

/// A configured wasmtime engine. Cheap to share across threads.
#[derive(Clone)]
pub struct Engine {
    pub(crate) wasmtime: wasmtime::Engine,
    pub(crate) config: EngineConfig,
    _ticker: Arc<Ticker>,
}

/// The most of a pooled memory or table kept resident between uses (when the kernel can tell
/// which pages were dirtied); a review of a typical object touches well under this.
const KEEP_RESIDENT: usize = 16 << 20;

impl Engine {
    /// Create the engine and start its epoch ticker.
    ///
    /// # Errors
    /// The cache directory cannot be used or wasmtime rejects the configuration.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        let mut wt = Config::new();
        wt.epoch_interruption(true).wasm_component_model(true).max_wasm_stack(1 << 20);
        // Traps are reported by kind, never with wasm offsets or native unwinding, so the
        // compiled artifacts leave out the address map and unwind tables: a seventh less to read,
        // decompress and map at every start.
        wt.generate_address_map(false).native_unwind_info(false);
        if std::env::var_os("PALISADE_PERFMAP").is_some() {
            // Developer knob: name JIT code for `perf report` (/tmp/perf-PID.map).
            wt.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if let Some(slots) = config.pooled_instances {
            let mut pool = PoolingAllocationConfig::new();
            // A policy component holds one core instance (plus the adapter shims wit-component adds).
            pool.total_component_instances(slots)
                .total_core_instances(slots.saturating_mul(4))
                .total_memories(slots)
                .total_tables(slots.saturating_mul(2))
                .max_memory_size(config.memory_limit);
            // Where the kernel can say which pages an instance dirtied (PAGEMAP_SCAN, Linux 6.7+),
            // a freed slot resets just those with memset and keeps them resident: no `madvise`,
            // and no page faults when the next request uses the slot. Without it,
            // keep-resident would memset the whole region every time, so it stays off.
            if PoolingAllocationConfig::is_pagemap_scan_available() {
                pool.pagemap_scan(wasmtime::Enabled::Yes)
                    .linear_memory_keep_resident(KEEP_RESIDENT)
                    .table_keep_resident(KEEP_RESIDENT);
            }
            wt.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        if let Some(dir) = &config.cache_dir {
            let mut cache = CacheConfig::new();
            cache.with_directory(dir.clone());
            // wasmtime recompresses an entry at zstd level 20 after 256 uses, in a background
            // thread that a short `palisade check` kills before it finishes: every run after the
            // 256th would burn a core on it. Entries stay as first written.
            cache.with_optimized_compression_usage_counter_threshold(u64::MAX);
            let cache =
                Cache::new(cache).map_err(|e| EngineError::Setup(format!("cache at {}: {e:#}", dir.display())))?;
            wt.cache(Some(cache));
        }
        let wasmtime = wasmtime::Engine::new(&wt).map_err(|e| EngineError::Setup(format!("{e:#}")))?;
        let ticker = Ticker::start(&wasmtime);
        Ok(Engine { wasmtime, config, _ticker: ticker })
    }

    /// A fresh store with this engine's memory limit and deadline.
    pub(crate) fn store(&self) -> Store<StoreState> {
        let mut store =
            Store::new(&self.wasmtime, StoreState { memory_limit: self.config.memory_limit, hit_memory_limit: false });
        store.limiter(|s| s);
        store.set_epoch_deadline(self.deadline_ticks());
        store.epoch_deadline_trap();
        store
    }

    /// Give `store` a full time limit again, counted from now.
    pub(crate) fn reset_deadline(&self, store: &mut Store<StoreState>) {
        store.set_epoch_deadline(self.deadline_ticks());
    }

    fn deadline_ticks(&self) -> u64 {
        u64::try_from(self.config.timeout.as_nanos() / TICK.as_nanos()).unwrap_or(u64::MAX).max(1)
    }
}

/// Per-store state: the memory limit and whether it was hit.
pub(crate) struct StoreState {
    memory_limit: usize,
    pub(crate) hit_memory_limit: bool,
}

impl ResourceLimiter for StoreState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.hit_memory_limit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Background thread advancing the engine's epoch; stops when the last `Engine` clone drops.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: &wasmtime::Engine) -> Arc<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("palisade-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_or_else(|_| tracing::warn!("cannot start the epoch ticker; deadlines will not fire"), |_| ());
        Arc::new(Ticker { stop })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
