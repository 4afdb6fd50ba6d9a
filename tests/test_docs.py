"""The Sphinx API pages build from the docstrings without a warning."""

import os
import subprocess
import sys

import pytest

DOCS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs")


def test_sphinx_builds_without_warnings(tmp_path):
    pytest.importorskip("numpydoc", reason="docs need the [test] or [docs] extra")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            DOCS,
            str(tmp_path / "html"),
            "-d",
            str(tmp_path / "doctrees"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert (
        tmp_path / "html" / "generated" / "skae.AutoencoderTransformer.html"
    ).exists()
