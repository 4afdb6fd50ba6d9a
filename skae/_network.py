"""Keras encoder and decoder that skae builds, and their PCA initialisation.

Both halves are a :class:`~skae.layers.LinearShortcut` on standardised data, a linear
map with a network beside it::

    code           = (Linear(x_std) + Network(x_std)) * s
    reconstruction = (Linear(code / s) + Network(code / s)) * s + mean

The linear maps alone are a linear autoencoder, whose optimum under squared error is
PCA's subspace. With ``init="pca"`` they start at PCA's solution and the networks start
silent (the built-in one's last layer at zero), so training starts from PCA's
reconstruction; ``hidden_layer_sizes=()`` drops the networks altogether.

``x_std = (x - mean) / s`` uses one scalar ``s`` (the root mean feature variance), so
PCA's directions are unchanged and the training loss is the fraction of variance left
unexplained, whatever the units of the data. Codes are in the data's units, as
``PCA.transform``'s scores: at PCA's solution, ``code = (x - mean) @ components_.T``.
The standardisation and the codes' scale run in float64
(:class:`skae.layers.Standardize`, :class:`skae.layers.CodeScale`) at the ends of
the encoder and decoder; training uses the float32 core between them on rows
standardised by NumPy, so it sees the same numbers at any scale of the data. Other
modules find these parts by type (:func:`shortcut`), never by layer name.
"""

import math
from numbers import Integral

import numpy as np

from ._backend import import_keras, import_tensorflow

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
    n_features,
    n_components,
    hidden_layer_sizes,
    activation,
    mean,
    scale,
    seeds,
    networks=(None, None),
    as_they_are=False,
    noise=(0.0, None),
    sparsity=0.0,
    tied=False,
    float64_linear=False,
):
    """Build and return ``(model, encoder, decoder, core)`` sharing their layers.

    ``encoder`` is ``Standardize -> LinearShortcut -> CodeScale(invert=True)`` and
    ``decoder`` is ``CodeScale -> LinearShortcut -> Standardize(invert=True)``;
    ``model`` chains them, taking and giving rows, and codes, in the data's units.
    ``core`` is what training fits: the two shortcuts alone, from standardised rows to
    their standardised reconstruction. ``networks`` holds the user's encoder and decoder
    networks (or ``None`` for the built-in ones of ``hidden_layer_sizes``). Each goes
    beside its linear map, behind a gate that starts at zero; with ``as_they_are``, a
    user's network is that half of the autoencoder instead, on the data's units, and
    ``core`` is ``model`` in float32. ``seeds`` is an iterator of integers; each
    built-in Dense layer draws one for its initialiser, so the same seeds give the same
    initial weights. ``noise`` is ``(stddev, seed)``: Gaussian noise of that standard
    deviation, in units of ``scale``, added to ``core``'s input in training only (a
    denoising autoencoder); ``sparsity`` is the weight of
    :class:`~skae.layers.CodeSparsity`'s penalty on the code in training. Only ``core``
    holds these layers; ``model``, ``encoder`` and ``decoder`` never do. ``tied`` makes
    the decoder use the encoder's kernels, transposed (see :func:`tie`).
    ``float64_linear`` holds the linear maps in float64 (a linear autoencoder that fit
    returns at PCA's solution: its codes are then PCA's scores to float64's rounding,
    about 1e-15, not float32's, 1e-7).
    """
    keras = import_keras()
    from .layers import CodeScale, Standardize

    def init():
        return keras.initializers.GlorotUniform(seed=int(next(seeds)))

    dtype = "float64" if float64_linear else None

    def half(n_out, user_network, sizes, prefix, name):
        return built_in_half(
            n_out, sizes, activation, init, prefix, name, user_network, dtype
        )

    encoder_network, decoder_network = networks
    code = half(n_components, encoder_network, hidden_layer_sizes, "encoder", "code")
    reconstruction = half(
        n_features,
        decoder_network,
        hidden_layer_sizes[::-1],
        "decoder",
        "reconstruction",
    )
    standardize = Standardize(name="standardize")
    unstandardize = Standardize(invert=True, name="unstandardize")
    if as_they_are and encoder_network is not None:
        encoder_layers = [keras.Input((n_features,)), encoder_network]
    else:
        encoder_layers = [
            keras.Input((n_features,), dtype="float64"),
            standardize,
            code,
            CodeScale(invert=True, name="to_data_units"),
        ]
    if as_they_are and decoder_network is not None:
        decoder_layers = [keras.Input((n_components,)), decoder_network]
    else:
        decoder_layers = [
            keras.Input((n_components,), dtype="float64"),
            CodeScale(name="from_data_units"),
            reconstruction,
            unstandardize,
        ]
    encoder = keras.Sequential(encoder_layers, name="encoder")
    decoder = keras.Sequential(decoder_layers, name="decoder")
    if tied:
        tie(encoder, decoder)
    set_standardization(encoder, decoder, mean, scale)
    model = keras.Sequential([encoder, decoder], name="autoencoder")
    core = training_core(encoder, decoder, scale, as_they_are, noise, sparsity)
    return model, encoder, decoder, core


