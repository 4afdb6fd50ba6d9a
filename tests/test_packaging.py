"""The declared version floors are the versions the minimum-versions job tests."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return f.read()


def test_declared_floors_are_the_tested_pins():
    # tomllib is Python 3.11+, and the floors are tested on 3.10: read them plainly.
    floors = {}  # the first floor of each name: the core dependencies come first
    for name, version in re.findall(
        r'"([A-Za-z][\w-]*)>=([\w.]+)"', _read("pyproject.toml")
    ):
        floors.setdefault(name, version)
    pins = dict(
        re.findall(r"^([\w-]+)==([\w.]+)$", _read(".ci", "min-versions.txt"), re.M)
    )
    names = ("numpy", "scikit-learn", "keras", "tensorflow-cpu", "scikeras")
    for name in (*names, "matplotlib"):
        assert floors[name] == pins[name], name
    assert floors["tensorflow"] == pins["tensorflow-cpu"]
    assert 'requires-python = ">=3.10"' in _read("pyproject.toml")
    assert "3.10" in _read(".ci", "min-versions")
