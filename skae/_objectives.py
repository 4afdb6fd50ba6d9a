"""What skae optimises and how it scores a reconstruction.

The network trains on standardised rows ``x_std = (x - mean) / s``, where ``s`` is the
root mean feature variance of the training data, so the mean squared error on
``x_std`` is the fraction of variance left unexplained, whatever the units of ``X``.
Scores are the variance-weighted reconstruction R^2::

    R^2 = 1 - sum((X - X_hat)**2) / sum((X - X.mean(axis=0))**2)

which is ``explained_variance_ratio_.sum()`` for PCA on its training data.
"""

import numpy as np

# Values per chunk of rows in the passes below: 4 MiB of float64, so that no pass
# over a large X allocates a temporary as large as X (MNIST's 60,000 rows would take
# 376 MB each, and the page faults of such temporaries cost more than the arithmetic).
_CHUNK_VALUES = 2**19


def _row_chunks(X):
    """Slices of ``X``'s rows, about ``_CHUNK_VALUES`` values each."""
    step = max(1, _CHUNK_VALUES // max(1, X.shape[1]))
    return [slice(start, start + step) for start in range(0, X.shape[0], step)]


def _peak(X, shift=None):
    """``max(|X - shift|)`` (``shift`` a row, or none), chunk by chunk."""
    peak = 0.0
    for rows in _row_chunks(X):
        part = X[rows] if shift is None else X[rows] - shift
        peak = max(peak, float(np.max(np.abs(part), initial=0.0)))
    return peak


def _sum_of_squares(X, shift=None, exponent=0):
    """``sum(((X - shift) * 2**-exponent)**2)`` in float64, chunk by chunk."""
    total = 0.0
    for rows in _row_chunks(X):
        part = X[rows].astype(np.float64)
        if shift is not None:
            part -= shift
        if exponent:
            part = np.ldexp(part, -exponent, out=part)
        total += _squares_sum(part)
    return total


def _squares_sum(part):
    """``sum(part**2)``, squaring in place: NumPy's pairwise sum, whose result does
    not depend on the number of BLAS threads (``numpy.dot``'s does, so a joblib or
    Dask worker, which runs BLAS on one thread, would differ in the last bits)."""
    return float(np.sum(np.square(part, out=part)))


def standardization(X):
    """Per-feature mean and one scale ``s`` (root mean feature variance) of ``X``.

    Computed without overflow or underflow for any finite float64 data: rows beyond
    the range where squares are safe are first brought near 1 by a power of two,
    which is exact. ``s`` (a ``numpy.float64``) is 0 for data without variance.
    """
    peak = _peak(X)
    if peak == 0.0:
        return np.zeros(X.shape[1]), np.float64(0.0)
    exponent = 0
    if not 1e-100 < peak < 1e100:
        exponent = int(np.frexp(peak)[1])
        X = np.ldexp(X, -exponent)
    # In float64 for float32 rows too, whose squares underflow below about 1e-19.
    mean = exact_constants(X.mean(axis=0, dtype=np.float64), X.min(0), X.max(0))
    scale = np.sqrt(_sum_of_squares(X, mean) / X.size)  # mean feature variance
    return np.ldexp(mean, exponent), np.float64(np.ldexp(scale, exponent))


def exact_constants(mean, low, high):
    """``mean`` with the value of each constant column (``low == high``) in place
    of its rounded mean: the mean of identical values is not always that value in
    float64 (eight rows of 0.1 average 0.10000000000000002), which would give a
    column without variance a spread of rounding errors."""
    constant = low == high
    mean[constant] = low[constant]
    return mean


def standardize(X, mean, scale):
    """``(X - mean) / scale`` in float64, checked to fit the network's float32."""
    X_std = np.empty(X.shape)
    limit = np.finfo(np.float32).max
    with np.errstate(over="ignore", invalid="ignore"):
        for rows in _row_chunks(X):
            part = np.subtract(X[rows], mean, out=X_std[rows])
            part /= scale
            if not np.max(np.abs(part), initial=0.0) <= limit:
                raise ValueError(
                    "X cannot be standardised into float32, the precision the "
                    "network computes in: (X - mean) / scale overflows. Rescale or "
                    "clip the columns whose values reach the limits of float64."
                )
    return X_std


def r2_from_sums(residual_ss, total_ss):
    """``1 - residual_ss / total_ss``, with scikit-learn's convention for ``0 / 0``.

    Data without variance score 1.0 when reconstructed exactly and 0.0 otherwise,
    as :func:`sklearn.metrics.r2_score` does (``force_finite=True``).
    """
    if total_ss == 0:
        return 1.0 if residual_ss == 0 else 0.0
    return float(1.0 - residual_ss / total_ss)


def reconstruction_r2(X, X_hat, scale=None):
    """Variance-weighted R^2 of the reconstruction ``X_hat`` of ``X``.

    Both sums of squares are taken in float64 on rows divided by a power of two near
    the data's spread, so the ratio is the same for ``c * X`` and ``c * X_hat`` at
    any scale. ``scale``, where known, is :func:`standardization`'s of ``X`` (its
    root mean feature variance, positive): the total sum of squares is then
    ``scale**2 * X.size``, without three passes over ``X``.
    """
    if scale is None:
        mean = X.mean(axis=0, dtype=np.float64)
        peak = _peak(X, mean)
        exponent = int(np.frexp(peak)[1]) if peak > 0 else 0
        total_ss = _sum_of_squares(X, mean, exponent)
    else:
        exponent = int(np.frexp(scale)[1])
        total_ss = float(np.ldexp(scale, -exponent)) ** 2 * X.size
    residual_ss = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for rows in _row_chunks(X):
            part = np.subtract(X[rows], X_hat[rows], dtype=np.float64)
            part = np.ldexp(part, -exponent, out=part)
            residual_ss += _squares_sum(part)
    return r2_from_sums(residual_ss, total_ss)


class _TensorFunction:
    """A function of tensors, run eagerly or inside a traced epoch.

    It takes the TensorFlow module when it is made, outside any trace: inside one,
    autograph would try to convert the import helper (and warn that it cannot).
    """

    def __init__(self):
        from ._backend import import_tensorflow

        self.tf = import_tensorflow()


class SquaredError(_TensorFunction):
    """``error(model, X)``: the sum of squared reconstruction errors of the rows
    ``X`` through ``model`` (at inference), as a tensor. What judges weights on rows
    outside training."""

    def __call__(self, model, X):
        tf = self.tf
        return tf.reduce_sum(tf.square(model(X, training=False) - X))


class ReconstructionMSE(_TensorFunction):
    """``loss(y_true, y_pred)``: the mean squared error times ``inverse_variance``,
    as a Keras loss is called. On standardised rows (``inverse_variance=1``) it is
    the fraction of variance left unexplained."""

    def __init__(self, inverse_variance):
        super().__init__()
        self.inverse_variance = inverse_variance

    def __call__(self, y_true, y_pred):
        tf = self.tf
        return tf.reduce_mean(tf.square(y_pred - y_true)) * (self.inverse_variance)


class KerasLoss(_TensorFunction):
    """``loss(y_true, y_pred)``: a Keras loss, averaged over the batch, applied in
    the data's units: to the rows as they are, or (given their standardisation's
    ``mean`` and ``scale``) to standardised rows brought back to those units."""

    def __init__(self, keras_loss, mean=None, scale=None):
        super().__init__()
        self.keras_loss, self.mean, self.scale = keras_loss, mean, scale

    def __call__(self, y_true, y_pred):
        tf, mean, scale = self.tf, self.mean, self.scale
        if scale is None:
            return tf.reduce_mean(self.keras_loss(y_true, y_pred))
        return tf.reduce_mean(
            self.keras_loss(y_true * scale + mean, y_pred * scale + mean)
        )


MSE_NAMES = ("mse", "mean_squared_error")


def make_loss(loss, mean, scale, standardized=True):
    """The training objective, ``loss(X, X_hat)``, on the rows training sees.

    ``"mse"`` is the mean squared error over the mean feature variance: the fraction
    of variance left unexplained, the same whatever the units of X (on standardised
    rows, the variance is 1). Any other Keras loss (a name, a ``keras.losses.Loss``
    or a function ``(y_true, y_pred)``) is applied in the data's units, in float32,
    as Keras would apply it: for example ``"binary_crossentropy"`` to pixels in
    [0, 1]. ``standardized`` says whether training sees ``(X - mean) / scale``
    (skae's networks, and the user's beside PCA's map) or X itself (the user's
    networks as they are).
    """
    mean, scale = np.float32(mean), np.float32(scale)
    if isinstance(loss, str) and loss in MSE_NAMES:
        return ReconstructionMSE(np.float32(1.0) if standardized else 1 / scale**2)
    from ._backend import import_keras

    keras_loss = import_keras().losses.get(loss)
    if not standardized:
        return KerasLoss(keras_loss)
    return KerasLoss(keras_loss, mean, scale)


def make_optimizer(optimizer, learning_rate):
    """A new Keras optimizer with ``learning_rate``; the user's object is not used.

    ``optimizer`` is a name (``"adam"``), a class, or an instance whose other
    settings are kept. The name is fixed per class: TensorFlow keeps about 35 KB for
    every distinct variable name, and auto-named optimizers make new ones per fit.
    """
    from ._backend import import_keras

    keras = import_keras()
    if isinstance(optimizer, str):
        config, cls = {}, type(keras.optimizers.get(optimizer))
    elif isinstance(optimizer, type):
        config, cls = {}, optimizer
    else:
        config, cls = optimizer.get_config(), type(optimizer)
    config.update(learning_rate=learning_rate, name=f"skae_{cls.__name__.lower()}")
    return cls.from_config(config)


def gaussian_nll(squares, variance, n_features, ops):
    """``-log N(x; x_hat, variance * I)`` per row, from ``squares = |x - x_hat|^2``.

    ``ops`` is NumPy or ``keras.ops``: the one formula serves scoring in float64 and
    training in traced float32.
    """
    log_2pi = float(np.log(2 * np.pi))
    return 0.5 * squares / variance + 0.5 * n_features * (log_2pi + ops.log(variance))


def kl_to_standard_normal(mu, log_var, ops):
    """``KL(N(mu, diag(exp(log_var))) || N(0, I))`` per row, in nats."""
    return 0.5 * ops.sum(ops.square(mu) + ops.exp(log_var) - 1.0 - log_var, axis=1)
