"""Sphinx configuration of skae's documentation site.

Build it with ``python docs/build.py`` (see that script): it copies these sources and
the gallery's scripts into the build directory and builds there, so that nothing
generated (API pages, gallery pages, figures) lands in the source tree.

Environment variables: ``SKAE_DOCS_OFFLINE=1`` builds without intersphinx (no network:
references to other projects are then left unlinked, and only skae's own are checked),
``SKAE_DOCS_GALLERY=0`` skips running the gallery's examples (a quick build).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.environ.get("SKAE_DOCS_ROOT", "..")))

import skae  # noqa: E402

project = "skae"
author = "skae developers"
copyright = "2026, skae developers"
release = version = skae.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax served from the site itself, not from a CDN: the site reads offline.
    "sphinx-mathjax-offline",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
default_role = "literal"  # `name_` in docstrings, as scikit-learn does
# RESULTS.md is included by benchmarks.rst, not a page of its own.
exclude_patterns = [
    "_build",
    "RESULTS.md",
    "examples",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"skae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
html_favicon = "images/favicon.png"
# pydata-sphinx-theme's light/dark switch needs a default mode.
html_context = {"default_mode": "light"}

offline = os.environ.get("SKAE_DOCS_OFFLINE") == "1"
intersphinx_mapping = (
    {}
    if offline
    else {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "dask_ml": ("https://ml.dask.org", None),
    }
)
# Keras's site is not built with Sphinx (no inventory), so its names stay unlinked;
# offline, so do the other projects'. Every reference to skae itself is checked.
nitpick_ignore_regex = [(r"py:.*", r"keras\..*"), (r"py:.*", r"tf\..*")]
if offline:
    nitpick_ignore_regex += [
        (r"py:.*", r"(sklearn|numpy|np|matplotlib|joblib|dask|dask_ml|pandas)\b.*"),
        (r"py:.*", r"(int|float|str|bool|dict|list|tuple|callable|None|object)"),
        (r"py:.*", r"(KeyboardInterrupt|ValueError|ImportError|TypeError)"),
    ]
# numpydoc's type words ("array-like of shape (n, d)", "default=None") are not names.
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(HERE, "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKAE_DOCS_GALLERY", "1") != "0",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "abort_on_example_error": True,
}