def set_standardization(encoder, decoder, mean, scale):
    """Give the float64 standardisation at the ends of ``encoder`` and ``decoder``
    (where a half has one) the training rows' ``mean`` and ``scale``, and the
    codes' units (:class:`~skae.layers.CodeScale`) that ``scale``."""
    from .layers import CodeScale, Standardize

    for layer in (*encoder.layers, *decoder.layers):
        if isinstance(layer, CodeScale):
            layer.set_weights([np.zeros(layer.mean.shape), np.asarray(scale)])
        elif isinstance(layer, Standardize):
            layer.set_weights([mean, np.asarray(scale)])


def reseed(encoder, decoder, seeds):
    """Draw the built-in halves' initial weights from ``seeds`` again.

    The values are those :func:`build_autoencoder` gives from the same seeds:
    Glorot-uniform kernels, one seed each in the order :func:`built_in_half` draws
    them (the encoder's half first), and zero biases. So a kept, already traced
    model (see :class:`skae._network_cache.KeptNetworks`) starts a fit where a new one
    would. Only for skae's own networks (not a user's, gated). A kept model
    reseeds through :func:`make_reseed`'s single TensorFlow call instead.
    """
    keras = import_keras()
    for dense in _seeded_layers(encoder, decoder):
        kernel = keras.initializers.GlorotUniform(seed=int(next(seeds)))
        dense.kernel.assign(kernel(dense.kernel.shape, dtype=dense.kernel.dtype))
        dense.bias.assign(np.zeros(dense.bias.shape, dense.bias.dtype))


def _seeded_layers(encoder, decoder):
    """The built-in halves' Dense layers in the order their seeds are drawn."""
    layers = []
    for half in (encoder, decoder):
        layer = shortcut(half)
        layers += [
            layer.linear,
            *([] if layer.network is None else layer.network.layers),
        ]
    return layers


# Keras casts a seed it takes as a Python int to a TensorFlow seed in ways that
# differ between versions from this value up (a modulus of 2**31 - 2 in some).
_TRACED_SEEDS_BELOW = 2**31 - 2


def make_reseed(encoder, decoder):
    """``reseed(seeds)``: :func:`reseed` of these halves as one traced call.

    Drawing a kernel through Keras's initializer costs about 1 ms of eager
    TensorFlow operations, and a fit of the default network draws eight; the
    traced call draws and assigns them all in about 1 ms. It runs what Keras's
    ``GlorotUniform(seed)`` runs on the TensorFlow backend, a stateless uniform
    draw from the seed ``[seed, 0]`` between ``-limit`` and ``limit``, so the
    values are Keras's. A draw made beside Keras's when the function is made
    checks this: where they differ (another Keras), and for seeds that Keras
    versions cast differently, :func:`reseed` draws instead.
    """
    tf = import_tensorflow()
    keras = import_keras()
    layers = _seeded_layers(encoder, decoder)
    limits = []
    for dense in layers:
        fan_in, fan_out = dense.kernel.shape  # Keras's VarianceScaling, fan_avg
        limits.append(math.sqrt(3.0 * (1.0 / max(1.0, (fan_in + fan_out) / 2.0))))

    def draw(dense, limit, seed):
        dtype = dense.kernel.dtype
        return tf.random.stateless_uniform(
            dense.kernel.shape,
            seed=seed,
            minval=tf.cast(-limit, dtype),
            maxval=tf.cast(limit, dtype),
            dtype=dtype,
        )

    @tf.function(input_signature=[tf.TensorSpec([len(layers), 2], tf.int32)])
    @tf.autograph.experimental.do_not_convert
    def assign(seeds):
        for i, (dense, limit) in enumerate(zip(layers, limits, strict=True)):
            dense.kernel.assign(draw(dense, limit, seeds[i]))
            dense.bias.assign(tf.zeros(dense.bias.shape, dense.bias.dtype))

    # One trace per kept set, by design (see _training.make_epoch_function).
    assign._omit_frequent_tracing_warning = True
    probe = layers[0]
    keras_draw = keras.initializers.GlorotUniform(seed=1)(
        probe.kernel.shape, dtype=probe.kernel.dtype
    )
    same = np.array_equal(
        np.asarray(keras_draw), draw(probe, limits[0], tf.constant([1, 0])).numpy()
    )

    def reseed_all(seeds):
        values = [int(next(seeds)) for _ in layers]
        if not same or max(values) >= _TRACED_SEEDS_BELOW:
            reseed(encoder, decoder, iter(values))
            return
        assign(tf.constant([[value, 0] for value in values], tf.int32))

    return reseed_all


