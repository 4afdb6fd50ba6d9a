"""The 'auto' epochs, batch size and learning rate: convergence on small data, a
budget of gradient steps with a scheduled learning rate (a warm-up epoch, then a cosine
decay) on large data."""

import math
import warnings

import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skae import AutoencoderTransformer, _base


@pytest.mark.parametrize(
    "n_rows, expected",
    [
        (1_617, (200, 64, 3e-3, False)),  # digits' training rows: the former defaults
        (19_999, (200, 64, 3e-3, False)),
        (20_000, (36, 128, 3e-3, True)),  # 157 steps an epoch
        (54_000, (14, 128, 3e-3, True)),  # MNIST's training rows: 422 steps an epoch
        (716_800, (1, 128, 3e-3, True)),  # 5,600 steps an epoch
        (716_799, (1, 128, 3e-3, True)),
        (716_671, (2, 128, 3e-3, True)),  # 5,599 steps an epoch
        (None, (200, 64, 3e-3, False)),  # partial_fit's batches
    ],
)
def test_auto_settings_follow_the_documented_rule(n_rows, expected):
    assert AutoencoderTransformer()._training_settings(n_rows) == expected


def test_given_settings_are_kept_and_auto_ones_follow_them():
    ae = AutoencoderTransformer(batch_size=256, learning_rate=1e-2)
    # 211 steps of 256 rows an epoch: 27 epochs for about 5,600 steps.
    assert ae._training_settings(54_000) == (27, 256, 1e-2, False)
    ae.set_params(max_iter=7, learning_rate="auto")
    assert ae._training_settings(54_000) == (7, 256, 3e-3, True)


def test_small_data_fit_as_with_the_former_defaults(digits):
    auto = AutoencoderTransformer(4, random_state=0).fit(digits[:600])
    explicit = AutoencoderTransformer(
        4, max_iter=200, batch_size=64, learning_rate=3e-3, random_state=0
    ).fit(digits[:600])
    assert_array_equal(auto.transform(digits), explicit.transform(digits))
    assert auto.n_iter_ == explicit.n_iter_ < 200  # early stopping ended both


class _LearningRates:
    """A Keras callback recording the optimizer's learning rate at each epoch."""

    def __new__(cls):
        import keras

        class Recorder(keras.callbacks.Callback):
            rates = []

            def on_epoch_begin(self, epoch, logs=None):
                self.rates.append(float(self.model.optimizer.learning_rate.numpy()))

        return Recorder()


def test_large_data_spend_a_budget_with_a_scheduled_rate(digits, monkeypatch):
    # The thresholds lowered so that digits count as large data: 1,617 training
    # rows in batches of 128 make 13 steps an epoch, and 100 steps 8 epochs.
    monkeypatch.setattr(_base, "LARGE_DATA_ROWS", 1_000)
    monkeypatch.setattr(_base, "LARGE_DATA_STEPS", 100)
    recorder = _LearningRates()
    params = dict(hidden_layer_sizes=(16,), random_state=0, callbacks=[recorder])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the budget is the plan
        ae = AutoencoderTransformer(4, **params).fit(digits)
    assert ae.n_iter_ == len(ae.loss_curve_) == 8
    # A warm-up epoch at half the rate, then a cosine over the other 7 epochs.
    decay = [0.5 * (1 + math.cos(math.pi * e / 7)) for e in range(7)]
    assert_allclose(recorder.rates, [3e-3 * f for f in [0.5, *decay]], rtol=1e-6)
    # The optimizer of model_ is back at the start of the schedule, so that
    # partial_fit and model_.fit train on at that rate.
    rate = float(ae.model_.optimizer.learning_rate.numpy())
    assert rate == pytest.approx(3e-3)
    # Bit-identical again with the same seed, also on the kept, traced trainer
    # that fits without callbacks use.
    again = AutoencoderTransformer(4, **{**params, "callbacks": None})
    twice = [again.fit(digits).transform(digits) for _ in range(2)]
    assert_array_equal(twice[0], twice[1])
    assert_array_equal(twice[0], ae.transform(digits))


def test_a_float_learning_rate_is_held_constant_on_large_data(digits, monkeypatch):
    monkeypatch.setattr(_base, "LARGE_DATA_ROWS", 1_000)
    monkeypatch.setattr(_base, "LARGE_DATA_STEPS", 50)
    recorder = _LearningRates()
    AutoencoderTransformer(
        4, hidden_layer_sizes=(16,), learning_rate=1e-3, callbacks=[recorder]
    ).fit(digits)
    assert recorder.rates == pytest.approx([1e-3] * 4)
