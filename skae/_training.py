"""The training loop: one ``tf.function`` call per epoch, MLPRegressor's stopping rules.

Keras's ``Model.fit`` pays callbacks and an iterator step per batch (about 6x slower per
epoch on small data here) and its ``shuffle=True`` cannot be seeded without changing
global random state. Here every epoch runs inside one traced function over a batch order
drawn from a NumPy generator, so the same seed gives bit-identical weights. Keras
callbacks see the epochs as in ``Model.fit`` (``on_train_begin``, ``on_epoch_begin``,
``on_epoch_end`` with ``loss`` and, with early stopping, ``val_loss`` and ``val_r2``,
``on_train_end``; ``model.stop_training`` ends training), and ``verbose`` prints
Keras's progress lines.

Training never ends worse than it started: it returns the last epoch's weights unless
the starting weights reconstruct the training rows better, and with early stopping the
best validation epoch's, the starting weights included. ``History.kept_initial`` says
when the starting weights were returned.
"""

import collections
import contextlib
import math

import numpy as np

from ._backend import import_keras, import_tensorflow, stderr_to_null
from ._objectives import SquaredError, r2_from_sums


class TrainingConfig(
    collections.namedtuple(
        "TrainingConfig",
        [
            "max_iter",
            "batch_size",
            "scheduled",
            "tol",
            "n_iter_no_change",
            "callbacks",
            "verbose",
        ],
    )
):
    """The settings of a training run, resolved (no ``'auto'``): ``max_iter``
    epochs of ``batch_size`` rows, the learning rate ``scheduled`` over them (see
    :func:`budget_rate`), MLPRegressor's stopping rule (``tol``,
    ``n_iter_no_change``), and the Keras ``callbacks`` and ``verbose``."""


class History:
    """What a training run leaves behind, in MLPRegressor's vocabulary."""

    def __init__(self):
        self.loss_curve = []
        self.validation_scores = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.converged = False  # stopped by patience or by a callback
        # Set when Ctrl-C ended the run; the weights are then chosen as at any end.
        self.interrupted = False
        # The loss stopped being finite: the run ended there, with the weights kept
        # before (the initial ones where no epoch beat them).
        self.diverged = False
        self.kept_initial = False  # the weights training started from were returned
        # All max_iter epochs ran as planned (a budget, with a decaying learning rate).
        self.planned = False


def make_epoch_function(
    core,
    optimizer,
    loss_fn,
    n_features,
    batch_size,
    error_fn,
    val_loss_fn,
    progress=None,
):
    """Trace a function running one epoch.

    It returns the mean training loss, and the loss and the error (``error_fn``) of
    the validation rows (which may be none). ``progress(rows, loss)``, where
    given, is called from inside the epoch, at most every
    :data:`PROGRESS_SECONDS`, with the rows trained on so far and their mean loss
    (see :class:`_Progress`); the arithmetic of the epoch is the same with or
    without it.
    """
    tf = import_tensorflow()
    variables = core.trainable_variables
    spec = tf.TensorSpec([None, n_features], tf.float32)
    # Plain Python, run once while tracing: AutoGraph need not convert it.
    apply_gradients = tf.autograph.experimental.do_not_convert(_apply_gradients)
    validation = _validation(core, val_loss_fn, error_fn)
    report = _progress_report(progress)

    @tf.function(
        input_signature=[spec, tf.TensorSpec([None], tf.int32), spec],
        reduce_retracing=True,
    )
    def run_epoch(X, order, X_val):
        n = tf.shape(order)[0]
        total = tf.constant(0.0)
        # The time of the last report: none yet, so the first batch reports (as
        # Keras's bar draws its first step) whatever the clocks of the ops say.
        last = tf.constant(0.0, tf.float64)
        for start in tf.range(0, n, batch_size):
            stop = tf.minimum(start + batch_size, n)
            batch = tf.gather(X, order[start:stop])
            with tf.GradientTape() as tape:
                loss = loss_fn(batch, core(batch, training=True))
                if core.losses:
                    loss += tf.add_n(core.losses)
            apply_gradients(optimizer, tape.gradient(loss, variables), variables)
            total += loss * tf.cast(tf.shape(batch)[0], tf.float32)
            last = report(last, stop, total)
        val_loss, val_error = validation(X_val)
        return total / tf.cast(n, tf.float32), val_loss, val_error

    # Each fit builds a new model and traces its epoch function once, by design.
    # TensorFlow counts traces per Python function body across all fits and warns of
    # "excessive retracing" after a few fits; it exempts functions it expects to
    # retrace (as its saved-model loader does) with this private flag.
    run_epoch._omit_frequent_tracing_warning = True
    if any(v.dtype == tf.float64 for v in variables):
        return _QuietFirstCall(run_epoch)
    return run_epoch


