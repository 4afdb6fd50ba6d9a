"""Recurrent autoencoders against PCA on rows that are sequences, in one run.

The data are synthetic sequences (nothing to download): each row is a point going
round a circle of random radius at a random speed from a random angle, ``--timesteps``
steps of its two coordinates, flattened time first. Three numbers make each row, but
no linear subspace of few dimensions holds them. For each k: PCA, the default
AutoencoderTransformer (an MLP), and skae's ``recurrent_encoder`` /
``recurrent_decoder`` with LSTM and GRU cells (beside PCA's map, ``init="pca"``).
Columns: held-out R^2, its ratio to PCA's, fit seconds, epochs.

Usage: ``python benchmarks/bench_recurrent.py [--max-iter 40] [--write]``.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import write_results  # noqa: E402


def circles(n_samples, timesteps, seed):
    """The sequences described above, ``(n_samples, 2 * timesteps)``."""
    rng = np.random.RandomState(seed)
    t = np.arange(timesteps)
    speed = rng.uniform(0.15, 0.6, (n_samples, 1))
    angle = speed * t + rng.uniform(0, 2 * np.pi, (n_samples, 1))
    radius = rng.uniform(0.5, 1.5, (n_samples, 1))
    steps = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=2)
    return steps.reshape(n_samples, -1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--timesteps", type=int, default=24)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--max-iter", type=int, default=40)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    from sklearn.decomposition import PCA

    from skae import AutoencoderTransformer, recurrent_decoder, recurrent_encoder
    from skae._objectives import reconstruction_r2

    X_train = circles(args.n_train, args.timesteps, seed=0)
    X_test = circles(args.n_train // 2, args.timesteps, seed=1)
    shape, units = (args.timesteps, 2), (args.units,)
    common = dict(max_iter=args.max_iter, random_state=0)

    def recurrent(cell):
        return lambda k: AutoencoderTransformer(
            k,
            encoder=recurrent_encoder(shape, units=units, cell=cell),
            decoder=recurrent_decoder(shape, units=units, cell=cell),
            **common,
        )

    models = {
        "PCA": lambda k: PCA(k, random_state=0),
        "default (MLP)": lambda k: AutoencoderTransformer(k, **common),
        "recurrent, LSTM": recurrent("lstm"),
        "recurrent, GRU": recurrent("gru"),
    }
    lines = [
        f"circles: {len(X_train)} training rows, {len(X_test)} held out, "
        f"{args.timesteps} steps x 2 features; recurrent units {units}",
        "",
        "| k | model | held-out R^2 | / PCA's | fit s | epochs |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for k in args.components:
        pca_r2 = None
        for name, make in models.items():
            model = make(k)
            start = time.perf_counter()
            model.fit(X_train)
            fit_s = time.perf_counter() - start
            r2 = reconstruction_r2(
                X_test, model.inverse_transform(model.transform(X_test))
            )
            pca_r2 = pca_r2 or r2
            epochs = getattr(model, "n_iter_", "-")
            row = (
                f"| {k} | {name} | {r2:.3f} | {r2 / pca_r2:.2f}x | {fit_s:.1f} | "
                f"{epochs} |"
            )
            print(row, flush=True)
            lines.append(row)
    if args.write:
        command = "bench_recurrent.py " + " ".join(argv or sys.argv[1:])
        write_results(command, "\n".join(lines))


if __name__ == "__main__":
    main()
