"""scikit-learn's callbacks (``set_callbacks``): a fit is a task, its epochs the
subtasks, as LogisticRegression's fit and its iterations."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skae import AutoencoderTransformer, VariationalAutoencoder

pytest.importorskip(
    "sklearn.callback", reason="scikit-learn's callbacks begin with scikit-learn 1.9"
)

SETTINGS = dict(hidden_layer_sizes=(8,), max_iter=6, random_state=0)


class Recorder:
    """Records the tasks it sees; asks to stop at the end of epoch ``stop_at``."""

    def __init__(self, stop_at=None):
        self.events, self.stop_at = [], stop_at

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name, context.max_subtasks))

    def on_fit_task_begin(self, estimator, context, *, X=None, metadata=None):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name == "fit":
            self.fitted = fitted_estimator
        return context.task_name == "epoch" and context.task_id + 1 == self.stop_at

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name, None))


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, VariationalAutoencoder])
def test_each_epoch_is_a_task_of_the_fit_and_results_do_not_change(Estimator, digits):
    recorder = Recorder()
    seen = Estimator(**SETTINGS, early_stopping=False).set_callbacks(recorder)
    seen.fit(digits)
    n = seen.n_iter_
    epochs = [e for e in recorder.events if e[1] == "epoch"]
    assert recorder.events[0] == ("setup", "fit", 6)  # at most max_iter subtasks
    assert recorder.events[1] == ("begin", "fit", 0)
    assert epochs[::2] == [("begin", "epoch", i) for i in range(n)]
    assert epochs[1::2] == [("end", "epoch", i) for i in range(n)]
    assert recorder.events[-2:] == [("end", "fit", 0), ("teardown", "fit", None)]
    # The fitted estimator, for callbacks that evaluate it (ScoringMonitor).
    assert_array_equal(recorder.fitted.transform(digits), seen.transform(digits))
    plain = Estimator(**SETTINGS, early_stopping=False).fit(digits)
    assert_array_equal(seen.transform(digits), plain.transform(digits))


def test_a_callback_stops_training_at_the_end_of_an_epoch(digits):
    ae = AutoencoderTransformer(**SETTINGS, early_stopping=False)
    ae.set_callbacks(Recorder(stop_at=2)).fit(digits)
    assert ae.n_iter_ == 2


def test_a_fit_that_fails_in_training_tears_its_callbacks_down(digits):
    import keras

    def fail(epoch, logs):
        raise RuntimeError("a Keras callback failed")

    recorder = Recorder()
    failing = keras.callbacks.LambdaCallback(on_epoch_end=fail)
    ae = AutoencoderTransformer(**SETTINGS, callbacks=[failing])
    with pytest.raises(RuntimeError, match="a Keras callback failed"):
        ae.set_callbacks(recorder).fit(digits)
    assert ("begin", "epoch", 0) in recorder.events
    assert recorder.events[-1] == ("teardown", "fit", None)
    assert not hasattr(ae, "n_components_")  # left unfitted, as before


def test_scikit_learns_progress_bar_runs_through_a_pipeline(digits, capsys):
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar draws with rich")
    from sklearn.callback import ProgressBar
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = np.arange(len(digits)) % 3
    pipe = make_pipeline(AutoencoderTransformer(**SETTINGS), LogisticRegression())
    pipe.set_callbacks(ProgressBar()).fit(digits, y)
    assert pipe[0].n_iter_ >= 1


def test_skae_save_leaves_the_callbacks_out_and_says_so(digits, tmp_path):
    import skae

    ae = AutoencoderTransformer(**SETTINGS).set_callbacks(Recorder()).fit(digits)
    with pytest.warns(UserWarning, match="set_callbacks are not saved"):
        skae.save(ae, tmp_path / "ae.skae")
    loaded = skae.load(tmp_path / "ae.skae")
    assert_array_equal(loaded.transform(digits), ae.transform(digits))
    assert not hasattr(loaded, "_skl_callbacks")
