"""The documentation site builds with warnings as errors and every reference checked.

This test builds it without running the gallery (``docs/build.py --quick``) and
without intersphinx (no network in CI); ``.ci/run`` then builds it in full, the
gallery's examples run and their figures in the site.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_site_builds_with_W_n_and_writes_nothing_into_the_sources(tmp_path):
    for module in ("numpydoc", "pydata_sphinx_theme", "sphinx_gallery", "myst_parser"):
        pytest.importorskip(module, reason="the docs need the [test] or [docs] extra")
    before = _source_files()
    out = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "docs", "build.py"),
            str(tmp_path),
            "--quick",
            "--offline",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    html = tmp_path / "html"
    for page in (
        "index.html",
        "install.html",
        "user_guide.html",
        "cli.html",
        "scaling.html",
        "benchmarks.html",
        "api.html",
        "auto_examples/index.html",
        "generated/skae.AutoencoderTransformer.html",
        "generated/skae.ExplainedVarianceDisplay.html",
    ):
        assert (html / page).exists(), page
    api = (html / "generated" / "skae.AutoencoderTransformer.html").read_text()
    # Every public method has its own entry, with numpydoc's sections.
    for method in ("fit", "partial_fit", "transform", "inverse_transform", "score"):
        assert f'id="skae.AutoencoderTransformer.{method}"' in api, method
    assert "Parameters" in api and "Returns" in api
    # The benchmarks page is benchmarks/RESULTS.md.
    assert "Benchmark results" in (html / "benchmarks.html").read_text()
    assert _source_files() == before


def _source_files():
    """Every file under docs/ and examples/, so that a build adding one is caught."""
    files = set()
    for top in ("docs", "examples"):
        for folder, _, names in os.walk(os.path.join(ROOT, top)):
            files.update(os.path.join(folder, name) for name in names)
    return {f for f in files if "__pycache__" not in f}
