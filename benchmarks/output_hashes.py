"""Hashes of skae's outputs on 30 settings, to check that a refactor keeps results.

Not a speed benchmark: for each setting (float64 and float32 rows, linear, deep, the
user's networks, convolutional, noise, sparsity, tied, other losses, a float
n_components, callbacks, the VAE, a strategy over two logical CPUs, a memmap read
in chunks, partial_fit, pickling) it fits twice and hashes transform,
inverse_transform, the explained variance, the loss curve and the training
attributes, the weights and the score. Run it on two trees and compare:

    PYTHONPATH=<old tree> python benchmarks/output_hashes.py old.json
    PYTHONPATH=<new tree> python benchmarks/output_hashes.py new.json
    python benchmarks/output_hashes.py --compare old.json new.json

``ONLY=name,name`` runs some settings (``memmap``, ``partial`` select those groups).
"""

import hashlib
import json
import os
import sys
import tempfile
import warnings


def compare(old, new):
    """Print the settings whose hashes differ; return their number."""
    a, b = json.load(open(old)), json.load(open(new))
    bad = 0
    for name in sorted(set(a) | set(b)):
        if a.get(name) != b.get(name):
            bad += 1
            x, y = a.get(name) or {}, b.get(name) or {}
            print(
                name,
                {
                    k: (x.get(k), y.get(k))
                    for k in set(x) | set(y)
                    if x.get(k) != y.get(k)
                },
            )
    print(f"differ: {bad} of {len(set(a) | set(b))}")
    return bad


if len(sys.argv) == 4 and sys.argv[1] == "--compare":
    sys.exit(1 if compare(sys.argv[2], sys.argv[3]) else 0)

# Two logical CPU devices for the strategy setting, before TensorFlow starts.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from skae import (  # noqa: E402
    AutoencoderTransformer,
    ModelBuilder,
    VariationalAutoencoder,
    _stream,
    conv_decoder,
    conv_encoder,
)

warnings.simplefilter("ignore")
X = load_digits().data / 16
X32 = X.astype(np.float32)
Xs = X[:600]


def enc(n_features, n_components, units=8):
    def init(s):
        return keras.initializers.GlorotUniform(seed=s)

    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(units, activation="relu", kernel_initializer=init(1)),
            keras.layers.Dense(n_components, kernel_initializer=init(2)),
        ]
    )


def dec(n_features, n_components, units=8):
    def init(s):
        return keras.initializers.GlorotUniform(seed=s)

    return keras.Sequential(
        [
            keras.Input((n_components,)),
            keras.layers.Dense(units, activation="tanh", kernel_initializer=init(3)),
            keras.layers.Dense(n_features, kernel_initializer=init(4)),
        ]
    )


