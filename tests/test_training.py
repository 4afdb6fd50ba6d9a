"""What fit returns after training: the best weights, the start's, or the run so far."""

import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from skae import AutoencoderTransformer

from ._settings import FAST


def _validation_rows(n_samples, fraction, seed):
    # The rows fit holds out: its first draw from random_state splits the indices.
    n_val = math.ceil(fraction * n_samples)
    rng = np.random.RandomState(seed)
    return train_test_split(np.arange(n_samples), test_size=n_val, random_state=rng)[1]


def test_early_stopping_returns_the_best_validation_epochs_weights(digits_split):
    X_train, _ = digits_split
    ae = AutoencoderTransformer(
        4, hidden_layer_sizes=(32,), max_iter=200, n_iter_no_change=3, random_state=0
    ).fit(X_train)
    assert len(ae.validation_scores_) == ae.n_iter_ < 200, "stopped by patience"
    best = int(np.argmax(ae.validation_scores_))
    assert best < ae.n_iter_ - 1, "later epochs were worse: their weights are not kept"
    assert ae.best_validation_score_ == max(ae.validation_scores_)
    # The weights returned are that epoch's: they score it on the validation rows.
    val = _validation_rows(len(X_train), 0.1, seed=0)
    assert ae.score(X_train[val]) == pytest.approx(ae.best_validation_score_, abs=1e-5)
    assert ae.score(X_train[val]) > ae.validation_scores_[-1] + 1e-5
    assert ae.best_loss_ is None


@pytest.fixture
def gaussian():
    return np.random.RandomState(0).normal(size=(120, 10))


def test_a_run_that_ends_worse_returns_pcas_solution_and_says_so(gaussian):
    X = gaussian
    pca = PCA(2).fit(X)
    # Steps of 0.3 on data PCA already explains as well as any model: worse at the end.
    ae = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(8,),
        early_stopping=False,
        learning_rate=0.3,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="did not improve on PCA's solution"):
        ae.fit(X)
    # The weights returned are PCA's, and so are the figures that describe them.
    linear = AutoencoderTransformer(2, hidden_layer_sizes=(), random_state=0).fit(X)
    assert_allclose(ae.transform(X), linear.transform(X), atol=1e-6)
    assert ae.score(X) == pytest.approx(pca.explained_variance_ratio_.sum(), abs=1e-9)
    assert_allclose(ae.explained_variance_ratio_, pca.explained_variance_ratio_)
    assert ae.best_loss_ == pytest.approx(1 - ae.score(X), abs=1e-12)
    assert ae.best_loss_ < min(ae.loss_curve_), "the run's losses were all worse"
    # n_iter_ and loss_curve_ describe the run, as scikit-learn's checks require.
    assert ae.n_iter_ == len(ae.loss_curve_) == 3


def test_a_random_start_that_training_cannot_improve_is_kept(gaussian):
    X = gaussian
    params = dict(hidden_layer_sizes=(8,), init="random", random_state=0)
    start = AutoencoderTransformer(2, max_iter=1, learning_rate=1e-12, **params)
    start.set_params(early_stopping=False).fit(X)
    ae = AutoencoderTransformer(2, max_iter=3, learning_rate=5.0, **params)
    with pytest.warns(ConvergenceWarning, match="did not improve on its random start"):
        ae.set_params(early_stopping=False).fit(X)
    assert_allclose(ae.transform(X), start.transform(X), atol=1e-6)
    assert ae.best_loss_ == pytest.approx(1 - ae.score(X), abs=1e-12)


def _interrupt_at_epoch(monkeypatch, epoch):
    """Make the Ctrl-C signal arrive while the given epoch runs."""
    from skae import _network_cache, _training

    real = _training.make_epoch_function

    def make_epoch_function(*args, **kwargs):
        run_epoch, calls = real(*args, **kwargs), []

        def run(X, order, X_val):
            result = run_epoch(X, order, X_val)
            if X.shape[0]:  # an epoch (not only errors of the weights)
                calls.append(None)
            if X.shape[0] and len(calls) == epoch:
                # What Python's default SIGINT handler raises on Ctrl-C. Raised here,
                # not sent with signal.raise_signal: a CI run of the suite under
                # pytest-xdist did not deliver that signal to this test (2026-11-29).
                raise KeyboardInterrupt
            return result

        return run

    monkeypatch.setattr(_training, "make_epoch_function", make_epoch_function)
    # Fits reuse traced epochs kept from earlier fits: keep none, so this one traces.
    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())


