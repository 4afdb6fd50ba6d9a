"""Keras layers that skae builds into its models.

Keras finds custom layers by their registered name, so import this module before
loading, on its own, a Keras model that skae built (``keras.saving.load_model`` of a
saved ``model_``, or ``pickle.load`` of ``model_`` alone). Unpickling an
:class:`~skae.AutoencoderTransformer` imports it by itself. Importing this module
imports Keras and TensorFlow.
"""

import numpy as np

from ._backend import import_keras
from ._objectives import kl_to_standard_normal

keras = import_keras()

__all__ = [
    "CodeScale",
    "CodeSparsity",
    "LinearShortcut",
    "NoiseVariance",
    "Reparameterize",
    "Standardize",
]


@keras.saving.register_keras_serializable(package="skae")
class Standardize(keras.layers.Layer):
    """Standardise rows with a per-feature mean and one scale, in float64.

    Computes ``(x - mean) / scale``, or ``x * scale + mean`` with ``invert=True``.
    ``mean`` (one value per feature) and ``scale`` (a scalar) are non-trainable
    float64 weights, set with ``set_weights([mean, scale])``.

    Keras's ``Normalization`` keeps the variance in the layer's dtype and floors the
    standard deviation at 1e-7, so data in units of 1e-10 or 1e20 lose their scale
    or overflow in float32; in float64 every scale that float64 data can have is
    kept exactly. The output is float64; the float32 layers after it cast it.

    Parameters
    ----------
    invert : bool, default=False
        Undo the standardisation instead of applying it.

    **kwargs
        Keras layer arguments (``name``, ...). ``dtype`` defaults to ``"float64"``.
    """

    def __init__(self, invert=False, **kwargs):
        kwargs.setdefault("dtype", "float64")
        super().__init__(**kwargs)
        self.invert = bool(invert)

    def build(self, input_shape):
        self.mean = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", trainable=False, name="mean"
        )
        self.scale = self.add_weight(
            shape=(), initializer="ones", trainable=False, name="scale"
        )

    def call(self, inputs):
        if self.invert:
            return inputs * self.scale + self.mean
        return (inputs - self.mean) / self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "invert": self.invert}


@keras.saving.register_keras_serializable(package="skae")
class CodeScale(Standardize):
    """The codes' units: a :class:`Standardize` whose mean is zero.

    skae's networks compute codes of standardised rows; this layer puts them in
    the data's units, as ``PCA.transform``'s scores are: ``x * scale`` with
    ``invert=True`` (the end of skae's encoder), ``x / scale`` otherwise (the
    start of its decoder). ``scale`` is the data's (one scalar, a non-trainable
    float64 weight), so a linear autoencoder at PCA's solution codes rows as
    ``PCA.transform`` does, and training, which runs between these layers, is the
    same at any scale of the data.
    """