class _QuietFirstCall:
    """A traced epoch whose first call (when TensorFlow optimises the graph)
    prints nothing to the standard error.

    A linear model returned at PCA's solution holds float64 maps; when it trains
    on (``partial_fit``, ``warm_start``), oneDNN's graph rewrite prints a dozen "Not
    handling type DT_DOUBLE" notices from C++ at the first call, about ops it
    leaves to TensorFlow's own kernels: the results are right. Errors are raised,
    not printed, so they still reach the caller.
    """

    def __init__(self, run_epoch):
        self.run_epoch, self.called = run_epoch, False

    def __call__(self, *args):
        if self.called:
            return self.run_epoch(*args)
        with stderr_to_null():
            out = self.run_epoch(*args)
        self.called = True
        return out


# Least seconds between two progress reports from inside an epoch. Each report is
# a call from the traced epoch to Python, which waits for the batches before it: at
# Keras's own rate (a bar update every 0.05 s) an MNIST epoch took about 5 % longer
# here, at 0.5 s the difference is within the noise (benchmarks/RESULTS.md).
PROGRESS_SECONDS = 0.5


def _progress_report(progress):
    """``fn(last, rows, total)``, run inside a trace after each batch: calls
    ``progress(rows, total / rows)`` on the host where :data:`PROGRESS_SECONDS`
    have passed since ``last`` (a ``tf.timestamp``), and returns the time of the
    last report. Without ``progress``, nothing is traced (it returns ``last``)."""
    tf = import_tensorflow()
    if progress is None:
        return lambda last, rows, total: last

    def host(rows, total, now):
        progress(int(rows), float(total) / max(int(rows), 1))
        return now

    def report(last, rows, total):
        now = tf.timestamp()

        def call():
            done = tf.py_function(host, [rows, total, now], tf.float64)
            return tf.reshape(done, [])

        return tf.cond(now - last >= PROGRESS_SECONDS, call, lambda: last)

    return report


def _validation(core, val_loss_fn, error_fn):
    """``fn(X_val)``, run inside a trace: the validation loss and error of the
    rows ``X_val``.

    Without validation rows (no early stopping, partial_fit) the network is not
    run: the loss is NaN, and unused, and the error 0. Some layers cannot run on
    no rows (TensorFlow's Conv2D on CPU fails with "input depth must be evenly
    divisible by filter depth").
    """
    tf = import_tensorflow()  # here: AutoGraph would convert the call in a trace

    def figures(X_val):
        loss = val_loss_fn(core, X_val)
        error = error_fn(core, X_val)
        return tf.cast(loss, tf.float32), tf.cast(error, tf.float32)

    def no_figures():
        return tf.constant(np.nan, tf.float32), tf.constant(0.0, tf.float32)

    def validation(X_val):
        return tf.cond(tf.shape(X_val)[0] > 0, lambda: figures(X_val), no_figures)

    return validation


def _apply_gradients(optimizer, gradients, variables):
    """``optimizer.apply(gradients, variables)``, with :func:`fused_adam`."""
    with fused_adam(optimizer):
        optimizer.apply(gradients, variables)


@contextlib.contextmanager
def fused_adam(optimizer):
    """While tracing, let a plain Keras ``Adam`` update each variable in one kernel.

    Keras's ``Adam.update_step`` is a dozen element-wise operations per variable,
    each a pass over the weights' memory; TensorFlow's ``ResourceApplyAdam`` kernel
    does the same arithmetic in one pass, which makes an epoch on MNIST about 10 %
    faster here. Only the step is swapped: ``optimizer.apply`` still does the rest
    (clipping, weight decay, loss scaling, the iteration count). The update differs
    from Keras's in rounding only (``1 - beta_1`` is rounded in float32 rather than
    float64). Other optimizers, and Adam with ``amsgrad``, are left as they are.
    """
    keras = import_keras()
    if type(optimizer) is not keras.optimizers.Adam or optimizer.amsgrad:
        yield
        return
    optimizer.update_step = _fused_adam_step.__get__(optimizer)
    try:
        yield
    finally:
        del optimizer.update_step