def h(*arrays):
    m = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a))
        m.update(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return m.hexdigest()[:16]


def describe(est, Xin):
    out = {}
    Z = est.transform(Xin)
    out["transform"] = h(Z)
    out["inverse"] = h(est.inverse_transform(Z))
    out["ev"] = h(est.explained_variance_, est.explained_variance_ratio_)
    out["loss_curve"] = h(np.asarray(est.loss_curve_, dtype=np.float64))
    out["attrs"] = repr(
        (
            est.n_iter_,
            est.best_loss_,
            est.best_validation_score_,
            None
            if est.validation_scores_ is None
            else h(np.asarray(est.validation_scores_)),
        )
    )
    out["weights"] = h(*est.model_.get_weights())
    out["score"] = repr(est.score(Xin))
    if hasattr(est, "components_"):
        out["components"] = h(est.components_)
    if hasattr(est, "noise_variance_"):
        out["noise_var"] = repr(est.noise_variance_)
    return out


FAST = dict(hidden_layer_sizes=(16,), max_iter=4, random_state=0)
settings = {
    "linear64": (
        lambda: AutoencoderTransformer(8, hidden_layer_sizes=(), random_state=0),
        X,
    ),
    "linear_random": (
        lambda: AutoencoderTransformer(
            4, hidden_layer_sizes=(), init="random", max_iter=4, random_state=0
        ),
        X,
    ),
    "deep64": (lambda: AutoencoderTransformer(8, max_iter=3, random_state=0), X),
    "deep32": (lambda: AutoencoderTransformer(8, max_iter=3, random_state=0), X32),
    "deep_noes": (lambda: AutoencoderTransformer(6, early_stopping=False, **FAST), X),
    "random_init": (lambda: AutoencoderTransformer(6, init="random", **FAST), X),
    "custom": (
        lambda: AutoencoderTransformer(
            6, encoder=ModelBuilder(enc), decoder=ModelBuilder(dec), **FAST
        ),
        X,
    ),
    "custom_random": (
        lambda: AutoencoderTransformer(
            6,
            encoder=ModelBuilder(enc),
            decoder=ModelBuilder(dec),
            init="random",
            **FAST,
        ),
        X,
    ),
    "conv": (
        lambda: AutoencoderTransformer(
            6,
            encoder=conv_encoder((8, 8), filters=(4,)),
            decoder=conv_decoder((8, 8), filters=(4,)),
            max_iter=2,
            random_state=0,
        ),
        Xs,
    ),
    "noise": (lambda: AutoencoderTransformer(6, noise=0.5, **FAST), X),
    "sparsity": (lambda: AutoencoderTransformer(6, sparsity=0.1, **FAST), X),
    "tied": (
        lambda: AutoencoderTransformer(6, tied_weights=True, activation="tanh", **FAST),
        X,
    ),
    "bce_loss": (
        lambda: AutoencoderTransformer(6, loss="binary_crossentropy", **FAST),
        X,
    ),
    "float_k": (lambda: AutoencoderTransformer(0.8, **FAST), X),
    "callbacks": (
        lambda: AutoencoderTransformer(
            6, callbacks=[keras.callbacks.History()], **FAST
        ),
        X,
    ),
    "vae_linear": (
        lambda: VariationalAutoencoder(6, hidden_layer_sizes=(), random_state=0),
        X,
    ),
    "vae_deep": (lambda: VariationalAutoencoder(6, **FAST), X),
    "vae_random": (lambda: VariationalAutoencoder(6, init="random", **FAST), X32),
    "strategy": (lambda: AutoencoderTransformer(6, strategy="mirrored", **FAST), Xs),
}

results = {}
only = os.environ.get("ONLY")
for name, (make, data) in settings.items():
    if only and name not in only.split(","):
        continue
    est = make().fit(data)
    results[name] = describe(est, data)
    # A second fit on the same estimator (kept networks reused) must equal.
    results[name]["refit"] = describe(make().fit(data), data)["transform"]

# memmap, streamed in chunks
if not only or "memmap" in only:
    _stream.STREAM_MIN_BYTES = 0
    _stream.CHUNK_VALUES = 64 * 200
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.dat")
        mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
        mm[:] = X
        mm.flush()
        mm = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
        for name, make in {
            "memmap_deep": lambda: AutoencoderTransformer(6, **FAST),
            "memmap_linear": lambda: AutoencoderTransformer(
                6, hidden_layer_sizes=(), random_state=0
            ),
            "memmap_custom_random": lambda: AutoencoderTransformer(
                6,
                encoder=ModelBuilder(enc),
                decoder=ModelBuilder(dec),
                init="random",
                **FAST,
            ),
        }.items():
            est = make().fit(mm)
            results[name] = describe(est, X)
        del mm
    _stream.STREAM_MIN_BYTES = 2**28

# partial_fit
if not only or "partial" in only:
    for name, make in {
        "partial_deep": lambda: AutoencoderTransformer(6, **FAST),
        "partial_linear": lambda: AutoencoderTransformer(
            6, hidden_layer_sizes=(), random_state=0
        ),
        "partial_custom": lambda: AutoencoderTransformer(
            6, encoder=ModelBuilder(enc), decoder=ModelBuilder(dec), **FAST
        ),
        "partial_after_fit": None,
        "partial_noise_after_fit": "noise",
        "partial_pickled": "pickle",
        "partial_float_k": lambda: AutoencoderTransformer(0.7, noise=0.3, **FAST),
        "partial_custom_random": lambda: AutoencoderTransformer(
            6, encoder=ModelBuilder(enc), init="random", **FAST
        ),
    }.items():
        if make == "noise":
            est = AutoencoderTransformer(6, noise=0.4, sparsity=0.1, **FAST).fit(
                X[:900]
            )
        elif make == "pickle":
            import pickle

            est = AutoencoderTransformer(6, **FAST)
            est.partial_fit(X[:300])
            est = pickle.loads(pickle.dumps(est))
        elif make is None:
            est = AutoencoderTransformer(6, **FAST).fit(X[:900])
        else:
            est = make()
        for start in range(0, 1797, 300):
            est.partial_fit(X[start : start + 300])
        results[name] = describe(est, X)

json.dump(results, open(sys.argv[1], "w"), indent=1, sort_keys=True)
print(len(results), "settings")