@keras.saving.register_keras_serializable(package="skae")
class LinearShortcut(keras.layers.Layer):
    """A linear map with a network beside it: ``Dense(units)(x) + network(x)``.

    skae's encoder and decoder each hold one: the linear map (``linear``) starts at
    PCA's projection and the network (``network``, any Keras layer or model, or
    ``None``) starts silent, so training starts from PCA's reconstruction. The
    built-in network is silent because its last layer starts at zero; a network of
    the user's is multiplied by ``gate``, a trainable vector that starts at zero
    (``gated=True``).

    Parameters
    ----------
    units : int
        Output width.

    network : keras.layers.Layer or None, default=None
        The network beside the linear map; its output must have ``units`` columns.

    gated : bool, default=False
        Multiply the network's output by a trainable ``gate`` of ``units`` values.

    kernel_initializer : initializer, default='glorot_uniform'
        The linear map's kernel initializer.

    tied : bool, default=False
        Whether the layer is tied (see :meth:`LinearShortcut.tie`): its own kernels
        do not train. Saved in the config, so that a loaded model trains the same
        variables; the shortcut it is tied to is not, and must be given again with
        :meth:`LinearShortcut.tie`.

    **kwargs
        Keras layer arguments (``name``, ...).
    """

    def __init__(
        self,
        units,
        network=None,
        gated=False,
        kernel_initializer="glorot_uniform",
        tied=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.gated = bool(gated)
        self.tied = bool(tied)
        # Before the network: Keras orders variables (and an optimizer's slots) by
        # when sublayers were attached, and a rebuilt layer must list them alike.
        self.linear = keras.layers.Dense(
            self.units,
            kernel_initializer=kernel_initializer,
            dtype=self.dtype_policy,
            name="linear",
        )
        self.network = network

    def build(self, input_shape):
        self.linear.build(input_shape)
        if self.network is not None and not self.network.built:
            self.network.build(input_shape)
        if self.gated:
            self.gate = self.add_weight(
                shape=(self.units,), initializer="zeros", name="gate"
            )
        if self.tied:
            self._freeze_own_kernels()

    def _freeze_own_kernels(self):
        dense = [self.linear]
        if self.network is not None:
            dense += self.network.layers
        for layer in dense:
            layer.kernel.trainable = False

    def call(self, inputs, training=None):
        if self.tied_to is not None:
            return self._tied_call(inputs)
        outputs = self.linear(inputs)
        if self.network is None:
            return outputs
        deep = self.network(inputs, training=training)
        return outputs + (deep * self.gate if self.gated else deep)

    @property
    def tied_to(self):
        """The shortcut whose kernels this one uses transposed, or ``None``."""
        return self.__dict__.get("_tied_to")

    def tie(self, source):
        """Use ``source``'s kernels, transposed, in place of this layer's own.

        ``source`` is the encoder's shortcut of a built-in network (its network, if
        any, a Sequential of Dense layers); this layer's network mirrors it. The
        biases stay this layer's own. Its own kernels stop training and hold copies
        of the transposes after :meth:`copy_tied_kernels`. The tie is not part of
        the layer's config: a saved model loads untied, with those copies, and
        :class:`~skae.AutoencoderTransformer` ties it again when unpickled.
        """
        # Not an attribute that Keras tracks: the encoder's variables must not
        # become this layer's (saving would hold them twice).
        object.__setattr__(self, "_tied_to", source)
        self.tied = True
        self._freeze_own_kernels()

    def _tied_pairs(self):
        """``(source Dense, own Dense)`` pairs, the linear maps first."""
        source = self.tied_to
        pairs = [(source.linear, self.linear)]
        if self.network is not None:
            pairs += zip(source.network.layers[::-1], self.network.layers, strict=True)
        return pairs

    def _tied_call(self, inputs):
        ops = keras.ops
        pairs = self._tied_pairs()
        source, own = pairs[0]
        outputs = ops.matmul(inputs, ops.transpose(source.kernel)) + own.bias
        deep = inputs
        for source, own in pairs[1:]:
            deep = own.activation(
                ops.matmul(deep, ops.transpose(source.kernel)) + own.bias
            )
        return outputs + deep if len(pairs) > 1 else outputs

    def copy_tied_kernels(self):
        """Set this layer's own kernels to the transposes it uses (for inference)."""
        for source, own in self._tied_pairs():
            own.kernel.assign(keras.ops.transpose(source.kernel))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        network = self.network
        if network is not None:
            network = keras.saving.serialize_keras_object(network)
        return {
            **super().get_config(),
            "units": self.units,
            "network": network,
            "gated": self.gated,
            "tied": self.tied,
        }

    @classmethod
    def from_config(cls, config):
        """The layer of ``get_config()``'s ``config``, its network rebuilt by Keras."""
        config = dict(config)
        if config.get("network") is not None:
            config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="skae")
