"""Property-based tests (hypothesis) over data and parameters of both estimators.

The examples are drawn from shapes down to 2 rows and 1 feature, float16/32/64,
integer and bool dtypes, scales from 1e-12 to 1e15 with offsets, and valid
combinations of every parameter. Two profiles (registered in ``conftest.py``):
``ci`` (the default: few examples, derandomised, so that CI repeats) and ``long``
(``HYPOTHESIS_PROFILE=long``, for a local search; its last findings are recorded in
``benchmarks/RESULTS.md``).
"""

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="in the test extra only")
from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

import skae  # noqa: E402
from skae import AutoencoderTransformer, VariationalAutoencoder  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")  # warnings are not under test

DTYPES = ["float16", "float32", "float64", "int32", "int64", "bool"]
ACTIVATIONS = ["relu", "tanh", "logistic", "identity", "silu", "softplus", "elu"]


@st.composite
def data(draw, max_rows=24, max_features=6):
    """A finite 2-D array: its shape, dtype, scale, offset and a few duplicates."""
    n_rows = draw(st.integers(2, max_rows))
    n_features = draw(st.integers(1, max_features))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    if dtype == "bool":
        return X > 0
    if dtype.startswith("int"):
        return np.round(X * draw(st.sampled_from([1, 3, 1000]))).astype(dtype)
    scale = 10.0 ** draw(st.integers(-12, 15))
    offset = draw(st.sampled_from([0.0, 1.0, 1e3])) * scale
    if dtype == "float16":  # what float16 holds
        scale = 10.0 ** draw(st.integers(-3, 2))
        offset = draw(st.sampled_from([0.0, 1.0])) * scale
    identical = draw(st.sampled_from([0, n_rows // 2, n_rows]))
    X[:identical] = X[0]  # none, half or all the rows the same
    return (X * scale + offset).astype(dtype)


def _n_components(draw, n_features):
    return draw(
        st.one_of(
            st.integers(1, n_features + 1),  # one too many: a clear error
            st.floats(0.05, 0.95),
            st.just(None),
            st.just("mle"),
        )
    )


@st.composite
def autoencoders(draw, n_features):
    return AutoencoderTransformer(
        _n_components(draw, n_features),
        hidden_layer_sizes=draw(st.sampled_from([(), (4,), (5, 3)])),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        init=draw(st.sampled_from(["pca", "random"])),
        svd_solver=draw(st.sampled_from(["auto", "full", "arpack", "randomized"])),
        noise=draw(st.sampled_from([0.0, 0.3, 2.0])),
        sparsity=draw(st.sampled_from([0.0, 0.1])),
        tied_weights=draw(st.booleans()),
        max_iter=draw(st.integers(1, 3)),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        loss=draw(st.sampled_from(["mse", "mae", "huber"])),
        optimizer=draw(st.sampled_from(["adam", "sgd", "rmsprop"])),
        learning_rate=draw(st.sampled_from(["auto", 1e-3, 0.1])),
        early_stopping=draw(st.booleans()),
        validation_fraction=draw(st.sampled_from([0.1, 0.5])),
        n_iter_no_change=draw(st.integers(1, 3)),
        random_state=0,
    )


@st.composite
def vaes(draw, n_features):
    return VariationalAutoencoder(
        draw(st.integers(1, n_features + 1)),
        hidden_layer_sizes=draw(st.sampled_from([(), (4,), (5, 3)])),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        init=draw(st.sampled_from(["pca", "random"])),
        beta=draw(st.sampled_from([0.0, 0.5, 1.0, 4.0])),
        max_iter=draw(st.integers(1, 3)),
        batch_size=draw(st.sampled_from([1, 7, 64])),
        optimizer=draw(st.sampled_from(["adam", "sgd"])),
        learning_rate=draw(st.sampled_from([1e-3, 0.1])),
        early_stopping=draw(st.booleans()),
        random_state=0,
    )


@st.composite
def fits(draw):
    X = draw(data())
    kind = draw(st.sampled_from([autoencoders, vaes]))
    return X, draw(kind(X.shape[1]))


def _fit_or_clear_error(estimator, X):
    """Fit, or check that the error is skae's or scikit-learn's kind and names
    its cause; return whether it fitted."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(X)
    except (ValueError, TypeError) as error:  # a diverging fit keeps its floor
        # A builtin ValueError/TypeError (skae's) or scikit-learn's own, never
        # one of the libraries underneath.
        module = type(error).__module__.split(".")[0]
        assert module in ("builtins", "sklearn"), repr(error)
        assert len(str(error)) > 20, repr(error)
        event(f"refused: {type(error).__name__}: {str(error)[:60]}")
        return False
    event("fitted")
    return True


@given(fits())
def test_fit_succeeds_or_says_why_and_outputs_are_finite(example):
    X, estimator = example
    if not _fit_or_clear_error(estimator, X):
        return
    X64 = np.asarray(X, dtype=np.float64)
    codes = estimator.transform(X)
    assert codes.shape == (len(X), estimator.n_components_)
    assert np.isfinite(codes).all()
    assert np.isfinite(estimator.inverse_transform(codes)).all()
    if isinstance(estimator, AutoencoderTransformer):
        r2 = estimator.score(X)
        assert r2 <= 1 + 1e-9
        if not np.ptp(X64, axis=0).any():  # no variance: PCA's answer
            assert r2 == 1.0 and not codes.any()
        elif estimator.init == "pca":
            # The floor: never below PCA's R^2 on the training rows, and the
            # ratios add up to that R^2.
            pca = PCA(estimator.n_components_, svd_solver="full").fit(X64)
            floor = pca.explained_variance_ratio_.sum()
            assert r2 >= floor - 1e-4
            assert estimator.explained_variance_ratio_.sum() == pytest.approx(
                r2, abs=1e-4
            )
    else:
        assert np.isfinite(estimator.score(X)) or estimator.score(X) == -np.inf
        assert not np.isnan(estimator.score_samples(X)).any()


@given(fits(), st.sampled_from(["nan", "inf", "features", "rows"]))
def test_a_failed_fit_leaves_the_fitted_estimator_unchanged(example, bad):
    X, estimator = example
    if not _fit_or_clear_error(estimator, X):
        return
    codes, state = estimator.transform(X), dict(vars(estimator))
    Y = np.array(X, dtype=np.float64)
    if bad == "nan":
        Y[-1, 0] = np.nan
    elif bad == "inf":
        Y[0, -1] = np.inf
    elif bad == "features":
        Y = np.empty((len(X), 0))
    else:
        Y = Y[:1]
    with pytest.raises(ValueError):
        estimator.fit(Y)
    assert vars(estimator).keys() == state.keys()
    assert all(vars(estimator)[name] is value for name, value in state.items())
    np.testing.assert_array_equal(estimator.transform(X), codes)


@given(example=fits())
def test_save_and_load_give_identical_transforms(example, tmp_path_factory):
    X, estimator = example
    if not _fit_or_clear_error(estimator, X):
        return
    path = tmp_path_factory.mktemp("saved") / "model.skae"
    skae.save(estimator, path)
    loaded = skae.load(path)
    np.testing.assert_array_equal(loaded.transform(X), estimator.transform(X))
