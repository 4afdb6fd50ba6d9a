"""PCA against skae and its peers: reconstruction R^2 and fit time, in one run.

For each data set and code size k this fits, on the same rows:

- ``PCA``: scikit-learn's PCA, the floor.
- ``skae linear``: ``AutoencoderTransformer(k, hidden_layer_sizes=())``.
- ``skae default``: ``AutoencoderTransformer(k)``.
- ``skae deep``: the documented deep preset, ``DEEP_PRESET`` below (README, "Presets").
- ``MLPRegressor X->X``: scikit-learn's MLP with the default's shape, trained to
  reproduce X with the same batch size, learning rate and number of epochs as
  ``skae default`` used.
- ``keras plain``: a plain Keras autoencoder of the default's shape (no PCA path),
  ``Model.fit`` with the same batch size, learning rate and epochs.

Each row gives train R^2 (reconstruction R^2 on the training rows, PCA's explained
variance ratio sum), held-out R^2 and fit seconds, with R^2 and time as ratios to PCA.

Usage::

    python benchmarks/bench_pca.py                       # digits and MNIST
    python benchmarks/bench_pca.py --datasets digits     # digits only (~1 minute)
    python benchmarks/bench_pca.py --write               # keep the run in runs/

MNIST is read from ``--data-dir`` or ``$SKAE_DATA_DIR`` (default ``../shared/data``,
relative to the repository): ``mnist_train.npz`` and ``mnist_test.npz`` with ``X``
holding uint8 pixels, scaled here to [0, 1].
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import write_results  # noqa: E402

MODELS = ["skae linear", "skae default", "skae deep", "MLPRegressor", "keras plain"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEEP_PRESET = dict(
    hidden_layer_sizes=(512, 256),
    activation="relu",  # the default when the preset's figures were measured
    batch_size=128,
    learning_rate=1e-3,
    max_iter=10,
    early_stopping=False,
)


def load_datasets(names, data_dir):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    for name in names:
        if name == "digits":
            X = load_digits().data / 16.0
            yield name, *train_test_split(X, test_size=0.25, random_state=0)
        elif name == "mnist":
            paths = [
                os.path.join(data_dir, f"mnist_{s}.npz") for s in ("train", "test")
            ]
            if not all(os.path.exists(p) for p in paths):
                print(
                    f"MNIST not found in {data_dir} (set --data-dir or "
                    "SKAE_DATA_DIR); skipping it."
                )
                continue
            train, test = (np.load(p)["X"].astype(np.float32) / 255.0 for p in paths)
            yield name, train, test


def r2(X, X_hat):
    from sklearn.metrics import r2_score

    return float(r2_score(X, X_hat, multioutput="variance_weighted"))


def plain_keras(n_features, k, hidden, lr):
    import keras

    layers = [keras.Input((n_features,))]
    layers += [keras.layers.Dense(u, activation="relu") for u in hidden]
    layers += [keras.layers.Dense(k)]
    layers += [keras.layers.Dense(u, activation="relu") for u in reversed(hidden)]
    layers += [keras.layers.Dense(n_features)]
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.Adam(lr), "mse")
    return model


def bench_one(name, X_train, X_test, k, peer_max_epochs, models):
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPRegressor

    from skae import AutoencoderTransformer

    default = AutoencoderTransformer(k, random_state=0)
    hidden = default.hidden_layer_sizes
    bs, lr = default.batch_size, default.learning_rate
    rows = []

    def record(model_name, fit, reconstruct):
        if model_name != "PCA" and not any(model_name.startswith(m) for m in models):
            return None
        start = time.perf_counter()
        fitted = fit()
        seconds = time.perf_counter() - start
        rows.append(
            dict(
                dataset=name,
                k=k,
                model=model_name,
                fit_seconds=seconds,
                train_r2=r2(X_train, reconstruct(fitted, X_train)),
                test_r2=r2(X_test, reconstruct(fitted, X_test)),
            )
        )
        return fitted

    def via_codes(est, X):
        return est.inverse_transform(est.transform(X))

    record("PCA", lambda: PCA(k).fit(X_train), via_codes)
    record(
        "skae linear",
        lambda: AutoencoderTransformer(k, hidden_layer_sizes=(), random_state=0).fit(
            X_train
        ),
        via_codes,
    )
    ae = record("skae default", lambda: default.fit(X_train), via_codes)
    record(
        "skae deep",
        lambda: AutoencoderTransformer(k, random_state=0, **DEEP_PRESET).fit(X_train),
        via_codes,
    )

    epochs = min(ae.n_iter_ if ae is not None else 50, peer_max_epochs)
    mlp = MLPRegressor(
        hidden_layer_sizes=(*hidden, k, *reversed(hidden)),
        batch_size=bs,
        learning_rate_init=lr,
        max_iter=epochs,
        random_state=0,
    )
    record(
        f"MLPRegressor X->X ({epochs} ep)",
        lambda: mlp.fit(X_train, X_train),
        lambda est, X: est.predict(X),
    )

    def fit_keras():
        model = plain_keras(X_train.shape[1], k, hidden, lr)
        model.fit(X_train, X_train, batch_size=bs, epochs=epochs, verbose=0)
        return model

    record(
        f"keras plain ({epochs} ep)",
        fit_keras,
        lambda m, X: m.predict(X, batch_size=8192, verbose=0),
    )
    return rows


def format_rows(rows):
    pca = {(r["dataset"], r["k"]): r for r in rows if r["model"] == "PCA"}
    head = (
        "| data | k | model | train R2 | test R2 | test R2 / PCA's | fit s "
        "| fit time / PCA's |"
    )
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        p = pca[(r["dataset"], r["k"])]
        lines.append(
            f"| {r['dataset']} | {r['k']} | {r['model']} | {r['train_r2']:.4f} "
            f"| {r['test_r2']:.4f} | {r['test_r2'] / p['test_r2']:.3f} "
            f"| {r['fit_seconds']:.2f} | {r['fit_seconds'] / p['fit_seconds']:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist"])
    parser.add_argument("--ks", type=int, nargs="+", default=[2, 8, 16, 32, 64])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get(
            "SKAE_DATA_DIR", os.path.join(REPO, "..", "shared", "data")
        ),
    )
    parser.add_argument(
        "--peer-max-epochs",
        type=int,
        default=1000,
        help="cap on the peers' epochs, to bound the run time",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="keep the table as benchmarks/runs/<command>.md",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=MODELS,
        help="models besides PCA, by name prefix (default: all)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")  # ConvergenceWarnings of the capped peers

    from skae._backend import import_keras

    import_keras()  # outside every timing
    rows = []
    for name, X_train, X_test in load_datasets(args.datasets, args.data_dir):
        for k in args.ks:
            new = bench_one(name, X_train, X_test, k, args.peer_max_epochs, args.models)
            rows += new
            print(format_rows(new).split("\n", 2)[2], flush=True)
    table = format_rows(rows)
    print(table)
    if args.write:
        write_results("bench_pca.py " + " ".join(argv or sys.argv[1:]), table)


if __name__ == "__main__":
    main()