class TrainingNoise(keras.layers.GaussianNoise):
    """Keras's ``GaussianNoise`` without its bound of 1 on ``stddev``.

    skae's ``noise`` is in units of the data's spread, where a value above 1 (noise
    louder than the signal) is a legitimate, if strong, denoising setting. The
    noise is drawn as ``GaussianNoise`` draws it, in training only.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(min(stddev, 1.0), seed=seed, **kwargs)
        self.stddev = stddev


@keras.saving.register_keras_serializable(package="skae")
class CodeSparsity(keras.layers.Layer):
    """Identity that adds ``weight * mean(|x|) / sqrt(mean(x ** 2))`` to the model's
    losses in training.

    skae puts it after the code of the model it trains (a sparse autoencoder). The
    means are over the batch's rows and units. The ratio of the L1 to the L2 norm
    (Hoyer, 2004) does not change when the code is scaled, so the decoder cannot
    undo the penalty by scaling up while the code shrinks, as it does an L1
    penalty's; it is the same in any units, and lowest when a few of the batch's
    code values are large and the rest near zero.

    Parameters
    ----------
    weight : float
        Weight of the penalty.
    """

    def __init__(self, weight, **kwargs):
        super().__init__(**kwargs)
        self.weight = float(weight)

    def call(self, inputs, training=None):
        if training:
            ops = keras.ops
            l1 = ops.mean(ops.abs(inputs))
            l2 = ops.sqrt(ops.mean(ops.square(inputs)) + 1e-12)
            self.add_loss(self.weight * l1 / l2)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


@keras.saving.register_keras_serializable(package="skae")
class Reparameterize(keras.layers.Layer):
    """A variational autoencoder's code: a draw from the posterior in training, its
    mean at inference.

    The input holds, per row, the posterior means ``mu`` of the ``n_components``
    code units followed by their log-variances ``log_var``. In training the layer
    returns ``mu + exp(log_var / 2) * eps`` with ``eps`` standard normal (the
    reparameterisation trick, Kingma & Welling, 2014) and adds ``kl_weight`` times
    the batch's mean Kullback-Leibler divergence from the standard normal prior,
    ``0.5 * sum(mu**2 + exp(log_var) - 1 - log_var)``, to the model's losses. At
    inference it returns ``mu``.

    Parameters
    ----------
    n_components : int
        Number of code units (half the input's width).

    kl_weight : float, default=1.0
        Weight of the divergence in the loss.

    seed : int or None, default=None
        Seed of the draws: the same seed gives the same sequence of draws.
    """

    def __init__(self, n_components, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.n_components = int(n_components)
        self.kl_weight = float(kl_weight)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        ops = keras.ops
        mu = inputs[:, : self.n_components]
        if not training:
            return mu
        log_var = inputs[:, self.n_components :]
        kl = kl_to_standard_normal(mu, log_var, ops)
        self.add_loss(self.kl_weight * ops.mean(kl))
        eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
        return mu + ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.n_components)

    def get_config(self):
        return {
            **super().get_config(),
            "n_components": self.n_components,
            "kl_weight": self.kl_weight,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="skae")
class NoiseVariance(keras.layers.Layer):
    """Identity that holds a Gaussian decoder's noise variance as a weight.

    A variational autoencoder's decoder gives the mean of ``p(x | z)``, a Gaussian
    with the same variance for every feature (as probabilistic PCA's). The variance
    is ``exp(log_variance)``, a trainable scalar, floored at ``floor``.

    Parameters
    ----------
    floor : float, default=1e-6
        Smallest variance: where the code reconstructs the rows exactly, the
        likelihood would grow without bound as the variance goes to 0.
    """

    def __init__(self, floor=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.floor = float(floor)

    def build(self, input_shape):
        self.log_variance = self.add_weight(
            shape=(), initializer="zeros", name="log_variance"
        )

    @property
    def variance(self):
        """The noise variance, a scalar tensor."""
        ops = keras.ops
        return ops.exp(ops.maximum(self.log_variance, float(np.log(self.floor))))

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "floor": self.floor}
