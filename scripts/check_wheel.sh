#!/usr/bin/env bash
# Build the wheel, install it into a clean venv, and use it from outside the source tree:
# the built-in plugins (ganstudio_plugins), the bundled demo models and the style sheet must
# all come from the installed package.  The clean venv reuses this environment's
# dependencies (torch …) through a .pth line, which does not run this environment's
# editable-install hook, so `ganstudio` itself can only come from the wheel.
#   usage: scripts/check_wheel.sh            (with the project's venv active)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# This environment's setuptools builds the wheel when it can (offline); an old one (a fresh
# Python 3.11 venv has 65.x, which needs the separate `wheel` package) gets pip's isolated
# build, which fetches setuptools as `pip install -e .` just did.
if "$python" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 70)' 2>/dev/null; then
  isolation=--no-build-isolation
else
  isolation=
fi
"$python" -m pip wheel . --no-deps $isolation --quiet -w "$work/dist"
rm -rf build ganstudio.egg-info  # setuptools' leftovers in the checkout (both git-ignored)
wheel=$(ls "$work"/dist/ganstudio-*.whl)
echo "check_wheel: built $(basename "$wheel")"

"$python" -m venv "$work/venv"
deps=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$deps" > "$site/_ganstudio_check_deps.pth"
"$work/venv/bin/python" -m pip install --quiet --no-deps --no-index "$wheel"

cd "$work"  # away from the source tree: nothing may come from the checkout
export GANSTUDIO_HOME="$work/home" QT_QPA_PLATFORM=offscreen
where=$("$work/venv/bin/python" -c 'import ganstudio, ganstudio.plugins as p, ganstudio.core.paths as r
print(ganstudio.__file__); print(p.BUILTIN_PLUGIN_DIR); print(r.resources_dir())')
echo "$where" | sed 's/^/check_wheel: from /'
if echo "$where" | grep -qv "^$work/venv/"; then
  echo "check_wheel: FAILED: something was imported from outside the installed wheel" >&2
  exit 1
fi
"$work/venv/bin/ganstudio" plugins > plugins.txt
for name in dcgan stylegan srgan objectives; do
  grep -q "^$name .*\[loaded\] — built-in: $work/venv/" plugins.txt || {
    cat plugins.txt >&2; echo "check_wheel: FAILED: built-in plugin $name not loaded" >&2; exit 1; }
done
if grep -q "\[failed\]" plugins.txt; then
  cat plugins.txt >&2; echo "check_wheel: FAILED: a plugin failed to load" >&2; exit 1
fi
"$work/venv/bin/ganstudio" run generate --model stylegan-faces-32 --no-progress -o x.png
"$work/venv/bin/ganstudio" info x.png > /dev/null
test -s x.png
"$work/venv/bin/python" -c 'import ganstudio.gui.theme as t; assert (t.STYLE_DIR / "dark.qss").is_file()'
echo "check_wheel: OK (plugins listed, generate wrote x.png, style sheet found)"
