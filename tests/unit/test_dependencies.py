"""The project's dependencies are declared once (pyproject.toml) and installed from one lock.

`make` installs requirements.lock with `--require-hashes`; the SAM layer build installs
layers/core/requirements.txt. These tests fail when the three drift apart, i.e. before a
fresh clone would install something other than what the code was tested with."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(lines: list[str]) -> dict[str, str]:
    """name -> pinned version; every requirement must be pinned with ==."""
    pins = {}
    for line in lines:
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{line} is not pinned with =="
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def _layer_requirements() -> list[str]:
    text = (ROOT / "layers/core/requirements.txt").read_text()
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) from requirements.lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text()):
        head = block.split("\\")[0].split(";")[0].strip()
        if head.startswith("#") or "==" not in head:
            continue
        name, version = head.split("==")
        entries[canonicalize_name(name.split("[")[0])] = (version.strip(), re.findall(r"--hash=sha256:\w+", block))
    return entries


def test_layer_requirements_are_exactly_the_projects_runtime_dependencies():
    # GIVEN the layer's build input and pyproject's [project] dependencies
    layer = _pins(_layer_requirements())
    project = _pins(PYPROJECT["project"]["dependencies"])
    # THEN the layer ships what the project declares, no more, no less, at the same versions
    assert layer == project


def test_lock_pins_every_declared_dependency_at_the_declared_version():
    lock = _lock()
    declared = _pins(PYPROJECT["project"]["dependencies"] + PYPROJECT["dependency-groups"]["dev"])
    stale = {
        name: (version, lock.get(name, ("missing",))[0])
        for name, version in declared.items()
        if lock.get(name, ("missing",))[0] != version
    }
    assert not stale, f"requirements.lock is stale (declared, locked): {stale}; run `make lock`"


def test_every_locked_package_carries_hashes():
    # `pip install --require-hashes` refuses a lock with a single unhashed entry.
    lock = _lock()
    assert len(lock) > 50
    assert [name for name, (_, hashes) in lock.items() if not hashes] == []


def test_lock_names_no_index_of_this_machine():
    # A fresh clone resolves from PyPI; a local mirror in the lock would break it elsewhere.
    text = (ROOT / "requirements.lock").read_text()
    assert not re.search(r"file:|--(extra-)?index-url|--find-links", text)
