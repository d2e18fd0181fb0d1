#!/usr/bin/env python3
"""Whole-program timings of `palisade check` on the shared corpus.

Measures, with the release binary (build it first: `cargo build --release --locked`):
  - corpus: `palisade check --format json ../shared/corpus/bitnami` with a warm compilation cache
  - cold start: the same with an empty cache directory (components compiled by Cranelift)
  - cached start: `palisade check` of the one-object sample with a warm cache
and prints min / median wall time, objects per second and peak RSS (max over runs).
Usage: scripts/bench_corpus.py [--runs N] [--binary PATH] [--corpus DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(cmd, env):
    """Wall time, peak RSS (MiB) and stdout of one run; the exit code must be 0 or 1."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.read().decode()[:500]}")
    return wall, usage.ru_maxrss / 1024, out


def measure(name, cmd, env, runs, fresh_cache=None):
    walls, rss = [], []
    out = b""
    for _ in range(runs):
        if fresh_cache:
            shutil.rmtree(fresh_cache, ignore_errors=True)
        wall, peak, out = run_once(cmd, env)
        walls.append(wall)
        rss.append(peak)
    return {
        "name": name,
        "runs": runs,
        "min_ms": round(min(walls) * 1000, 1),
        "median_ms": round(statistics.median(walls) * 1000, 1),
        "peak_rss_mib": round(max(rss), 1),
    }, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/palisade"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "../shared/corpus/bitnami"))
    args = ap.parse_args()

    cache = tempfile.mkdtemp(prefix="palisade-bench-cache-")
    env = dict(os.environ, PALISADE_CACHE_DIR=cache)
    corpus_cmd = [args.binary, "check", "--format", "json", args.corpus]
    sample_cmd = [args.binary, "check", "--format", "json", os.path.join(ROOT, "examples/demo-app.yaml")]

    results = []
    cold, _ = measure("cold start (empty cache), whole corpus", corpus_cmd, env, max(3, args.runs // 5), fresh_cache=cache)
    results.append(cold)
    run_once(corpus_cmd, env)  # warm the cache
    warm, out = measure("whole corpus, cached", corpus_cmd, env, args.runs)
    report = json.loads(out)
    objects = report["summary"]["resources"]
    warm["objects"] = objects
    warm["findings"] = report["summary"]["findings"]
    warm["objects_per_s"] = round(objects / (warm["median_ms"] / 1000))
    results.append(warm)
    start, _ = measure("cached start (sample, 3 objects)", sample_cmd, env, args.runs)
    results.append(start)
    shutil.rmtree(cache, ignore_errors=True)

    print(f"machine: {os.cpu_count()} cores; binary: {args.binary}")
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
