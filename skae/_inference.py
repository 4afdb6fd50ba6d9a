"""A NumPy forward pass through skae's encoder and decoder.

``model.predict`` costs tens of milliseconds per call and even a ``tf.function`` about
0.3 ms, against about 0.1 ms for ``PCA.transform``. A NumPy pass over a snapshot of the
weights costs microseconds. It computes in float64 and rounds once at the end, so a row
gives the same output alone, in a batch or in a permuted batch (float32 BLAS kernels do
not: a 1-row product and a many-row product round differently).
"""

import numpy as np

# Rows per chunk: bounds the float64 buffers of a bulk transform to 32 KiB per
# feature or hidden unit while keeping BLAS calls large enough to be efficient.
_CHUNK_ROWS = 4096


def _relu(x):
    return np.maximum(x, 0, out=x)


def _logistic(x):
    # exp of -|x| never overflows; this is scipy's expit without the scipy import.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _selu(x):
    # The constants of Keras's selu (Klambauer et al., 2017).
    return 1.0507009873554805 * _elu(x, alpha=1.6732632423543772)


def _gelu(x):
    from scipy.special import erf  # Keras's default is the exact (erf) form

    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def _softplus(x):
    return np.logaddexp(0, x)


# Keras's activations by the name a Dense layer's config gives, in NumPy (float64).
_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": _relu,
    "tanh": np.tanh,
    "sigmoid": _logistic,
    "elu": _elu,
    "selu": _selu,
    "gelu": _gelu,
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "silu": lambda x: x * _logistic(x),
    "swish": lambda x: x * _logistic(x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),  # Keras's default slope
    "relu6": lambda x: np.clip(x, 0, 6),
    "exponential": np.exp,
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


def _activation(name):
    """The NumPy activation for a Keras name; else Keras's own, run in float64."""
    if name in _ACTIVATIONS:
        return _ACTIVATIONS[name]
    from ._backend import import_keras

    keras = import_keras()
    function = keras.activations.get(name)
    return lambda x: keras.ops.convert_to_numpy(function(x))


def _dense(layer):
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    return kernel, bias, _activation(layer.get_config()["activation"])


def _layers(model, prefix):
    return [_dense(layer) for layer in model.layers if layer.name.startswith(prefix)]


def _fold_in(layer, shift, scale):
    """``layer((x - shift) / scale)`` as one affine map of ``x`` (scalar ``scale``)."""
    kernel, bias, act = layer
    return kernel / scale, bias - (shift / scale) @ kernel, act


def _fold_out(layer, scale, shift):
    """``layer(x) * scale + shift`` as one affine map (``layer`` must be linear)."""
    kernel, bias, act = layer
    return kernel * scale, bias * scale + shift, act


def _standardization(model):
    """``(mean, scale)`` of the model's :class:`~skae.layers.Standardize` layer."""
    from .layers import Standardize

    (layer,) = [layer for layer in model.layers if isinstance(layer, Standardize)]
    mean, scale = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    return mean, float(scale)


class _Half:
    """Encoder or decoder: a linear path plus an optional deep path, both affine-folded.

    The standardisation before the encoder and after the decoder is folded into the
    first and last layers, so a chunk of rows costs one cast and the matrix products.
    """

    def __init__(self, linear, deep, n_out):
        self.linear, self.deep, self.n_out = linear, deep, n_out

    def __call__(self, X, dtype):
        out = np.empty((X.shape[0], self.n_out), dtype=dtype)
        rows = min(_CHUNK_ROWS, X.shape[0])
        x = np.empty((rows, X.shape[1]))
        y = np.empty((rows, self.n_out))
        for start in range(0, X.shape[0], _CHUNK_ROWS):
            n = min(_CHUNK_ROWS, X.shape[0] - start)
            np.copyto(x[:n], X[start : start + n])
            out[start : start + n] = self._forward(x[:n], y[:n])
        return out

    def _forward(self, x, y):
        kernel, bias, _ = self.linear
        np.matmul(x, kernel, out=y)
        y += bias
        h = x
        for kernel, bias, act in self.deep:
            h = act(h @ kernel + bias)
        if self.deep:
            y += h
        return y


class NumpyAutoencoder:
    """Snapshot of an encoder/decoder pair built by :func:`build_autoencoder`."""

    def __init__(self, encoder, decoder):
        mean, scale = _standardization(encoder)
        linear = _fold_in(_dense(encoder.get_layer("code_linear")), mean, scale)
        deep = _layers(encoder, "encoder_hidden_")
        if deep:
            deep[0] = _fold_in(deep[0], mean, scale)
            deep.append(_dense(encoder.get_layer("code_deep")))
        self.encode = _Half(linear, deep, linear[0].shape[1])

        mean, scale = _standardization(decoder)
        linear = _fold_out(
            _dense(decoder.get_layer("reconstruction_linear")), scale, mean
        )
        deep = _layers(decoder, "decoder_hidden_")
        if deep:
            last = _fold_out(
                _dense(decoder.get_layer("reconstruction_deep")), scale, 0.0
            )
            deep.append(last)
        self.decode = _Half(linear, deep, linear[0].shape[1])
