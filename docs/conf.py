"""Sphinx configuration: the API page is built from numpydoc docstrings."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "skae"
author = "skae developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]
autosummary_generate = True
numpydoc_show_class_members = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
default_role = "literal"  # `name_` in docstrings, as scikit-learn does
