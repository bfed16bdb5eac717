#!/usr/bin/env bash
# Builds the .deb, unpacks it into a throwaway root, and checks what a user gets: `reins --version`, the man
# page, the bash completion, and two consumer programs built against the packaged library — one with
# find_package(reins), one with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target installed >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd build/release && cpack -G DEB -B "$work/deb" >/dev/null)
deb=$(ls "$work"/deb/*.deb)
echo "package: built $(basename "$deb")"
dpkg-deb --info "$deb" | grep -E 'Package|Version|Depends' | sed 's/^/package:   /'
dpkg-deb -x "$deb" "$work/root"
prefix=$work/root/usr

for f in bin/reins libexec/reins/reins-systemd-scope share/man/man1/reins.1 share/bash-completion/completions/reins include/reins/run.hpp \
         lib/pkgconfig/reins.pc lib/cmake/reins/reinsConfig.cmake; do
  [ -e "$prefix/$f" ] || f=${f/lib\//lib\/x86_64-linux-gnu\/}
  [ -e "$prefix/$f" ] || { echo "package: missing $f" >&2; exit 1; }
done
"$prefix/bin/reins" --version
# The static reins finds its systemd helper where the package put it.
"$prefix/bin/reins" --version | grep -qx 'features: +systemd-scopes' ||
  { echo "package: the installed reins does not find libexec/reins/reins-systemd-scope" >&2; exit 1; }

cmake -S tests/consumer/find-package -B "$work/fp" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/fp" >/dev/null
"$work/fp/consumer"

pcdir=$(dirname "$(find "$prefix" -name reins.pc)")
PKG_CONFIG_PATH=$pcdir tests/consumer/pkg-config/build.sh "$work/pc-consumer"
"$work/pc-consumer"

# The README's library example, compiled against the package as written (running `true` instead of make).
sed -n '/^```cpp$/,/^```$/p' README.md | sed '1d;$d' | sed 's/{"make", "-j2"}/{"true"}/' > "$work/readme.cpp"
g++ -std=c++20 -o "$work/readme" "$work/readme.cpp" $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs reins)
"$work/readme"
# The Python package as a user installs it: a wheel built by setup.py (`python3 -m build`, offline, with
# Debian's setuptools and pybind11) reusing the release tree, so that only the extension module is compiled;
# installed into a fresh venv; then CPython's own test_resource against the installed reins.resource, and
# the README's example.
REINS_CMAKE_BUILD_DIR=$root/build/release /usr/bin/python3 -m build --no-isolation --wheel --outdir "$work/wheel" . \
  >"$work/wheel.log" 2>&1 || { tail -30 "$work/wheel.log" >&2; exit 1; }
rm -rf python/reins.egg-info
echo "package: built $(basename "$work"/wheel/*.whl)"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index --no-deps "$work"/wheel/*.whl
(cd "$work" && "$work/venv/bin/python" "$root/python/tests/cpython_test_resource.py")
sed -n '/^```python$/,/^```$/p' python/README.md | sed '1d;$d' | sed 's/"python3", "solution.py"/"true"/; s/"make", "-j8"/"true"/' \
  > "$work/readme.py"
(cd "$work" && "$work/venv/bin/python" readme.py >/dev/null)
echo "package: ok"
