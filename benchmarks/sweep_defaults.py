"""The sweep that chose AutoencoderTransformer's defaults (RESULTS.md, first table).

Fits every combination of hidden layers, batch size, learning rate and early stopping
on 75 % of digits and prints the held-out reconstruction R^2, epochs and fit seconds
at k = 2, 8 and 16, after PCA's held-out R^2. About 3 minutes on 2 cores.

Usage: ``python benchmarks/sweep_defaults.py``
"""

import itertools
import os
import time
import warnings


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")  # ConvergenceWarnings of the short settings
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from skae import AutoencoderTransformer
    from skae._compare import estimator_r2

    X = load_digits().data / 16
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    ks = (2, 8, 16)
    for k in ks:
        pca = PCA(k).fit(X_train)
        print(f"k {k} PCA test {estimator_r2(pca, X_test):.4f}", flush=True)
    grid = itertools.product(
        [(128,), (256,), (256, 128)], [32, 64, 128], [1e-3, 3e-3], [False, True]
    )
    for hidden, batch, lr, early in grid:
        cells = []
        for k in ks:
            ae = AutoencoderTransformer(
                k,
                hidden_layer_sizes=hidden,
                batch_size=batch,
                learning_rate=lr,
                early_stopping=early,
                random_state=0,
            )
            start = time.perf_counter()
            ae.fit(X_train)
            seconds = time.perf_counter() - start
            cells.append(
                f"k{k} test {ae.score(X_test):.4f} it {ae.n_iter_:3d} {seconds:.1f}s"
            )
        print(hidden, batch, lr, early, " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
