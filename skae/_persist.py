"""``save`` and ``load``: skae's estimators in a file that runs no code when loaded.

A pickle (or a joblib file) runs whatever code it names when it is loaded, so only
files from a trusted source may be unpickled. skae's format holds data only:

- ``skae.json``: the class, the parameters and the fitted attributes, as JSON;
- ``arrays/<n>.npy``: each array, in NumPy's format, read with
  ``allow_pickle=False``;
- the fitted networks as the values of their weights (arrays like the others),
  which ``load`` gives to networks that skae builds anew from the parameters, as
  ``fit`` builds them: Keras's own files do not load in an older Keras than the
  one that wrote them (Keras 3.4 rejects the configs of 3.15), and this way a file
  loads on every version that skae supports, both ways;
- ``keras/<name>.keras``: each Keras model that is a parameter (the user's
  ``encoder`` or ``decoder``), in Keras's format, loaded with ``safe_mode=True``
  (which refuses the code of ``Lambda`` layers); the user's own layers load where
  they are registered (``keras.saving.register_keras_serializable``), as Keras
  requires. These load in the Keras that wrote them and newer ones;
- ``checksum.json``: a SHA-256 over every other entry, so that a damaged file is
  a clear error rather than different codes.

The file is a ZIP archive, written to a temporary file and renamed, so that a full
disk leaves no truncated file. Functions are never stored as code: a
:class:`~skae.ModelBuilder` is stored by the name of its build function, which
``load`` imports only from skae or from the names the caller trusts.

skops (https://skops.readthedocs.io) was considered: its types are registered in
a list inside skops itself, with no public way for another library to add its own,
and it has no support for Keras models, which here are most of a fitted estimator.
"""

import hashlib
import importlib
import io
import json
import os
import tempfile
import warnings
import zipfile
import zlib

import numpy as np

from ._backend import import_keras
from ._builder import ModelBuilder
from ._incremental import RunningPCA
from ._sklearn_callbacks import pop_callbacks

FORMAT = "skae"
# 2: an AutoencoderTransformer's networks put codes in the data's units
# (skae.layers.CodeScale), and a linear one returned at PCA's holds float64 weights.
FORMAT_VERSION = 2
_MANIFEST, _CHECKSUM = "skae.json", "checksum.json"
# Parameters that hold live objects of a session, left out as Keras leaves them out
# of a saved model.
_NOT_SAVED = ("callbacks", "strategy")
# The key that says what an encoded value is (see _Writer.encode).
_TAGS = (
    "float",
    "numpy",
    "array",
    "tuple",
    "dict",
    "random_state",
    "running_pca",
    "builder",
    "keras_model",
    "keras_class",
    "keras_object",
)


def save(estimator, path):
    """Save a skae estimator, fitted or not, to ``path`` in skae's format.

    The file holds the parameters and fitted attributes as JSON, the arrays in
    NumPy's ``.npy`` format and the Keras models in Keras's ``.keras`` format: no
    pickle, so :func:`load` runs no code from it. It loads across the versions of
    NumPy, scikit-learn, Keras and TensorFlow that skae supports. ``callbacks`` and
    ``strategy`` are not saved (as Keras does not save them with a model): the
    loaded estimator has ``None`` there, with a warning when saving; nor are
    scikit-learn's callbacks (``set_callbacks``).

    Parameters
    ----------
    estimator : AutoencoderTransformer or VariationalAutoencoder
        The estimator to save.

    path : str or path-like
        Where to write; the file is written whole or not at all.

    Examples
    --------
    >>> import skae
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data
    >>> ae = skae.AutoencoderTransformer(4, hidden_layer_sizes=()).fit(X)
    >>> skae.save(ae, "ae.skae")                          # doctest: +SKIP
    >>> skae.load("ae.skae").transform(X[:2])             # doctest: +SKIP
    """
    from ._base import _BaseAutoencoder

    if not isinstance(estimator, _BaseAutoencoder):
        raise TypeError(
            f"skae.save saves skae's estimators, not {type(estimator).__name__}; "
            "use skops.io or joblib for other scikit-learn objects."
        )
    writer = _Writer()
    state = estimator._saved_state(built=True)
    state.pop("_sklearn_version", None)
    params = estimator.get_params(deep=False)
    for name in _NOT_SAVED:
        if params.get(name) is not None:
            warnings.warn(
                f"{name} is not saved (Keras does not save it with a model either): "
                f"the loaded estimator has {name}=None.",
                UserWarning,
                stacklevel=2,
            )
    # Nor are scikit-learn's callbacks (set_callbacks): objects of the session.
    if pop_callbacks(state):
        warnings.warn(
            "The callbacks of set_callbacks are not saved: the loaded estimator "
            "has none.",
            UserWarning,
            stacklevel=2,
        )
    # The fitted networks as the values of their weights, which load gives to
    # networks that skae builds anew: Keras's own files of a newer Keras do not
    # load in an older one.
    model = state.pop("model_", None)
    networks = None
    if model is not None:
        networks = {
            "weights": writer.encode([np.asarray(w) for w in model.get_weights()], "w"),
            "as_they_are": estimator._as_they_are(),
        }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": type(estimator).__name__,
        "versions": _versions(),
        "params": {
            name: None if name in _NOT_SAVED else writer.encode(value, f"param_{name}")
            for name, value in params.items()
        },
        "attributes": {
            name: writer.encode(value, name)
            for name, value in state.items()
            if name not in params
        },
        "networks": networks,
    }
    writer.entries[_MANIFEST] = json.dumps(manifest, indent=1, allow_nan=False).encode()
    writer.entries[_CHECKSUM] = json.dumps({"sha256": _digest(writer.entries)}).encode()
    replace_atomically(path, lambda file: _write_zip(file, writer.entries))