@pytest.mark.parametrize("early_stopping", [True, False])
def test_ctrl_c_keeps_what_was_trained_and_stops_the_caller(
    monkeypatch, digits_split, early_stopping
):
    X_train, _ = digits_split
    _interrupt_at_epoch(monkeypatch, epoch=4)
    ae = AutoencoderTransformer(
        4,
        hidden_layer_sizes=(32,),
        max_iter=50,
        early_stopping=early_stopping,
        random_state=0,
    )
    with (
        pytest.raises(KeyboardInterrupt),
        pytest.warns(UserWarning, match="interrupted after 3 epochs"),
    ):
        ae.fit(X_train)
    check_is_fitted(ae)
    assert ae.n_iter_ == len(ae.loss_curve_) == 3
    if early_stopping:
        assert len(ae.validation_scores_) == 3
        assert ae.best_validation_score_ >= max(ae.validation_scores_)
    # Trained, consistent and never below PCA: the attributes describe the weights.
    pca_ev = PCA(4).fit(X_train).explained_variance_ratio_.sum()
    assert ae.score(X_train) > pca_ev
    assert ae.explained_variance_ratio_.sum() == pytest.approx(ae.score(X_train))
    X32 = X_train.astype(np.float32)
    assert_allclose(ae.transform(X32), np.asarray(ae.encoder_(X32)), atol=1e-5)


