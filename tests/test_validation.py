"""Bad input: the right exception, a message naming it, nothing half-changed."""

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skae import AutoencoderTransformer, VariationalAutoencoder

from ._settings import FAST


@pytest.fixture(scope="module")
def fitted():
    X = np.random.RandomState(0).rand(40, 5)
    return AutoencoderTransformer(2, **FAST).fit(X), X


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(fitted, bad):
    ae, X = fitted
    X_bad = X.copy()
    X_bad[3, 2] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        AutoencoderTransformer(2, **FAST).fit(X_bad)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        ae.transform(X_bad)


def test_sparse_input_to_the_vae_names_the_alternative(fitted):
    # AutoencoderTransformer takes sparse rows (tests/test_sparse.py); the VAE
    # does not, and scikit-learn's error names what to do.
    _, X = fitted
    vae = VariationalAutoencoder(2, max_iter=1, random_state=0)
    with pytest.raises(TypeError, match=r"Sparse data was passed.*\.toarray\(\)"):
        vae.fit(sp.csr_matrix(X))
    vae.fit(X)
    with pytest.raises(TypeError, match="dense data is required"):
        vae.transform(sp.csr_matrix(X))


def test_strings_and_objects():
    with pytest.raises(ValueError, match="could not convert string to float"):
        AutoencoderTransformer(2, **FAST).fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises((TypeError, ValueError), match="float"):
        AutoencoderTransformer(2, **FAST).fit(np.array([[{}, 1], [2, 3]], dtype=object))


@pytest.mark.parametrize(
    "shape,match",
    [
        ((10,), "Expected 2D array, got 1D array"),
        ((4, 3, 2), "Found array with dim 3"),
        ((0, 3), "0 sample"),
        ((1, 3), "1 sample"),
    ],
)
def test_wrong_shapes_at_fit(shape, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderTransformer(1, **FAST).fit(np.ones(shape))


def test_wrong_width_at_transform_and_inverse_transform(fitted):
    ae, X = fitted
    with pytest.raises(
        ValueError,
        match="X has 4 features, but AutoencoderTransformer is expecting 5 features",
    ):
        ae.transform(X[:, :4])
    with pytest.raises(
        ValueError,
        match="X has 3 features, but inverse_transform .* expecting 2 features",
    ):
        ae.inverse_transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Expected 2D array"):
        ae.transform(X[0])


@pytest.mark.parametrize(
    "method",
    [
        "transform",
        "inverse_transform",
        "score",
        "score_samples",
        "get_feature_names_out",
    ],
)
def test_use_before_fit(method):
    ae = AutoencoderTransformer(2)
    args = () if method == "get_feature_names_out" else (np.ones((3, 2)),)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(ae, method)(*args)


@pytest.mark.parametrize(
    "param,value",
    [
        ("n_components", 0),
        ("n_components", 1.5),
        ("n_components", "two"),
        ("activation", "not-an-activation"),
        ("activation", 3),
        ("loss", "not-a-loss"),
        ("loss", 3),
        ("optimizer", "not-an-optimizer"),
        ("optimizer", 3),
        ("callbacks", "early"),
        ("init", "zeros"),
        ("max_iter", 0),
        ("batch_size", -1),
        ("learning_rate", 0.0),
        ("tol", -1.0),
        ("validation_fraction", 1.0),
        ("hidden_layer_sizes", 0),
        ("early_stopping", "yes"),
    ],
)
def test_invalid_parameters_are_named(param, value):
    X = np.random.RandomState(0).rand(10, 3)
    with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter"):
        AutoencoderTransformer(**{**FAST, param: value}).fit(X)


def test_parameter_checks_beyond_constraints():
    X = np.random.RandomState(0).rand(10, 3)
    with pytest.raises(
        ValueError, match="n_components=4 must be at most .*n_features=3"
    ):
        AutoencoderTransformer(4, **FAST).fit(X)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive"):
        AutoencoderTransformer(2, **{**FAST, "hidden_layer_sizes": (4, 0)}).fit(X)


def test_failed_fit_leaves_earlier_fit_usable(fitted):
    ae, X = fitted
    ae = copy.deepcopy(ae)
    before = ae.transform(X)
    names_before = set(vars(ae))
    X_bad = np.random.RandomState(1).rand(40, 7)
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError):
        ae.fit(X_bad)
    ae.set_params(n_components=9)
    with pytest.raises(ValueError, match="n_components=9"):
        ae.fit(np.random.RandomState(1).rand(40, 7))
    assert set(vars(ae)) == names_before
    assert ae.n_features_in_ == 5
    assert_array_equal(ae.transform(X), before)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_diverged_fit_returns_what_it_kept_before_pca_as_the_floor(
    fitted, early_stopping
):
    ae, X = fitted
    # Adam steps of 1e30 overflow float32 within a few batches: the loss is not
    # finite. Nothing is lost: fit warns and returns the weights kept before the
    # divergence, here PCA's solution (it was a FloatingPointError, which lost the
    # fit and broke the floor).
    pca_r2 = PCA(2).fit(X).explained_variance_ratio_.sum()
    diverging = AutoencoderTransformer(
        2, **{**FAST, "learning_rate": 1e30, "early_stopping": early_stopping}
    )
    with pytest.warns(ConvergenceWarning, match="Training diverged at epoch"):
        diverging.fit(X)
    assert np.isfinite(diverging.transform(X)).all()
    assert diverging.score(X) >= pca_r2 - 1e-6
    assert not np.isfinite(diverging.loss_curve_[-1])
    assert np.isfinite(diverging.best_loss_ or diverging.best_validation_score_)


def test_a_loss_that_cannot_apply_to_x_says_so_not_learning_rate(digits):
    # poisson needs positive values: on rows with negative ones its loss is NaN
    # before any step, which no learning rate changes; the message says so, and the
    # estimator is left as it was.
    ae = AutoencoderTransformer(2, loss="poisson", max_iter=2, random_state=0)
    with pytest.raises(FloatingPointError, match="no learning rate helps"):
        ae.fit(digits - 0.5)
    assert not hasattr(ae, "n_components_")


@pytest.mark.parametrize("estimator", [AutoencoderTransformer, VariationalAutoencoder])
def test_a_split_that_leaves_one_training_row_trains_on_all(digits, estimator):
    # 3 rows at validation_fraction=0.5: 2 held out would leave 1 to train on (and
    # to start from: PCA of one row has no variances, the VAE's start was NaN).
    model = estimator(1, validation_fraction=0.5, max_iter=3, random_state=0)
    with pytest.warns(UserWarning, match="which leaves 1 to train on"):
        model.fit(digits[:3])
    assert model.validation_scores_ is None
    assert np.isfinite(model.score(digits[:3]))
