"""TensorFlow's distribution strategies, from what the ``strategy`` parameter holds."""

import functools

from ._backend import import_tensorflow

# The names the strategy parameter takes.
STRATEGY_NAMES = ("mirrored", "multi_worker_mirrored")


def resolve_strategy(spec):
    """The ``tf.distribute.Strategy`` that ``spec`` names, or ``None`` for none.

    ``spec`` is ``None``, a name (``"mirrored"``: a ``MirroredStrategy`` over every
    GPU of this machine, or every logical CPU device where it has no GPU;
    ``"multi_worker_mirrored"``: a ``MultiWorkerMirroredStrategy``, configured by
    the ``TF_CONFIG`` environment variable), a strategy, or a callable returning one.
    A name gives the same strategy object at every fit in a process.
    """
    if spec is None:
        return None
    tf = import_tensorflow()
    if spec in STRATEGY_NAMES:
        return _named_strategy(spec)
    strategy = spec
    if not isinstance(spec, tf.distribute.Strategy):
        strategy = spec()
    if not isinstance(strategy, tf.distribute.Strategy):
        raise TypeError(
            "strategy must be None, one of "
            f"{', '.join(repr(name) for name in STRATEGY_NAMES)}, a "
            "tf.distribute.Strategy or a callable returning one; the callable gave "
            f"{type(strategy).__name__}."
        )
    return strategy


@functools.cache
def _named_strategy(name):
    """One strategy per name and process, as TensorFlow expects one per program.

    Each strategy numbers its collective operations from the same start, so two
    of them in one process can mix up the all-reduces of two models (a shape
    mismatch error in the second fit).
    """
    tf = import_tensorflow()
    if name == "multi_worker_mirrored":
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = tf.config.list_logical_devices("GPU")
    devices = devices or tf.config.list_logical_devices("CPU")
    return tf.distribute.MirroredStrategy([device.name for device in devices])
