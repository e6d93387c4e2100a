"""Builds onnx_tidy._core with the project's own CMake (python/CMakeLists.txt): the same
library as the command line, configured without its tests. pyproject.toml has the rest.

ONNXTIDY_CMAKE_BUILD_DIR=<dir> builds in (and re-uses) that CMake build folder instead of
a fresh one: the test suite points it at build/, which is already compiled."""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("ONNXTIDY_CMAKE_BUILD_DIR") or os.path.join(os.path.abspath(self.build_temp),
                                                                               "cmake")
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                            "-DONNXTIDY_BUILD_TESTS=OFF", "-DONNXTIDY_PYTHON=ON",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", "onnxtidy_python", "-j", str(os.cpu_count() or 1)],
                       check=True)
        package_dir = os.path.join(build_dir, "python", "onnx_tidy")
        built = [f for f in os.listdir(package_dir) if f.startswith("_core") and f.endswith(".so")]
        if len(built) != 1:
            raise RuntimeError(f"expected one _core module in {package_dir}, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(package_dir, built[0]), target)


setup(ext_modules=[CMakeExtension("onnx_tidy._core")], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": "build-py"}})