def test_ctrl_c_in_on_train_end_keeps_the_completed_fit(digits_split):
    import keras

    class InterruptAtTheEnd(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            raise KeyboardInterrupt

    X_train, _ = digits_split
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    whole = AutoencoderTransformer(4, **params).fit(X_train)
    ae = AutoencoderTransformer(4, callbacks=[InterruptAtTheEnd()], **params)
    with (
        pytest.raises(KeyboardInterrupt),
        pytest.warns(UserWarning, match="interrupted after 5 epochs"),
    ):
        ae.fit(X_train)
    # Every epoch ran and is kept: the fit is the one without the interrupt.
    assert ae.n_iter_ == 5 and ae.loss_curve_ == whole.loss_curve_
    assert_array_equal(ae.transform(X_train), whole.transform(X_train))


def test_ctrl_c_before_training_leaves_the_estimator_as_it_was(monkeypatch, small_data):
    from skae import _training

    ae = AutoencoderTransformer(2, **FAST).fit(small_data)
    before, state = ae.transform(small_data), dict(vars(ae))

    def interrupted(*args, **kwargs):  # the new model is built, nothing trained yet
        raise KeyboardInterrupt

    monkeypatch.setattr(_training, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ae.set_params(n_components=3).fit(small_data)
    assert set(vars(ae)) == set(state) and ae.n_components_ == 2
    params = ae.get_params(deep=False)
    fitted = {name: value for name, value in state.items() if name not in params}
    assert all(vars(ae)[name] is value for name, value in fitted.items())
    assert_array_equal(ae.transform(small_data), before)


def test_random_state_none_draws_from_numpys_global_generator(small_data):
    import tensorflow as tf

    def fit():
        ae = AutoencoderTransformer(2, **{**FAST, "random_state": None})
        return ae.fit(small_data).transform(small_data)

    np.random.seed(0)
    tf.random.set_seed(1)
    first = fit()
    after = np.random.rand()
    np.random.seed(0)
    tf.random.set_seed(2)  # TensorFlow's global seed plays no part
    assert_array_equal(fit(), first)
    np.random.seed(0)
    assert after != np.random.rand(), "fit drew from NumPy's global generator"


def _weights(ae):
    return [w.numpy() for w in ae.model_.weights]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"early_stopping": False},
        {"init": "random", "noise": 0.3, "sparsity": 0.05, "tied_weights": True},
        {"hidden_layer_sizes": ()},  # nothing trained
        {"optimizer": "sgd", "learning_rate": 0.01},
    ],
)
def test_kept_networks_give_the_results_of_a_model_built_for_the_fit(
    monkeypatch, digits, params
):
    # Fits of skae's own networks train kept, traced ones, which each fit seeds
    # again, and keep only their values; the results are those of a model built
    # and traced for the fit, as a fit with a callback trains.
    import keras

    from skae import _network_cache

    params = {**FAST, "max_iter": 4, **params}
    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())
    built = AutoencoderTransformer(
        4, callbacks=[keras.callbacks.Callback()], **params
    ).fit(digits)
    assert "model_" in vars(built) and not _network_cache.KEPT._kept
    first = AutoencoderTransformer(4, **params).fit(digits)
    assert len(_network_cache.KEPT._kept) == 1
    AutoencoderTransformer(3, **params).fit(digits[:500])  # other networks between
    again = AutoencoderTransformer(4, **params).fit(digits)
    assert len(_network_cache.KEPT._kept) == 2
    for kept in (first, again):
        assert "model_" not in vars(kept)  # built on first access, below
        assert_array_equal(kept.transform(digits), built.transform(digits))
        assert kept.score(digits) == built.score(digits)
        assert "model_" not in vars(kept)  # transform and score need no Keras model
        assert kept.loss_curve_ == built.loss_curve_
        for a, b in zip(_weights(built), _weights(kept), strict=True):
            assert_array_equal(a, b)
        if built.model_.optimizer.built:  # built by training
            assert int(kept.model_.optimizer.iterations.numpy()) > 0
            for a, b in zip(
                built.model_.optimizer.variables,
                kept.model_.optimizer.variables,
                strict=True,
            ):
                assert_array_equal(a.numpy(), b.numpy())
    # What fit kept pickles as it is, and comes back as the same model.
    unbuilt = AutoencoderTransformer(4, **params).fit(digits)
    loaded = pickle.loads(pickle.dumps(unbuilt))
    assert "model_" not in vars(unbuilt)  # pickling needs no Keras model
    assert_array_equal(loaded.transform(digits), built.transform(digits))
    for a, b in zip(_weights(built), _weights(loaded), strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("last_seed", [12345, 2**31 - 2])
def test_the_traced_reseed_draws_what_keras_draws(digits, last_seed, monkeypatch):
    # Kept networks draw their initial weights in one traced call; the values are
    # Keras's GlorotUniform(seed)'s, also for a seed whose cast Keras versions
    # disagree on (then Keras draws them), and where Keras draws differently.
    import keras

    from skae import _network

    ae = AutoencoderTransformer(4, hidden_layer_sizes=(16, 8), max_iter=1).fit(digits)
    encoder, decoder = ae.encoder_, ae.decoder_
    seeds = [7, 0, 2**31 - 3, 99, 5, 6, 8, last_seed]  # one per Dense layer

    def drawn(reseed):
        for dense in _network._seeded_layers(encoder, decoder):  # unlike any draw
            dense.kernel.assign(np.zeros(dense.kernel.shape))
            dense.bias.assign(np.ones(dense.bias.shape))
        reseed(iter(seeds))
        return [w.numpy() for w in (*encoder.weights, *decoder.weights)]

    def by_keras(seeds):
        _network.reseed(encoder, decoder, seeds)

    for a, b in zip(
        drawn(by_keras), drawn(_network.make_reseed(encoder, decoder)), strict=True
    ):
        assert_array_equal(a, b)

    class Shifted(keras.initializers.GlorotUniform):  # as another Keras might
        def __call__(self, shape, dtype=None):
            return super().__call__(shape, dtype) + 1.0

    monkeypatch.setattr(keras.initializers, "GlorotUniform", Shifted)
    for a, b in zip(
        drawn(by_keras), drawn(_network.make_reseed(encoder, decoder)), strict=True
    ):
        assert_array_equal(a, b)


def test_a_callback_that_changes_the_weights_does_not_change_the_best_epochs(
    digits_split,
):
    # The best validation epoch's weights are returned even where a callback
    # overwrites the weights after that epoch.
    import keras

    class Scramble(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for weight in self.model.trainable_weights:
                weight.assign(np.full(weight.shape, 0.5))

    X_train, _ = digits_split
    params = {**FAST, "max_iter": 1}
    plain = AutoencoderTransformer(4, **params).fit(X_train)
    scrambled = AutoencoderTransformer(4, callbacks=[Scramble()], **params)
    scrambled.fit(X_train)
    assert_array_equal(scrambled.transform(X_train), plain.transform(X_train))


def test_kept_traced_epochs_are_bounded_and_serve_one_fit_at_a_time(
    monkeypatch, digits
):
    import threading

    from skae import _network_cache

    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept(size=2))
    for k in (1, 2, 3, 4):
        AutoencoderTransformer(k, **FAST).fit(digits[:300])
    assert len(_network_cache.KEPT._kept) == 2  # the two used last
    # Two threads fitting the same settings at once: each gets its own pair.
    alone = AutoencoderTransformer(4, **FAST).fit(digits)
    results = [None, None]

    def fit(i):
        results[i] = AutoencoderTransformer(4, **FAST).fit(digits)

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ae in results:
        for a, b in zip(_weights(alone), _weights(ae), strict=True):
            assert_array_equal(a, b)


def _adam_epoch(optimizer, X, seed):
    """Weights after one epoch of skae's traced training loop from a seeded start,
    and the names of the operations in its traced graph."""
    import keras
    import tensorflow as tf

    from skae._objectives import SquaredError
    from skae._training import make_epoch_function

    core = keras.Sequential(
        [
            keras.Input((X.shape[1],)),
            keras.layers.Dense(8, activation="silu", kernel_initializer="ones"),
            keras.layers.Dense(X.shape[1], kernel_initializer="zeros"),
        ]
    )
    optimizer.build(core.trainable_variables)
    run_epoch = make_epoch_function(
        core,
        optimizer,
        lambda batch, output: tf.reduce_mean(tf.square(batch - output)),
        X.shape[1],
        16,
        SquaredError(),
        lambda core, X: tf.constant(0.0),
    )
    order = tf.constant(np.random.RandomState(seed).permutation(len(X)), tf.int32)
    run_epoch(tf.constant(X), order, tf.zeros([0, X.shape[1]]))
    graph = run_epoch.get_concrete_function().graph.as_graph_def()
    ops = {node.op for node in graph.node}
    for function in graph.library.function:
        ops |= {node.op for node in function.node_def}
    return [w.numpy() for w in core.weights], ops


def test_plain_adam_steps_in_one_fused_kernel_with_keras_arithmetic(digits):
    import keras

    class KerasAdam(keras.optimizers.Adam):
        """Adam by another class: skae leaves its update step to Keras."""

    X = (digits[:200] / 16).astype(np.float32)
    fused, fused_ops = _adam_epoch(keras.optimizers.Adam(1e-2), X, seed=0)
    plain, plain_ops = _adam_epoch(KerasAdam(1e-2), X, seed=0)
    assert "ResourceApplyAdam" in fused_ops
    assert "ResourceApplyAdam" not in plain_ops
    # The same updates, up to float32 rounding, over 13 steps.
    for a, b in zip(fused, plain, strict=True):
        assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    # amsgrad keeps Keras's own step, which the fused kernel lacks.
    _, amsgrad_ops = _adam_epoch(keras.optimizers.Adam(1e-2, amsgrad=True), X, 0)
    assert "ResourceApplyAdam" not in amsgrad_ops


@pytest.mark.parametrize(
    "n_epochs, expected",
    [
        (1, [1.0]),  # too short for a warm-up: a cosine from the full rate
        (2, [1.0, 0.5]),
        (3, [0.5, 1.0, 0.5]),  # a warm-up epoch at half, then a cosine over 2
        (5, [0.5, 1.0, 0.5 * (1 + math.cos(math.pi / 4)), 0.5, 0.5 * (1 - 0.5**0.5)]),
    ],
)
def test_budget_rate_warms_up_then_decays_along_a_cosine(n_epochs, expected):
    from skae._training import budget_rate

    rates = [budget_rate(e, n_epochs) for e in range(n_epochs)]
    assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


def test_a_traced_forward_pass_never_runs_the_kept_networks(monkeypatch, digits):
    # Where transform would run the Keras model itself (here forced: no NumPy
    # mirror), a fit on kept networks takes a model of its own, so that later fits,
    # which train the kept one, leave its codes as they are.
    from skae import _inference, _network_cache

    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())
    monkeypatch.setattr(_inference, "_mirror", lambda model, *args, **kwargs: None)
    first = AutoencoderTransformer(4, **FAST).fit(digits)
    codes = first.transform(digits)
    assert "model_" in vars(first)
    AutoencoderTransformer(4, **FAST).fit(digits[::-1])  # trains the kept networks
    assert len(_network_cache.KEPT._kept) == 1
    assert_array_equal(first.transform(digits), codes)


