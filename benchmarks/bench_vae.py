"""VariationalAutoencoder against probabilistic PCA: likelihood and samples, one run.

For each k: ``PCA.score`` (probabilistic PCA's held-out log-likelihood, nats per row),
the linear VAE's held-out ELBO (``hidden_layer_sizes=()``, which is PPCA) and the
default deep VAE's, with fit seconds; then the samples of the linear and the deep VAE:
the largest per-feature error of their mean (in units of the data's spread ``s``), the
L1 error of their per-feature variances over the total variance, and what a
``LogisticRegression`` trained on real training rows makes of them (mean top-class
probability, and the smallest and largest share of samples given one label), beside
real held-out rows and rows of independent pixels with the data's per-feature moments.

Usage: ``python benchmarks/bench_vae.py [--data digits|mnist] [--write]``; MNIST is
read from ``--data-dir`` or ``$SKAE_DATA_DIR`` (default ``../shared/data``).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import (  # noqa: E402
    add_data_dir_argument,
    load_images,
    write_results,
)


def sample_figures(rows, X_train, clf):
    s = np.sqrt(X_train.var(axis=0).mean())
    mean_error = np.max(np.abs(rows.mean(axis=0) - X_train.mean(axis=0))) / s
    variance_error = np.abs(rows.var(axis=0) - X_train.var(axis=0)).sum()
    variance_error /= X_train.var(axis=0).sum()
    confidence = clf.predict_proba(rows).max(axis=1).mean()
    shares = np.bincount(clf.predict(rows), minlength=10) / len(rows)
    return (
        f"{mean_error:.3f} | {variance_error:.3f} | {confidence:.3f} | "
        f"{shares.min():.2f}-{shares.max():.2f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    add_data_dir_argument(parser)
    parser.add_argument("--components", type=int, nargs="+", default=[2, 16, 32])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    from skae import VariationalAutoencoder

    X_train, X_test, y_train = load_images(args.data, args.data_dir)
    clf = LogisticRegression(C=100, max_iter=3000).fit(X_train, y_train)
    rng = np.random.RandomState(0)
    pixels = X_train.mean(axis=0) + X_train.std(axis=0) * rng.standard_normal(
        (args.samples, X_train.shape[1])
    )
    lines = [
        f"{args.data}: {len(X_train)} training rows, {len(X_test)} held out; "
        f"{args.samples} samples; classifier: LogisticRegression(C=100) on the "
        "training rows",
        "",
        "| k | model | held-out log-lik. (ELBO), nats/row | vs PCA.score | fit s "
        "| epochs | sample mean error / s | sample variance L1 error | classifier "
        "top-class prob. | label shares |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| - | real held-out rows | - | - | - | - | "
        f"{sample_figures(X_test, X_train, clf)} |",
        f"| - | independent pixels | - | - | - | - | "
        f"{sample_figures(pixels, X_train, clf)} |",
    ]
    print("\n".join(lines), flush=True)
    for k in args.components:
        pca = PCA(k, random_state=0).fit(X_train)
        pca_score = pca.score(X_test)
        row = f"| {k} | PCA (PPCA) | {pca_score:.1f} | - | - | - | - | - | - | - |"
        print(row, flush=True)
        lines.append(row)
        models = {
            "linear VAE (PPCA)": dict(hidden_layer_sizes=()),
            "default VAE": {},
        }
        for name, params in models.items():
            vae = VariationalAutoencoder(
                k, max_iter=args.max_iter, random_state=0, **params
            )
            start = time.perf_counter()
            vae.fit(X_train)
            fit_s = time.perf_counter() - start
            score = vae.score(X_test)
            samples = vae.sample(args.samples, random_state=0)
            row = (
                f"| {k} | {name} | {score:.1f} | {score - pca_score:+.1f} | "
                f"{fit_s:.1f} | {vae.n_iter_} | "
                f"{sample_figures(samples, X_train, clf)} |"
            )
            print(row, flush=True)
            lines.append(row)
    if args.write:
        command = "bench_vae.py " + " ".join(argv or sys.argv[1:])
        write_results(command, "\n".join(lines))


if __name__ == "__main__":
    main()
