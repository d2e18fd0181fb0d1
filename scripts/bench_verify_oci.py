#!/usr/bin/env python3
"""Whole-program timings of `palisade verify chart oci://…` against a real local registry.

Starts Debian's `docker-registry` on 127.0.0.1, pushes the shared fixture chart with its `.prov`
(`helm push`), signs the chart's manifest digest with an ECDSA P-256 key made by `openssl` and
attaches the signature as cosign does (a `sha256-<hex>.sig` manifest with one simple-signing
layer), then times, with the release binary and a warm component cache but no evidence cache
(`--no-cache`: every run fetches manifest, signature manifest, blobs):
  - prov:   `verify chart oci://… --keyring pubring.gpg`
  - cosign: `verify chart oci://… --key cosign.pub`
  - both:   `verify chart oci://… --keyring pubring.gpg --key cosign.pub`
and prints min / median wall time over the runs. Every run must exit 0.
Usage: scripts/bench_verify_oci.py [--runs N] [--binary PATH] [--helm PATH]
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "..", "shared", "fixtures", "helm-prov")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
FIXTURE_NOW = "1795824000"  # the fixture keys are valid then


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(work):
    port = free_port()
    config = os.path.join(work, "registry.yml")
    with open(config, "w") as f:
        f.write(
            f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {work}/data\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
        )
    proc = subprocess.Popen(["docker-registry", "serve", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    host = f"127.0.0.1:{port}"
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, host
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit("docker-registry did not start")


def put_blob(host, repo, data):
    req = urllib.request.Request(f"http://{host}/v2/{repo}/blobs/uploads/", method="POST")
    with urllib.request.urlopen(req) as resp:
        location = resp.headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    sep = "&" if "?" in location else "?"
    req = urllib.request.Request(f"{location}{sep}digest={sha256(data)}", data=data, method="PUT")
    req.add_header("Content-Type", "application/octet-stream")
    urllib.request.urlopen(req).close()


def put_manifest(host, repo, tag, manifest):
    data = json.dumps(manifest).encode()
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", data=data, method="PUT")
    req.add_header("Content-Type", OCI_MANIFEST)
    urllib.request.urlopen(req).close()


def sign_chart(host, work, digest):
    """A cosign-style signature of the manifest `digest`; returns the public key path."""
    key, pub = os.path.join(work, "cosign.key"), os.path.join(work, "cosign.pub")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True)
    subprocess.run(["openssl", "ec", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    payload = json.dumps({
        "critical": {
            "identity": {"docker-reference": f"{host}/bench/demo"},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": None,
    }).encode()
    payload_path = os.path.join(work, "payload.json")
    with open(payload_path, "wb") as f:
        f.write(payload)
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, payload_path], check=True, capture_output=True).stdout
    config = b"{}"
    put_blob(host, "bench/demo", config)
    put_blob(host, "bench/demo", payload)
    put_manifest(host, "bench/demo", digest.replace(":", "-") + ".sig", {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": sha256(payload),
            "size": len(payload),
            "annotations": {"dev.cosignproject.cosign/signature": base64.b64encode(sig).decode()},
        }],
    })
    return pub


def push_chart(helm, host, work):
    for name in ("demo-0.1.0.tgz", "demo-0.1.0.tgz.prov"):
        shutil.copy(os.path.join(FIXTURES, name), work)
    env = dict(os.environ, HELM_CONFIG_HOME=f"{work}/helm", HELM_CACHE_HOME=f"{work}/helm", HELM_DATA_HOME=f"{work}/helm")
    out = subprocess.run([helm, "push", "demo-0.1.0.tgz", f"oci://{host}/bench", "--plain-http"],
                         cwd=work, env=env, check=True, capture_output=True, text=True)
    for line in (out.stdout + out.stderr).splitlines():
        if line.startswith("Digest: "):
            return line.removeprefix("Digest: ").strip()
    raise SystemExit(f"no digest in helm push output: {out.stdout}{out.stderr}")


def measure(name, cmd, env, runs):
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{name}: exit {proc.returncode}: {proc.stdout}{proc.stderr}")
    print(f"{name:8} min {min(walls) * 1000:7.1f} ms  median {statistics.median(walls) * 1000:7.1f} ms  ({runs} runs)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "palisade"))
    parser.add_argument("--helm", default=os.path.join(ROOT, "target", "tools", "bin", "helm"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        registry, host = start_registry(work)
        try:
            digest = push_chart(args.helm, host, work)
            pub = sign_chart(host, work, digest)
            env = dict(os.environ, PALISADE_CACHE_DIR=os.path.join(work, "wasmtime"), DOCKER_CONFIG=work)
            env.pop("PALISADE_LOG", None)
            chart = f"oci://{host}/bench/demo:0.1.0"
            keyring = os.path.join(FIXTURES, "pubring.gpg")
            base = [args.binary, "verify", "chart", chart, "--no-cache", "--now", FIXTURE_NOW]
            # Warm the component cache once (compilation is measured by bench_corpus.py).
            subprocess.run(base + ["--key", pub], env=env, check=True, capture_output=True)
            measure("prov", base + ["--keyring", keyring], env, args.runs)
            measure("cosign", base + ["--key", pub], env, args.runs)
            measure("both", base + ["--keyring", keyring, "--key", pub], env, args.runs)
        finally:
            registry.kill()
            registry.wait()


if __name__ == "__main__":
    main()