def reseed_noise(core, seed):
    """Restart the training noise of ``core`` (see :func:`training_core`) from
    ``seed``, as a noise layer made with that seed starts."""
    keras = import_keras()
    for layer in core.layers:
        if isinstance(layer, keras.layers.GaussianNoise):
            fresh = keras.random.SeedGenerator(seed)
            layer.seed_generator.state.assign(fresh.state.value)


def training_core(
    encoder, decoder, scale, as_they_are, noise=(0.0, None), sparsity=0.0
):
    """The float32 model that training fits, over the layers of ``encoder`` and
    ``decoder`` (see :func:`build_autoencoder`, whose arguments these are)."""
    keras = import_keras()
    from .layers import CodeSparsity, TrainingNoise

    # Training sees standardised rows and codes, or the data's units as they are;
    # a float64 output (a built-in decoder's there, a linear autoencoder's) is cast
    # to the rows' float32.
    layers = (
        [encoder, decoder] if as_they_are else [shortcut(encoder), shortcut(decoder)]
    )
    layers.append(keras.layers.Identity(dtype="float32"))
    n_features = decoder.outputs[0].shape[-1]
    if sparsity:
        layers.insert(1, CodeSparsity(sparsity, name="sparsity"))
    stddev, seed = noise
    if stddev:
        stddev = float(stddev * (scale if as_they_are else 1.0))
        layers.insert(0, TrainingNoise(stddev, seed=seed, name="noise"))
    return keras.Sequential([keras.Input((n_features,)), *layers], name="core")


def built_in_half(
    n_out, sizes, activation, init, prefix, name, network=None, dtype=None
):
    """A :class:`~skae.layers.LinearShortcut` of ``n_out`` units with the built-in
    network of hidden ``sizes`` beside it (none for ``()``), or the user's
    ``network``, gated; ``dtype``: the layer's (Keras's default, float32, for
    ``None``).

    ``init()`` gives each Dense layer's kernel initialiser, the linear map's first:
    seeds are drawn in that order whether or not the built-in network is used.
    """
    keras = import_keras()
    from .layers import LinearShortcut

    layer = LinearShortcut(n_out, kernel_initializer=init(), dtype=dtype, name=name)
    layer.gated = network is not None
    if sizes:
        layers = [
            keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer=init(),
                name=f"{prefix}_hidden_{i}",
            )
            for i, units in enumerate(sizes)
        ]
        layers.append(keras.layers.Dense(n_out, kernel_initializer=init(), name="out"))
        if network is None:
            network = keras.Sequential(layers, name=f"{prefix}_network")
    layer.network = network
    return layer


def user_network(spec, n_inputs, n_outputs, role):
    """The Keras model that ``spec`` (a model, or a callable making one) gives.

    A model is copied, weights included, so the user's object is never trained. The
    result must map rows of ``n_inputs`` values to rows of ``n_outputs`` values.
    """
    import pickle

    keras = import_keras()
    if isinstance(spec, keras.Model):
        model = pickle.loads(pickle.dumps(spec))
    else:
        model = spec(
            n_features=n_inputs if role == "encoder" else n_outputs,
            n_components=n_outputs if role == "encoder" else n_inputs,
        )
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"The {role} must be a Keras model or a callable returning one; got "
            f"{type(model).__name__}."
        )
    shape = tuple(model(np.zeros((2, n_inputs), np.float32), training=False).shape)
    if shape != (2, n_outputs):
        raise ValueError(
            f"The {role} must map rows of {n_inputs} values to rows of "
            f"{n_outputs} values (X stays 2-D: reshape inside the model); it "
            f"gives shape {shape[1:]} per row."
        )
    return model


def tie(encoder, decoder):
    """Tie the built-in decoder's kernels to the transposes of the encoder's."""
    shortcut(decoder).tie(shortcut(encoder))


def copy_tied_kernels(decoder):
    """Give a tied decoder's own kernels the values it computes with."""
    layer = shortcut(decoder)
    if layer is not None and layer.tied_to is not None:
        layer.copy_tied_kernels()


