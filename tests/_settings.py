"""Cheap constructor settings shared by the tests (as sklearn's INIT_PARAMS)."""

# A small, quick network: enough to exercise every code path in well under a second.
FAST = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)

# One instance per code path for scikit-learn's checks: deep from PCA's start (as the
# default), linear (closed form), deep from a random start with noise, sparsity and
# tied weights, the user's own networks (beside PCA's map; made after the functions
# below).
CHECKED = [
    FAST,
    {**FAST, "hidden_layer_sizes": ()},
    {**FAST, "init": "random", "noise": 0.5, "sparsity": 0.1, "tied_weights": True},
]

# The code paths that every promise must hold on, as constructor settings.
PATHS = {
    "linear-pca": dict(hidden_layer_sizes=()),
    "linear-random": dict(hidden_layer_sizes=(), init="random"),
    "deep-pca": dict(hidden_layer_sizes=(8,)),
    "deep-random": dict(hidden_layer_sizes=(8,), init="random"),
}


def _glorot(seed):
    import keras

    return keras.initializers.GlorotUniform(seed=seed)


def small_encoder(n_features, n_components, units=8):
    """A user's encoder: Dense, BatchNormalization, Dense (seeded, so fits repeat)."""
    import keras

    init = _glorot
    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(units, activation="relu", kernel_initializer=init(1)),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(n_components, kernel_initializer=init(2)),
        ]
    )


def small_decoder(n_features, n_components, units=8):
    """A user's decoder: an MLP that NumPy can mirror."""
    import keras

    init = _glorot
    return keras.Sequential(
        [
            keras.Input((n_components,)),
            keras.layers.Dense(units, activation="tanh", kernel_initializer=init(3)),
            keras.layers.Dense(n_features, kernel_initializer=init(4)),
        ]
    )


def _custom():
    from skae import ModelBuilder

    return {
        **FAST,
        "encoder": ModelBuilder(small_encoder),
        "decoder": ModelBuilder(small_decoder),
    }


CHECKED.append(_custom())


# The VariationalAutoencoder's code paths for scikit-learn's checks: deep from PPCA's
# start, linear (closed form), deep from a random start with another beta.
VAE_CHECKED = [
    FAST,
    {**FAST, "hidden_layer_sizes": ()},
    {**FAST, "init": "random", "beta": 0.5},
]
