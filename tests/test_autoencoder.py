"""Fit, transform, inverse_transform, score and the fitted attributes."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from skae import AutoencoderTransformer

from ._settings import FAST


@pytest.fixture(scope="module")
def fitted(digits_split):
    X_train, _ = digits_split
    return AutoencoderTransformer(8, **FAST).fit(X_train)


def test_shapes_and_attributes(fitted, digits_split):
    X_train, X_test = digits_split
    Z = fitted.transform(X_test)
    assert Z.shape == (X_test.shape[0], 8)
    assert fitted.inverse_transform(Z).shape == X_test.shape
    assert fitted.n_components_ == 8
    assert fitted.n_features_in_ == 64
    assert fitted.n_iter_ == len(fitted.loss_curve_) == 5
    assert_allclose(fitted.mean_, X_train.mean(axis=0))
    assert fitted.encoder_.output_shape == (None, 8)
    assert fitted.decoder_.output_shape == (None, 64)


def test_score_is_variance_weighted_reconstruction_r2(fitted, digits_split):
    _, X_test = digits_split
    X_hat = fitted.inverse_transform(fitted.transform(X_test))
    # The documented formula: errors in features constant in X_test count too.
    residual = ((X_test - X_hat) ** 2).sum()
    total = ((X_test - X_test.mean(axis=0)) ** 2).sum()
    assert fitted.score(X_test) == pytest.approx(1 - residual / total, rel=1e-12)
    # Where no feature is constant, that is scikit-learn's variance-weighted R^2
    # (which gives constant features no weight, errors included).
    varying = X_test.std(axis=0) > 0
    assert not varying.all(), "digits has constant pixels: both cases are covered"
    ae = AutoencoderTransformer(3, **FAST).fit(X_test[:, varying])
    X_hat = ae.inverse_transform(ae.transform(X_test[:, varying]))
    expected = r2_score(X_test[:, varying], X_hat, multioutput="variance_weighted")
    assert ae.score(X_test[:, varying]) == pytest.approx(expected, rel=1e-12)


def test_score_of_a_linear_autoencoder_is_pcas_explained_variance(digits):
    # On its training data, score() of the linear autoencoder is PCA's explained
    # variance, as its explained_variance_ratio_ sum is.
    pca = PCA(8).fit(digits)
    ae = AutoencoderTransformer(8, hidden_layer_sizes=(), random_state=0).fit(digits)
    expected = pca.explained_variance_ratio_.sum()
    assert ae.score(digits) == pytest.approx(expected, rel=1e-9)
    assert ae.explained_variance_ratio_.sum() == pytest.approx(expected, rel=1e-12)


def test_explained_variance_sums_to_training_score(fitted, digits_split):
    X_train, _ = digits_split
    ratio = fitted.explained_variance_ratio_
    assert ratio.shape == (8,)
    assert np.all(np.diff(ratio) <= 0), "components must be ordered largest first"
    assert ratio.sum() == pytest.approx(fitted.score(X_train), rel=1e-9)
    total_var = X_train.var(axis=0, ddof=1).sum()
    assert_allclose(fitted.explained_variance_, ratio * total_var)


def test_score_samples_is_negative_reconstruction_error(fitted, digits_split):
    _, X_test = digits_split
    X_hat = fitted.inverse_transform(fitted.transform(X_test))
    assert_allclose(fitted.score_samples(X_test), -((X_test - X_hat) ** 2).mean(axis=1))
    # Rows unlike the training data score lower.
    noise = np.random.RandomState(0).uniform(size=(20, 64))
    assert fitted.score_samples(noise).mean() < fitted.score_samples(X_test).mean()


def test_transform_matches_the_keras_encoder(fitted, digits_split):
    _, X_test = digits_split
    X32 = X_test.astype(np.float32)
    keras_code = np.asarray(fitted.encoder_(X32))
    assert_allclose(fitted.transform(X32), keras_code, rtol=1e-5, atol=1e-5)
    keras_rec = np.asarray(fitted.decoder_(keras_code))
    assert_allclose(
        fitted.inverse_transform(keras_code), keras_rec, rtol=1e-5, atol=1e-5
    )
    assert_allclose(np.asarray(fitted.model_(X32)), keras_rec, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input(fitted, digits_split, dtype):
    _, X_test = digits_split
    Z = fitted.transform(X_test.astype(dtype))
    assert Z.dtype == dtype
    assert fitted.inverse_transform(Z).dtype == dtype
    assert fitted.transform(X_test.astype(np.int64)).dtype == np.float64


def test_row_alone_equals_row_in_batch(fitted, digits_split):
    # Each precision computes in itself, as PCA does: equal up to its rounding.
    _, X_test = digits_split
    X = X_test[:50]
    alone = np.vstack([fitted.transform(X[i : i + 1]) for i in range(50)])
    assert_allclose(alone, fitted.transform(X), rtol=1e-12, atol=1e-12)
    X32 = X.astype(np.float32)
    alone = np.vstack([fitted.transform(X32[i : i + 1]) for i in range(50)])
    assert_allclose(alone, fitted.transform(X32), rtol=1e-5, atol=1e-5)


def test_same_random_state_gives_bit_identical_fits(digits_split):
    X_train, X_test = digits_split
    first = AutoencoderTransformer(4, **FAST).fit(X_train)
    # An unrelated model in between must not disturb the second fit.
    AutoencoderTransformer(3, hidden_layer_sizes=(5,), max_iter=2).fit(X_train[:100])
    second = AutoencoderTransformer(4, **FAST).fit(X_train)
    for w1, w2 in zip(
        first.model_.get_weights(), second.model_.get_weights(), strict=True
    ):
        assert_array_equal(w1, w2)
    assert_array_equal(first.transform(X_test), second.transform(X_test))
    other = AutoencoderTransformer(4, **{**FAST, "random_state": 1}).fit(X_train)
    assert not np.array_equal(first.transform(X_test), other.transform(X_test))


def test_fit_leaves_global_random_state_alone(digits_split):
    import tensorflow as tf

    X_train, _ = digits_split
    np.random.seed(123)
    tf.random.set_seed(7)
    expected_np = np.random.rand()
    expected_tf = tf.random.uniform(()).numpy()
    np.random.seed(123)
    tf.random.set_seed(7)
    AutoencoderTransformer(4, **FAST).fit(X_train)
    assert np.random.rand() == expected_np
    assert tf.random.uniform(()).numpy() == expected_tf


@pytest.mark.parametrize("hidden", [(8,), ()])
def test_encoder_and_decoder_share_weights_with_model(digits_split, hidden):
    # The linear model runs no epoch, so its optimizer is first built by model_.fit.
    X_train, X_test = digits_split
    ae = AutoencoderTransformer(8, **{**FAST, "hidden_layer_sizes": hidden})
    ae.fit(X_train)
    encoder_layers = {id(v) for v in ae.encoder_.weights}
    assert encoder_layers <= {id(v) for v in ae.model_.weights}
    before = ae.transform(X_test)
    # Training the full Keras model further reaches transform().
    ae.model_.fit(X_train, X_train, epochs=1, verbose=0)
    assert not np.allclose(before, ae.transform(X_test))
    assert_allclose(
        ae.transform(X_test.astype(np.float32)),
        np.asarray(ae.encoder_(X_test.astype(np.float32))),
        rtol=1e-5,
        atol=1e-5,
    )


def test_loss_curve_is_fraction_of_variance_unexplained(digits_split):
    X_train, _ = digits_split
    params = dict(hidden_layer_sizes=(4,), max_iter=3, early_stopping=False)
    ae = AutoencoderTransformer(8, random_state=0, **params).fit(X_train)
    # Starting from PCA (deep path at zero), epoch 1's mean loss is near PCA's
    # unexplained variance; the fit as a whole ends no worse than its PCA start.
    pca_loss = 1 - PCA(8).fit(X_train).explained_variance_ratio_.sum()
    assert ae.loss_curve_[0] == pytest.approx(pca_loss, rel=0.05)
    assert 1 - ae.score(X_train) <= pca_loss
    assert ae.loss_curve_[-1] == pytest.approx(1 - ae.score(X_train), rel=0.05)
    # Units do not matter: scaling X scales nothing in the loss.
    ae100 = AutoencoderTransformer(8, random_state=0, **params).fit(X_train * 100)
    assert_allclose(ae100.loss_curve_, ae.loss_curve_, rtol=1e-3)


def test_convergence_warning_and_stopping(small_data):
    # From a random start, two epochs improve on it without converging.
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
        AutoencoderTransformer(2, max_iter=2, init="random", random_state=0).fit(
            small_data
        )
    # A loose tol stops well before max_iter, without a warning.
    ae = AutoencoderTransformer(
        2, max_iter=500, tol=10.0, n_iter_no_change=2, early_stopping=False
    )
    ae.fit(small_data)
    # Epoch 1 improves on an infinite best loss; epochs 2-4 exceed n_iter_no_change=2.
    assert ae.n_iter_ == 4
    assert ae.best_loss_ == min(ae.loss_curve_)


def test_no_early_stopping_attributes():
    ae = AutoencoderTransformer(2, early_stopping=False, **FAST)
    ae.fit(np.random.RandomState(0).rand(30, 5))
    assert ae.validation_scores_ is None and ae.best_validation_score_ is None


def test_float_n_components_selects_like_pca(digits):
    ae = AutoencoderTransformer(0.8, **FAST).fit(digits)
    pca = PCA(0.8).fit(digits)
    assert ae.n_components_ == pca.n_components_
    assert ae.transform(digits).shape[1] == pca.n_components_


def _hidden_units(model):
    """Units of the hidden layers of the network beside an encoder's or decoder's
    linear map, as a Keras user reaches them by the layers' names."""
    network = model.get_layer("code" if model.name == "encoder" else "reconstruction")
    return [layer.units for layer in network.network.layers[:-1]]


