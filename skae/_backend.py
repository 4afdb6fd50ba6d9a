"""Lazy access to Keras and TensorFlow.

TensorFlow takes seconds to import, so nothing in skae imports it at module level:
``import skae``, ``clone``, ``get_params`` and parameter validation stay cheap, and the
import happens the first time a model is built, trained or unpickled.
"""

import os


def import_keras():
    """Return the ``keras`` module, checking that it runs on TensorFlow."""
    # Keras reads KERAS_BACKEND once, at its own import; respect a user's choice but
    # default to TensorFlow, the only backend skae's training loop supports.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
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


def import_tensorflow():
    """Return the ``tensorflow`` module (imported through Keras's checks)."""
    import_keras()
    import tensorflow as tf

    return tf
