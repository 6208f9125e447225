#!/usr/bin/env bash
# tests/test_native.py against the C core built with AddressSanitizer and UndefinedBehaviorSanitizer: an
# out-of-bounds access or undefined arithmetic in copytrace._native fails the run, with a stack trace.
#
# The sanitized .so is built into a temporary folder that mirrors src/copytrace with symlinks, so that
# copytrace._native is the sanitized build while every Python module is the source tree's own.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/ct-asan.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT

cp -rs "$PWD/src/copytrace" "$BUILD/"
find "$BUILD" -name __pycache__ -prune -exec rm -rf {} +
rm -f "$BUILD"/copytrace/_native*.so
INCLUDE=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
SUFFIX=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
gcc -shared -fPIC -std=c99 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -g -O1 -I"$INCLUDE" src/copytrace/_native.c -o "$BUILD/copytrace/_native$SUFFIX"

# The sanitizer runtimes must be loaded before the interpreter, which is not built with them. Python leaks by
# design (interned objects live to exit), so leak detection is off. PYTHONMALLOC=malloc sends every allocation,
# small bytes objects included, through ASan's malloc, so an overrun of an output buffer is caught too.
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONMALLOC=malloc PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$BUILD"
"$PYTHON" -c "import copytrace._native as n, sys; sys.exit(0 if n.__file__.startswith('$BUILD/') else
    'copytrace._native is ' + n.__file__ + ', not the sanitized build')"
# --capture=sys: a sanitizer writes its report to file descriptor 2, which pytest's default capture would swallow
# as the process aborts
"$PYTHON" -m pytest -q -p no:cacheprovider --capture=sys tests/test_native.py "$@"
