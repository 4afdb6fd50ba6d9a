"""A convolutional autoencoder through ``encoder``/``decoder``, on MNIST.

The networks are skae's ready-made ``conv_encoder((28, 28))`` (two convolutions of
stride 2, 16 and 32 filters, then a Dense code) and ``conv_decoder((28, 28))`` (its
mirror), as a user's own models would be passed.

Beside PCA and skae's built-in network, at k = 16 and 32: held-out R^2 (fitted on
``mnist_train``, scored on ``mnist_test``) and fit seconds, all in one run. The
convolutional model runs twice: with ``init="pca"`` (beside PCA's map, so never below
it) and ``init="random"`` (the networks as they are), each for at most ``--max-iter``
epochs. The latency of a custom model's ``transform`` is in ``bench_speed.py --only
custom``.

Usage: ``python benchmarks/bench_custom.py [--rows N] [--max-iter N] [--write]``.
MNIST is read from ``--data-dir`` or ``$SKAE_DATA_DIR`` (default ``../shared/data``).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import add_data_dir_argument, write_results  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_dir_argument(parser)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--max-iter", type=int, default=10)
    parser.add_argument("--components", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    from sklearn.decomposition import PCA

    from skae import AutoencoderTransformer, conv_decoder, conv_encoder
    from skae._objectives import reconstruction_r2

    path = os.path.join(args.data_dir, "mnist_train.npz")
    if not os.path.exists(path):
        sys.exit(f"MNIST not found in {args.data_dir}; set --data-dir or SKAE_DATA_DIR")
    X = np.load(path)["X"][: args.rows] / 255.0
    X_test = np.load(os.path.join(args.data_dir, "mnist_test.npz"))["X"] / 255.0
    conv = dict(
        encoder=conv_encoder((28, 28), filters=(16, 32)),
        decoder=conv_decoder((28, 28), filters=(32, 16)),
        max_iter=args.max_iter,
    )
    models = {
        "PCA": lambda k: PCA(k, random_state=0),
        "skae built-in (default)": lambda k: AutoencoderTransformer(k),
        "skae conv, init='pca'": lambda k: AutoencoderTransformer(k, **conv),
        "skae conv, init='random'": lambda k: AutoencoderTransformer(
            k, init="random", **conv
        ),
    }
    lines = [
        f"MNIST: {len(X)} training rows, {len(X_test)} held out; conv models at most "
        f"{args.max_iter} epochs",
        "",
        "| k | model | held-out R^2 | / PCA's | fit s | epochs |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for k in args.components:
        pca_r2 = None
        for name, make in models.items():
            model = make(k)
            if hasattr(model, "random_state"):
                model.set_params(random_state=0)
            start = time.perf_counter()
            model.fit(X)
            fit_s = time.perf_counter() - start
            X_hat = model.inverse_transform(model.transform(X_test))
            r2 = reconstruction_r2(X_test, X_hat)
            pca_r2 = pca_r2 or r2
            epochs = getattr(model, "n_iter_", "-")
            row = f"| {k} | {name} | {r2:.3f} | {r2 / pca_r2:.2f}x | {fit_s:.1f} | "
            row += f"{epochs} |"
            print(row, flush=True)
            lines.append(row)
    if args.write:
        write_results(
            "bench_custom.py " + " ".join(argv or sys.argv[1:]), "\n".join(lines)
        )


if __name__ == "__main__":
    main()
