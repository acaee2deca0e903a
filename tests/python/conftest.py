"""Shared setup of the Python tests: the known-answer vector files in tests/data.

Any test argument named ``crypto_<section>`` or ``wire_<section>`` is parametrized over the
entries of that section of crypto.json / wire.json (one test case per vector), and the
``crypto_vectors`` / ``wire_vectors`` fixtures give the whole files.
"""
import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REPO_ROOT = DATA_DIR.parent.parent
VECTOR_FILES = {"crypto": "crypto.json", "wire": "wire.json"}


@lru_cache(maxsize=None)
def load_vectors(kind: str) -> dict:
    with open(DATA_DIR / VECTOR_FILES[kind], encoding="utf-8") as f:
        return json.load(f)


def _case_id(index: int, entry) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
        return f"{index}-{entry['name'][:40]}"
    return str(index)


def pytest_generate_tests(metafunc):
    for arg in metafunc.fixturenames:
        kind, _, section = arg.partition("_")
        if kind not in VECTOR_FILES or not section or section == "vectors":
            continue
        entries = load_vectors(kind).get(section)
        if not isinstance(entries, list) or not entries:
            raise pytest.UsageError(f"{VECTOR_FILES[kind]} has no non-empty section {section!r} (for {arg})")
        metafunc.parametrize(arg, entries, ids=[_case_id(i, e) for i, e in enumerate(entries)])


@pytest.fixture(scope="session")
def crypto_vectors() -> dict:
    return load_vectors("crypto")


@pytest.fixture(scope="session")
def wire_vectors() -> dict:
    return load_vectors("wire")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


def run_example(path: Path, timeout: float) -> str:
    """Runs an example program with this interpreter; returns its stdout, and on a non-zero exit
    fails with both of its outputs (a CalledProcessError would hide them)."""
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (f"{path.name} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
                                  f"\n--- stderr\n{done.stderr[-4000:]}")
    return done.stdout
