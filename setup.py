"""Builds reins._reins with CMake (python/CMakeLists.txt), so that the package and the C++ library share one
build definition; the rest of the metadata is in pyproject.toml.

REINS_CMAKE_BUILD_DIR: build in (and reuse) that CMake build tree instead of a fresh one below build/, as
scripts/package-test.sh does with the release tree. The interpreter that runs this (sys.executable) is the
one the module is built for."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


def version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(reins VERSION ([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(os.environ.get("REINS_CMAKE_BUILD_DIR") or ROOT / "build" / "python-wheel")
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), f"-DPython_EXECUTABLE={sys.executable}",
                     "-DREINS_PYTHON=ON"]
        if not (build_dir / "CMakeCache.txt").exists():  # a tree of our own: the library and the module only
            configure += ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG",
                          "-DREINS_TESTS=OFF", "-DREINS_BENCH=OFF", "-DREINS_CLI=OFF"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "reins_python", "-j", str(os.cpu_count() or 2)],
                       check=True)
        built = next((build_dir / "python" / "reins").glob("_reins*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(version=version(), ext_modules=[CMakeExtension("reins._reins")], cmdclass={"build_ext": CMakeBuild})