def load(path, trusted=()):
    """Load an estimator that :func:`save` wrote.

    Nothing in the file runs as code: the Keras models load with
    ``safe_mode=True`` and the arrays without pickle. A file whose checksum does
    not match (damaged or altered) is a ``ValueError``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    trusted : sequence of str, default=()
        Build functions of :class:`~skae.ModelBuilder` parameters, as
        ``"module.function"``, that may be imported; skae's own always may.

    Returns
    -------
    estimator : AutoencoderTransformer or VariationalAutoencoder
        Fitted as it was saved: it transforms as the saved one did, refits, and
        continues with ``partial_fit``.
    """
    from . import _autoencoder, _variational, layers  # noqa: F401  (skae's layers)

    entries = _read(path)
    try:
        manifest = json.loads(entries[_MANIFEST])
    except (KeyError, ValueError) as error:
        raise ValueError(f"{os.fspath(path)!r} is not a skae file: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a skae file.")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{os.fspath(path)!r} was saved in skae's format version "
            f"{manifest['format_version']}; this skae reads up to {FORMAT_VERSION}. "
            "Upgrade skae."
        )
    if manifest.get("class") == "AutoencoderTransformer" and (
        manifest.get("format_version", 0) < 2
    ):
        raise ValueError(
            f"{os.fspath(path)!r} was saved by a skae whose codes were in "
            "standardised units (format version 1); this skae's networks give "
            "them in the data's units, as PCA's, and cannot take its weights. "
            "Fit the estimator again and save it."
        )
    classes = {
        "AutoencoderTransformer": _autoencoder.AutoencoderTransformer,
        "VariationalAutoencoder": _variational.VariationalAutoencoder,
    }
    cls = classes.get(manifest["class"])
    if cls is None:
        raise ValueError(f"Unknown estimator class {manifest['class']!r}.")
    reader = _Reader(entries, trusted)
    params = {name: reader.decode(value) for name, value in manifest["params"].items()}
    state = {
        name: reader.decode(value) for name, value in manifest["attributes"].items()
    }
    estimator = cls(**params)
    vars(estimator).update(state)
    networks = manifest["networks"]
    if networks is not None:
        weights = [np.asarray(w) for w in reader.decode(networks["weights"])]
        estimator._load_networks(weights, networks["as_they_are"])
    return estimator


def _versions():
    import sklearn

    keras = import_keras()
    from . import __version__

    return {
        "skae": __version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "keras": keras.__version__,
    }


def _digest(entries):
    sha = hashlib.sha256()
    for name in sorted(entries):
        if name == _CHECKSUM:
            continue
        sha.update(name.encode() + b"\0" + str(len(entries[name])).encode() + b"\0")
        sha.update(entries[name])
    return sha.hexdigest()


