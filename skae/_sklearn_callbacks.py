"""scikit-learn's callbacks (``sklearn.callback``, experimental from scikit-learn 1.9).

With scikit-learn 1.9 or later, skae's estimators take
``set_callbacks(ProgressBar(), ...)``, as LogisticRegression does: a fit is a task
whose subtasks are its epochs, as LogisticRegression's fit has its solver's
iterations. A callback whose ``on_fit_task_end`` returns True at an epoch stops
training there (the fit then returns as early stopping does). ``ScoringMonitor``
sees the fitted estimator at the end of the fit, not at each epoch. Before 1.9
there is nothing to support and this module adds nothing.

Keras's callbacks (the ``callbacks`` parameter) are unchanged beside them: the
epochs reach scikit-learn's callbacks through one more Keras callback.
"""

from ._backend import import_keras

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn before 1.9

    class CallbackSupportMixin:
        """scikit-learn's callback support, which scikit-learn before 1.9 lacks."""

    SUPPORTED = False
else:
    SUPPORTED = True


# What scikit-learn's CallbackSupportMixin sets on an estimator during a fit, and
# _fit_context reads after it to tear the callbacks down.
_FIT_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def fit_state(estimator):
    """scikit-learn's callback state of the fit under way, which a failed fit
    keeps when it restores the estimator's other attributes, so that the
    callbacks are still torn down."""
    return {
        name: vars(estimator)[name] for name in _FIT_STATE if name in vars(estimator)
    }


def pop_callbacks(state):
    """Take the callbacks that ``set_callbacks`` gave out of an estimator's
    ``state`` (its attributes); return whether there were any."""
    return bool(state.pop("_skl_callbacks", None))


def fit_task(estimator, X, max_iter):
    """The :class:`FitTask` of a fit of at most ``max_iter`` epochs on ``X``, begun;
    ``None`` where scikit-learn has no callbacks."""
    if not SUPPORTED:
        return None
    return FitTask(estimator, X, max_iter)


class FitTask:
    """One fit, as scikit-learn's callbacks see it: the root task, whose subtasks
    are the epochs (:meth:`epoch_callback`)."""

    def __init__(self, estimator, X, max_iter):
        self.estimator, self.X = estimator, X
        # scikit-learn's hook for estimators that support callbacks (its
        # CallbackSupportMixin documents it); _fit_context tears them down.
        self.context = estimator._init_callback_context(max_subtasks=max_iter)
        self.context.call_on_fit_task_begin(estimator=estimator, X=X)

    def epoch_callback(self):
        """A Keras callback that makes each epoch a subtask of the fit, and stops
        training where one of scikit-learn's callbacks asks."""
        keras = import_keras()
        task = self

        class EpochTasks(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = task.context.subcontext(task_name="epoch")
                self.epoch.call_on_fit_task_begin(estimator=task.estimator, X=task.X)

            def on_epoch_end(self, epoch, logs=None):
                stop = self.epoch.call_on_fit_task_end(
                    estimator=task.estimator, X=task.X, metadata=dict(logs or {})
                )
                if stop:
                    self.model.stop_training = True

        return EpochTasks()

    def end(self):
        """End the fit's task, with the fitted estimator for callbacks that
        evaluate it (``ScoringMonitor``)."""
        self.context.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, reconstruction_attributes={}
        )
