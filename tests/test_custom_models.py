"""The user's own Keras encoder and decoder, with every promise the built-in one has."""

import csv
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV

from skae import AutoencoderTransformer, ModelBuilder

from ._settings import small_decoder, small_encoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def make_encoder(n_features, n_components):
    import keras

    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Reshape((8, 8, 1)),
            keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
            keras.layers.Flatten(),
            keras.layers.Dense(n_components),
        ]
    )


def make_decoder(n_features, n_components):
    import keras

    return keras.Sequential(
        [
            keras.Input((n_components,)),
            keras.layers.Dense(8 * 8 * 4, activation="relu"),
            keras.layers.Reshape((8, 8, 4)),
            keras.layers.Conv2DTranspose(1, 3, padding="same"),
            keras.layers.Flatten(),
        ]
    )


@pytest.fixture(scope="module")
def X():
    from sklearn.datasets import load_digits

    return load_digits().data[:500] / 16.0


def test_the_issues_snippet_runs_as_written(X, tmp_path):
    import keras

    path = str(tmp_path / "log.csv")
    ae = AutoencoderTransformer(
        16,
        encoder=make_encoder,
        decoder=make_decoder,
        loss="mse",
        optimizer="adam",
        callbacks=[keras.callbacks.CSVLogger(path)],
        max_iter=5,
        random_state=0,
    )
    Z = ae.fit(X).transform(X)  # X stays 2-D (n_samples, n_features)
    assert Z.shape == (500, 16)
    with open(path) as f:
        assert len(list(csv.DictReader(f))) == ae.n_iter_ == 5
    # Beside PCA's linear map, the convolutional networks keep PCA's floor.
    assert ae.score(X) >= PCA(16).fit(X).explained_variance_ratio_.sum() - 1e-9


def test_a_model_passed_in_is_copied_not_trained(X):
    user = small_encoder(64, 4)
    before = [w.copy() for w in user.get_weights()]
    ae = AutoencoderTransformer(4, encoder=user, max_iter=3, random_state=0).fit(X)
    for w, w0 in zip(user.get_weights(), before, strict=True):
        assert_array_equal(w, w0)
    trained = ae.encoder_.get_layer("code").network
    assert trained is not user
    assert not all(
        np.array_equal(a, b) for a, b in zip(trained.get_weights(), before, strict=True)
    )
    assert clone(ae).encoder is not user  # clone copies the model, as sklearn does


def test_builder_hyperparameters_are_searched_and_cloned(X):
    ae = AutoencoderTransformer(
        4, encoder=ModelBuilder(small_encoder, units=4), max_iter=2, random_state=0
    )
    assert ae.get_params()["encoder__units"] == 4
    assert ae.set_params(encoder__units=6).encoder.get_params()["units"] == 6
    copy = clone(ae)
    assert copy.encoder is not ae.encoder and copy.get_params()["encoder__units"] == 6
    grid = GridSearchCV(ae, {"encoder__units": [3, 12]}, cv=2).fit(X)
    assert grid.best_params_["encoder__units"] in (3, 12)
    hidden = grid.best_estimator_.encoder_.get_layer("code").network.layers[0]
    assert hidden.units == grid.best_params_["encoder__units"]
    with pytest.raises(TypeError, match="does not accept"):
        ModelBuilder(small_encoder, filters=3)


def test_with_init_pca_training_starts_from_pcas_projection(X):
    # One epoch of a vanishing step: the gates are still (nearly) zero, so the code
    # is PCA's projection, which the linear autoencoder gives.
    params = dict(max_iter=1, learning_rate=1e-12, early_stopping=False)
    ae = AutoencoderTransformer(
        4, encoder=small_encoder, decoder=small_decoder, **params, random_state=0
    ).fit(X)
    linear = AutoencoderTransformer(4, hidden_layer_sizes=(), random_state=0).fit(X)
    assert_allclose(np.abs(ae.transform(X)), np.abs(linear.transform(X)), atol=1e-4)
    gate = ae.encoder_.get_layer("code").gate
    assert np.abs(np.asarray(gate)).max() < 1e-6


