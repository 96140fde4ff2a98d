#!/usr/bin/env bash
# GPU check for filterbank: run on a machine with a CUDA GPU where torch, OpenCV and
# pytest are already installed; the package is used from this checkout via PYTHONPATH.
#
#   bash scripts/gpu-check.sh            # from anywhere; PYTHON=... to pick the interpreter
#
# Steps: (1) the GPU and the torch / CUDA / OpenCV versions, (2) the tests marked `cuda`
# with FILTERBANK_REQUIRE_CUDA=1 (so they fail rather than skip without a GPU),
# (3) the planner cache on the device (tests/reliability: fresh numpy kernels on every call and
# writes through `.data` / `vector_to_parameters` against method='direct', inference mode),
# (4) `filterbank verify --device cuda` for float32 and uint8, (5) the benchmark harness on
# CUDA (JSON to $OUT or the current folder). Every step runs; the
# script exits non-zero if any of them failed.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
export PYTHONPATH=.

failed=()

step() {
    local name="$1"
    shift
    echo
    echo "=== ${name}: $*"
    local start=$SECONDS
    if "$@"; then
        echo "=== ${name}: OK ($((SECONDS - start)) s)"
    else
        local rc=$?
        echo "=== ${name}: FAILED with status ${rc} ($((SECONDS - start)) s)"
        failed+=("${name}")
    fi
}

versions() {
    # errexit is off inside `if`, so collect failures explicitly
    local rc=0
    nvidia-smi -L || rc=$?
    "${PYTHON}" - <<'EOF' || rc=$?
import cv2
import torch

print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
print(f"OpenCV {cv2.__version__}")
print(f"cuda available: {torch.cuda.is_available()}, devices: {torch.cuda.device_count()}")
for i in range(torch.cuda.device_count()):
    print(f"  cuda:{i} {torch.cuda.get_device_name(i)}")
if not torch.cuda.is_available():
    raise SystemExit("torch.cuda.is_available() is False")
EOF
    return "${rc}"
}

step "versions" versions
step "cuda tests" env FILTERBANK_REQUIRE_CUDA=1 "${PYTHON}" -m pytest -q -m cuda tests
step "device cache" env FILTERBANK_REQUIRE_CUDA=1 "${PYTHON}" -m pytest -q -m cuda tests/reliability -p no:cacheprovider
step "verify cuda" "${PYTHON}" -m filterbank verify --device cuda --dtype float32 --dtype uint8
step "bench cuda" "${PYTHON}" -m filterbank bench --device cuda --reps 5 --no-memory --json "${OUT:-.}/bench-cuda.json"

echo
if ((${#failed[@]})); then
    echo "gpu-check: FAILED steps: ${failed[*]}"
    exit 1
fi
echo "gpu-check: all steps passed"
