"""fit on a numpy.memmap: rows read a chunk at a time, never copied whole."""

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, _stream

from ._settings import FAST, PATHS


@pytest.fixture
def small_chunks(monkeypatch):
    """Small memmaps streamed, in chunks of 100 digits rows."""
    monkeypatch.setattr(_stream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(_stream, "CHUNK_VALUES", 64 * 100)


def test_a_small_memmap_is_fitted_as_an_array(tmp_path, digits):
    # As joblib hands an argument over 1 MB to its workers: the same results.
    mm = _memmap(tmp_path, digits)
    assert mm.nbytes < _stream.STREAM_MIN_BYTES and not _stream.streams(mm)
    assert not _stream.streams(np.asarray(digits))
    in_memory = AutoencoderTransformer(4, **FAST).fit(digits)
    from_memmap = AutoencoderTransformer(4, **FAST).fit(mm)
    for a, b in zip(in_memory.model_.weights, from_memmap.model_.weights, strict=True):
        assert_array_equal(a.numpy(), b.numpy())


def _memmap(tmp_path, X, dtype=np.float64, name="X.mm"):
    path = tmp_path / name
    out = np.memmap(path, dtype=dtype, mode="w+", shape=X.shape)
    out[:] = X
    out.flush()
    return np.memmap(path, dtype=dtype, mode="r", shape=X.shape)


@pytest.mark.parametrize("path", PATHS)
def test_memmap_fit_matches_an_in_memory_fit(
    tmp_path, digits_split, small_chunks, path
):
    X_train, X_test = digits_split
    params = {**FAST, **PATHS[path], "max_iter": 30}
    in_memory = AutoencoderTransformer(8, **params).fit(X_train)
    streamed = AutoencoderTransformer(8, **params).fit(_memmap(tmp_path, X_train))
    assert streamed.n_features_in_ == 64 and streamed.n_components_ == 8
    # Batches never span chunks and the held-out rows differ: close, not equal.
    assert streamed.score(X_test) == pytest.approx(in_memory.score(X_test), abs=0.03)
    if params.get("init", "pca") == "pca":  # the floor, as in memory
        pca_r2 = PCA(8).fit(X_train).explained_variance_ratio_.sum()
        assert streamed.score(X_train) >= pca_r2 - 1e-6
    assert streamed.n_iter_ == len(streamed.loss_curve_) >= 1
    assert streamed.explained_variance_ratio_.sum() == pytest.approx(
        streamed.score(X_train), abs=1e-9
    )


def test_pca_from_chunked_covariance_is_pca(tmp_path, digits, small_chunks):
    # The linear model from the PCA start is PCA, here from the covariance
    # accumulated chunk by chunk.
    X = digits * 1e6 + 3e6
    pca = PCA(10).fit(X)
    ae = AutoencoderTransformer(10, hidden_layer_sizes=()).fit(_memmap(tmp_path, X))
    assert_allclose(
        ae.explained_variance_ratio_, pca.explained_variance_ratio_, rtol=1e-8
    )
    assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-8)
    assert_allclose(np.abs(ae.components_ @ pca.components_.T), np.eye(10), atol=1e-6)
    assert_allclose(ae.mean_, X.mean(axis=0), rtol=1e-12)
    # Codes are in standardised units (the same for any scale of X); the
    # reconstructions are PCA's.
    pca_hat = pca.inverse_transform(pca.transform(X))
    # Up to the rounding of the float32 weights, relative to the data's spread.
    assert_allclose(ae.inverse_transform(ae.transform(X)), pca_hat, atol=1e-7 * X.std())


def test_a_float_n_components_picks_pca_s_number(tmp_path, digits, small_chunks):
    in_memory = AutoencoderTransformer(0.8, **{**FAST, "max_iter": 1}).fit(digits)
    streamed = AutoencoderTransformer(0.8, **{**FAST, "max_iter": 1}).fit(
        _memmap(tmp_path, digits)
    )
    assert (
        streamed.n_components_
        == in_memory.n_components_
        == PCA(0.8).fit(digits).n_components_
    )


def test_memmap_is_never_copied_whole(tmp_path, monkeypatch):
    # 80,000 rows of 64 float64 values: 41 MB, read 1,000 rows (0.5 MB) at a time.
    monkeypatch.setattr(_stream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(_stream, "CHUNK_VALUES", 64 * 1000)
    monkeypatch.setattr(_stream, "MAX_VALIDATION_ROWS", 500)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80_000, 8)) @ rng.normal(size=(8, 64)) + rng.normal(
        scale=0.1, size=(80_000, 64)
    )
    mm = _memmap(tmp_path, X)
    ae = AutoencoderTransformer(4, **{**FAST, "max_iter": 2})
    tracemalloc.start()
    try:
        ae.fit(mm)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # NumPy reports its buffers to tracemalloc. What is in memory besides chunks:
    # the 500 held-out rows and the 2,000 rows that rank the code units (1 MiB),
    # with their copies and forward passes.
    assert peak < X.nbytes / 4
    # The same fit on the array in memory copies it (standardised, float32).
    tracemalloc.start()
    try:
        AutoencoderTransformer(4, **{**FAST, "max_iter": 2}).fit(X)
        in_memory_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert in_memory_peak > X.nbytes
    assert ae.score(X) >= PCA(4).fit(X).explained_variance_ratio_.sum() - 1e-6


def test_memmap_fit_is_deterministic_and_takes_float32(tmp_path, digits, small_chunks):
    mm = _memmap(tmp_path, digits, dtype=np.float32)
    first = AutoencoderTransformer(4, **FAST).fit(mm)
    second = AutoencoderTransformer(4, **FAST).fit(mm)
    for a, b in zip(first.model_.weights, second.model_.weights, strict=True):
        assert_array_equal(a.numpy(), b.numpy())
    assert first.loss_curve_ == second.loss_curve_
    assert first.transform(digits[:5]).dtype == np.float64


def test_memmap_with_nan_is_rejected_and_leaves_the_estimator(
    tmp_path, digits, small_chunks
):
    X = digits.copy()
    X[1234, 5] = np.nan
    ae = AutoencoderTransformer(4, **FAST).fit(digits)
    before = ae.transform(digits[:3])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ae.fit(_memmap(tmp_path, X))
    assert_array_equal(ae.transform(digits[:3]), before)


def test_memmap_without_variance_gives_pca_s_answer(tmp_path, small_chunks):
    X = np.full((300, 64), 7.0)
    with pytest.warns(UserWarning, match="its 300 rows are all the same"):
        ae = AutoencoderTransformer(3, **FAST).fit(_memmap(tmp_path, X))
    assert_array_equal(ae.transform(X[:2]), np.zeros((2, 3)))
    assert_allclose(ae.inverse_transform(np.zeros((1, 3))), X[:1])
    assert np.isnan(ae.explained_variance_ratio_).all()


def test_held_out_rows_are_capped(tmp_path, digits, small_chunks, monkeypatch):
    # Early stopping holds out validation_fraction of the rows, at most
    # MAX_VALIDATION_ROWS: with 2, a validation score is still computed.
    monkeypatch.setattr(_stream, "MAX_VALIDATION_ROWS", 2)
    taken = []
    take = _stream.Chunks.take

    def spy(self, indices, dtype=np.float64):
        taken.append(len(indices))
        return take(self, indices, dtype)

    monkeypatch.setattr(_stream.Chunks, "take", spy)
    ae = AutoencoderTransformer(4, **FAST).fit(_memmap(tmp_path, digits))
    assert taken[0] == 2
    assert (
        ae.validation_scores_ is not None and len(ae.validation_scores_) == ae.n_iter_
    )