def test_with_init_random_the_networks_are_used_as_they_are(X):
    import keras

    def sigmoid_decoder(n_features, n_components):
        init = keras.initializers.GlorotUniform(seed=5)
        return keras.Sequential(
            [
                keras.Input((n_components,)),
                keras.layers.Dense(
                    n_features, activation="sigmoid", kernel_initializer=init
                ),
            ]
        )

    ae = AutoencoderTransformer(
        8,
        encoder=small_encoder,
        decoder=sigmoid_decoder,
        init="random",
        loss="binary_crossentropy",
        max_iter=20,
        random_state=0,
    ).fit(X)
    # The code is the encoder's output on X itself, the reconstruction the
    # decoder's: pixels in (0, 1), as the sigmoid makes them.
    X32 = X.astype(np.float32)
    assert_allclose(ae.transform(X), np.asarray(ae.encoder_(X32)), atol=1e-5)
    X_hat = ae.inverse_transform(ae.transform(X))
    assert X_hat.min() > 0 and X_hat.max() < 1
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


@pytest.mark.parametrize("half", ["encoder", "decoder"])
@pytest.mark.parametrize("init", ["pca", "random"])
def test_one_half_of_the_users_beside_a_built_in_half(X, half, init):
    # A built-in decoder ends in the data's float64 units, the user's encoder in
    # float32: training, which sees both, must take them together.
    network = {"encoder": small_encoder, "decoder": small_decoder}[half]
    params = {half: network, "init": init, "max_iter": 3, "random_state": 0}
    ae = AutoencoderTransformer(4, hidden_layer_sizes=(8,), **params).fit(X)
    assert len(ae.loss_curve_) == 3 and ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert np.isfinite(ae.score(X))


def test_wrong_networks_are_clear_errors(X):
    ae = AutoencoderTransformer(
        4, encoder=lambda **kw: small_encoder(64, 5), max_iter=1
    )
    with pytest.raises(
        ValueError, match=r"encoder must map rows of 64 values to rows of 4"
    ):
        ae.fit(X)
    assert not hasattr(ae, "model_")
    with pytest.raises(TypeError, match="decoder must be a Keras model"):
        AutoencoderTransformer(4, decoder=lambda **kw: "not a model").fit(X)


def test_transform_equals_the_keras_models_in_inference_mode(X):
    import keras

    def dropout_encoder(n_features, n_components):
        return keras.Sequential(
            [
                keras.Input((n_features,)),
                keras.layers.Dense(16, activation="relu", use_bias=False),
                keras.layers.Dropout(0.5, seed=1),
                keras.layers.BatchNormalization(),
                keras.layers.Dense(n_components),
            ]
        )

    ae = AutoencoderTransformer(4, encoder=dropout_encoder, max_iter=3, random_state=0)
    ae.fit(X)
    X64 = X.astype(np.float64)
    assert_allclose(
        ae.transform(X), np.asarray(ae.encoder_(X64, training=False)), atol=1e-5
    )
    Z = ae.transform(X)
    assert_allclose(ae.inverse_transform(Z), np.asarray(ae.decoder_(Z)), atol=1e-5)


def test_custom_models_round_trip_through_a_fresh_process(X, tmp_path):
    import pickle

    ae = AutoencoderTransformer(
        4, encoder=make_encoder, decoder=small_decoder, max_iter=2, random_state=0
    ).fit(X)
    (tmp_path / "ae.pkl").write_bytes(pickle.dumps(ae))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Z.npy", ae.transform(X))
    script = textwrap.dedent(f"""
        import pickle
        import numpy as np
        ae = pickle.loads(open(r"{tmp_path / "ae.pkl"}", "rb").read())
        X = np.load(r"{tmp_path / "X.npy"}")
        assert np.array_equal(ae.transform(X), np.load(r"{tmp_path / "Z.npy"}"))
        encoder_weights = {{id(w) for w in ae.encoder_.weights}}
        assert encoder_weights <= {{id(w) for w in ae.model_.weights}}
        print("identical")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "identical" in out.stdout
