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
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$WORK"' EXIT
t0=$SECONDS
step() { printf '[check-wheel %3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }
# run OUT CMD...: run CMD from the empty folder, its output in OUT (shown when it fails)
run() {
    local out="$1"
    shift
    step "${*#"$BIN/"}"
    "$@" >"$out" 2>&1 || {
        cat "$out" >&2
        step "FAILED: $*"
        exit 1
    }
}
# expect FILE TEXT: FILE holds TEXT
expect() { grep -qF -- "$2" "$1" || { cat "$1" >&2; step "FAILED: '$2' not in $1"; exit 1; }; }

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

run list.txt "$BIN/filterbank" list
expect list.txt "sobel(dx, dy, ksize=3, normalize=False)"
expect list.txt "  lm(size='large')"
run show.txt "$BIN/filterbank" show lm size=small -o x.png
test -s x.png
run sample.txt "$VPY" -c "from filterbank.images import sample; from PIL import Image; Image.fromarray(sample('camera')).save('camera.png')"
run apply.txt "$BIN/filterbank" apply camera.png --bank sobel -o out/
test -s out/camera.npy && test -s out/camera_responses.png
run demo.txt "$BIN/filterbank" demo --out d
expect demo.txt "ALL OK"
test -s d/bank.png && test -s d/responses_camera.png
run verify.txt "$BIN/filterbank" verify
expect verify.txt "ALL OK"
run bench.txt "$BIN/filterbank" bench -w W1 --reps 2
expect bench.txt "W1 Sobel+Scharr x/y (4 x 3x3) on 16 x gray 224^2"
expect bench.txt "target: at least 1.5x faster than the cv2.filter2D loop"
if grep -q "peak memory of .* failed" bench.txt; then cat bench.txt >&2; step "FAILED: a memory probe"; exit 1; fi
run list2.txt "$VPY" -m filterbank list
cmp list.txt list2.txt
cp "$ROOT/README.md" "$ROOT/scripts/readme_example.py" .
run readme.txt "$VPY" readme_example.py README.md
expect readme.txt "README example: ok"
step "wheel check passed"
echo "wheel check passed in $((SECONDS - t0)) s"
