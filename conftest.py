"""Collection rules for the doctests in ``skae/`` (``--doctest-modules``)."""

import importlib.util

import pytest

# Modules whose examples draw figures: without matplotlib (an extra, skae[plot]),
# their doctests are skipped, as scikit-learn skips its plotting doctests.
_NEEDS_MATPLOTLIB = ("skae._plot",)


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("matplotlib") is not None:
        return
    skip = pytest.mark.skip(reason="the example draws a figure: needs matplotlib")
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name.startswith(
            _NEEDS_MATPLOTLIB
        ):
            item.add_marker(skip)
