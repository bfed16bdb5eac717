#!/usr/bin/env bash
# The one place reins' build, test and benchmark dependencies are installed (Debian 12, as root).
# Usage: scripts/setup-debian.sh [--bench] [--vm] [--engines]
set -euo pipefail
want_bench=0 want_vm=0 want_engines=0
for a in "$@"; do
  case "$a" in
    --bench) want_bench=1 ;;
    --vm) want_vm=1 ;;
    --engines) want_engines=1 ;;
    *) echo "setup-debian.sh: unknown option '$a' (valid: --bench, --vm, --engines)" >&2; exit 2 ;;
  esac
done

pkgs=(
  g++ cmake ninja-build pkg-config git          # toolchain
  libfmt-dev nlohmann-json3-dev                 # formatting, JSON (header-only use)
  libsystemd-dev                                # sd-bus.h: systemd scopes (libsystemd0 is loaded at run time)
  libgtest-dev libgmock-dev libbenchmark-dev    # tests and micro-benchmarks
  clang libclang-rt-14-dev                      # libFuzzer, TSan/ASan runtime for clang builds
  clang-format clang-tidy                       # the style check and the lint in scripts/test.sh
  python3 procps util-linux time bash-completion # CLI tests drive prlimit, /usr/bin/time, ps, completion
  python3-jsonschema zsh fish                   # every --json output checked against schemas/; zsh and fish completion
  dpkg-dev file                                 # building the .deb (cpack, dpkg-shlibdeps)
  python3-dev pybind11-dev python3-pybind11     # the Python package (python/): its extension module
  python3-pytest python3-psutil libpython3.11-testsuite  # its tests: pytest, psutil's figures, CPython's test_resource
  python3-setuptools python3-wheel python3-build python3-venv python3-pip  # pip install . / python3 -m build, offline
)
[ "$want_bench" = 1 ] && pkgs+=(hyperfine tini dumb-init smem cgroup-tools stress-ng)
[ "$want_vm" = 1 ] && pkgs+=(qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils)  # xz: tests/vm boots the kernel via PVH
[ "$want_vm" = 1 ] && pkgs+=(mmdebstrap e2fsprogs)  # tests/systemd-vm: a Debian rootfs from packages, its disk image
# tests/engines: the container engines and the scheduler reins runs under (started by the lanes themselves;
# their packages' services are not started here: no systemd, and policy-rc.d denies it in images)
[ "$want_engines" = 1 ] && pkgs+=(docker.io podman runc slurm-wlm munge busybox-static)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