def shortcut(model):
    """The :class:`~skae.layers.LinearShortcut` of an encoder or decoder, or
    ``None`` for a user's network used as it is."""
    from .layers import LinearShortcut

    layers = [layer for layer in model.layers if isinstance(layer, LinearShortcut)]
    return layers[0] if layers else None


def _dense_ends(network):
    """The network's first and last layers if both are Dense, else ``None``."""
    keras = import_keras()
    layers = getattr(network, "layers", [])
    dense = keras.layers.Dense
    if layers and isinstance(layers[0], dense) and isinstance(layers[-1], dense):
        return layers[0], layers[-1]
    return None


def init_from_pca(encoder, decoder, basis, center):
    """Set the linear maps to PCA's projection and silence the networks beside them.

    ``basis`` is an orthonormal ``(n_features, n_components)`` matrix of principal
    directions of the standardised training rows, and ``center`` their mean. A
    gated network is silenced by its gate, the built-in one by its last layer.
    """
    set_linear_maps(encoder, decoder, basis, center)
    silence_networks(encoder, decoder)


def set_linear_maps(encoder, decoder, basis, center):
    """Set the linear maps to PCA's projection (see :func:`init_from_pca`),
    leaving the networks beside them as they are."""
    code, reconstruction = shortcut(encoder), shortcut(decoder)
    code.linear.set_weights([basis, -center @ basis])
    reconstruction.linear.set_weights([basis.T, center])


def silence_networks(encoder, decoder):
    """Make the networks beside the linear maps output zero: a gated network by
    its gate, the built-in one by its last layer."""
    for layer in (shortcut(encoder), shortcut(decoder)):
        if layer.network is None:
            continue
        if layer.gated:
            layer.gate.assign(np.zeros(layer.units))
        else:
            last = layer.network.layers[-1]
            last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    _silence_tied_network(shortcut(decoder))


def _silence_tied_network(layer):
    """Silence a tied decoder's network, whose last kernel is the encoder's first
    hidden kernel (transposed), which zeroing its own does not change.

    Its first kernel is the encoder's last, now zero, so each of its hidden layers
    gives a constant, whatever the code: the activation of its bias (not 0 for an
    activation such as the logistic, nor for trained biases). Its output is then
    the same for every code; subtracting that from the last bias makes it zero.
    """
    if layer is None or layer.tied_to is None or layer.network is None:
        return
    code = np.zeros((1, layer.tied_to.linear.kernel.shape[1]), np.float32)
    deep = np.asarray(layer(code))[0] - np.asarray(layer.linear.bias)
    if deep.any():
        last = layer.network.layers[-1]
        last.bias.assign(np.asarray(last.bias) - deep)


def permute_code(encoder, decoder, order, output_order=None):
    """Reorder the code units, leaving ``x -> reconstruction`` unchanged.

    ``output_order`` reorders the encoder's outputs where they are more than the
    code (a variational encoder's means and log-variances); by default ``order``.

    Returns ``False`` (and changes nothing) where a half is a user's network as it
    is, or a network's code-side layer is not Dense: their units cannot be reordered
    from outside.
    """
    code, reconstruction = shortcut(encoder), shortcut(decoder)
    if code is None or reconstruction is None:
        return False
    outputs, inputs = [code.linear], [reconstruction.linear]
    if code.network is not None:
        ends = _dense_ends(code.network)
        if ends is None:
            return False
        outputs.append(ends[1])
    if reconstruction.network is not None:
        ends = _dense_ends(reconstruction.network)
        if ends is None:
            return False
        inputs.append(ends[0])
    output_order = order if output_order is None else output_order
    for layer in outputs:
        kernel, *bias = layer.get_weights()
        layer.set_weights([kernel[:, output_order]] + [b[output_order] for b in bias])
    for layer in inputs:
        kernel, *bias = layer.get_weights()
        layer.set_weights([kernel[order]] + bias)
    if code.gated:
        code.gate.assign(np.asarray(code.gate)[output_order])
    return True


def fit_pca(X_std, n_components, random_state, **options):
    """PCA of the standardised training rows: the start of ``init="pca"``.

    ``n_components`` is PCA's: an int is capped by the rank the rows can have; a
    float in (0, 1) keeps the smallest number of components explaining that
    fraction of variance, ``"mle"`` Minka's estimate, ``None`` all of them.
    ``options`` are PCA's solver settings (``svd_solver``, ``iterated_power``, ...).
    """
    from sklearn.decomposition import PCA

    if isinstance(n_components, Integral):
        n_components = min(n_components, *X_std.shape)
    elif options.get("svd_solver", "auto") == "auto":
        options = {**options, "svd_solver": "full"}  # as PCA picks for these sizes
    return PCA(n_components, random_state=random_state, **options).fit(X_std)


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