def test_hidden_layer_sizes_int_and_tuple(small_data):
    one = AutoencoderTransformer(2, hidden_layer_sizes=7, max_iter=1, random_state=0)
    one.fit(small_data)
    assert _hidden_units(one.encoder_) == [7]
    two = AutoencoderTransformer(
        2, hidden_layer_sizes=(9, 5), max_iter=1, random_state=0
    )
    two.fit(small_data)
    assert _hidden_units(two.encoder_) == [9, 5]
    assert _hidden_units(two.decoder_) == [5, 9]


@pytest.mark.parametrize(
    "activation",
    # MLPRegressor's names, then Keras's: with a NumPy version, and without one.
    ["identity", "logistic", "tanh", "relu", "selu", "gelu", "elu", "softplus"]
    + ["silu", "leaky_relu", "mish", "softsign", "relu6", "hard_sigmoid"],
)
def test_activations_match_keras(activation, digits_split):
    X_train, X_test = digits_split
    ae = AutoencoderTransformer(
        3,
        hidden_layer_sizes=(6,),
        activation=activation,
        init="random",
        max_iter=2,
        random_state=0,
    ).fit(X_train)
    X32 = X_test.astype(np.float32)
    assert_allclose(
        ae.transform(X32), np.asarray(ae.encoder_(X32)), rtol=1e-4, atol=1e-5
    )


