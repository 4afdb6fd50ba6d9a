"""Keras layers that skae builds into its models.

Keras finds custom layers by their registered name, so import this module before
loading, on its own, a Keras model that skae built (``keras.saving.load_model`` of a
saved ``model_``, or ``pickle.load`` of ``model_`` alone). Unpickling an
:class:`~skae.AutoencoderTransformer` imports it by itself. Importing this module
imports Keras and TensorFlow.
"""

from ._backend import import_keras

keras = import_keras()

__all__ = ["Standardize"]


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
