"""Command line: ``python -m skae compare`` compares autoencoders with PCA.

Without ``--data`` it uses scikit-learn's bundled digits (pixels scaled to [0, 1]).
"""

import argparse
import sys

import numpy as np


def load_data(path):
    """Load a 2-D numeric array from a ``.npy`` file or a comma-separated ``.csv``."""
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    X = np.genfromtxt(path, delimiter=",", dtype=np.float64)
    if X.ndim == 2 and np.isnan(X[0]).all():  # a header row
        X = X[1:]
    return X


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare", help="fit PCA and AutoencoderTransformer, print a table"
    )
    compare.add_argument("--data", help=".npy or .csv file (rows = samples)")
    compare.add_argument(
        "--n-components",
        type=int,
        nargs="+",
        default=[2, 8, 16, 32],
        help="code sizes to compare (default: 2 8 16 32)",
    )
    compare.add_argument("--test-size", type=float, default=0.25)
    compare.add_argument("--random-state", type=int, default=0)
    compare.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args(argv)

    from sklearn.model_selection import train_test_split

    from . import AutoencoderTransformer
    from ._compare import compare_with_pca, format_table

    if args.data:
        X, name = load_data(args.data), args.data
    else:
        from sklearn.datasets import load_digits

        X, name = load_digits().data / 16.0, "scikit-learn digits (X / 16)"
    if X.ndim != 2:
        parser.error(f"--data must hold a 2-D array, got shape {X.shape}")
    X_train, X_test = train_test_split(
        X, test_size=args.test_size, random_state=args.random_state
    )
    ks = [k for k in args.n_components if k <= X.shape[1]]
    print(
        f"{name}: {X_train.shape[0]} training rows, {X_test.shape[0]} held out, "
        f"{X.shape[1]} features",
        flush=True,
    )
    from ._backend import import_keras

    # TensorFlow's import (seconds) is not part of any fit time below, and the command
    # line prints none of its C++ start-up notices, whatever TF_CPP_MIN_LOG_LEVEL says.
    import_keras(quiet=True)
    ae = AutoencoderTransformer(random_state=args.random_state, max_iter=args.max_iter)
    records = compare_with_pca(ae, X_train, X_test, n_components=ks)
    print(format_table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