def replace_atomically(path, write):
    """``write(temporary_path)`` of a file beside ``path``, then rename it to
    ``path``: a failed or interrupted write (a full disk) leaves no truncated
    file, and an earlier file at ``path`` stays whole until the rename."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]  # matplotlib reads the format from it
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".skae-", suffix=suffix)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _write_zip(path, entries):
    with open(path, "wb") as file:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries.items():
                archive.writestr(name, data)
        file.flush()
        os.fsync(file.fileno())


def _read(path):
    try:
        with zipfile.ZipFile(path) as archive:
            entries = {name: archive.read(name) for name in archive.namelist()}
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        zlib.error,
        NotImplementedError,  # a compression method that a flipped byte names
    ) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is not a skae file, or it is damaged: {error}"
        ) from None
    try:
        expected = json.loads(entries[_CHECKSUM])["sha256"]
    except (KeyError, ValueError, TypeError):
        raise ValueError(
            f"{os.fspath(path)!r} is not a skae file, or it is damaged: no checksum."
        ) from None
    if _digest(entries) != expected:
        raise ValueError(
            f"{os.fspath(path)!r} is damaged or was altered: its checksum does not "
            "match its contents. Save the estimator again."
        )
    return entries


class _Writer:
    """Encodes values as JSON, with the arrays and Keras models as entries."""

    def __init__(self):
        self.entries = {}

    def encode(self, value, name):
        keras = import_keras()
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if np.isfinite(value) else {"float": repr(value)}
        if isinstance(value, np.generic):
            return {
                "numpy": value.dtype.str,
                "value": self.encode(value.item(), name),
            }
        if isinstance(value, np.ndarray):
            return {"array": self._array(value)}
        if isinstance(value, tuple):
            return {
                "tuple": [self.encode(v, f"{name}_{i}") for i, v in enumerate(value)]
            }
        if isinstance(value, list):
            return [self.encode(v, f"{name}_{i}") for i, v in enumerate(value)]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {
                "dict": {k: self.encode(v, f"{name}_{k}") for k, v in value.items()}
            }
        if isinstance(value, np.random.RandomState):
            return {"random_state": self.encode(value.get_state(), name)}
        if isinstance(value, RunningPCA):
            return {"running_pca": self.encode(value.state(), name)}
        if isinstance(value, ModelBuilder):
            params = value.get_params()
            build = params.pop("build")
            return {
                "builder": f"{build.__module__}.{build.__qualname__}",
                "params": self.encode(params, name),
            }
        if isinstance(value, keras.Model):
            entry = f"keras/{name}.keras"
            with tempfile.TemporaryDirectory() as directory:
                file = os.path.join(directory, "model.keras")
                value.save(file)
                with open(file, "rb") as saved:
                    self.entries[entry] = saved.read()
            return {"keras_model": entry}
        if isinstance(value, type) and value.__module__.startswith("keras"):
            return {"keras_class": f"{value.__module__}.{value.__qualname__}"}
        try:  # what load would find again: built-in or registered objects
            config = keras.saving.serialize_keras_object(value)
            json.dumps(config, allow_nan=False)
            keras.saving.deserialize_keras_object(config, safe_mode=True)
        except Exception as error:  # Keras raises several types
            raise TypeError(
                f"skae.save cannot save {name.removeprefix('param_')!r}, a "
                f"{type(value).__name__}: it is not data, a Keras object or a "
                f"ModelBuilder ({error})."
            ) from None
        return {"keras_object": config}

    def _array(self, array):
        if array.dtype.hasobject:
            raise TypeError("skae.save cannot save arrays of Python objects.")
        entry = f"arrays/{len(self.entries)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        self.entries[entry] = buffer.getvalue()
        return entry


class _Reader:
    """Decodes what :class:`_Writer` encoded."""

    def __init__(self, entries, trusted):
        self.entries, self.trusted = entries, set(trusted)

    def decode(self, value):
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        (kind,) = (k for k in value if k in _TAGS)
        if kind == "float":
            return float(value["float"])
        if kind == "numpy":
            return np.dtype(value["numpy"]).type(self.decode(value["value"]))
        if kind == "array":
            return np.load(io.BytesIO(self.entries[value["array"]]), allow_pickle=False)
        if kind == "tuple":
            return tuple(self.decode(v) for v in value["tuple"])
        if kind == "dict":
            return {k: self.decode(v) for k, v in value["dict"].items()}
        if kind == "random_state":
            random_state = np.random.RandomState()
            random_state.set_state(self.decode(value["random_state"]))
            return random_state
        if kind == "running_pca":
            return RunningPCA.from_state(self.decode(value["running_pca"]))
        if kind == "builder":
            return ModelBuilder(
                self._function(value["builder"]), **self.decode(value["params"])
            )
        if kind == "keras_model":
            return self._keras_model(value["keras_model"])
        if kind == "keras_class":
            module, _, name = value["keras_class"].rpartition(".")
            return getattr(importlib.import_module(module), name)
        if kind == "keras_object":
            keras = import_keras()
            return keras.saving.deserialize_keras_object(
                value["keras_object"], safe_mode=True
            )
        raise ValueError(f"Unknown entry {kind!r} in a skae file.")

    def _function(self, name):
        module, _, qualname = name.rpartition(".")
        if not (module == "skae" or module.startswith("skae.") or name in self.trusted):
            raise ValueError(
                f"The file names the build function {name!r}, which load imports "
                f"only if trusted: skae.load(path, trusted=[{name!r}])."
            )
        function = importlib.import_module(module)
        for part in qualname.split("."):
            function = getattr(function, part)
        return function

    def _keras_model(self, entry):
        keras = import_keras()
        with tempfile.TemporaryDirectory() as directory:
            file = os.path.join(directory, "model.keras")
            with open(file, "wb") as saved:
                saved.write(self.entries[entry])
            return keras.saving.load_model(file, safe_mode=True)