def test_verbose_shows_progress(small_data, capsys):
    AutoencoderTransformer(2, max_iter=2, verbose=1, random_state=0).fit(small_data)
    assert "loss" in capsys.readouterr().out
    AutoencoderTransformer(2, max_iter=2, verbose=0, random_state=0).fit(small_data)
    assert capsys.readouterr().out == ""


def test_progress_shows_inside_an_epoch_and_changes_no_result(small_data, capsys):
    # A long epoch showed one "1/1" bar at its end: the bar now moves from inside
    # the traced epoch, as Model.fit's: each epoch's first batch reports, then at
    # most every PROGRESS_SECONDS, and the epoch's end completes the bar.
    settings = dict(max_iter=2, batch_size=10, early_stopping=False, random_state=0)
    shown = AutoencoderTransformer(2, verbose=1, **settings).fit(small_data)
    out = capsys.readouterr().out
    # 60 rows in batches of 10: the first step shows before the epoch ends.
    for step in ("1/6", "6/6"):
        assert out.count(step) == 2, out  # in each of the 2 epochs
    quiet = AutoencoderTransformer(2, verbose=0, **settings).fit(small_data)
    assert capsys.readouterr().out == ""
    assert shown.loss_curve_ == quiet.loss_curve_
    assert_array_equal(shown.transform(small_data), quiet.transform(small_data))


def test_reload_weights_after_other_weight_changes(digits_split):
    X_train, X_test = digits_split
    ae = AutoencoderTransformer(4, **FAST).fit(X_train)
    before = ae.transform(X_test)
    layer = ae.encoder_.get_layer("code").linear
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel * 2, bias])
    # set_weights is not seen until reload_weights(); model_.fit() is (test above).
    assert_array_equal(ae.transform(X_test), before)
    assert ae.reload_weights() is ae
    X32 = X_test.astype(np.float32)
    assert_allclose(
        ae.transform(X32), np.asarray(ae.encoder_(X32)), rtol=1e-5, atol=1e-5
    )
    assert not np.allclose(ae.transform(X_test), before)


def test_the_default_silu_beats_relu_held_out_on_digits(digits_split):
    X_train, X_test = digits_split
    silu = AutoencoderTransformer(8, random_state=0).fit(X_train)
    relu = AutoencoderTransformer(8, activation="relu", random_state=0).fit(X_train)
    assert silu.get_params()["activation"] == "silu"
    # Measured: 0.8414 against 0.8299.
    assert silu.score(X_test) > relu.score(X_test) + 0.005
