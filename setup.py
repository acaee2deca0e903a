"""Builds the `wzp` Python package: the pybind11 extension `wzp._wzp` is built by CMake
(target `_wzp`, over the C ABI) and placed next to the pure-Python sources.

Install without network access from Debian's python3:
    python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation .
"""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir = Path(os.environ.get("WZP_PY_BUILD_DIR", ROOT / "build" / "python"))
        build_dir.mkdir(parents=True, exist_ok=True)
        cmake_args = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DWZP_BUILD_PYTHON=ON", "-DWZP_BUILD_TESTS=OFF",
            "-DWZP_BUILD_BENCH=OFF", "-DWZP_BUILD_EXAMPLES=OFF",
        ]
        # Extra CMake arguments, e.g. a sanitizer build or ccache (scripts/test.sh sets them).
        cmake_args += shlex.split(os.environ.get("WZP_CMAKE_ARGS", ""))
        subprocess.run(cmake_args, check=True, stdout=subprocess.DEVNULL)
        jobs = str(os.cpu_count() or 2)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_wzp", "-j", jobs], check=True)
        built = next(build_dir.glob("bindings/python/_wzp*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    packages=["wzp"],
    package_dir={"wzp": "bindings/python/wzp"},
    package_data={"wzp": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("wzp._wzp")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
