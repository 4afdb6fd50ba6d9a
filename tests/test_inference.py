"""transform's forward passes: chosen by layer type, equal to the Keras model's own."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skae import _inference

N_IN = 64


def _models():
    """Keras models of rows of 64 values, and whether NumPy can mirror them."""
    import keras

    from skae.layers import LinearShortcut, Standardize

    def dense(units, **kw):
        init = keras.initializers.GlorotUniform(seed=units)
        return keras.layers.Dense(units, kernel_initializer=init, **kw)

    def seq(*layers, dtype="float32"):
        return keras.Sequential([keras.Input((N_IN,), dtype=dtype), *layers])

    mlp = seq(dense(16, activation="selu"), keras.layers.Dropout(0.5), dense(8))
    no_bias = seq(dense(16, activation="tanh", use_bias=False), dense(8))
    with_activation = seq(dense(16), keras.layers.Activation("gelu"), dense(8))
    standardize = Standardize()
    shortcut = LinearShortcut(8, network=keras.Sequential([dense(12), dense(8)]))
    shortcut.gated = True  # a user's network beside the linear map, behind a gate
    gated = seq(standardize, shortcut, dtype="float64")
    standardize.set_weights([np.linspace(0, 1, N_IN), np.asarray(0.3)])
    gated.build((None, N_IN))
    shortcut.gate.assign(np.linspace(-1, 1, 8))
    conv = seq(
        keras.layers.Reshape((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", padding="same"),
        keras.layers.Flatten(),
        dense(8),
    )
    batch_norm = seq(dense(16), keras.layers.BatchNormalization(), dense(8))
    x = keras.Input((N_IN,))
    functional = keras.Model(x, dense(8)(x) + dense(8)(dense(4)(x)))
    return {
        "mlp with dropout": (mlp, True),
        "use_bias=False": (no_bias, True),
        "Activation layer": (with_activation, True),
        "gated LinearShortcut": (gated, True),
        "convolution": (conv, False),
        "BatchNormalization": (batch_norm, False),
        "functional": (functional, False),
    }


@pytest.fixture(scope="module")
def models():
    return _models()


MODEL_NAMES = [
    "mlp with dropout",
    "use_bias=False",
    "Activation layer",
    "gated LinearShortcut",
    "convolution",
    "BatchNormalization",
    "functional",
]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_pass_equals_the_keras_models_inference(models, name):
    model, mirrored = models[name]
    if name == "BatchNormalization":  # moving statistics away from 0 and 1
        bn = model.layers[1]
        bn.set_weights([w + np.linspace(0.5, 1.5, w.size) for w in bn.get_weights()])
    X = np.random.RandomState(0).rand(50, N_IN)
    forward = _inference.forward_pass(model, N_IN)
    assert isinstance(forward, _inference._NumpyPass) is mirrored
    expected = np.asarray(model(X.astype(model.inputs[0].dtype), training=False))
    assert_allclose(forward(X, np.float64), expected, rtol=1e-5, atol=1e-5)
    assert forward(X.astype(np.float32), np.float32).dtype == np.float32


def test_the_traced_pass_works_in_chunks(models, monkeypatch):
    model, _ = models["convolution"]
    X = np.random.RandomState(1).rand(23, N_IN)
    whole = _inference.forward_pass(model, N_IN)(X, np.float64)
    monkeypatch.setattr(_inference, "_CHUNK_ROWS", 5)
    assert_allclose(
        _inference.forward_pass(model, N_IN)(X, np.float64), whole, atol=1e-6
    )


def test_the_built_in_network_is_mirrored_in_numpy(digits):
    from skae import AutoencoderTransformer

    for hidden in [(), (8, 4)]:
        ae = AutoencoderTransformer(3, hidden_layer_sizes=hidden, max_iter=1)
        ae.set_params(random_state=0).fit(digits[:100])
        assert isinstance(ae._forward.encode, _inference._NumpyPass)
        assert isinstance(ae._forward.decode, _inference._NumpyPass)


@pytest.mark.parametrize("hidden", [(), (16, 8)])
def test_float32_rows_are_computed_in_float32_as_pcas(digits, hidden):
    # PCA computes float32 input in float32 with its mean folded into one product;
    # so does skae. Rows far from the origin (an offset of 1000 spreads) show the
    # rounding that this costs: skae's float32 codes are about as close to its
    # float64 codes as PCA's are to PCA's, at any offset.
    from sklearn.decomposition import PCA

    from skae import AutoencoderTransformer

    for offset in [0.0, 1000.0]:
        X = digits + offset
        ae = AutoencoderTransformer(
            4, hidden_layer_sizes=hidden, max_iter=2, random_state=0
        ).fit(X)
        X32 = X.astype(np.float32)
        pca = PCA(4).fit(X32)  # fitted on float32, PCA transforms in float32
        codes64 = ae.transform(X32.astype(np.float64))
        codes32 = ae.transform(X32)
        assert codes32.dtype == np.float32
        assert isinstance(ae._forward.encode, _inference._NumpyPass)
        assert ae._forward.encode._float32 is not None  # the float32 path ran
        error = np.abs(codes32 - codes64).max() / np.abs(codes64).max()
        pca_error = np.abs(pca.transform(X32) - pca.transform(X32.astype(np.float64)))
        pca_error = pca_error.max() / np.abs(pca.transform(X)).max()
        # Measured: 2e-7 against PCA's 6e-7 at offset 0; 2e-4 against 1.5e-3 at 1000.
        assert error < max(2 * pca_error, 1e-5)
        decoded32 = ae.inverse_transform(codes32)
        decoded64 = ae.inverse_transform(codes32.astype(np.float64))
        assert decoded32.dtype == np.float32
        assert_allclose(decoded32, decoded64, rtol=1e-5, atol=1e-5 * (1 + offset))


def test_float32_rows_at_extreme_scales_are_computed_in_float64(digits):
    # Folded into the maps, a scale of 1e-33 would overflow float32 kernels: such
    # models compute float32 input in float64, and round once at the end.
    from skae import AutoencoderTransformer

    X = (digits * 1e-33).astype(np.float32)
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(), random_state=0).fit(X)
    assert ae._forward.encode._float32 is None
    codes = ae.transform(X)
    assert codes.dtype == np.float32
    assert_allclose(codes, ae.transform(X.astype(np.float64)), rtol=1e-6, atol=1e-6)
    # Codes in the data's units, neither flushed to 0 nor overflowing.
    assert 1e-35 < np.abs(codes).max() < 1e-31


@pytest.mark.parametrize("hidden", [(), (16, 8)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transform_reads_the_rows_once_and_still_refuses_nan_and_inf(
    digits, hidden, dtype
):
    # transform checks for NaN and infinity in the first affine map's output, not
    # in X (a second pass over the rows), and asks for the check of X only where
    # that output is not finite. Digits' first pixel is 0 in every row, so PCA's
    # linear map gives it no weight at all: a NaN there must still show.
    from skae import AutoencoderTransformer

    ae = AutoencoderTransformer(
        4, hidden_layer_sizes=hidden, max_iter=1, random_state=0
    ).fit(digits)
    encode = ae._forward.encode
    assert encode._screens
    if not hidden:
        assert not np.any(encode.linear[0][0])  # the first pixel has no weight
    checked = []
    X = digits[:40].astype(dtype)
    assert_allclose(encode(X, dtype, check=checked.append), ae.transform(X))
    assert checked == []  # finite rows: X is not read again
    for column in (0, 30):
        for bad, message in [(np.nan, "NaN"), (np.inf, "infinity")]:
            X_bad = X.copy()
            X_bad[7, column] = bad
            encode(X_bad, dtype, check=checked.append)
            assert checked.pop() is X_bad
            with pytest.raises(ValueError, match=f"Input X contains {message}"):
                ae.transform(X_bad)


def test_rows_that_overflow_the_code_are_not_refused(digits):
    # A finite row whose code overflows float32 makes the screen ask for the check
    # of X, which passes: the code is inf, as PCA's would be.
    from skae import AutoencoderTransformer

    ae = AutoencoderTransformer(4, hidden_layer_sizes=(), random_state=0).fit(digits)
    X = np.full((2, 64), 3e38, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        codes = ae.transform(X)
    assert not np.isfinite(codes).all()


def test_the_passes_keep_their_buffers_between_calls_within_bounds(digits, monkeypatch):
    # A pass borrows the buffers kept from earlier calls and gives back those of
    # at most _POOL_BUFFER_BYTES, up to _POOL_BYTES in all; a call made while
    # they are borrowed (by another thread's call) gets buffers of its own.
    from skae import AutoencoderTransformer

    ae = AutoencoderTransformer(3, hidden_layer_sizes=(16, 8), max_iter=1)
    ae.set_params(random_state=0).fit(digits)
    monkeypatch.setattr(_inference, "_POOL", _inference._ScratchPool())
    pool = _inference._POOL
    expected = ae.transform(digits)
    kept = dict(pool._kept)
    assert kept, "the buffers of a call are kept for the next"
    assert_allclose(ae.transform(digits), expected, rtol=0, atol=0)
    assert all(pool._kept[key] is buffer for key, buffer in kept.items())
    with pool.borrowed() as held:
        assert held and not pool._kept  # nothing to lend while they are borrowed
        assert_allclose(ae.transform(digits), expected, rtol=0, atol=0)
        # Its own buffers, given back while the others are out, are kept instead.
        assert pool._kept and all(pool._kept[k] is not held[k] for k in pool._kept)
    # Small bounds: big buffers (a bulk call's) are not kept, nor more in all.
    bound = 16 * 100 * 8  # 100 rows of 16 float64 values
    monkeypatch.setattr(_inference, "_POOL_BUFFER_BYTES", bound)
    monkeypatch.setattr(_inference, "_POOL_BYTES", 3 * bound)
    for rows in (digits[:100], digits):
        pool._kept = {}
        assert_allclose(ae.transform(rows), expected[: len(rows)], rtol=1e-10)
        sizes = [buffer.nbytes for buffer in pool._kept.values()]
        assert all(size <= bound for size in sizes) and sum(sizes) <= 3 * bound
        # 100 rows of 16 are kept; the copy of 100 rows of 64 features is not.
        assert (bound in sizes) == (len(rows) == 100)
