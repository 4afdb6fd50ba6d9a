"""A handful of rows, data without variance, parameters of NumPy's integer types."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

from ._settings import PATHS

# A few epochs on purpose: these tests are about the data, not about convergence.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("n_rows", [2, 5, 10])
@pytest.mark.parametrize("init", ["pca", "random"])
def test_early_stopping_on_a_handful_of_rows_trains_without_it(digits, n_rows, init):
    X = digits[:n_rows]
    ae = AutoencoderTransformer(
        2, hidden_layer_sizes=(8,), init=init, max_iter=5, random_state=0
    )
    with pytest.warns(UserWarning, match="needs at least 2 validation rows"):
        ae.fit(X)
    assert ae.validation_scores_ is None and ae.best_validation_score_ is None
    assert ae.n_iter_ == len(ae.loss_curve_) == 5
    assert np.isfinite(ae.loss_curve_).all() and np.isfinite(ae.best_loss_)
    assert ae.explained_variance_ratio_.sum() == pytest.approx(ae.score(X))
    if init == "pca":  # never below PCA, so never below 0
        assert (ae.explained_variance_ratio_ >= 0).all()
        assert ae.score(X) >= PCA(2).fit(X).explained_variance_ratio_.sum() - 1e-9


def test_a_tiny_validation_fraction_trains_without_early_stopping(digits):
    ae = AutoencoderTransformer(2, hidden_layer_sizes=(8,), max_iter=3)
    ae.set_params(validation_fraction=1e-6, random_state=0)
    with pytest.warns(
        UserWarning, match="validation_fraction=1e-06 of 200 rows gives 1"
    ):
        ae.fit(digits[:200])
    assert ae.validation_scores_ is None
    assert np.isfinite(ae.best_loss_)


def test_identical_validation_rows_train_without_early_stopping():
    X = np.zeros((30, 4))
    X[0] = 1.0  # the rows held out (3 of 30, random_state=0) are all zeros
    ae = AutoencoderTransformer(2, hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with pytest.warns(UserWarning, match="gives 3 identical ones"):
        ae.fit(X)
    assert ae.validation_scores_ is None


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("data", ["constant", "one row repeated"])
def test_data_without_variance_gets_pcas_answer(digits, path, data):
    X = np.full((12, 64), 3.0) if data == "constant" else np.tile(digits[7], (12, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # PCA's own 0 / 0
        pca = PCA(3).fit(X)
    ae = AutoencoderTransformer(3, max_iter=5, random_state=0, **PATHS[path])
    with pytest.warns(UserWarning, match="X has no variance"):
        ae.fit(X)
    # PCA's figures: no variance to explain, and a ratio of 0 / 0.
    assert_array_equal(ae.explained_variance_, pca.explained_variance_)
    assert np.isnan(ae.explained_variance_ratio_).all()
    assert np.isnan(pca.explained_variance_ratio_).all()
    # Every code is 0 and decodes to the mean, as PCA's do; nothing was trained.
    assert_array_equal(ae.transform(X), pca.transform(X))
    assert_array_equal(ae.inverse_transform(np.zeros((2, 3))), X[:2])
    assert ae.score(X) == 1.0
    assert_array_equal(ae.score_samples(X), np.zeros(12))
    assert ae.n_iter_ == 1 and ae.loss_curve_ == [0.0] and ae.best_loss_ == 0.0


def test_data_without_variance_and_a_float_n_components():
    X = np.ones((5, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pca = PCA(0.8).fit(X)
    with pytest.warns(UserWarning, match="X has no variance"):
        ae = AutoencoderTransformer(0.8, hidden_layer_sizes=(4,)).fit(X)
    assert ae.n_components_ == pca.n_components_ == 1


@pytest.mark.parametrize(
    "sizes", [np.array([8]), (np.int64(8),), np.int64(8), [np.int32(8), np.uint8(4)]]
)
def test_hidden_layer_sizes_takes_numpy_integers(small_data, sizes):
    ae = AutoencoderTransformer(2, hidden_layer_sizes=sizes, max_iter=1, random_state=0)
    ae.fit(small_data)
    hidden = ae.encoder_.get_layer("code").network.get_layer("encoder_hidden_0")
    assert hidden.units == 8 and type(hidden.units) is int


def test_numpy_integers_for_the_other_sizes(small_data):
    ae = AutoencoderTransformer(
        np.int64(2),
        hidden_layer_sizes=(4,),
        max_iter=np.int32(2),
        batch_size=np.int64(16),
        n_iter_no_change=np.int16(1),
        random_state=np.int64(0),
    ).fit(small_data)
    assert ae.n_components_ == 2 and ae.n_iter_ == 2


@pytest.mark.parametrize("svd_solver", ["arpack", "randomized", "covariance_eigh"])
def test_data_without_variance_takes_that_path_with_any_svd_solver(svd_solver):
    # ARPACK fails on a matrix of zeros ("starting vector is zero"): the PCA of data
    # without variance is taken in full, whatever the solver asked for.
    X = np.full((12, 5), 2.0)
    ae = AutoencoderTransformer(2, svd_solver=svd_solver, max_iter=2, random_state=0)
    with pytest.warns(UserWarning, match="X has no variance"):
        ae.fit(X)
    assert_array_equal(ae.transform(X), np.zeros((12, 2)))
    assert np.isnan(ae.explained_variance_ratio_).all()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("memmap", [False, True], ids=["array", "memmap"])
def test_identical_rows_whose_mean_rounds_have_no_variance(path, memmap, tmp_path):
    # Twelve rows of 0.1 average 0.10000000000000002 in float64: the rows looked
    # like data with a spread of rounding errors, and the ratios did not add up.
    X = np.tile(np.linspace(0.1, 6.3, 32), (12, 1))
    assert (X.mean(axis=0) != X[0]).any()
    if memmap:
        data = np.lib.format.open_memmap(tmp_path / "X.npy", "w+", X.dtype, X.shape)
        data[:] = X
        X = data
    ae = AutoencoderTransformer(3, max_iter=5, random_state=0, **PATHS[path])
    with pytest.warns(UserWarning, match="X has no variance"):
        ae.fit(X)
    assert_array_equal(ae.mean_, X[0])
    assert_array_equal(ae.explained_variance_, np.zeros(3))
    assert np.isnan(ae.explained_variance_ratio_).all()
    assert_array_equal(ae.transform(X), np.zeros((12, 3)))
    assert ae.score(X) == 1.0


@pytest.mark.parametrize("offset", [1e8, 1e12, 1e15])
@pytest.mark.parametrize("n_features, k", [(1, 1), (6, 3)])
def test_an_offset_large_against_the_spread_costs_no_accuracy(offset, n_features, k):
    # Rows on a grid of 1/8, which X + 1e15 holds exactly: the same data, moved.
    rng = np.random.default_rng(0)
    X = np.round(8 * rng.normal(size=(200, k)) @ rng.normal(size=(k, n_features))) / 8
    moved = X + offset
    assert_array_equal(moved - offset, X)
    near = AutoencoderTransformer(k, hidden_layer_sizes=(), random_state=0).fit(X)
    far = AutoencoderTransformer(k, hidden_layer_sizes=(), random_state=0).fit(moved)
    # The codes of the moved rows are those of the rows, up to the rounding of
    # the mean at the offset (which PCA's mean_ has too). They were off by the
    # offset times the first map's rounding, which folded in the mean.
    codes = near.transform(X)
    atol = max(np.spacing(offset), 1e-9) / X.std()
    np.testing.assert_allclose(far.transform(moved), codes, rtol=1e-9, atol=atol)
    # What PCA explains, the codes explain, and the ratios say so.
    assert far.score(moved) >= 1 - 1e-3 if n_features > 1 else far.score(moved) == 1.0
    np.testing.assert_allclose(
        far.explained_variance_ratio_.sum(), far.score(moved), atol=1e-3
    )
