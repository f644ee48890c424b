"""The build rules that pyproject.toml cannot express; all else is configured there.

- The wheel targets the stable ABI (abi3) from the floor Python that
  `py_limited_api` names in pyproject.toml. A free-threaded CPython (3.14t,
  ...) cannot build that way, and setuptools refuses to try, so there the wheel
  is built for that one interpreter (cp314t), as cibuildwheel's free-threaded
  builds and `pip install` from the sdist expect.
- Every wheel carries its software bill of materials, the crates compiled into
  it (crates/sbom.py), in `.dist-info/sboms/` (PEP 770).
- The sdist's archive depends on the files only: with SOURCE_DATE_EPOCH set
  (`make sdist` sets it to the commit's time), the same commit gives the same
  bytes, wherever and whenever it is built.
- A build in place (`make build`, an editable install) turns on the crate's
  `stubs` feature: PyO3 then describes the module in the library, and
  crates/stubs.py writes the .pyi stubs from that. Wheels never carry it.
"""

import gzip
import io
import os
import sys
import sysconfig
import tarfile
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.sdist import sdist
from setuptools_rust import RustExtension
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent


class BdistWheel(bdist_wheel):
    def finalize_options(self) -> None:
        if sysconfig.get_config_var("Py_GIL_DISABLED"):
            self.py_limited_api = False  # setuptools-rust then builds without PyO3's abi3 feature
        super().finalize_options()

    def write_wheelfile(self, wheelfile_base: str, *args: object, **kwargs: object) -> None:
        super().write_wheelfile(wheelfile_base, *args, **kwargs)
        if "editable_wheel" in self.distribution.command_obj:
            return  # an editable install ships nothing
        sys.path.insert(0, str(HERE / "crates"))
        import sbom  # crates/sbom.py, in the sdist too

        target = self.get_finalized_command("build_rust").target
        metadata = self.distribution.metadata
        for extension in self.distribution.rust_extensions:
            sbom.write(
                Path(wheelfile_base),
                metadata.get_name(),
                metadata.get_version(),
                getattr(metadata, "license_expression", None),
                HERE / extension.path,
                target if isinstance(target, str) else None,
                list(extension.features),
            )


class Sdist(sdist):
    def make_distribution(self) -> None:
        super().make_distribution()
        if "SOURCE_DATE_EPOCH" in os.environ:
            for archive in self.archive_files:
                reproducible(archive, int(os.environ["SOURCE_DATE_EPOCH"]))


def reproducible(archive: str, epoch: int) -> None:
    """Rewrite a .tar.gz so that only its files' contents and names decide its bytes: members in order,
    the same time on each, no owner, modes 0644 or 0755, and a gzip header without time or name."""
    with tarfile.open(archive, "r:gz") as source:
        members = [(member, source.extractfile(member)) for member in source.getmembers()]
        contents = [(member, file.read() if file else None) for member, file in members]
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.PAX_FORMAT) as target:
        for member, data in sorted(contents, key=lambda item: item[0].name):
            member.mtime, member.uid, member.gid, member.uname, member.gname = epoch, 0, 0, "", ""
            member.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            member.pax_headers = {}
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with open(archive, "wb") as file, gzip.GzipFile(filename="", mode="wb", fileobj=file, mtime=epoch) as gz:
        gz.write(tar.getvalue())


class BuildRust(build_rust):
    def run_for_extension(self, ext: RustExtension) -> None:
        if self.inplace and "stubs" not in ext.features:
            ext.features = [*ext.features, "stubs"]
        super().run_for_extension(ext)


setup(cmdclass={"bdist_wheel": BdistWheel, "sdist": Sdist, "build_rust": BuildRust})
