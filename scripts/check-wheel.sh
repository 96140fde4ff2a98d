#!/usr/bin/env bash
# Does the wheel stand alone? Build it, install it (not editable) into a scratch environment and, from an
# empty temporary folder with no checkout on sys.path, run the commands the README shows.
#
#   scripts/check-wheel.sh                      # what .ci/run does after `make test`
#   PYTHON=/path/to/python scripts/check-wheel.sh
#   WHEEL_CHECK_DEPS=install scripts/check-wheel.sh   # install torch==2.13.0 and the other deps fresh (slower)
#
# By default the scratch venv borrows the dependencies (torch, numpy, OpenCV, ...) of the venv that runs
# this script through a .pth line, so no multi-GB download happens; only the wheel is installed into it.
# The borrowed folder's own .pth files are not processed, so an editable install there stays invisible.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/filterbank-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
t0=$SECONDS
step() { printf '[check-wheel %3ds] %s\n' "$((SECONDS - t0))" "$*"; }

step "build the sdist, then the wheel from it (as pip does from PyPI; nothing is staged in the checkout)"
"$PYTHON" -m build --sdist --no-isolation --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || {
    cat "$WORK/build.log"
    exit 1
}
SDIST="$(ls "$WORK"/dist/filterbank-*.tar.gz)"
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$WORK/dist" "$SDIST" >/dev/null
WHEEL="$(ls "$WORK"/dist/filterbank-*.whl)"
step "built $(basename "$SDIST") and $(basename "$WHEEL")"

step "scratch venv"
"$PYTHON" -m venv --without-pip "$WORK/venv"
VPY="$WORK/venv/bin/python"
if [[ "${WHEEL_CHECK_DEPS:-borrow}" == install ]]; then
    "$VPY" -m ensurepip --quiet
    "$VPY" -m pip install --quiet torch==2.13.0 "$WHEEL"
else
    host_site="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    scratch_site="$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$host_site" >"$scratch_site/_borrowed_deps.pth"
    "$PYTHON" -m pip --python "$VPY" install --quiet --no-deps --no-warn-script-location "$WHEEL"
fi
BIN="$WORK/venv/bin"

mkdir "$WORK/run"
cd "$WORK/run"
step "where filterbank comes from"
"$VPY" - "$WORK/venv" "$ROOT" <<'PY'
import importlib.metadata as md
import os
import sys

import filterbank

venv, root = (os.path.realpath(p) for p in sys.argv[1:3])
where = os.path.realpath(filterbank.__file__)
print(f"filterbank {filterbank.__version__} from {where}")
assert where.startswith(venv + os.sep), f"filterbank imported from {where}, not from the scratch venv {venv}"
on_path = [p for p in sys.path if p and os.path.realpath(p) in (root, os.path.join(root, "filterbank"))]
assert not on_path, f"the checkout is on sys.path: {on_path}"
assert md.version("filterbank") == filterbank.__version__
PY

run() { step "$*"; "$@"; }
run "$BIN/filterbank" list >list.txt
grep -q "sobel(dx, dy" list.txt && grep -q "  lm(size=" list.txt
run "$BIN/filterbank" show lm size=small -o x.png
"$VPY" -c "from filterbank.images import sample; from PIL import Image; Image.fromarray(sample('camera')).save('camera.png')"
run "$BIN/filterbank" apply camera.png --bank sobel -o out/
test -s out/camera.npy && test -s out/camera_responses.png
run "$BIN/filterbank" demo --out d --device cpu >demo.txt
grep -q "ALL OK" demo.txt && test -s d/bank.png && test -s d/responses_camera.png
run "$BIN/filterbank" verify >verify.txt
grep -q "ALL OK" verify.txt
run "$BIN/filterbank" bench -w W1 --reps 2 --settle 0.05 --quiet >bench.txt
grep -q "W1 Sobel+Scharr" bench.txt && grep -q "cv2.filter2D loop" bench.txt
run "$VPY" -m filterbank list >list2.txt
cmp -s list.txt list2.txt
cp "$ROOT/README.md" "$ROOT/scripts/readme_example.py" .
run "$VPY" readme_example.py README.md
step "wheel check passed"
