"""The training loop: one ``tf.function`` call per epoch, MLPRegressor's stopping rules.

Keras's ``Model.fit`` pays callbacks and an iterator step per batch (about 6x slower per
epoch on small data here) and its ``shuffle=True`` cannot be seeded without changing
global random state. Here every epoch runs inside one traced function over a batch order
drawn from a NumPy generator, so the same seed gives bit-identical weights.
"""

import contextlib

import numpy as np

from ._backend import import_keras, import_tensorflow


class History:
    """What a training run leaves behind, in MLPRegressor's vocabulary."""

    def __init__(self):
        self.loss_curve = []
        self.validation_scores = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.best_weights = None
        self.converged = False


def make_epoch_function(model, optimizer, n_features, batch_size, scale):
    """Trace a function running one epoch; it returns (training loss, validation R^2).

    The loss is the mean squared error over ``scale**2``: with ``scale`` the root mean
    feature variance, that is the fraction of variance the model leaves unexplained.
    """
    tf = import_tensorflow()
    variables = model.trainable_variables
    inv_var = 1.0 / float(scale) ** 2
    spec = tf.TensorSpec([None, n_features], tf.float32)

    @tf.function(
        input_signature=[spec, tf.TensorSpec([None], tf.int32), spec],
        reduce_retracing=True,
    )
    def run_epoch(X, order, X_val):
        n = tf.shape(order)[0]
        total = tf.constant(0.0)
        for start in tf.range(0, n, batch_size):
            batch = tf.gather(X, order[start : tf.minimum(start + batch_size, n)])
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(batch, training=True) - batch))
                loss = loss * inv_var
                if model.losses:
                    loss += tf.add_n(model.losses)
            optimizer.apply(tape.gradient(loss, variables), variables)
            total += loss * tf.cast(tf.shape(batch)[0], tf.float32)
        return total / tf.cast(n, tf.float32), reconstruction_r2(tf, model, X_val)

    return run_epoch


@contextlib.contextmanager
def released_gradient_registrations():
    """Remove the gradient registrations that tracing inside the block adds.

    Keras's TensorFlow optimizer sums gradients through ``all_reduce``, whose custom
    gradient registers a ``CustomGradient-N`` entry in TensorFlow's global gradient
    registry each time a training step is traced (tensorflow#80895). The entry holds
    the traced graph and, through it, the model: about 6 MB per fit, kept forever,
    which a grid search of hundreds of fits turns into gigabytes. Once the traced
    function is gone nothing can use the entry, so it is removed. Only entries added
    by this block are touched; models the caller holds keep theirs. The registry is
    private TensorFlow API: if it moves, this does nothing.
    """
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):  # pragma: no cover - other TF versions
        yield
        return
    before = set(registry)
    try:
        yield
    finally:
        for name in set(registry) - before:
            if name.startswith("CustomGradient-"):
                registry.pop(name, None)


def train(model, X, X_val, *, params, rng, scale):
    """Train ``model`` in place on float32 arrays; return a :class:`History`."""
    keras = import_keras()
    tf = import_tensorflow()
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    batch_size = min(params["batch_size"], X.shape[0])
    run_epoch = make_epoch_function(model, optimizer, X.shape[1], batch_size, scale)
    early_stopping = X_val is not None
    X_t = tf.constant(X)
    X_val_t = tf.constant(X_val if early_stopping else X[:0])
    tol, patience = params["tol"], params["n_iter_no_change"]
    progbar = keras.utils.Progbar(params["max_iter"]) if params["verbose"] else None
    history, no_improvement = History(), 0
    # Training must not end worse than it started (with init="pca", PCA's solution):
    # keep the initial weights and compare them with the final ones.
    initial_weights = model.get_weights()
    if early_stopping:
        history.best_validation_score = float(reconstruction_r2(tf, model, X_val_t))
        history.best_weights = initial_weights
    else:
        initial_loss = _loss(model, X_t, scale)
    for epoch in range(params["max_iter"]):
        order = tf.constant(rng.permutation(X.shape[0]).astype(np.int32))
        loss, r2 = run_epoch(X_t, order, X_val_t)
        loss = float(loss)
        history.loss_curve.append(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged at epoch {epoch + 1} (loss={loss}). "
                "Try a smaller learning_rate or scale the input."
            )
        if early_stopping:
            score = float(r2)
            history.validation_scores.append(score)
            improved = score >= history.best_validation_score + tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                history.best_weights = model.get_weights()
        else:
            improved = loss <= history.best_loss - tol
            history.best_loss = min(history.best_loss, loss)
        no_improvement = 0 if improved else no_improvement + 1
        if progbar is not None:
            values = [("loss", loss)] + (
                [("val_r2", float(r2))] if early_stopping else []
            )
            progbar.update(epoch + 1, values=values)
        if no_improvement > patience:
            history.converged = True
            break
    if early_stopping:
        model.set_weights(history.best_weights)
    elif _loss(model, X_t, scale) > initial_loss:
        model.set_weights(initial_weights)
    return history


def _loss(model, X, scale):
    tf = import_tensorflow()
    return float(tf.reduce_mean(tf.square(model(X, training=False) - X))) / scale**2


def reconstruction_r2(tf, model, X):
    """Variance-weighted reconstruction R^2 of ``X`` as a tensor (eager or traced).

    ``tf`` is passed in: inside a traced function, autograph would try to convert
    ``import_tensorflow`` (and warn that it cannot).
    """
    residual = tf.reduce_sum(tf.square(model(X, training=False) - X))
    return 1.0 - residual / tf.reduce_sum(tf.square(X - tf.reduce_mean(X, axis=0)))
