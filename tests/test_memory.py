"""Repeated fits must not retain memory, nor disturb the user's Keras models."""

import numpy as np
from numpy.testing import assert_array_equal

from skae import AutoencoderTransformer

from ._settings import FAST


def _user_model(seed):
    import keras

    init = keras.initializers.GlorotUniform(seed=seed)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(4, activation="relu", kernel_initializer=init),
            keras.layers.Dense(6, kernel_initializer=init),
        ]
    )
    model.compile(keras.optimizers.SGD(0.05), "mse")
    return model


def test_fits_leave_the_users_keras_models_working(small_data):
    X = small_data.astype(np.float32)
    reference, user = _user_model(0), _user_model(0)
    for model in (reference, user):
        model.fit(X, X, epochs=1, shuffle=False, verbose=0)
    for seed in range(3):  # skae's fits, between the user's two trainings
        AutoencoderTransformer(2, **{**FAST, "random_state": seed}).fit(X)
    for model in (reference, user):
        model.fit(X, X, epochs=2, shuffle=False, verbose=0)
    for w_ref, w_user in zip(reference.get_weights(), user.get_weights(), strict=True):
        assert_array_equal(w_ref, w_user)


def test_fit_leaves_no_gradient_registrations(small_data):
    # TensorFlow's gradient registry is private; an entry left per fit kept the traced
    # graph and the model alive (about 6 MB per fit). benchmarks/bench_speed.py
    # measures the memory itself.
    from tensorflow.python.framework import ops

    registry = ops._gradient_registry._registry
    AutoencoderTransformer(2, **FAST).fit(small_data)
    before = set(registry)
    for seed in range(3):
        AutoencoderTransformer(2, **{**FAST, "random_state": seed}).fit(small_data)
    assert set(registry) == before


def test_variable_names_repeat_across_fits(small_data):
    # TensorFlow keeps memory for every distinct variable name it sees: two fits must
    # create variables with the same names (auto-named optimizers did not).
    def names():
        ae = AutoencoderTransformer(2, **FAST).fit(small_data)
        variables = ae.model_.weights + ae.model_.optimizer.variables
        return sorted(v._value.name for v in variables)

    assert names() == names()
