"""Save skae's estimators with one set of versions and load them with another.

    python .ci/saved_models.py save DIR    # fits and saves a few estimators in DIR
    python .ci/saved_models.py check DIR   # loads them: same transforms, refit,
                                           # partial_fit

``.ci/run`` saves with the newest versions and checks in the min-versions job, and
the other way round (issue 22: files cross the declared floors both ways).
"""

import json
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits

import skae

SETTINGS = {
    "deep": lambda: skae.AutoencoderTransformer(4, max_iter=3, random_state=0),
    "linear": lambda: skae.AutoencoderTransformer(4, hidden_layer_sizes=()),
    "tied": lambda: skae.AutoencoderTransformer(
        4, tied_weights=True, activation="tanh", max_iter=3, random_state=0
    ),
    "conv": lambda: skae.AutoencoderTransformer(
        4, encoder=skae.conv_encoder((8, 8)), max_iter=2, random_state=0
    ),
    "partial": lambda: skae.AutoencoderTransformer(4, random_state=0),
    "vae": lambda: skae.VariationalAutoencoder(4, max_iter=3, random_state=0),
    "unfitted": lambda: skae.AutoencoderTransformer(3, learning_rate=0.01),
}


def save(directory):
    directory.mkdir(parents=True, exist_ok=True)
    X = load_digits().data[:300]
    expected = {}
    for name, make in SETTINGS.items():
        estimator = make()
        if name == "partial":
            estimator.partial_fit(X)
        elif name != "unfitted":
            estimator.fit(X)
        skae.save(estimator, directory / f"{name}.skae")
        if name != "unfitted":
            expected[name] = estimator.transform(X)
    np.savez(directory / "expected.npz", X=X, **expected)
    versions = {"numpy": np.__version__, "keras": keras.__version__}
    (directory / "versions.json").write_text(json.dumps(versions))
    print(f"saved {len(SETTINGS)} estimators in {directory}")


def check(directory):
    saved = np.load(directory / "expected.npz")
    X = saved["X"]
    versions = json.loads((directory / "versions.json").read_text())
    for name in SETTINGS:
        estimator = skae.load(directory / f"{name}.skae")
        if name == "unfitted":
            assert estimator.get_params()["learning_rate"] == 0.01
            continue
        # Other BLAS builds round float64 products differently in the last bits.
        assert_allclose(estimator.transform(X), saved[name], rtol=1e-6, atol=1e-9)
        if hasattr(estimator, "partial_fit"):
            estimator.partial_fit(X[:50])
        estimator.set_params(max_iter=1).fit(X[:100])
    print(f"loaded {len(SETTINGS)} estimators saved with {versions}")


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    command, directory = sys.argv[1], Path(sys.argv[2])
    {"save": save, "check": check}[command](directory)
