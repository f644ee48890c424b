"""The build rules that pyproject.toml cannot express; all else is configured there.

- The wheel targets the stable ABI (abi3) from the floor Python that
  `py_limited_api` names in pyproject.toml. A free-threaded CPython (3.14t,
  ...) cannot build that way, and setuptools refuses to try, so there the wheel
  is built for that one interpreter (cp314t), as cibuildwheel's free-threaded
  builds and `pip install` from the sdist expect.
- A build in place (`make build`, an editable install) turns on the crate's
  `stubs` feature: PyO3 then describes the module in the library, and
  crates/stubs.py writes the .pyi stubs from that. Wheels never carry it.
"""

import sysconfig

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import RustExtension
from setuptools_rust.build import build_rust


class BdistWheel(bdist_wheel):
    def finalize_options(self) -> None:
        if sysconfig.get_config_var("Py_GIL_DISABLED"):
            self.py_limited_api = False  # setuptools-rust then builds without PyO3's abi3 feature
        super().finalize_options()


class BuildRust(build_rust):
    def run_for_extension(self, ext: RustExtension) -> None:
        if self.inplace and "stubs" not in ext.features:
            ext.features = [*ext.features, "stubs"]
        super().run_for_extension(ext)


setup(cmdclass={"bdist_wheel": BdistWheel, "build_rust": BuildRust})
