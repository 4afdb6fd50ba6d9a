"""Repeated fits must not retain memory, nor disturb the user's Keras models; a
wide network's fit holds few copies of its weights."""

import tracemalloc

import numpy as np
import pytest
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


@pytest.mark.parametrize("hidden", [(8, 4), ()])
def test_kernel_values_count_the_built_kernels(hidden):
    # The size that decides whether a network is kept between fits.
    from skae._network_cache import NetworkSpec

    spec = NetworkSpec(20, 3, hidden, "relu")
    model = spec.build(np.zeros(20), 1.0, iter(range(100)))[0]
    kernels = [w for w in model.weights if len(w.shape) == 2]
    assert spec.n_kernel_values == sum(int(np.prod(w.shape)) for w in kernels)


def test_wide_networks_are_built_for_their_fit_not_kept(monkeypatch, digits):
    # A kept set holds the weights, the optimizer's state and its fresh values, and
    # the fit leaves their values beside it: for a network with more kernel values
    # than MAX_KEPT_KERNEL_VALUES, the fit builds its own, with the same results.
    from skae import _network_cache

    params = {**FAST, "max_iter": 3}
    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())
    kept = AutoencoderTransformer(4, **params).fit(digits)
    assert len(_network_cache.KEPT._kept) == 1 and "_unbuilt" in vars(kept)
    width = kept._unbuilt.spec.network.n_kernel_values
    monkeypatch.setattr(_network_cache, "MAX_KEPT_KERNEL_VALUES", width - 1)
    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())
    built = AutoencoderTransformer(4, **params).fit(digits)
    assert not _network_cache.KEPT._kept
    assert "model_" in vars(built) and "_unbuilt" not in vars(built)
    assert_array_equal(built.transform(digits), kept.transform(digits))
    assert built.loss_curve_ == kept.loss_curve_


def test_float32_weights_are_copied_at_the_first_float32_rows(digits):
    # transform keeps float64 copies of the weights for float64 rows; the float32
    # copies for float32 rows are made when such rows first come (a fit on
    # float64 rows never needs them), once, and give float32 codes as before.
    X = np.random.RandomState(0).normal(size=(200, 3000))
    ae = AutoencoderTransformer(
        2, hidden_layer_sizes=(64,), max_iter=2, random_state=0
    ).fit(X)
    float32_copy = 3000 * (64 + 2) * 4  # the encoder's kernels
    X32 = X.astype(np.float32)
    tracemalloc.start()
    try:
        first = ae.transform(X32)
        after_first = tracemalloc.get_traced_memory()[0]
        second = ae.transform(X32)
        after_second = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_first - first.nbytes >= 0.9 * float32_copy
    assert after_second - after_first < 0.1 * float32_copy  # no second copy
    assert first.dtype == np.float32
    assert_array_equal(first, second)
    np.testing.assert_allclose(first, ae.transform(X), rtol=1e-3, atol=1e-3)


def test_transform_takes_a_new_snapshot_where_the_last_is_gone(digits):
    # A snapshot of the weights goes before the next is taken (each holds copies
    # of the weights); one that failed to come is taken at the next pass.
    ae = AutoencoderTransformer(3, **FAST).fit(digits)
    codes = ae.transform(digits)
    del ae._forward
    assert_array_equal(ae.transform(digits), codes)