def test_the_network_spec_holds_every_setting_the_builder_takes():
    # The spec is the cache key of kept networks because it is all that reaches the
    # builder besides the data, the seeds and the user's networks: a new graph
    # setting cannot reach build_autoencoder without becoming a field.
    import dataclasses
    import inspect

    from skae._network import build_autoencoder
    from skae._network_cache import NetworkSpec

    besides = {"mean", "scale", "seeds", "networks"}
    taken = set(inspect.signature(build_autoencoder).parameters) - besides
    fields = {field.name for field in dataclasses.fields(NetworkSpec)}
    assert taken == fields - {"hidden"} | {"hidden_layer_sizes"}


@pytest.mark.parametrize(
    "change",
    [
        {"hidden_layer_sizes": (6,)},
        {"activation": "tanh"},
        {"noise": 0.1},
        {"sparsity": 0.1},
        {"tied_weights": True},
        {"optimizer": "sgd"},
    ],
)
def test_fits_that_differ_in_a_graph_setting_do_not_share_kept_networks(
    digits, monkeypatch, change
):
    from skae import _network_cache

    monkeypatch.setattr(_network_cache, "KEPT", _network_cache._Kept())
    params = {**FAST, "max_iter": 1}
    AutoencoderTransformer(3, **params).fit(digits[:200])
    other = AutoencoderTransformer(3, **{**params, **change}).fit(digits[:200])
    assert len(_network_cache.KEPT._kept) == 2
    # And the kept networks it trained are the ones asked for: the results of a
    # model built for the fit (a callback makes a fit build its own).
    import keras

    built = AutoencoderTransformer(
        3, callbacks=[keras.callbacks.Callback()], **{**params, **change}
    ).fit(digits[:200])
    assert_array_equal(other.transform(digits), built.transform(digits))


