"""Lazy access to Keras and TensorFlow.

TensorFlow takes seconds to import, so nothing in skae imports it at module level:
``import skae``, ``clone``, ``get_params`` and parameter validation stay cheap, and the
import happens the first time a model is built, trained or unpickled.

TensorFlow's C++ runtime writes start-up notices (absl, CPU features, oneDNN) straight
to file descriptor 2 while ``import tensorflow`` runs, whatever
``TF_CPP_MIN_LOG_LEVEL`` says. When skae is the one importing TensorFlow, it points
descriptor 2 at the null device for that import only, unless the user set
``TF_CPP_MIN_LOG_LEVEL=0`` (asking for every TensorFlow message). It also gives
TensorFlow's thread pools the process's budget of threads, ``OMP_NUM_THREADS``,
which joblib sets in the workers of parallel searches (see :func:`thread_budget`).
"""

import contextlib
import os
import sys
import threading

# TensorFlow's first import is not safe from two threads at once (the first fits of
# a threaded search): one finds the other's half-imported modules.
_IMPORT_LOCK = threading.Lock()


def import_keras(quiet=None):
    """Return the ``keras`` module, checking that it runs on TensorFlow.

    ``quiet`` silences TensorFlow's start-up notices if this call imports it;
    ``None`` (the library's default) does so unless ``TF_CPP_MIN_LOG_LEVEL=0``.
    """
    # Keras reads KERAS_BACKEND once, at its own import; respect a user's choice but
    # default to TensorFlow, the only backend skae's training loop supports.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if quiet is None:
        quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip() != "0"
    try:
        with _IMPORT_LOCK:
            if "tensorflow" not in sys.modules:
                with stderr_to_null() if quiet else contextlib.nullcontext():
                    import tensorflow
                _limit_threads(tensorflow)
            import keras
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skae needs Keras 3 with the TensorFlow backend. Install it with "
            "'pip install skae[cpu]' (tensorflow-cpu) or "
            "'pip install skae[tensorflow]'."
        ) from exc
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "skae trains with the TensorFlow backend of Keras, but Keras is using "
            f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow before "
            "importing keras."
        )
    return keras


def thread_budget():
    """The threads TensorFlow may use in this process, or ``None`` for its own
    default (every core).

    ``OMP_NUM_THREADS`` is the budget that scikit-learn's conventions give a
    process: joblib sets it in its worker processes to the cores over the jobs
    (1 each for ``n_jobs=2`` on 2 cores), so that the BLAS and OpenMP libraries
    of parallel fits do not fight over the cores, and users set it for the same
    reason. TensorFlow's pools read only their own variables
    (``TF_NUM_INTRAOP_THREADS``, ``TF_NUM_INTEROP_THREADS``), which win where
    set.
    """
    if os.environ.get("TF_NUM_INTRAOP_THREADS", "").strip():
        return None
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return threads if threads > 0 else None


def _limit_threads(tf):
    """Give TensorFlow's thread pools the process's :func:`thread_budget`; only
    when skae imports TensorFlow, before anything runs."""
    threads = thread_budget()
    if threads is None:
        return
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    if not os.environ.get("TF_NUM_INTEROP_THREADS", "").strip():
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def import_tensorflow():
    """Return the ``tensorflow`` module (imported through Keras's checks)."""
    import_keras()
    import tensorflow as tf

    return tf


@contextlib.contextmanager
def stderr_to_null():
    """Point file descriptor 2 at the null device inside the block, then restore it."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2: nothing to hide
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass
        os.dup2(saved, 2)
        os.close(saved)
