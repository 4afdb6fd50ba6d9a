"""Dask as the engine beyond one process: scikit-learn's searches on a Dask cluster."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV

from skae import AutoencoderTransformer

from ._settings import FAST

distributed = pytest.importorskip(
    "distributed", reason="Dask's scheduler comes with the [test] or [dask] extra"
)


@pytest.fixture(scope="module")
def client():
    # Worker processes, as on a real cluster: each receives pickled estimators and
    # imports TensorFlow on its own.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_grid_search_on_dask_matches_loky(client, digits):
    import joblib

    X = digits[:300]
    params = {"n_components": [2, 6]}
    search = GridSearchCV(AutoencoderTransformer(**FAST), params, cv=2, n_jobs=2)
    loky = search.fit(X).cv_results_["mean_test_score"]
    with joblib.parallel_backend("dask"):
        on_dask = search.fit(X).cv_results_["mean_test_score"]
    assert_array_equal(on_dask, loky)
    assert np.all(np.isfinite(on_dask))
    # The workers did the fits: each holds the TensorFlow that training imported.
    imported = client.run(
        lambda: __import__("sys").modules.get("tensorflow") is not None
    )
    assert all(imported.values())
