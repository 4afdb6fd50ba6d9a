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


def test_incremental_streams_dask_blocks_through_partial_fit(client, digits):
    # dask-ml's Incremental hands each block of a Dask array to partial_fit, in
    # order, on the cluster's workers: the estimator travels pickled between them.
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip(
        "dask_ml.wrappers", reason="dask-ml comes with the [test] or [dask] extra"
    )
    X = digits[:800]
    blocks = da.from_array(X, chunks=(200, 64))
    incremental = wrappers.Incremental(
        AutoencoderTransformer(3, **FAST), shuffle_blocks=False
    )
    incremental.fit(blocks)
    streamed = incremental.estimator_
    assert streamed.n_iter_ == 4
    local = AutoencoderTransformer(3, **FAST)
    for start in range(0, 800, 200):
        local.partial_fit(X[start : start + 200])
    assert_array_equal(streamed.transform(X), local.transform(X))
    assert streamed.loss_curve_ == local.loss_curve_
    # Transforming a Dask array gives a Dask array, block by block.
    codes = incremental.transform(blocks)
    assert isinstance(codes, da.Array)
    assert_array_equal(codes.compute(), local.transform(X))
