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
unexplained, whatever the units of the data.
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


def build_autoencoder(
    n_features, n_components, hidden_layer_sizes, activation, mean, scale, seeds
):
    """Build and return ``(model, encoder, decoder)`` sharing their layers.

    ``seeds`` is an iterator of integers; each Dense layer draws one for its
    initialiser, so the same seeds give the same initial weights.
    """
    keras = import_keras()
    act = KERAS_ACTIVATIONS[activation]
    variance = np.full(n_features, scale**2)

    def dense(units, name, activation=None):
        init = keras.initializers.GlorotUniform(seed=int(next(seeds)))
        return keras.layers.Dense(
            units, activation=activation, kernel_initializer=init, name=name
        )

    x = keras.Input((n_features,), name="x")
    x_std = keras.layers.Normalization(
        mean=mean, variance=variance, name="standardize"
    )(x)
    code = dense(n_components, "code_linear")(x_std)
    if hidden_layer_sizes:
        h = x_std
        for i, units in enumerate(hidden_layer_sizes):
            h = dense(units, f"encoder_hidden_{i}", act)(h)
        code = keras.layers.Add(name="code")(
            [code, dense(n_components, "code_deep")(h)]
        )
    encoder = keras.Model(x, code, name="encoder")

    z = keras.Input((n_components,), name="code")
    out = dense(n_features, "reconstruction_linear")(z)
    if hidden_layer_sizes:
        h = z
        for i, units in enumerate(reversed(hidden_layer_sizes)):
            h = dense(units, f"decoder_hidden_{i}", act)(h)
        deep = dense(n_features, "reconstruction_deep")(h)
        out = keras.layers.Add(name="reconstruction_std")([out, deep])
    out = keras.layers.Normalization(
        mean=mean, variance=variance, invert=True, name="unstandardize"
    )(out)
    decoder = keras.Model(z, out, name="decoder")

    model = keras.Model(x, decoder(encoder(x)), name="autoencoder")
    return model, encoder, decoder


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
