"""Unsupervised pretraining: the README recipe, a classifier on a copy of encoder_."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skae import AutoencoderTransformer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def classifier_on(encoder, trainable, seed=0):
    """The README's recipe: a softmax layer on ``encoder``, compiled."""
    import keras

    encoder.trainable = trainable
    head = keras.layers.Dense(
        10,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed),
    )
    model = keras.Sequential([encoder, head])
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy"
    )
    return model


def copy_of(encoder, weights=True):
    """A copy of ``encoder``: its weights, or fresh ones but the standardisation's."""
    import keras

    copy = keras.models.clone_model(encoder)
    for fresh, fitted in zip(copy.layers, encoder.layers, strict=True):
        if weights or not fitted.trainable_weights:  # Standardize: data statistics
            fresh.set_weights(fitted.get_weights())
    return copy


@pytest.fixture(scope="module")
def pretraining():
    """An autoencoder fitted without labels, 5 labelled rows per class, test rows."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_pool, X_test, y_pool, y_test = train_test_split(
        X / 16.0, y, test_size=0.5, random_state=0, stratify=y
    )
    ae = AutoencoderTransformer(
        16, hidden_layer_sizes=(32,), max_iter=30, random_state=0
    )
    ae.fit(X_pool)  # no labels
    rng = np.random.RandomState(0)
    few = np.concatenate(
        [rng.choice(np.flatnonzero(y_pool == c), 5, replace=False) for c in range(10)]
    )
    return ae, X_pool[few], y_pool[few], X_test, y_test


def accuracy(model, X, y):
    return np.mean(model.predict(X, verbose=0).argmax(axis=1) == y)


def test_a_pretrained_encoder_beats_the_same_from_random_weights(pretraining):
    import keras

    ae, X_few, y_few, X_test, y_test = pretraining
    scores = {}
    for name, encoder in (("pretrained", copy_of(ae.encoder_)), ("random", None)):
        keras.utils.set_random_seed(0)  # clone_model's fresh weights, in the test only
        encoder = encoder or copy_of(ae.encoder_, weights=False)
        model = classifier_on(encoder, trainable=False)
        model.fit(X_few, y_few, epochs=100, batch_size=32, verbose=0)
        scores[name] = accuracy(model, X_test, y_test)
    # 50 labels, encoder frozen: only the codes differ. Pretrained codes separate the
    # digits far better than a random projection through the same layers
    # (here 0.78 vs 0.74; benchmarks/bench_pretraining.py: 0.79 vs 0.72 on average over
    # draws with the default network).
    assert scores["pretrained"] > scores["random"] + 0.02, scores
    assert scores["pretrained"] > 0.6, scores


def test_fine_tuning_the_copy_leaves_the_transformer_as_fitted(pretraining):
    ae, X_few, y_few, X_test, _ = pretraining
    before = ae.transform(X_test)
    weights = [w.copy() for w in ae.encoder_.get_weights()]
    encoder = copy_of(ae.encoder_)
    model = classifier_on(encoder, trainable=True)
    model.fit(X_few, y_few, epochs=5, verbose=0)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(encoder.get_weights(), weights, strict=True)
    )  # the copy trained
    for fitted, saved in zip(ae.encoder_.get_weights(), weights, strict=True):
        assert_array_equal(fitted, saved)
    assert_array_equal(ae.transform(X_test), before)