def _fused_adam_step(optimizer, gradient, variable, learning_rate):
    """Keras's ``Adam.update_step`` as one ``ResourceApplyAdam`` kernel."""
    tf = import_tensorflow()
    dtype = variable.dtype
    step = tf.cast(optimizer.iterations + 1, dtype)
    beta_1 = tf.cast(optimizer.beta_1, dtype)
    beta_2 = tf.cast(optimizer.beta_2, dtype)
    index = optimizer._get_variable_index(variable)
    tf.raw_ops.ResourceApplyAdam(
        var=variable.handle,
        m=optimizer._momentums[index].handle,
        v=optimizer._velocities[index].handle,
        beta1_power=tf.pow(beta_1, step),
        beta2_power=tf.pow(beta_2, step),
        lr=tf.cast(learning_rate, dtype),
        beta1=beta_1,
        beta2=beta_2,
        epsilon=tf.cast(optimizer.epsilon, dtype),
        grad=tf.cast(gradient, dtype),
    )


def make_distributed_epoch_function(
    strategy, core, optimizer, loss_fn, n_features, batch_size, error_fn, val_loss_fn
):
    """:func:`make_epoch_function` under a ``tf.distribute.Strategy``.

    Each batch is split among the strategy's replicas; each replica takes the
    gradient of its rows' loss, and Keras's optimizer sums them across replicas
    (so each replica's loss is divided by their number), then applies the same
    update to every copy of the weights. The validation rows are scored on the
    weights as they are, outside the replicas.
    """
    tf = import_tensorflow()
    variables = core.trainable_variables
    replicas = strategy.num_replicas_in_sync

    def step(batch):
        with tf.GradientTape() as tape:
            loss = loss_fn(batch, core(batch, training=True))
            if core.losses:
                loss += tf.add_n(core.losses)
            scaled = loss / replicas
        optimizer.apply(tape.gradient(scaled, variables), variables)
        return loss * tf.cast(tf.shape(batch)[0], tf.float32)

    @tf.function
    def train_epoch(batches):
        total = tf.constant(0.0)
        for batch in batches:
            per_replica = strategy.run(step, args=(batch,))
            total += strategy.reduce("SUM", per_replica, axis=None)
        return total

    spec = tf.TensorSpec([None, n_features], tf.float32)
    validation = _validation(core, val_loss_fn, error_fn)

    @tf.function(input_signature=[spec])
    def validate(X_val):
        return validation(X_val)

    for function in (train_epoch, validate):
        function._omit_frequent_tracing_warning = True  # see make_epoch_function

    def run_epoch(X, order, X_val):
        rows = tf.data.Dataset.from_tensor_slices(tf.gather(X, order))
        # Across machines, each worker takes its share of every batch's rows (the
        # rows come from memory, not from files that could be shared out).
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        batches = rows.batch(batch_size).with_options(options)
        total = train_epoch(strategy.experimental_distribute_dataset(batches))
        val_loss, val_error = validate(X_val)
        return total / tf.cast(tf.shape(order)[0], tf.float32), val_loss, val_error

    return run_epoch


def make_partial_epoch(core, optimizer, loss_fn, n_features, batch_size):
    """``fn(X, rng)``: train ``core`` for one epoch over the float32 rows ``X``.

    The rows are visited in an order drawn from ``rng``, ``batch_size`` at a time,
    and ``fn`` returns the epoch's mean training loss. The epoch is traced at the
    first call only, so that ``partial_fit`` pays the trace once per model; the
    optimizer's state carries over from call to call.
    """
    tf = import_tensorflow()
    optimizer.build(core.trainable_variables)  # a no-op where fit built it
    run_epoch = make_epoch_function(
        core,
        optimizer,
        loss_fn,
        n_features,
        batch_size,
        SquaredError(),
        lambda core, X: tf.constant(0.0),  # no validation rows
    )
    no_rows = tf.zeros([0, n_features], tf.float32)

    def partial_epoch(X, rng):
        order = tf.constant(rng.permutation(X.shape[0]).astype(np.int32))
        with released_gradient_registrations():  # the trace's entries, once traced
            loss, _, _ = run_epoch(tf.constant(X), order, no_rows)
        loss = float(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged (loss={loss}). Try a smaller learning_rate."
            )
        return loss

    return partial_epoch


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


