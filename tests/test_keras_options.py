"""Keras's losses, optimizers and callbacks, and Keras's progress lines."""

import csv

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

# Short runs on purpose: what is under test is what each option does.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def X():
    from sklearn.datasets import load_digits

    return load_digits().data[:400] / 16.0


def test_a_keras_loss_is_applied_in_the_data_units(X):
    import keras

    params = dict(**SMALL, max_iter=4, early_stopping=False)
    by_name = AutoencoderTransformer(4, loss="mse", **params).fit(X)
    by_object = AutoencoderTransformer(
        4, loss=keras.losses.MeanSquaredError(), **params
    ).fit(X)
    # "mse" is the unexplained fraction of variance; Keras's MSE is in squared units
    # of X: the same training (Adam does not see a constant factor), scaled by s**2.
    s2 = X.var(axis=0).mean()
    assert_allclose(
        by_object.loss_curve_, s2 * np.array(by_name.loss_curve_), rtol=1e-3
    )
    # (Adam's epsilon weighs differently on gradients s**2 smaller: close, not equal.)
    assert by_object.score(X) == pytest.approx(by_name.score(X), abs=2e-3)


def test_binary_crossentropy_for_pixels_in_0_1(X):
    pca_ev = PCA(8).fit(X).explained_variance_ratio_.sum()
    ae = AutoencoderTransformer(8, loss="binary_crossentropy", max_iter=30, **SMALL)
    ae.fit(X)
    assert np.isfinite(ae.loss_curve_).all()
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    # score stays reconstruction R^2, and PCA stays the floor.
    X_hat = ae.inverse_transform(ae.transform(X))
    r2 = 1 - ((X - X_hat) ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum()
    assert ae.score(X) == pytest.approx(r2)
    assert ae.score(X) >= pca_ev - 1e-9
    assert ae.model_.loss == "binary_crossentropy"


@pytest.mark.parametrize("how", ["name", "class", "instance"])
def test_optimizer_by_name_class_or_instance(X, how):
    import keras

    given = {
        "name": "sgd",
        "class": keras.optimizers.SGD,
        "instance": keras.optimizers.SGD(learning_rate=0.5, momentum=0.9),
    }[how]
    ae = AutoencoderTransformer(4, optimizer=given, learning_rate=0.01, max_iter=2)
    ae.set_params(**SMALL).fit(X)
    optimizer = ae.model_.optimizer
    # Keras 3.3's variables have no __float__; convert_to_numpy works on every Keras 3.
    value = keras.ops.convert_to_numpy
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer is not given
    assert value(optimizer.learning_rate) == pytest.approx(0.01)  # the estimator's
    assert value(optimizer.iterations) > 0
    if how == "instance":
        assert optimizer.momentum == 0.9  # the instance's other settings are kept
        assert value(given.iterations) == 0 and value(given.learning_rate) == 0.5
        assert clone(ae).get_params()["optimizer"].momentum == 0.9


def _recorder(stop_at=None):
    """A Keras callback that records its calls; it stops training at ``stop_at``."""
    import keras

    class Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_train_begin(self, logs=None):
            self.calls.append(("begin", None))

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append((epoch, dict(logs)))
            if stop_at is not None and epoch + 1 == stop_at:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            self.calls.append(("end", None))

    return Recorder()


def test_callbacks_see_keras_hooks_and_logs(X):
    recorder = _recorder()
    ae = AutoencoderTransformer(4, max_iter=3, callbacks=[recorder], **SMALL).fit(X)
    assert recorder.calls[0] == ("begin", None) and recorder.calls[-1] == ("end", None)
    epochs = recorder.calls[1:-1]
    assert [epoch for epoch, _ in epochs] == [0, 1, 2]
    assert [logs["loss"] for _, logs in epochs] == ae.loss_curve_
    assert [logs["val_r2"] for _, logs in epochs] == ae.validation_scores_
    assert all(np.isfinite(logs["val_loss"]) for _, logs in epochs)
    assert recorder.model is ae.model_


def test_a_callback_stops_training(X):
    ae = AutoencoderTransformer(4, max_iter=50, callbacks=[_recorder(stop_at=3)])
    ae.set_params(**SMALL).fit(X)
    assert ae.n_iter_ == 3


def test_keras_early_stopping_and_csv_logger(X, tmp_path):
    import keras

    path = tmp_path / "log.csv"
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10, patience=1)
    logger = keras.callbacks.CSVLogger(str(path))
    ae = AutoencoderTransformer(
        4, max_iter=50, callbacks=[stopper, logger], **SMALL
    ).fit(X)
    # EarlyStopping: epoch 1 sets its best, epoch 2 does not improve by 10: it stops.
    assert ae.n_iter_ == 2 and stopper.stopped_epoch == 1
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == [0, 1]
    assert_allclose([float(row["loss"]) for row in rows], ae.loss_curve_, rtol=1e-6)
    assert_allclose(
        [float(row["val_r2"]) for row in rows], ae.validation_scores_, rtol=1e-6
    )


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_keras_lines_for_the_epochs_run(X, capsys, verbose):
    ae = AutoencoderTransformer(4, max_iter=40, n_iter_no_change=1, verbose=verbose)
    ae.set_params(**SMALL).fit(X)
    out = capsys.readouterr().out
    assert ae.n_iter_ < 40, "stopped early: the lines must stop with it"
    assert out.count("Epoch ") == ae.n_iter_
    assert f"Epoch {ae.n_iter_}/40" in out
    # The epoch's own figures, not running means over epochs.
    last = out.rstrip().splitlines()[-1]
    assert f"val_r2: {ae.validation_scores_[-1]:.4f}" in last
    if verbose == 2:
        assert len(out.rstrip().splitlines()) == 2 * ae.n_iter_


def test_best_loss_is_in_the_units_of_the_loss(X):
    import keras

    # A closed-form fit (linear, from PCA) reports its loss in the units of `loss`.
    loss = keras.losses.MeanSquaredError()
    ae = AutoencoderTransformer(4, hidden_layer_sizes=(), loss=loss).fit(X)
    X_hat = ae.inverse_transform(ae.transform(X))
    assert ae.best_loss_ == pytest.approx(((X - X_hat) ** 2).mean(), rel=1e-5)
    assert ae.loss_curve_ == [ae.best_loss_]
