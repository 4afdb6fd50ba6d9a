"""partial_fit: training batch by batch, as MLPRegressor and IncrementalPCA allow."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA, IncrementalPCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimators_partial_fit_n_features

from skae import (
    AutoencoderTransformer,
    conv_decoder,
    conv_encoder,
    recurrent_decoder,
    recurrent_encoder,
)
from skae._compare import estimator_r2
from skae._objectives import standardization

from ._settings import CHECKED, FAST, PATHS


def _batches(X, size):
    return [X[start : start + size] for start in range(0, len(X), size)]


def _stream(estimator, X, size=200, epochs=1):
    for _ in range(epochs):
        for batch in _batches(X, size):
            estimator.partial_fit(batch)
    return estimator


@pytest.mark.parametrize("params", CHECKED)
def test_partial_fit_rejects_a_change_of_features(params):
    # scikit-learn yields this check for classifiers and regressors only.
    check_estimators_partial_fit_n_features(
        "AutoencoderTransformer", AutoencoderTransformer(**params)
    )


def test_first_call_builds_the_model_from_its_batch(digits):
    batch = digits[:300]
    ae = AutoencoderTransformer(4, **FAST).partial_fit(batch)
    assert ae.n_iter_ == 1 and len(ae.loss_curve_) == 1
    assert ae.n_features_in_ == 64 and ae.n_components_ == 4
    assert_allclose(ae.mean_, batch.mean(axis=0))
    assert ae.best_loss_ == ae.loss_curve_[0]
    assert ae.validation_scores_ is None and ae.best_validation_score_ is None
    # One epoch of ceil(300 / 64) steps; the next call adds as many to the same
    # optimizer, whose state carries over.
    assert int(ae.model_.optimizer.iterations.numpy()) == 5
    ae.partial_fit(digits[300:400])
    assert int(ae.model_.optimizer.iterations.numpy()) == 7
    assert ae.n_iter_ == 2 and len(ae.loss_curve_) == 2
    assert ae.best_loss_ == min(ae.loss_curve_)
    # The statistics follow every batch, as IncrementalPCA's.
    assert_allclose(ae.mean_, digits[:400].mean(axis=0), rtol=1e-12)


def test_streaming_beats_pca_on_held_out_digits(digits_split):
    X_train, X_test = digits_split
    ae = _stream(AutoencoderTransformer(16, random_state=0), X_train, epochs=8)
    pca = PCA(16).fit(X_train)
    pca_r2 = 1 - np.sum((X_test - pca.inverse_transform(pca.transform(X_test))) ** 2)
    pca_r2 = 1 - (1 - pca_r2) / np.sum((X_test - X_test.mean(axis=0)) ** 2)
    assert ae.n_iter_ == 8 * len(_batches(X_train, 200))
    # Measured 0.902 against PCA's 0.838.
    assert ae.score(X_test) > pca_r2 + 0.03
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


@pytest.mark.parametrize("path", list(PATHS))
def test_explained_variance_describes_the_last_batch(digits, path):
    ae = AutoencoderTransformer(4, **{**FAST, **PATHS[path]})
    _stream(ae, digits[:600])
    last = digits[400:600]
    assert_allclose(ae.explained_variance_ratio_.sum(), ae.score(last), rtol=1e-6)
    assert_allclose(
        ae.explained_variance_.sum(),
        ae.explained_variance_ratio_.sum() * last.var(axis=0, ddof=1).sum(),
        rtol=1e-6,
    )
    if path.startswith("linear"):
        components = ae.components_
        assert components.shape == (4, 64)
        assert_allclose(components @ components.T, np.eye(4), atol=1e-6)
    else:
        assert not hasattr(ae, "components_")


def test_code_units_keep_their_order_between_calls(digits, monkeypatch):
    # fit orders the units by explained variance; between partial_fit calls a unit
    # keeps its meaning (and its optimizer state), so nothing reorders them.
    reorders = []
    original = AutoencoderTransformer._permute_code

    def spy(self, order):
        reorders.append(order)
        return original(self, order)

    monkeypatch.setattr(AutoencoderTransformer, "_permute_code", spy)
    ae = AutoencoderTransformer(4, **{**FAST, "init": "random"})
    _stream(ae, digits[:600], epochs=2)
    assert reorders == []
    ae.fit(digits[:600])
    assert len(reorders) == 1  # the spy sees fit's


def test_same_seed_same_batches_bit_identical(digits):
    first = _stream(AutoencoderTransformer(3, **FAST), digits[:600], epochs=2)
    second = _stream(AutoencoderTransformer(3, **FAST), digits[:600], epochs=2)
    assert_array_equal(first.transform(digits), second.transform(digits))
    assert first.loss_curve_ == second.loss_curve_


def test_training_continues_after_pickling(digits):
    ae = _stream(AutoencoderTransformer(3, **FAST), digits[:400])
    copy = pickle.loads(pickle.dumps(ae))
    ae.partial_fit(digits[400:600])
    copy.partial_fit(digits[400:600])
    # The optimizer's state, the batch-order generator and the weights travel.
    assert_array_equal(copy.transform(digits), ae.transform(digits))
    assert copy.loss_curve_ == ae.loss_curve_


def test_partial_fit_after_fit_continues_and_fit_starts_afresh(digits):
    ae = AutoencoderTransformer(3, **FAST).fit(digits[:400])
    n_iter, codes = ae.n_iter_, ae.transform(digits)
    ae.partial_fit(digits[400:600])
    assert ae.n_iter_ == n_iter + 1
    assert not np.array_equal(ae.transform(digits), codes)  # trained further
    assert_allclose(ae.mean_, digits[:400].mean(axis=0))
    refit = ae.fit(digits[:400])
    fresh = AutoencoderTransformer(3, **FAST).fit(digits[:400])
    assert refit.n_iter_ == fresh.n_iter_
    assert_array_equal(refit.transform(digits), fresh.transform(digits))


def test_a_failed_call_leaves_the_estimator_as_it_was(digits):
    ae = _stream(AutoencoderTransformer(3, **FAST), digits[:400])
    codes, n_iter = ae.transform(digits), ae.n_iter_
    iterations = int(ae.model_.optimizer.iterations.numpy())
    twin = _stream(AutoencoderTransformer(3, **FAST), digits[:400])
    with pytest.raises(ValueError, match="X has 10 features"):
        ae.partial_fit(digits[:50, :10])
    # An epoch that fails after its steps, the batch already taken into the
    # statistics: the steps, the optimizer's state and the statistics are undone.
    epoch = ae._partial_epoch

    def failing(X, rng):
        epoch(X, rng)
        raise FloatingPointError("diverged")

    ae._partial_epoch = failing
    with pytest.raises(FloatingPointError, match="diverged"):
        ae.partial_fit(digits[400:600] * 3)
    ae._partial_epoch = epoch
    assert ae.n_iter_ == n_iter and len(ae.loss_curve_) == n_iter
    assert int(ae.model_.optimizer.iterations.numpy()) == iterations
    assert_array_equal(ae.transform(digits), codes)
    assert_array_equal(ae.mean_, twin.mean_)
    # And it trains on as the twin that never failed.
    ae.partial_fit(digits[400:600])
    twin.partial_fit(digits[400:600])
    assert ae.n_iter_ == n_iter + 1
    assert_array_equal(ae.transform(digits), twin.transform(digits))


def test_ctrl_c_during_a_call_undoes_the_call(digits):
    # The docstring's promise for Ctrl-C: the epoch's steps and the optimizer's
    # state are undone, as for any other error.
    ae = _stream(AutoencoderTransformer(3, **FAST), digits[:400])
    codes, n_iter = ae.transform(digits), ae.n_iter_
    iterations = int(ae.model_.optimizer.iterations.numpy())
    epoch = ae._partial_epoch

    def interrupted(X, rng):
        epoch(X, rng)  # the weights take the epoch's steps, then Ctrl-C arrives
        raise KeyboardInterrupt

    ae._partial_epoch = interrupted
    with pytest.raises(KeyboardInterrupt):
        ae.partial_fit(digits[400:600])
    assert ae._partial_epoch is interrupted  # the attributes as before the call
    assert ae.n_iter_ == n_iter and len(ae.loss_curve_) == n_iter
    assert int(ae.model_.optimizer.iterations.numpy()) == iterations
    assert_array_equal(ae.transform(digits), codes)


def test_first_call_needs_two_rows_later_calls_one(digits):
    ae = AutoencoderTransformer(3, **FAST)
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        ae.partial_fit(digits[:1])
    assert not hasattr(ae, "model_")
    ae.partial_fit(digits[:100])
    ratios = ae.explained_variance_ratio_
    ae.partial_fit(digits[100:101])  # trains; the ratios need two rows
    assert ae.n_iter_ == 2
    assert_array_equal(ae.explained_variance_ratio_, ratios)


def test_partial_fit_leaves_no_gradient_registrations(digits):
    from tensorflow.python.framework import ops

    registry = ops._gradient_registry._registry
    _stream(AutoencoderTransformer(2, **FAST), digits[:400])
    before = set(registry)
    for seed in range(3):
        _stream(
            clone(AutoencoderTransformer(2, **{**FAST, "random_state": seed})),
            digits[:400],
        )
    assert set(registry) == before


@pytest.mark.parametrize(
    "params",
    [
        *CHECKED,
        {**CHECKED[-1], "init": "random"},  # the user's networks as they are
        {**FAST, "n_components": 0.8},
    ],
    ids=["deep", "linear", "random-noise-sparse-tied", "custom", "custom-as-is", "0.8"],
)
def test_every_setting_trains_batch_by_batch(digits, params):
    ae = AutoencoderTransformer(**{"n_components": 3, **params})
    _stream(ae, digits[:800], epochs=3)
    assert ae.n_iter_ == 12
    if params.get("init") == "random":
        assert np.mean(ae.loss_curve_[-4:]) < np.mean(ae.loss_curve_[:4])
    else:  # the linear maps follow IncrementalPCA, the networks train beside them
        ipca = _stream(IncrementalPCA(ae.n_components_), digits[:800], epochs=3)
        assert ae.score(digits[:800]) >= estimator_r2(ipca, digits[:800]) - 0.005
    assert_allclose(
        ae.explained_variance_ratio_.sum(), ae.score(digits[600:800]), rtol=1e-6
    )
    if params.get("n_components") == 0.8:
        first = PCA(0.8, svd_solver="full").fit(digits[:200])
        assert ae.n_components_ == first.n_components_


@pytest.mark.parametrize(
    "halves",
    [
        dict(encoder=conv_encoder((8, 8))),
        dict(decoder=conv_decoder((8, 8))),
        dict(encoder=recurrent_encoder((8, 8), units=(4,))),
        dict(decoder=recurrent_decoder((8, 8), units=(4,))),
    ],
    ids=["conv-encoder", "conv-decoder", "recurrent-encoder", "recurrent-decoder"],
)
def test_every_network_fit_takes_partial_fit_takes(digits, halves):
    # Without rows held out, the epoch ran the network on no rows, which
    # TensorFlow's Conv2D cannot do ("input depth must be evenly divisible").
    streamed = AutoencoderTransformer(3, random_state=0, **halves)
    _stream(streamed, digits[:400])
    assert streamed.n_iter_ == 2
    assert np.isfinite(streamed.transform(digits[:5])).all()
    fitted = AutoencoderTransformer(
        3, random_state=0, early_stopping=False, max_iter=2, **halves
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(digits[:400])
    assert len(fitted.loss_curve_) == 2
    assert fitted.validation_scores_ is None
    assert np.isfinite(fitted.transform(digits[:5])).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_batches_ordered_by_class_end_near_incremental_pca():
    # scikit-learn's plot_incremental_pca with the class swapped: iris, sorted by
    # class, in batches of 10. The first batch (one class) used to fix the mean,
    # the scale and the start: R^2 0.74-0.83 against IncrementalPCA's 0.978.
    from sklearn.datasets import load_iris

    X = load_iris().data
    ipca, linear, deep = (
        IncrementalPCA(2),
        AutoencoderTransformer(2, hidden_layer_sizes=(), random_state=0),
        AutoencoderTransformer(2, random_state=0),
    )
    for batch in np.array_split(X, 15):
        for estimator in (ipca, linear, deep):
            estimator.partial_fit(batch)
    ipca_r2 = estimator_r2(ipca, X)
    assert ipca_r2 > 0.97
    # The linear maps are IncrementalPCA's before each epoch, which moves them
    # a little.
    assert linear.score(X) == pytest.approx(ipca_r2, abs=1e-4)
    assert deep.score(X) >= ipca_r2 - 0.02
    for estimator in (linear, deep):
        assert_allclose(estimator.mean_, ipca.mean_, rtol=1e-12)
        assert estimator.n_samples_ == ipca.n_samples_seen_ == 150


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_stream_whose_mean_drifts(digits):
    # Each batch is shifted further along one direction: the statistics are those
    # of every row seen, and the model codes the whole stream as IncrementalPCA.
    drift = np.linspace(0, 1, 64)
    batches = [digits[i * 150 : (i + 1) * 150] + 0.5 * i * drift for i in range(8)]
    X = np.vstack(batches)
    ipca = IncrementalPCA(4)
    ae = AutoencoderTransformer(4, hidden_layer_sizes=(16,), random_state=0)
    for batch in batches:
        ipca.partial_fit(batch)
        ae.partial_fit(batch)
    mean, scale = standardization(X)
    assert_allclose(ae.mean_, mean, rtol=1e-12, atol=1e-15)
    assert ae._scale == pytest.approx(scale, rel=1e-12)
    assert ae.score(X) >= estimator_r2(ipca, X) - 0.02


def test_a_linear_model_at_pcas_solution_trains_on_without_notices(digits, capfd):
    # Its maps are float64 (PCA's solution, exactly); oneDNN printed a dozen C++
    # "Not handling type DT_DOUBLE" lines when it trained on. Errors still raise.
    ae = AutoencoderTransformer(4, hidden_layer_sizes=()).fit(digits)
    capfd.readouterr()
    ae.partial_fit(digits[:100])
    assert "DT_DOUBLE" not in capfd.readouterr().err
    with pytest.raises(ValueError, match="features"):
        ae.partial_fit(digits[:100, :10])
