"""Ready-made recurrent encoders and decoders for rows that are sequences."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, recurrent_decoder, recurrent_encoder


def waves(n_samples, timesteps=16, seed=0):
    """Rows that are sequences of 2 features per step: a point going round a
    circle of random radius, at a random speed from a random angle (three numbers
    per row, which PCA's linear subspace cannot follow)."""
    rng = np.random.RandomState(seed)
    t = np.arange(timesteps)
    speed = rng.uniform(0.15, 0.6, (n_samples, 1))
    angle = speed * t + rng.uniform(0, 2 * np.pi, (n_samples, 1))
    radius = rng.uniform(0.5, 1.5, (n_samples, 1))
    steps = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=2)
    return steps.reshape(n_samples, -1)


def recurrent_ae(cell="lstm", **params):
    return AutoencoderTransformer(
        3,
        encoder=recurrent_encoder((16, 2), units=(16,), cell=cell),
        decoder=recurrent_decoder((16, 2), units=(16,), cell=cell),
        **params,
    )


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("cell, layer", [("lstm", "LSTM"), ("gru", "GRU")])
def test_builders_make_the_networks_they_describe(cell, layer):
    encoder = recurrent_encoder((8, 3), units=(5, 4), cell=cell)(
        n_features=24, n_components=2
    )
    decoder = recurrent_decoder((8, 3), units=(4, 5), cell=cell)(
        n_features=24, n_components=2
    )
    assert layer_types(encoder) == ["Reshape", layer, layer, "Dense"]
    assert encoder.layers[1].return_sequences and not encoder.layers[2].return_sequences
    assert [encoder.layers[1].units, encoder.layers[2].units] == [5, 4]
    assert layer_types(decoder) == [
        "Dense",
        "RepeatVector",
        layer,
        layer,
        "Dense",
        "Flatten",
    ]
    assert [decoder.layers[2].units, decoder.layers[3].units] == [4, 5]
    rows = np.zeros((3, 24), np.float32)
    assert tuple(encoder(rows).shape) == (3, 2)
    assert tuple(decoder(np.zeros((3, 2), np.float32)).shape) == (3, 24)


def test_a_recurrent_autoencoder_beats_pca_on_held_out_sequences():
    X_train, X_test = waves(300), waves(200, seed=1)
    pca = PCA(3).fit(X_train)
    residual = X_test - pca.inverse_transform(pca.transform(X_test))
    pca_r2 = 1 - np.sum(residual**2) / np.sum((X_test - X_test.mean(axis=0)) ** 2)
    ae = recurrent_ae(max_iter=15, random_state=0).fit(X_train)
    assert ae.score(X_test) > pca_r2 + 0.02  # measured: 0.905 against 0.863
    assert ae.score(X_train) >= pca.explained_variance_ratio_.sum() - 1e-9


def test_recurrent_fits_repeat_and_their_settings_are_searchable():
    X = waves(120)
    # From a random start: the networks' own seeded weights decide the codes.
    params = dict(init="random", max_iter=2, random_state=0)
    first = recurrent_ae("gru", **params).fit(X).transform(X)
    assert_array_equal(recurrent_ae("gru", **params).fit(X).transform(X), first)
    ae = recurrent_ae(**params).set_params(encoder__units=(6,), decoder__cell="gru")
    copy = clone(ae).fit(X)
    assert copy.get_params()["encoder__units"] == (6,)
    # init="random": the user's networks are the halves themselves.
    encoder, decoder = copy.encoder_.layers[-1], copy.decoder_.layers[-1]
    assert [
        layer.units for layer in encoder.layers if hasattr(layer, "return_sequences")
    ] == [6]
    assert "GRU" in layer_types(decoder) and "LSTM" in layer_types(encoder)


def test_a_one_feature_sequence_takes_an_int_shape():
    encoder = recurrent_encoder(10)(n_features=10, n_components=2)
    assert tuple(encoder.layers[0].target_shape) == (10, 1)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: recurrent_encoder((5, 2)), "does not hold the 24 features"),
        (lambda: recurrent_decoder((12, 2), units=()), "units must hold"),
        (lambda: recurrent_encoder((12, 2), cell="rnn"), "cell must be one of"),
    ],
)
def test_settings_that_cannot_work_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()(n_features=24, n_components=2)
