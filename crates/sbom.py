"""The software bill of materials of the wheel: what Rust code is compiled into it (PEP 770).

setup.py calls `write()` for every wheel it builds (not for an editable
install), and the file lands in the wheel's `.dist-info/sboms/`. It is a
CycloneDX JSON document, written with cyclonedx-python-lib (a build
requirement), that lists

- the package itself (its name, version and license), and
- every crate of the extension's dependency graph for the platform the wheel
  is built for, as `cargo metadata` resolves it from Cargo.lock: the normal
  dependencies, followed from the crate, procedural-macro crates included
  (their code runs in the build); not the build-dependencies (build scripts)
  nor the dev-dependencies. Each with its version, its license (the SPDX
  expression of its Cargo.toml), its package URL and the SHA-256 of its
  source that Cargo.lock records.

The same sources give the same bytes: the timestamp is SOURCE_DATE_EPOCH
(none when unset), and the serial number is derived from the content.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import tomllib
import uuid
from pathlib import Path
from typing import Any

CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
FILE_NAME = "rust-crates.cdx.json"  # in <name>.dist-info/sboms/


def host_target() -> str:
    """The platform rustc builds for by default (`x86_64-unknown-linux-gnu`...)."""
    output = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return next(line.removeprefix("host: ") for line in output.splitlines() if line.startswith("host: "))


def resolve(manifest: Path, targets: list[str], features: list[str]) -> dict[str, Any]:
    command = ["cargo", "metadata", "--format-version=1", "--locked", "--manifest-path", str(manifest)]
    command += [argument for target in targets for argument in ("--filter-platform", target)]
    if features:
        command += ["--features", ",".join(sorted(features))]
    metadata: dict[str, Any] = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return metadata


def compiled_in(metadata: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The packages reached from the crate through normal dependencies, and those edges."""
    packages = {package["id"]: package for package in metadata["packages"]}
    nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
    root = metadata["resolve"]["root"]
    edges: dict[str, list[str]] = {}
    seen, todo = {root}, [root]
    while todo:
        node = nodes[todo.pop()]
        normal = sorted(dep["pkg"] for dep in node["deps"] if any(kind["kind"] is None for kind in dep["dep_kinds"]))
        edges[node["id"]] = normal
        todo += [child for child in normal if child not in seen]
        seen.update(normal)
    return [packages[package] for package in sorted(seen)], edges


def document(
    name: str, version: str, license: str | None, manifest: Path, targets: list[str], features: list[str]
) -> str:
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    metadata = resolve(manifest, targets, features)
    crates, edges = compiled_in(metadata)
    lock = tomllib.loads(manifest.with_name("Cargo.lock").read_text(encoding="utf-8"))
    checksums = {(p["name"], p["version"]): p["checksum"] for p in lock["package"] if "checksum" in p}

    def licenses(expression: str | None) -> list[LicenseExpression]:
        # Cargo still reads the old "MIT/Apache-2.0" as "MIT OR Apache-2.0".
        return [LicenseExpression(" OR ".join(part.strip() for part in expression.split("/")))] if expression else []

    bom = Bom()
    package = Component(
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        bom_ref=f"pypi:{name}@{version}",
        purl=PackageURL("pypi", name=name, version=version),
        licenses=licenses(license),
    )
    bom.metadata.component = package
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    bom.metadata.timestamp = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC) if epoch else None
    components = {}
    for crate in crates:
        checksum = checksums.get((crate["name"], crate["version"]))
        components[crate["id"]] = Component(
            type=ComponentType.LIBRARY,
            name=crate["name"],
            version=crate["version"],
            bom_ref=f"cargo:{crate['name']}@{crate['version']}",
            purl=PackageURL("cargo", name=crate["name"], version=crate["version"])
            if crate["source"] == CRATES_IO
            else None,  # the project's own crate, published nowhere
            # The project's own crate is under the package's license.
            licenses=licenses(
                crate.get("license") or (license if crate["id"] == metadata["resolve"]["root"] else None)
            ),
            hashes=[HashType(alg=HashAlgorithm.SHA_256, content=checksum)] if checksum else [],
        )
        bom.components.add(components[crate["id"]])
    bom.register_dependency(package, [components[metadata["resolve"]["root"]]])
    for parent, children in edges.items():
        bom.register_dependency(components[parent], [components[child] for child in children])
    # The serial number: a UUID from the content without one, so that it changes only with it.
    bom.serial_number = uuid.UUID(int=0)
    content = JsonV1Dot6(bom).output_as_string(indent=None)
    bom.serial_number = uuid.uuid5(uuid.NAMESPACE_URL, "sha256:" + hashlib.sha256(content.encode()).hexdigest())
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def write(
    dist_info: Path,
    name: str,
    version: str,
    license: str | None,
    manifest: Path,
    target: str | None,
    features: list[str],
) -> Path:
    """Write the SBOM into a wheel's .dist-info folder; return its path."""
    sboms = dist_info / "sboms"
    sboms.mkdir(exist_ok=True)
    path = sboms / FILE_NAME
    text = document(name, version, license, manifest, [target or host_target()], features)
    path.write_text(text, encoding="utf-8")
    return path
