"""Ready-made recurrent encoders and decoders for rows that are sequences."""

import math

from ._backend import import_keras
from ._builder import ModelBuilder

# The recurrent layers the builders take, by the name ``cell`` gives.
CELLS = ("lstm", "gru")


def recurrent_encoder(sequence_shape, units=(32,), cell="lstm", seed=0):
    """A recurrent encoder for rows that are sequences, for ``encoder=``.

    Each row of X (which stays 2-D) is read as ``sequence_shape`` = ``(timesteps,
    features_per_step)``, the flattened sequence, time first, as
    ``X[i].reshape(timesteps, features_per_step)`` gives it. It goes through one
    recurrent layer (LSTM or GRU) per entry of ``units``, each but the last
    returning its whole sequence; a ``Dense`` layer maps the last layer's final
    state to the code. The settings are a :class:`~skae.ModelBuilder`'s, so
    ``GridSearchCV(ae, {"encoder__units": [(16,), (32,)]})`` searches them.

    Parameters
    ----------
    sequence_shape : tuple of int or int
        ``(timesteps, features_per_step)``, with their product ``n_features``; an
        int (or a 1-tuple) is the number of timesteps of one feature each.

    units : tuple of int, default=(32,)
        Units of the recurrent layers, input side first.

    cell : {'lstm', 'gru'}, default='lstm'
        Keras's ``LSTM`` or ``GRU`` layers.

    seed : int, default=0
        Seeds the initialisers (kernels and recurrent kernels), so that fits with
        the same ``random_state`` repeat.

    Returns
    -------
    builder : ModelBuilder
        Builds the encoder at fit.

    Examples
    --------
    >>> from skae import AutoencoderTransformer
    >>> from skae import recurrent_decoder, recurrent_encoder
    >>> ae = AutoencoderTransformer(4, encoder=recurrent_encoder((16, 2)),
    ...                             decoder=recurrent_decoder((16, 2)))
    """
    return _builder(build_recurrent_encoder, sequence_shape, units, cell, seed)


def recurrent_decoder(sequence_shape, units=(32,), cell="lstm", seed=0):
    """A recurrent decoder for rows that are sequences, for ``decoder=``.

    The mirror of :func:`recurrent_encoder`: a ``Dense`` layer maps the code to a
    state of ``units[0]`` values, repeated at every timestep; one recurrent layer
    per entry of ``units`` (each returning its whole sequence) and a linear
    ``Dense`` layer applied at every step give the ``sequence_shape`` sequence,
    flattened back to a row.

    Parameters
    ----------
    sequence_shape : tuple of int or int
        ``(timesteps, features_per_step)``, as :func:`recurrent_encoder` takes it.

    units : tuple of int, default=(32,)
        Units of the recurrent layers, code side first.

    cell : {'lstm', 'gru'}, default='lstm'
        Keras's ``LSTM`` or ``GRU`` layers.

    seed : int, default=0
        Seeds the initialisers.

    Returns
    -------
    builder : ModelBuilder
        Builds the decoder at fit.
    """
    return _builder(build_recurrent_decoder, sequence_shape, units, cell, seed)


def _builder(build, sequence_shape, units, cell, seed):
    return ModelBuilder(
        build,
        sequence_shape=_as_tuple(sequence_shape),
        units=_as_tuple(units),
        cell=cell,
        seed=seed,
    )


def _as_tuple(value):
    return (value,) if isinstance(value, int) else tuple(value)


def _sequence(n_features, sequence_shape, units, cell):
    """``(timesteps, features_per_step)``, checked against the rows and settings."""
    shape = tuple(int(size) for size in _as_tuple(sequence_shape))
    if len(shape) == 1:
        shape = (*shape, 1)
    if len(shape) != 2 or min(shape) < 1 or math.prod(shape) != n_features:
        raise ValueError(
            f"sequence_shape {tuple(_as_tuple(sequence_shape))} does not hold the "
            f"{n_features} features of a row; give (timesteps, features_per_step) "
            "with timesteps * features_per_step == n_features."
        )
    if not units or not all(isinstance(u, int) and u > 0 for u in units):
        raise ValueError(
            f"units must hold at least one positive int (one recurrent layer "
            f"each); got {units!r}."
        )
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}.")
    return shape


def _recurrent_layer(keras, cell, units, seed, return_sequences):
    """An LSTM or GRU layer whose kernels are seeded (Keras's default recurrent
    initialiser, orthogonal, is not)."""
    layer = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    return layer(
        units,
        return_sequences=return_sequences,
        kernel_initializer=keras.initializers.GlorotUniform(seed),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 1),
    )


def build_recurrent_encoder(
    n_features, n_components, sequence_shape, units, cell, seed
):
    """The Keras model that :func:`recurrent_encoder` describes."""
    keras = import_keras()
    shape = _sequence(n_features, sequence_shape, units, cell)
    layers = [keras.Input((n_features,)), keras.layers.Reshape(shape)]
    for i, size in enumerate(units):
        last = i == len(units) - 1
        layers.append(_recurrent_layer(keras, cell, size, seed + 2 * i, not last))
    code_init = keras.initializers.GlorotUniform(seed + 2 * len(units))
    layers.append(keras.layers.Dense(n_components, kernel_initializer=code_init))
    return keras.Sequential(layers, name="recurrent_encoder")


def build_recurrent_decoder(
    n_features, n_components, sequence_shape, units, cell, seed
):
    """The Keras model that :func:`recurrent_decoder` describes."""
    keras = import_keras()
    timesteps, per_step = _sequence(n_features, sequence_shape, units, cell)
    layers = [
        keras.Input((n_components,)),
        keras.layers.Dense(
            units[0],
            activation="tanh",
            kernel_initializer=keras.initializers.GlorotUniform(seed),
        ),
        keras.layers.RepeatVector(timesteps),
    ]
    for i, size in enumerate(units):
        layers.append(_recurrent_layer(keras, cell, size, seed + 1 + 2 * i, True))
    step_init = keras.initializers.GlorotUniform(seed + 1 + 2 * len(units))
    layers += [
        keras.layers.Dense(per_step, kernel_initializer=step_init),  # at every step
        keras.layers.Flatten(),
    ]
    return keras.Sequential(layers, name="recurrent_decoder")