def test_warm_start_trains_the_fitted_model_on(digits_split):
    X_train, X_test = digits_split
    params = dict(hidden_layer_sizes=(16,), early_stopping=False, random_state=0)
    ae = AutoencoderTransformer(4, max_iter=3, warm_start=True, **params)
    first = ae.fit(X_train).loss_curve_
    mean, weights = ae.mean_, [w.copy() for w in ae.model_.get_weights()]
    ae.fit(X_train[::-1])  # the same rows in another order: mean_ could round
    # MLPRegressor's meaning: the counts go on, and training went on from the
    # fitted weights (a fresh start's first epoch has the first run's loss).
    assert ae.n_iter_ == 6 and ae.loss_curve_[:3] == first
    assert ae.loss_curve_[3] < first[1]
    assert ae.mean_ is mean
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(weights, ae.model_.get_weights(), strict=True)
    )
    fresh = AutoencoderTransformer(4, max_iter=3, **params).fit(X_train)
    assert fresh.n_iter_ == 3 and fresh.loss_curve_ == first
    with pytest.raises(ValueError, match="features"):
        ae.fit(X_train[:, :10])
    assert ae.n_iter_ == 6  # a failed fit changes nothing


def test_a_fit_stopped_by_ctrl_c_resumes_with_warm_start(monkeypatch, digits_split):
    X_train, _ = digits_split
    _interrupt_at_epoch(monkeypatch, epoch=3)
    ae = AutoencoderTransformer(
        4, hidden_layer_sizes=(16,), max_iter=4, warm_start=True, random_state=0
    )
    with pytest.raises(KeyboardInterrupt), pytest.warns(UserWarning):
        ae.fit(X_train)
    assert ae.n_iter_ == 2
    monkeypatch.undo()
    ae.fit(X_train)
    assert ae.n_iter_ > 2 and len(ae.loss_curve_) == ae.n_iter_
