"""The units of X do not matter: c * X fits as X does, at any scale float64 holds."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from skae import AutoencoderTransformer, VariationalAutoencoder

from ._settings import PATHS

# Three epochs on purpose (fits are compared, not judged): no failure to converge.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The tolerances: float32 training turns a one-ulp difference in the start
# into small differences in a deep model; a linear model's figures barely move.
TOLERANCE = {"linear": 1e-4, "deep": 1e-2}


def _fit(model, X):
    params = {**PATHS[model], "max_iter": 3, "random_state": 0}
    return AutoencoderTransformer(4, **params).fit(X)


@pytest.fixture(scope="module")
def X():
    from sklearn.datasets import load_digits

    return load_digits().data[:200] / 16.0


@pytest.fixture(scope="module")
def reference(X):
    return {model: _fit(model, X) for model in PATHS}


@pytest.mark.parametrize("c", [1e-300, 1e-20, 1e-10, 1e19, 1e20, 1e300])
@pytest.mark.parametrize("model", PATHS)
def test_fitting_c_times_X_is_fitting_X(X, reference, model, c):
    base, ae = reference[model], _fit(model, X * c)
    tol = TOLERANCE[model.split("-")[0]]
    assert abs(ae.score(X * c) - base.score(X)) <= tol
    assert_allclose(
        ae.explained_variance_ratio_, base.explained_variance_ratio_, atol=tol
    )
    # Codes are in the data's units: c times X, c times the codes.
    Z, Z_c = base.transform(X), ae.transform(X * c)
    assert np.abs(Z_c / c - Z).max() <= tol * np.abs(Z).max()
    rms = np.sqrt(
        np.mean((ae.inverse_transform(Z * c) / c - base.inverse_transform(Z)) ** 2)
    )
    assert rms <= tol * X.std()
    assert_allclose(ae.mean_ / c, base.mean_, rtol=1e-12)


@pytest.mark.parametrize("c", [1e-300, 1e-20, 1e20, 1e300])
@pytest.mark.parametrize("model", PATHS)
def test_no_nan_for_finite_input_at_the_fitted_scale(X, model, c):
    ae = _fit(model, X * c)
    Z = ae.transform(X * c)
    assert np.isfinite(Z).all()
    assert np.isfinite(ae.inverse_transform(Z)).all()
    assert np.isfinite(ae.score(X * c))
    # In squared units of X: may underflow to 0 or overflow to -inf, never NaN.
    assert not np.isnan(ae.score_samples(X * c)).any()
    assert not np.isnan(ae.explained_variance_).any()


@pytest.mark.parametrize("c", [1e-20, 1e20])
def test_score_samples_and_explained_variance_scale_with_c_squared(X, reference, c):
    base, ae = reference["linear-pca"], _fit("linear-pca", X * c)
    assert_allclose(ae.score_samples(X * c) / c**2, base.score_samples(X), rtol=1e-6)
    assert_allclose(ae.explained_variance_ / c**2, base.explained_variance_, rtol=1e-6)


def test_keras_models_work_at_any_scale(X, reference):
    # The Keras models standardise in float64, so they agree with transform too.
    ae = _fit("deep-pca", X * 1e-300)
    Z = np.asarray(ae.encoder_(X * 1e-300))  # float64, in the data's units
    assert Z.dtype == np.float64
    assert_allclose(Z, ae.transform(X * 1e-300), rtol=1e-5, atol=1e-305)
    X_hat = np.asarray(ae.decoder_(Z))  # float64, as the decoder's output layer
    assert X_hat.dtype == np.float64
    assert_allclose(X_hat, ae.inverse_transform(Z), rtol=1e-4, atol=1e-305)


def test_values_float32_cannot_hold_after_standardising_raise_before_training():
    # (x - mean) overflows float64 itself for the first row: no network can use it.
    X = np.array([[1.7e308, 0.0], [-1.7e308, 1.0], [-1.7e308, 2.0]])
    ae = AutoencoderTransformer(1, hidden_layer_sizes=(4,), max_iter=2)
    with pytest.raises(ValueError, match="cannot be standardised into float32"):
        ae.fit(X)
    assert not hasattr(ae, "model_")


@pytest.mark.parametrize(
    "estimator",
    [
        # A tanh encoder whose log-variance grows with the row: its variance
        # overflows float64 far out (the ELBO was NaN there).
        VariationalAutoencoder(4, hidden_layer_sizes=(16,), activation="tanh"),
        VariationalAutoencoder(4, hidden_layer_sizes=(16,), init="random"),
        VariationalAutoencoder(4, hidden_layer_sizes=()),
        AutoencoderTransformer(4, hidden_layer_sizes=(16,), init="random"),
        AutoencoderTransformer(4, hidden_layer_sizes=(16,), activation="tanh"),
    ],
    ids=["vae-tanh", "vae-random", "vae-linear", "ae-random", "ae-tanh"],
)
def test_anomaly_scores_fall_as_rows_go_out_never_nan(X, estimator):
    # Scores of rows pushed ever further out along a pixel, both ways, or scaled:
    # finite or -inf (so that a threshold flags them), and never higher further out.
    model = clone(estimator).set_params(max_iter=3, random_state=0).fit(X)
    far = np.logspace(1, 300, 31)
    lines = []
    for pixel in (10, 20, 36):
        for sign in (1, -1):
            rows = np.tile(X[0], (len(far), 1))
            rows[:, pixel] += sign * far
            lines.append(rows)
    lines.append(X[0] * far[:, None])
    for rows in lines:
        scores = model.score_samples(rows)
        assert not np.isnan(scores).any()
        assert (scores < np.inf).all()
        assert (scores[1:] <= scores[:-1]).all()
        assert scores[-1] < scores[0]
        for row in rows[::10]:
            score = model.score(np.vstack([X[:10], row]))
            assert not np.isnan(score) and score < np.inf
