"""The autoencoder family against PCA, in one table, measured in one run.

For each k: PCA, the default AutoencoderTransformer, the default with ``noise``
(denoising), ``sparsity`` (sparse) or ``tied_weights=True``, the convolutional model
(skae's ``conv_encoder``/``conv_decoder``, ``init="random"``) and the default
VariationalAutoencoder. Columns: held-out R^2 (for the VAE, of its posterior-mean
reconstruction), fit seconds, epochs, the share of the clean held-out variance left
unexplained when the held-out rows are given with Gaussian noise of ``--noisy`` times
the data's spread (the denoising figure), the fraction of code values below a tenth of
the code's root mean square (the sparsity figure), and the held-out log-likelihood in
nats per row: ``PCA.score`` (probabilistic PCA) and the VAE's ELBO, a lower bound of
its own.

``--max-iter`` caps the epochs of every network (the defaults' 200 otherwise).

Usage: ``python benchmarks/bench_family.py [--data digits|mnist] [--write]``.
MNIST is read from ``--data-dir`` or ``$SKAE_DATA_DIR`` (default ``../shared/data``).
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    add_data_dir_argument(parser)
    parser.add_argument("--components", type=int, nargs="+", default=[2, 16, 32])
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--sparsity", type=float, default=0.1)
    parser.add_argument("--noisy", type=float, default=0.5)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    from sklearn.decomposition import PCA

    from skae import (
        AutoencoderTransformer,
        VariationalAutoencoder,
        conv_decoder,
        conv_encoder,
    )
    from skae._objectives import reconstruction_r2

    X_train, X_test, _ = load_images(args.data, args.data_dir)
    s = np.sqrt(X_train.var(axis=0).mean())
    noise = np.random.RandomState(1).normal(scale=args.noisy * s, size=X_test.shape)
    X_noisy = X_test + noise
    clean_variance = X_test.var(axis=0).mean()
    side = int(round(np.sqrt(X_train.shape[1])))
    image = (side, side)
    common = dict(max_iter=args.max_iter, random_state=0)
    models = {
        "PCA": lambda k: PCA(k, random_state=0),
        "default": lambda k: AutoencoderTransformer(k, **common),
        f"noise={args.noise}": lambda k: AutoencoderTransformer(
            k, noise=args.noise, **common
        ),
        f"sparsity={args.sparsity}": lambda k: AutoencoderTransformer(
            k, sparsity=args.sparsity, **common
        ),
        "tied_weights=True": lambda k: AutoencoderTransformer(
            k, tied_weights=True, **common
        ),
        "conv, init='random'": lambda k: AutoencoderTransformer(
            k,
            encoder=conv_encoder(image),
            decoder=conv_decoder(image),
            init="random",
            **common,
        ),
        "VAE": lambda k: VariationalAutoencoder(k, **common),
    }
    lines = [
        f"{args.data}: {len(X_train)} training rows, {len(X_test)} held out; noisy "
        f"input: Gaussian noise of {args.noisy} x the data's spread",
        "",
        "| k | model | held-out R^2 | / PCA's | fit s | epochs | unexplained, noisy "
        "input | near-zero code values | held-out log-lik. (ELBO) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for k in args.components:
        pca_r2 = None
        for name, make in models.items():
            model = make(k)
            start = time.perf_counter()
            model.fit(X_train)
            fit_s = time.perf_counter() - start
            Z = model.transform(X_test)
            r2 = reconstruction_r2(X_test, model.inverse_transform(Z))
            pca_r2 = pca_r2 or r2
            X_hat = model.inverse_transform(model.transform(X_noisy))
            denoised = np.mean((X_hat - X_test) ** 2) / clean_variance
            near_zero = np.mean(np.abs(Z) < 0.1 * np.sqrt(np.mean(Z**2)))
            generative = isinstance(model, (PCA, VariationalAutoencoder))
            log_lik = f"{model.score(X_test):.1f}" if generative else "-"
            epochs = getattr(model, "n_iter_", "-")
            row = (
                f"| {k} | {name} | {r2:.3f} | {r2 / pca_r2:.2f}x | {fit_s:.1f} | "
                f"{epochs} | {denoised:.3f} | {near_zero:.2f} | {log_lik} |"
            )
            print(row, flush=True)
            lines.append(row)
    if args.write:
        command = "bench_family.py " + " ".join(argv or sys.argv[1:])
        write_results(command, "\n".join(lines))


if __name__ == "__main__":
    main()
