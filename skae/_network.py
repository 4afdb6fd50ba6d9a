"""Keras encoder and decoder that skae builds, and their PCA initialisation.

Both halves are a sum of two paths on standardised data::

    code           = Linear(x_std)           + Deep(x_std)
    reconstruction = Linear(code) * s + mean + Deep(code) * s

The linear paths alone are a linear autoencoder, whose optimum under squared error is
PCA's subspace. With ``init="pca"`` they start at PCA's solution and the last layer of
each deep path starts at zero, so training starts from PCA's reconstruction and can only
improve on it; ``hidden_layer_sizes=()`` drops the deep paths altogether.

``x_std = (x - mean) / s`` uses one scalar ``s`` (the root mean feature variance), so
PCA's directions are unchanged and the training loss is the fraction of variance left
unexplained, whatever the units of the data. The standardisation runs in float64
(:class:`skae.layers.Standardize`) at the ends of the encoder and decoder; training
uses the float32 core between them on rows standardised by NumPy.
"""

import numpy as np

from ._backend import import_keras

# scikit-learn's MLP vocabulary for activations, mapped to Keras's names.
KERAS_ACTIVATIONS = {
    "identity": "linear",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
}


def keras_activation(name):
    """Keras's name for an activation named in MLPRegressor's or Keras's vocabulary."""
    name = KERAS_ACTIVATIONS.get(name, name)
    import_keras().activations.get(name)  # a ValueError for a name Keras lacks
    return name


def build_autoencoder(
    n_features, n_components, hidden_layer_sizes, activation, mean, scale, seeds
):
    """Build and return ``(model, encoder, decoder, core)`` sharing their layers.

    ``encoder``, ``decoder`` and ``model`` take and give rows in the data's units;
    ``core`` maps standardised rows to their standardised reconstruction (what
    training fits). ``seeds`` is an iterator of integers; each Dense layer draws one
    for its initialiser, so the same seeds give the same initial weights.
    """
    keras = import_keras()
    from .layers import Standardize

    act = activation  # a Keras name: see keras_activation

    def dense(units, name, activation=None):
        init = keras.initializers.GlorotUniform(seed=int(next(seeds)))
        return keras.layers.Dense(
            units, activation=activation, kernel_initializer=init, name=name
        )

    def deep_path(sizes, prefix, n_out, last_name):
        if not sizes:
            return []
        layers = [dense(u, f"{prefix}_hidden_{i}", act) for i, u in enumerate(sizes)]
        return layers + [dense(n_out, last_name)]

    # Seeds are drawn in this order: encoder first, linear path before deep path.
    code_linear = dense(n_components, "code_linear")
    encoder_deep = deep_path(hidden_layer_sizes, "encoder", n_components, "code_deep")
    reconstruction_linear = dense(n_features, "reconstruction_linear")
    decoder_deep = deep_path(
        hidden_layer_sizes[::-1], "decoder", n_features, "reconstruction_deep"
    )
    encode = _two_paths(code_linear, encoder_deep, keras.layers.Add(name="code"))
    decode = _two_paths(
        reconstruction_linear,
        decoder_deep,
        keras.layers.Add(name="reconstruction_std"),
    )

    x = keras.Input((n_features,), dtype="float64", name="x")
    standardize = Standardize(name="standardize")
    encoder = keras.Model(x, encode(standardize(x)), name="encoder")
    z = keras.Input((n_components,), name="code")
    unstandardize = Standardize(invert=True, name="unstandardize")
    decoder = keras.Model(z, unstandardize(decode(z)), name="decoder")
    for layer in (standardize, unstandardize):
        layer.set_weights([mean, np.asarray(scale)])

    model = keras.Model(x, decoder(encoder(x)), name="autoencoder")
    x_std = keras.Input((n_features,), name="x_std")
    core = keras.Model(x_std, decode(encode(x_std)), name="core")
    return model, encoder, decoder, core


def _two_paths(linear, deep, add):
    """``x -> linear(x) + deep(x)`` on Keras tensors; ``linear(x)`` if no deep path."""

    def apply(x):
        if not deep:
            return linear(x)
        h = x
        for layer in deep:
            h = layer(h)
        return add([linear(x), h])

    return apply


def init_from_pca(encoder, decoder, basis, center):
    """Set the linear paths to PCA's projection and zero the deep paths' last layers.

    ``basis`` is an orthonormal ``(n_features, n_components)`` matrix of principal
    directions of the standardised training rows, and ``center`` their mean.
    """
    encoder.get_layer("code_linear").set_weights([basis, -center @ basis])
    decoder.get_layer("reconstruction_linear").set_weights([basis.T, center])
    for model, name in ((encoder, "code_deep"), (decoder, "reconstruction_deep")):
        if any(layer.name == name for layer in model.layers):
            layer = model.get_layer(name)
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])


def permute_code(encoder, decoder, order):
    """Reorder the code units; the function ``x -> reconstruction`` is unchanged."""
    for name in ("code_linear", "code_deep"):
        if any(layer.name == name for layer in encoder.layers):
            layer = encoder.get_layer(name)
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel[:, order], bias[order]])
    for name in ("reconstruction_linear", "decoder_hidden_0"):
        if any(layer.name == name for layer in decoder.layers):
            layer = decoder.get_layer(name)
            kernel, bias = layer.get_weights()
            layer.set_weights([kernel[order], bias])


def fit_pca(X_std, n_components, random_state):
    """PCA of the standardised training rows: the start of ``init="pca"``.

    An int ``n_components`` is capped by the rank the rows can have; a float in (0, 1)
    keeps the smallest number of components explaining that fraction of variance.
    """
    from sklearn.decomposition import PCA

    if isinstance(n_components, float):
        return PCA(n_components=n_components, svd_solver="full").fit(X_std)
    k = min(n_components, *X_std.shape)
    return PCA(n_components=k, random_state=random_state).fit(X_std)


def pca_basis(pca, n_components, random_state):
    """Orthonormal ``(n_features, n_components)`` basis led by PCA's directions.

    Where the data have fewer directions than ``n_components`` (fewer samples than
    components), the basis is completed with orthonormal directions of zero variance.
    """
    basis = pca.components_.T
    n_features, k = basis.shape
    if k < n_components:
        extra = random_state.standard_normal((n_features, n_components - k))
        extra -= basis @ (basis.T @ extra)
        basis = np.hstack([basis, np.linalg.qr(extra)[0]])
    return basis