def train(
    core,
    optimizer,
    loss_fn,
    X,
    X_val,
    *,
    config,
    rng,
    model,
    error_fn=None,
    score_fn=None,
    val_loss_fn=None,
    score_name="val_r2",
    strategy=None,
    kept=None,
):
    """Train ``core`` in place on standardised float32 rows; return a :class:`History`.

    ``X_val`` (or ``None``) holds the rows held out for early stopping; it needs at
    least two rows with some variance. ``model`` is what callbacks see (the
    estimator's ``model_``, which shares ``core``'s weights). ``config`` is a
    :class:`TrainingConfig`.

    ``error_fn(core, X)`` is what judges weights (lower is better): by default
    the sum of squared reconstruction errors
    (:class:`skae._objectives.SquaredError`), which ``score_fn`` (by default the
    validation rows' R^2) turns into the validation score that early stopping
    compares (higher is better). ``val_loss_fn(core, X)`` is the validation loss
    that callbacks see, by default ``loss_fn`` of the rows' reconstruction, and
    ``score_name`` the name they see the validation score by. ``loss_fn(X,
    X_hat)`` is called as a Keras loss is. ``strategy``, a
    ``tf.distribute.Strategy`` under whose scope ``core`` and ``optimizer`` were
    made, splits each batch among its replicas.

    ``kept``, a :class:`skae._network_cache.KeptNetworks` that ``core`` and
    ``optimizer`` belong to, keeps the traced epoch between fits: the one traced
    by an earlier fit on it is run, or the one traced now is kept.
    """
    with strategy.scope() if strategy else contextlib.nullcontext():
        optimizer.build(core.trainable_variables)
    if error_fn is None:
        error_fn = SquaredError()
    if val_loss_fn is None:

        def val_loss_fn(core, X):
            return loss_fn(X, core(X, training=False))

    batch_size = int(min(config.batch_size, X.shape[0]))  # a Python int for TF
    rest = (loss_fn, X.shape[1], batch_size, error_fn, val_loss_fn)
    # Progress inside the epochs, for the epochs of one traced call over rows in
    # memory; a traced epoch that reports is this fit's own, never kept.
    progress = None
    if config.verbose and strategy is None and isinstance(X, np.ndarray):
        progress = _Progress(X.shape[0], batch_size)
    if strategy is not None:
        run_epoch = make_distributed_epoch_function(strategy, core, optimizer, *rest)
    else:
        run_epoch = None
        if kept is not None and progress is None:
            run_epoch = kept.run_epochs.get(batch_size)
        if run_epoch is None:
            run_epoch = make_epoch_function(core, optimizer, *rest, progress)
            if kept is not None and progress is None:
                kept.keep_epoch(batch_size, run_epoch)
    epochs = _Epochs(
        run_epoch, core, X, X_val, rng, error_fn, strategy is None, progress
    )
    if X_val is not None and score_fn is None:
        score_fn = _validation_r2(X_val)
    if X_val is None:
        score_fn = None  # no held-out rows: the training loss judges epochs

    def start_loss():
        rows = X if isinstance(X, np.ndarray) else next(X.parts())
        tf = import_tensorflow()
        return float(val_loss_fn(core, tf.constant(rows[:batch_size])))

    return _train_epochs(
        core, optimizer, epochs, config, model, score_fn, score_name, start_loss
    )


