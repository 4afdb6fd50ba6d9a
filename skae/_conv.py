"""Ready-made convolutional encoders and decoders for rows that are images."""

import math

from ._backend import import_keras
from ._builder import ModelBuilder


def conv_encoder(
    image_shape, filters=(16, 32), kernel_size=3, activation="relu", seed=0
):
    """A convolutional encoder for rows that are images, for ``encoder=``.

    Each row of X (which stays 2-D) is reshaped to ``image_shape``, goes through one
    ``Conv2D`` of stride 2 per entry of ``filters``, and a ``Dense`` layer gives the
    code. The settings are a :class:`~skae.ModelBuilder`'s, so
    ``GridSearchCV(ae, {"encoder__filters": [(8, 16), (16, 32)]})`` searches them.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``, with
        ``height * width * channels == n_features``; MNIST is ``(28, 28)``.

    filters : tuple of int, default=(16, 32)
        Filters of the convolutions, input side first; each halves the image's
        height and width.

    kernel_size : int, default=3
        Size of the convolution kernels.

    activation : str, default='relu'
        Keras activation of the convolutions; the code is linear.

    seed : int, default=0
        Seeds the initialisers, so that fits with the same ``random_state`` repeat.

    Returns
    -------
    builder : ModelBuilder
        Builds the encoder at fit.

    Examples
    --------
    >>> from skae import AutoencoderTransformer, conv_decoder, conv_encoder
    >>> ae = AutoencoderTransformer(16, encoder=conv_encoder((8, 8)),
    ...                             decoder=conv_decoder((8, 8)))
    """
    return _builder(
        build_conv_encoder, image_shape, filters, kernel_size, activation, seed
    )


def conv_decoder(
    image_shape, filters=(32, 16), kernel_size=3, activation="relu", seed=0
):
    """A convolutional decoder for rows that are images, for ``decoder=``.

    The mirror of :func:`conv_encoder`: a ``Dense`` layer maps the code to an image
    ``2 ** len(filters)`` times smaller with ``filters[0]`` channels, each further
    entry of ``filters`` is a ``Conv2DTranspose`` of stride 2, and a last linear one
    of stride 2 gives ``image_shape``, flattened back to a row.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)``; height and width must be
        multiples of ``2 ** len(filters)``.

    filters : tuple of int, default=(32, 16)
        Channels of the small image and of the transposed convolutions, code side
        first.

    kernel_size : int, default=3
        Size of the kernels.

    activation : str, default='relu'
        Keras activation of the hidden layers; the reconstruction is linear.

    seed : int, default=0
        Seeds the initialisers.

    Returns
    -------
    builder : ModelBuilder
        Builds the decoder at fit.
    """
    return _builder(
        build_conv_decoder, image_shape, filters, kernel_size, activation, seed
    )


def _builder(build, image_shape, filters, kernel_size, activation, seed):
    return ModelBuilder(
        build,
        image_shape=tuple(image_shape),
        filters=tuple(filters),
        kernel_size=kernel_size,
        activation=activation,
        seed=seed,
    )


def _image(n_features, image_shape, filters):
    """``(height, width, channels)``, checked against the rows and the strides."""
    shape = tuple(int(size) for size in image_shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or math.prod(shape) != n_features:
        raise ValueError(
            f"image_shape {tuple(image_shape)} does not hold the {n_features} "
            "features of a row; give (height, width) or (height, width, channels) "
            "with height * width * channels == n_features."
        )
    if not filters:
        raise ValueError("filters must name at least one convolution.")
    return shape


def build_conv_encoder(
    n_features, n_components, image_shape, filters, kernel_size, activation, seed
):
    """The Keras model that :func:`conv_encoder` describes."""
    keras = import_keras()
    shape = _image(n_features, image_shape, filters)
    layers = [keras.Input((n_features,)), keras.layers.Reshape(shape)]
    for i, units in enumerate(filters):
        layers.append(
            keras.layers.Conv2D(
                units,
                kernel_size,
                strides=2,
                padding="same",
                activation=activation,
                kernel_initializer=keras.initializers.GlorotUniform(seed + i),
            )
        )
    code_init = keras.initializers.GlorotUniform(seed + len(filters))
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(n_components, kernel_initializer=code_init),
    ]
    return keras.Sequential(layers, name="conv_encoder")


def build_conv_decoder(
    n_features, n_components, image_shape, filters, kernel_size, activation, seed
):
    """The Keras model that :func:`conv_decoder` describes."""
    keras = import_keras()
    height, width, channels = _image(n_features, image_shape, filters)
    factor = 2 ** len(filters)
    if height % factor or width % factor:
        raise ValueError(
            f"The decoder halves the image {len(filters)} times (one per filter), so "
            f"height and width must be multiples of {factor}; image_shape is "
            f"{tuple(image_shape)}. Give fewer filters."
        )
    small = (height // factor, width // factor, filters[0])
    layers = [
        keras.Input((n_components,)),
        keras.layers.Dense(
            math.prod(small),
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed),
        ),
        keras.layers.Reshape(small),
    ]
    sizes = (*filters[1:], channels)
    for i, units in enumerate(sizes, start=1):
        layers.append(
            keras.layers.Conv2DTranspose(
                units,
                kernel_size,
                strides=2,
                padding="same",
                activation=activation if i < len(sizes) else None,  # linear output
                kernel_initializer=keras.initializers.GlorotUniform(seed + i),
            )
        )
    layers.append(keras.layers.Flatten())
    return keras.Sequential(layers, name="conv_decoder")
