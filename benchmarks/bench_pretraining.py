"""Unsupervised pretraining: a classifier on skae's encoder, against it from scratch.

The recipe of the README ("Pretraining a classifier"): fit AutoencoderTransformer on the
rows without labels, put a copy of ``encoder_`` under a softmax layer, and train it on a
few labelled rows, with the encoder frozen or fine-tuned. The same classifier with
fresh random weights (``keras.models.clone_model``, the standardisation kept) is the
reference, and scikit-learn's LogisticRegression on the pixels and on skae's codes
(``make_pipeline(AutoencoderTransformer(), LogisticRegression())`` with the autoencoder
fitted on all the unlabelled rows) are the peers. Accuracy on held-out rows, mean over
``--repeats`` draws of the labelled rows (stratified, a different draw each time), for
each number of labels.

Usage: ``python benchmarks/bench_pretraining.py [--data digits|mnist] [--write]``.
MNIST is read from ``--data-dir`` or ``$SKAE_DATA_DIR`` (default ``../shared/data``).
"""

import argparse
import os
import pickle
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import add_data_dir_argument, write_results  # noqa: E402


def load(name, data_dir):
    """Unlabelled pool, labels for it, held-out rows and labels."""
    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        return train_test_split(X / 16.0, y, test_size=0.5, random_state=0, stratify=y)
    train = np.load(os.path.join(data_dir, "mnist_train.npz"))
    test = np.load(os.path.join(data_dir, "mnist_test.npz"))
    return train["X"] / 255.0, test["X"] / 255.0, train["y"], test["y"]


def labelled_rows(y, per_class, seed):
    rng = np.random.RandomState(seed)
    return np.concatenate(
        [
            rng.choice(np.flatnonzero(y == c), per_class, replace=False)
            for c in range(10)
        ]
    )


def classifier(encoder, fine_tune, seed):
    """A copy of ``encoder`` under a softmax layer, compiled."""
    import keras

    head = keras.layers.Dense(
        10,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed),
    )
    encoder = pickle.loads(
        pickle.dumps(encoder)
    )  # the fitted transformer keeps its own
    encoder.trainable = fine_tune
    model = keras.Sequential([encoder, head])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2 if not fine_tune else 3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def from_scratch(encoder, seed):
    """The same layers with fresh random weights; the standardisation is kept."""
    import keras

    keras.utils.set_random_seed(seed)  # clone_model's initializers are unseeded
    scratch = keras.models.clone_model(encoder)
    for fresh, fitted in zip(scratch.layers, encoder.layers, strict=True):
        if not fitted.trainable_weights:  # skae.layers.Standardize: data statistics
            fresh.set_weights(fitted.get_weights())
    return scratch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    add_data_dir_argument(parser)
    parser.add_argument("--per-class", type=int, nargs="+", default=[3, 5, 10, 20])
    parser.add_argument("--n-components", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    from sklearn.linear_model import LogisticRegression

    from skae import AutoencoderTransformer

    X_pool, X_test, y_pool, y_test = load(args.data, args.data_dir)
    start = time.perf_counter()
    ae = AutoencoderTransformer(args.n_components, random_state=0).fit(X_pool)
    fit_s = time.perf_counter() - start
    lines = [
        f"data: {args.data}, {len(X_pool)} rows without labels, "
        f"{len(X_test)} held out; AutoencoderTransformer({args.n_components}) "
        f"default network, fit {fit_s:.1f} s, "
        f"held-out R^2 {ae.score(X_test):.3f}",
        "",
        "| labels | encoder | pretrained (skae) | from scratch | logistic on pixels "
        "| logistic on skae's codes |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for per_class in args.per_class:
        pixels, codes = [], []
        Z_pool, Z_test = ae.transform(X_pool), ae.transform(X_test)
        accuracy = {(f, p): [] for f in (False, True) for p in (True, False)}
        for seed in range(args.repeats):
            rows = labelled_rows(y_pool, per_class, seed)
            X_few, y_few = X_pool[rows], y_pool[rows]
            logistic = LogisticRegression(max_iter=2000).fit(X_few, y_few)
            pixels.append(logistic.score(X_test, y_test))
            logistic = LogisticRegression(max_iter=2000).fit(Z_pool[rows], y_few)
            codes.append(logistic.score(Z_test, y_test))
            for fine_tune in (False, True):
                for pretrained in (True, False):
                    encoder = (
                        ae.encoder_ if pretrained else from_scratch(ae.encoder_, seed)
                    )
                    model = classifier(encoder, fine_tune, seed)
                    model.fit(
                        X_few, y_few, epochs=args.epochs, batch_size=32, verbose=0
                    )
                    score = model.evaluate(X_test, y_test, verbose=0, batch_size=1024)
                    accuracy[fine_tune, pretrained].append(score[1])
        for fine_tune in (False, True):
            row = (
                f"| {10 * per_class} | {'fine-tuned' if fine_tune else 'frozen'} | "
                f"{np.mean(accuracy[fine_tune, True]):.3f} | "
                f"{np.mean(accuracy[fine_tune, False]):.3f} | {np.mean(pixels):.3f} | "
                f"{np.mean(codes):.3f} |"
            )
            print(row, flush=True)
            lines.append(row)
    if args.write:
        write_results(
            "bench_pretraining.py " + " ".join(argv or sys.argv[1:]), "\n".join(lines)
        )


if __name__ == "__main__":
    main()