class _Progress:
    """Keras's progress bar (``keras.callbacks.ProgbarLogger``) over the batches
    of each epoch, which the traced epoch moves from inside
    (:func:`make_epoch_function`'s ``progress``), as ``Model.fit`` moves it per
    batch: on a long epoch, the bar, the batches done, the time left and the
    running loss show as training goes."""

    def __init__(self, n_rows, batch_size):
        keras = import_keras()
        self.logger = keras.callbacks.ProgbarLogger()
        self.batch_size = batch_size
        self.steps = -(-n_rows // batch_size)  # batches per epoch

    def __call__(self, rows, loss):
        batches = -(-rows // self.batch_size)
        self.logger.on_train_batch_end(batches - 1, {"loss": loss})


def budget_rate(epoch, n_epochs):
    """The fraction of the learning rate at ``epoch`` of a budget of ``n_epochs``.

    From 3 epochs, the first is a warm-up at half the rate (Adam's first steps,
    from moment estimates of few gradients, are the least reliable); then the
    rate decays from its full value to 0 along a cosine over the remaining
    epochs, ``0.5 * (1 + cos(pi * e / n))`` at the ``e``-th of ``n``
    (``benchmarks/RESULTS.md`` gives how it compares with other schedules).
    """
    warmup = 1 if n_epochs >= 3 else 0
    if epoch < warmup:
        return 0.5
    return 0.5 * (1 + math.cos(math.pi * (epoch - warmup) / (n_epochs - warmup)))


class _Epochs:
    """The traced epoch ``run_epoch`` over the training rows ``X`` (an array, or
    rows read in chunks: :class:`skae._stream.TrainingRows`) and the held-out rows
    ``X_val`` (or ``None``), in an order drawn from ``rng``; and the errors
    (``error_fn``) of ``core``'s weights as they are.

    ``traced_errors`` says whether ``run_epoch`` can compute the errors of the
    weights on rows outside training (as its validation figures, with no training
    rows), which costs a fraction of an eager call; else they are computed by an
    eager call. ``progress``, a :class:`_Progress` or ``None``, is the bar that
    ``run_epoch`` moves from inside.
    """

    def __init__(
        self, run_epoch, core, X, X_val, rng, error_fn, traced_errors, progress=None
    ):
        tf = self._tf = import_tensorflow()
        self.progress = progress
        self.run_epoch, self.core, self.X, self.rng = run_epoch, core, X, rng
        self.error_fn, self.traced_errors = error_fn, traced_errors
        self.streamed = not isinstance(X, np.ndarray)
        self.X_t = None if self.streamed else tf.constant(X)
        self.no_rows = tf.zeros([0, X.shape[1]], tf.float32)
        self.X_val_t = self.no_rows if X_val is None else tf.constant(X_val)

    def error(self, rows):
        """``error_fn`` of the weights as they are on the tensor ``rows``."""
        tf = self._tf
        if not self.traced_errors:
            return float(self.error_fn(self.core, rows))
        return float(self.run_epoch(self.no_rows, tf.zeros([0], tf.int32), rows)[2])

    def training_error(self):
        if not self.streamed:
            return self.error(self.X_t)
        return sum(self.error(self._tf.constant(part)) for part in self.X.parts())

    def validation_error(self):
        return self.error(self.X_val_t)

    def run(self):
        """One epoch: ``(loss, val_loss, val_error)``."""
        tf, X, rng = self._tf, self.X, self.rng
        if not self.streamed:
            order = tf.constant(rng.permutation(X.shape[0]).astype(np.int32))
            return (float(v) for v in self.run_epoch(self.X_t, order, self.X_val_t))
        total = 0.0
        for part in X.parts(rng):
            order = tf.constant(rng.permutation(len(part)).astype(np.int32))
            loss, _, _ = self.run_epoch(tf.constant(part), order, self.no_rows)
            total += float(loss) * len(part)
        # No training rows: only the validation rows' figures are computed.
        _, val_loss, val_error = self.run_epoch(
            self.no_rows, tf.zeros([0], tf.int32), self.X_val_t
        )
        return total / X.shape[0], float(val_loss), float(val_error)


class _Stopping:
    """MLPRegressor's stopping rule over a run, and the weights it returns.

    With held-out rows (``score_fn`` turns their error into a score, higher is
    better), the best epoch's weights, the initial ones included; else the last
    epoch's, unless the initial weights reconstruct the training rows better.
    """

    def __init__(self, core, epochs, config, score_fn, score_name, start_loss):
        self.core, self.epochs, self.config = core, epochs, config
        self.start_loss = start_loss
        self.score_fn, self.score_name = score_fn, score_name
        self.history, self.no_improvement = History(), 0
        self.initial_weights = self.best_weights = core.get_weights()
        # Whether best_weights are the core's weights as they are, which then need
        # no restoring: until the next epoch, unless a user's callback may change
        # them.
        self.best_in_core = False
        if score_fn is not None:
            self.history.best_validation_score = score_fn(epochs.validation_error())
        else:
            self.initial_error = epochs.training_error()

    def epoch_begins(self):
        self.best_in_core = False  # the epoch changes the core's weights

    def record(self, epoch, loss, val_loss, val_error):
        """Record an epoch; return the logs that callbacks see."""
        history, tol = self.history, self.config.tol
        history.loss_curve.append(loss)
        logs = {"loss": loss}
        if not np.isfinite(loss):
            self._check_loss_applies(epoch)
            history.diverged = True  # the run ends: restore() keeps what it had
            return logs
        if self.score_fn is not None:
            score = self.score_fn(val_error)
            history.validation_scores.append(score)
            logs.update({"val_loss": val_loss, self.score_name: score})
            improved = score >= history.best_validation_score + tol
            if score > history.best_validation_score:
                history.best_validation_score = score
                # The copy of the weights kept so far goes first, and the initial
                # ones too, which only a first epoch's failure restores: with
                # 50,000 features a copy takes 100 MB.
                self.best_weights = self.initial_weights = None
                self.best_weights = self.core.get_weights()
                self.best_in_core = not self.config.callbacks
        else:
            improved = loss <= history.best_loss - tol
            history.best_loss = min(history.best_loss, loss)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        return logs

    def _check_loss_applies(self, epoch):
        """Raise where the loss of the initial weights is not finite either: the
        loss cannot apply to the rows, which no learning rate changes (else
        training diverged, and fit keeps what it had)."""
        if epoch == 0:
            self.core.set_weights(self.initial_weights)
            start = self.start_loss()
            if not np.isfinite(start):
                raise FloatingPointError(
                    f"The training loss is not finite from the start ({start} "
                    "before any step), so no learning rate helps: the loss cannot "
                    "be computed on these rows and their reconstructions, for "
                    "example a loss for positive values (or values in [0, 1]) "
                    "where X or its linear reconstruction goes outside them. "
                    "Choose a loss that fits X, or transform X."
                )

    @property
    def patience_spent(self):
        return self.no_improvement > self.config.n_iter_no_change

    def restore(self):
        """Give ``core`` the weights the run returns."""
        if self.score_fn is not None:
            if not self.best_in_core:
                self.core.set_weights(self.best_weights)
            self.history.kept_initial = self.best_weights is self.initial_weights
        elif not self.epochs.training_error() <= self.initial_error:
            self.core.set_weights(self.initial_weights)
            self.history.kept_initial = True


def _validation_r2(X_val):
    """The score of held-out rows by default: R^2 from their squared error."""
    centered = X_val - X_val.mean(axis=0, dtype=np.float64)
    val_total_ss = float(np.sum(centered**2))

    def score_fn(error):
        return r2_from_sums(error, val_total_ss)

    return score_fn


def _train_epochs(
    core, optimizer, epochs, config, model, score_fn, score_name, start_loss
):
    """The epochs of :func:`train`: ``epochs`` (an :class:`_Epochs`) run until
    MLPRegressor's stopping rule (:class:`_Stopping`, with ``score_fn`` and
    ``score_name`` for held-out rows) says so or ``config.max_iter`` is reached,
    with Keras's callbacks around them (and ``epochs.progress``'s bar, a
    :class:`_Progress`, where the epochs report from inside). ``start_loss()``
    gives the loss of the
    weights as they are on some training rows (to tell a loss that cannot apply
    to the rows from training that diverges).

    With ``config.scheduled``, the optimizer's learning rate follows
    :func:`budget_rate` over the ``max_iter`` epochs (a warm-up epoch, then a
    cosine decay), and is set back to its value at the end.
    """
    keras = import_keras()
    max_iter, scheduled = config.max_iter, config.scheduled
    if scheduled:
        learning_rate = float(optimizer.learning_rate.numpy())
    # With progress inside the epochs (rows in memory, no strategy), its bar
    # counts batches; else Keras's own counts each epoch as one step.
    progress = epochs.progress
    callbacks = keras.callbacks.CallbackList(
        [*(config.callbacks or []), *([progress.logger] if progress else [])],
        add_history=True,
        add_progbar=bool(config.verbose) and progress is None,
        model=model,
        verbose=int(config.verbose),
        epochs=max_iter,
        steps=progress.steps if progress else 1,
    )
    stopping = _Stopping(core, epochs, config, score_fn, score_name, start_loss)
    history, logs = stopping.history, {}
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(max_iter):
        if scheduled:
            optimizer.learning_rate = learning_rate * budget_rate(epoch, max_iter)
        stopping.epoch_begins()
        try:
            callbacks.on_epoch_begin(epoch)
            figures = epochs.run()
            logs = stopping.record(epoch, *figures)
            if history.diverged:
                break
            callbacks.on_epoch_end(epoch, logs)
        except KeyboardInterrupt:
            history.interrupted = True
            break
        if stopping.patience_spent or model.stop_training:
            history.converged = True
            break
    else:
        history.planned = scheduled
    if scheduled:
        optimizer.learning_rate = learning_rate
    stopping.restore()
    # Last, as in Model.fit: a callback such as EarlyStopping(restore_best_weights=True)
    # has the final word on the weights (skae's floor on PCA still applies after).
    try:
        callbacks.on_train_end(logs)
    except KeyboardInterrupt:  # after a completed run: keep it, raise it again
        history.interrupted = True
    return history
