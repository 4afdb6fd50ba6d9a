"""Training under TensorFlow's distribution strategies (MirroredStrategy on two
logical CPU devices, which must be configured before TensorFlow starts: each test
runs its script in a new process)."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from skae import AutoencoderTransformer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Two logical CPU devices stand for two GPUs (or machines) of a real run.
PRELUDE = """
import json, pickle
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
"""


def _run(script):
    env = {
        **os.environ,
        "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    result = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_training_matches_training_without_a_strategy():
    out = _run(
        """
        from skae._distribute import resolve_strategy

        params = dict(n_components=8, hidden_layer_sizes=(32,), max_iter=40,
                      random_state=0)
        plain = AutoencoderTransformer(**params).fit(X_train)
        ae = AutoencoderTransformer(strategy="mirrored", **params)
        assert clone(ae).get_params()["strategy"] == "mirrored"
        ae.fit(X_train)
        copy = pickle.loads(pickle.dumps(ae))
        # Another model under the same name in the same process: its all-reduces
        # must not be mixed up with the first model's.
        other = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=3,
                                       strategy="mirrored", random_state=0)
        other.fit(X_train)
        print(json.dumps({
            "replicas": resolve_strategy("mirrored").num_replicas_in_sync,
            "mirrored_weights": type(ae.model_.weights[0].value).__name__,
            "plain": plain.score(X_test),
            "mirrored": ae.score(X_test),
            "epochs": ae.n_iter_,
            "other_epochs": other.n_iter_,
            "pickled_equal": bool(np.array_equal(copy.transform(X_test),
                                                 ae.transform(X_test))),
            "keras_equal": bool(np.allclose(
                ae.transform(X_test.astype(np.float32)),
                np.asarray(ae.encoder_(X_test.astype(np.float32))),
                rtol=1e-5, atol=1e-5)),
        }))
        """
    )
    assert out["replicas"] == 2
    assert out["mirrored_weights"] == "MirroredVariable"  # trained on both devices
    assert out["epochs"] > 1 and out["other_epochs"] == 3
    # The tolerance; the two runs differ in rounding and batch splitting.
    assert abs(out["mirrored"] - out["plain"]) < 0.01
    assert out["pickled_equal"] and out["keras_equal"]


def test_a_callable_or_a_strategy_object_is_used_as_given():
    out = _run(
        """
        made, calls = [], []

        def two_cpus():
            # One strategy per program, as TensorFlow expects.
            if not made:
                made.append(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
            calls.append(1)
            return made[0]

        params = dict(n_components=4, hidden_layer_sizes=(16,), max_iter=5,
                      early_stopping=False, random_state=0)
        by_callable = AutoencoderTransformer(strategy=two_cpus, **params).fit(X_train)
        by_object = AutoencoderTransformer(strategy=two_cpus(), **params).fit(X_train)
        print(json.dumps({
            "calls": len(calls),
            "replicas": made[0].num_replicas_in_sync,
            "scores": [by_callable.score(X_test), by_object.score(X_test)],
            "losses": [by_callable.loss_curve_, by_object.loss_curve_],
        }))
        """
    )
    assert out["calls"] == 2 and out["replicas"] == 2
    callable_loss, object_loss = out["losses"]
    assert callable_loss[-1] < callable_loss[0] and object_loss[-1] < object_loss[0]
    assert out["scores"][0] == pytest.approx(out["scores"][1], abs=1e-6)


def test_partial_fit_refuses_a_strategy(digits):
    with pytest.raises(ValueError, match="partial_fit trains on one process"):
        AutoencoderTransformer(2, strategy="mirrored").partial_fit(digits[:50])


def test_strategy_that_is_not_one_is_rejected(digits):
    with pytest.raises(TypeError, match="the callable gave dict"):
        AutoencoderTransformer(2, strategy=dict, max_iter=2).fit(digits[:50])
    with pytest.raises(ValueError, match="'strategy' parameter"):
        AutoencoderTransformer(2, strategy="tpu").fit(digits[:50])
