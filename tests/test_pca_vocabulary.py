"""PCA's constructor vocabulary: code written for PCA runs with the name swapped."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from skae import AutoencoderTransformer, VariationalAutoencoder

X, y = load_digits(return_X_y=True)
X = X[:400] / 16
y = y[:400]
QUICK = dict(hidden_layer_sizes=(16,), max_iter=2, random_state=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_components", [None, "mle", 0.8, 3])
@pytest.mark.parametrize("kind", [AutoencoderTransformer, VariationalAutoencoder])
def test_n_components_as_pca_takes_it(kind, n_components):
    ae = kind(n_components, svd_solver="full", **QUICK).fit(X)
    pca = PCA(n_components, svd_solver="full").fit(X)
    assert ae.n_components_ == pca.n_components_
    assert ae.transform(X).shape == (len(X), pca.n_components_)
    if n_components is None:
        assert ae.n_components_ == min(X.shape)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", [AutoencoderTransformer, VariationalAutoencoder])
def test_solver_settings_reach_the_pca_start(kind):
    # A linear model from init="pca" is PCA's solution: a randomized SVD with no
    # power iteration and one extra vector finds a poorer subspace than the exact
    # one, and with enough iterations the same; ignoring the settings, all agree.
    def explained(**solver):
        ae = kind(8, hidden_layer_sizes=(), random_state=0, **solver)
        return ae.fit(X).explained_variance_ratio_.sum()

    exact = explained(svd_solver="full")
    if kind is AutoencoderTransformer:  # the VAE's posterior means shrink the codes
        assert exact == pytest.approx(PCA(8).fit(X).explained_variance_ratio_.sum())
    crude = explained(svd_solver="randomized", iterated_power=0, n_oversamples=1)
    assert crude < exact - 0.05
    assert explained(svd_solver="randomized", iterated_power=7) == pytest.approx(
        exact, abs=1e-6
    )
    # arpack, as PCA's, keeps one component fewer than the rank with None.
    ae = kind(None, svd_solver="arpack", **QUICK)
    with pytest.warns(Warning):  # 2 epochs: not converged
        ae.fit(X)
    assert ae.n_components_ == min(X.shape) - 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_grid_search_written_for_pca():
    # In the shape of scikit-learn's plot_compare_reduction.py: PCA(iterated_power=7)
    # in a Pipeline, searched over n_components, with PCA replaced.
    pipe = Pipeline(
        [
            ("reduce_dim", AutoencoderTransformer(iterated_power=7, **QUICK)),
            ("classify", LinearSVC(max_iter=2000)),
        ]
    )
    search = GridSearchCV(pipe, {"reduce_dim__n_components": [2, 4]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["reduce_dim__n_components"] in (2, 4)
    assert search.best_score_ > 0.5


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cross_validated_score_with_mle():
    # In the shape of plot_pca_vs_fa_model_selection.py: PCA(svd_solver="full",
    # n_components="mle") scored by cross-validation.
    ae = AutoencoderTransformer(svd_solver="full", n_components="mle", **QUICK)
    scores = cross_val_score(ae, X, cv=2)
    assert scores.shape == (2,) and np.all(np.isfinite(scores))


def test_pca_errors_are_pcas_and_leave_a_fit_as_it_was():
    ae = AutoencoderTransformer(3, **QUICK)
    with pytest.warns(Warning):
        ae.fit(X)
    code = ae.transform(X)
    ae.set_params(n_components="mle", svd_solver="randomized")
    with pytest.raises(ValueError, match="cannot be a string with svd_solver"):
        ae.fit(X)
    ae.set_params(n_components=3, svd_solver="gesvd")
    with pytest.raises(InvalidParameterError, match="svd_solver"):
        ae.fit(X)
    assert ae.n_components_ == 3
    np.testing.assert_array_equal(ae.transform(X), code)


def test_whiten_true_is_a_clear_error():
    ae = AutoencoderTransformer(3, **QUICK)
    with pytest.warns(Warning):
        ae.fit(X)
    code = ae.transform(X)
    ae.set_params(whiten=True)
    with pytest.raises(ValueError, match="whiten=True is not supported"):
        ae.fit(X)
    np.testing.assert_array_equal(ae.transform(X), code)
    with pytest.raises(ValueError, match="StandardScaler"):
        AutoencoderTransformer(3, whiten=True, **QUICK).partial_fit(X)
    assert AutoencoderTransformer(whiten=False).get_params()["whiten"] is False


def test_mle_on_a_streamed_memmap_is_a_clear_error(tmp_path, monkeypatch):
    from skae import _stream

    monkeypatch.setattr(_stream, "STREAM_MIN_BYTES", 0)
    mm = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=np.float32, shape=X.shape
    )
    mm[:] = X
    mm.flush()
    with pytest.raises(ValueError, match="needs the rows in memory"):
        AutoencoderTransformer("mle", **QUICK).fit(mm)
    ae = AutoencoderTransformer(None, init="pca", hidden_layer_sizes=())
    assert ae.fit(mm).n_components_ == min(X.shape)


def test_zero_components_is_a_clear_error():
    # PCA takes 0 (the mean alone); Keras layers need a unit, so skae says so.
    with pytest.raises(InvalidParameterError, match="'n_components' parameter"):
        AutoencoderTransformer(0).fit(X)


def test_a_size_that_selects_no_component_is_a_clear_error():
    # Minka's MLE finds no dimension in one feature: PCA keeps 0 components, which
    # no code layer can have. The error names the parameter, not Keras's units=0.
    X = np.random.RandomState(0).rand(50, 1)
    assert PCA("mle").fit(X).n_components_ == 0
    ae = AutoencoderTransformer("mle", **QUICK)
    with pytest.raises(ValueError, match="n_components='mle' selects 0 components"):
        ae.fit(X)
    assert not hasattr(ae, "n_components_")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_samples_is_pcas_and_partial_fit_counts_the_rows_seen():
    X150 = X[:150]
    pca = PCA(3).fit(X150)
    for estimator in (
        AutoencoderTransformer(3, hidden_layer_sizes=()),
        VariationalAutoencoder(3, hidden_layer_sizes=(), max_iter=1),
    ):
        assert estimator.fit(X150).n_samples_ == pca.n_samples_ == 150
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(4,), random_state=0)
    for batch in (X150[:60], X150[60:100], X150[100:]):
        ae.partial_fit(batch)
    assert ae.n_samples_ == 150


@pytest.mark.parametrize("unit", [1e-12, 1.0, 1e15])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_codes_are_pcas_scores(unit, dtype):
    # PCA's swap: the codes, and the reconstructions of PCA's scores, in PCA's
    # units and signs, at any scale of the data.
    X_unit = (X * unit).astype(dtype)
    pca = PCA(5).fit(X_unit.astype(np.float64))
    ae = AutoencoderTransformer(5, hidden_layer_sizes=()).fit(X_unit)
    scores = pca.transform(X_unit.astype(np.float64))
    np.testing.assert_allclose(
        ae.transform(X_unit.astype(np.float64)),
        scores,
        rtol=0,
        atol=1e-10 * np.abs(scores).max(),
    )
    reconstructions = pca.inverse_transform(scores)
    np.testing.assert_allclose(
        ae.inverse_transform(scores),
        reconstructions,
        rtol=0,
        atol=1e-10 * np.abs(reconstructions).max(),
    )
    # float32 rows are coded in float32, to its rounding.
    np.testing.assert_allclose(
        ae.transform(X_unit.astype(np.float32)),
        scores,
        rtol=0,
        atol=1e-5 * np.abs(scores).max(),
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deep_codes_are_in_the_data_units_of_the_linear_path():
    # Training sees standardised rows, so a fit on c * X is the fit on X with
    # codes c times as large; at the start (PCA's), the codes are PCA's scores.
    settings = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    ae = AutoencoderTransformer(4, **settings).fit(X)
    Z = ae.transform(X)
    for c in (1e-9, 1e9):
        scaled = AutoencoderTransformer(4, **settings).fit(X * c)
        # Equal but for float32 rounding in training.
        np.testing.assert_allclose(
            scaled.transform(X * c), c * Z, rtol=0, atol=1e-4 * c * np.abs(Z).max()
        )
    at_start = AutoencoderTransformer(4, **{**settings, "max_iter": 1})
    at_start.set_params(learning_rate=1e-12).fit(X * 1e9)
    np.testing.assert_allclose(
        at_start.transform(X * 1e9),
        PCA(4).fit(X * 1e9).transform(X * 1e9),
        rtol=0,
        atol=1e-3 * 1e9,
    )
    # The Keras encoder is what transform computes; the decoder takes those codes.
    np.testing.assert_allclose(ae.encoder_(X).numpy(), Z, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        ae.decoder_(Z).numpy(), ae.inverse_transform(Z), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("n_components", [None, 5, 0.8, "mle"])
def test_n_components_is_typed_as_pcas(n_components):
    pca = PCA(n_components).fit(X)
    ae = AutoencoderTransformer(n_components, hidden_layer_sizes=()).fit(X)
    assert ae.n_components_ == pca.n_components_
    assert type(ae.n_components_) is type(pca.n_components_)


# ('mle' keeps nearly every direction of digits: a noise variance of rounding
# errors, whose precision matrix is rounding errors too.)
@pytest.mark.parametrize("n_components", [5, 0.8])
def test_a_linear_models_gaussian_model_is_pcas(n_components):
    pca = PCA(n_components).fit(X)
    ae = AutoencoderTransformer(n_components, hidden_layer_sizes=()).fit(X)
    np.testing.assert_allclose(ae.singular_values_, pca.singular_values_, rtol=1e-10)
    assert ae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=1e-10)
    for method in ("get_covariance", "get_precision"):
        ours, pcas = getattr(ae, method)(), getattr(pca, method)()
        np.testing.assert_allclose(ours, pcas, rtol=0, atol=1e-9 * np.abs(pcas).max())


def test_a_linear_vaes_gaussian_model_is_probabilistic_pcas():
    pca = PCA(5).fit(X)
    vae = VariationalAutoencoder(5, hidden_layer_sizes=()).fit(X)
    # The VAE holds float32 weights.
    for method in ("get_covariance", "get_precision"):
        ours, pcas = getattr(vae, method)(), getattr(pca, method)()
        np.testing.assert_allclose(ours, pcas, rtol=0, atol=1e-5 * np.abs(pcas).max())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_non_linear_models_say_why_they_lack_pcas_linear_attributes():
    ae = AutoencoderTransformer(3, **QUICK).fit(X)
    for name in (
        "components_",
        "singular_values_",
        "noise_variance_",
        "get_covariance",
        "get_precision",
    ):
        assert not hasattr(ae, name)
        with pytest.raises(AttributeError, match=f"^{name} .*non-linear function"):
            getattr(ae, name)
    vae = VariationalAutoencoder(3, **QUICK).fit(X)
    assert vae.noise_variance_ > 0  # the decoder's noise, defined for every VAE
    for name in ("get_covariance", "get_precision"):
        with pytest.raises(AttributeError, match=f"^{name} .*linear VAE"):
            getattr(vae, name)
    # Unfitted, the methods exist and say so when called, as PCA's.
    with pytest.raises(NotFittedError):
        AutoencoderTransformer(3).get_covariance()


@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_copy_is_taken_and_fit_never_changes_X(copy, dtype):
    X_fit = X.astype(dtype)
    before = X_fit.copy()
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(), copy=copy).fit(X_fit)
    np.testing.assert_array_equal(X_fit, before)
    np.testing.assert_array_equal(ae.transform(X_fit), ae.fit_transform(X_fit))


def test_a_vae_chooses_its_code_size_by_held_out_likelihood_as_pca():
    # scikit-learn's plot_pca_vs_fa_model_selection: 25 features of rank 5 with
    # homoscedastic noise; GridSearchCV on score picks the rank for PCA, and for
    # the VAE, whose linear model is probabilistic PCA.
    from scipy import linalg

    rng = np.random.RandomState(42)
    U, _, _ = linalg.svd(rng.randn(25, 25))
    X_rank5 = rng.randn(300, 5) @ U[:, :5].T + rng.randn(300, 25)
    grid = {"n_components": [2, 5, 10]}
    for estimator in (
        PCA(),
        VariationalAutoencoder(hidden_layer_sizes=(), random_state=0),
    ):
        search = GridSearchCV(estimator, grid, cv=3).fit(X_rank5)
        assert search.best_params_ == {"n_components": 5}
    vae = VariationalAutoencoder("mle", hidden_layer_sizes=()).fit(X_rank5)
    assert vae.n_components_ == PCA("mle").fit(X_rank5).n_components_
