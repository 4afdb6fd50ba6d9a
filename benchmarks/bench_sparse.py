"""fit on a large sparse bag-of-words: peak memory, and held-out R^2 against
TruncatedSVD and PCA at the same number of components.

Makes word counts of ``--docs`` training and ``--test-docs`` held-out documents
over ``--words`` words (100,000 x 50,000 at about 0.1 % density by default: each
document draws 85 words, some twice, 70 % from one of 40 topics and the rest from
a background, each by a Zipf law over its own order of the vocabulary), as a CSR
matrix. Then
fits, at ``--k`` components, scikit-learn's TruncatedSVD (randomized, the usual
choice for text), PCA (ARPACK, which centres sparse rows implicitly) and
``AutoencoderTransformer(k, max_iter=--max-iter)``, which densifies a chunk of
rows at a time. It prints each one's fit time, held-out R^2 (skae's ``score``:
``1 - SS_res / SS_tot`` about the held-out rows' mean) and peak resident memory
above the baseline (RSS sampled every 2 ms; the baseline is taken after the data
are made and TensorFlow is loaded by a small fit), against the target of 1 GB.
Each model runs in a fresh process: TensorFlow's oneDNN build keeps the memory of
a fit in its pool, and a later fit in the same process would reuse it unseen.

Usage: ``python benchmarks/bench_sparse.py [--docs N] [--max-iter E] [--write]``.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import psutil
from scipy import sparse

sys.path.insert(0, os.path.dirname(__file__))
from _machine import write_results  # noqa: E402


def bag_of_words(n_docs, n_words, n_topics=40, words_per_doc=85, seed=0):
    """Word counts, CSR float32 (see the module's docstring)."""
    rng = np.random.RandomState(seed)
    orders = np.array(
        [rng.permutation(n_words) for _ in range(n_topics + 1)], dtype=np.int32
    )
    topic = rng.randint(n_topics, size=(n_docs, 1))
    source = np.where(rng.rand(n_docs, words_per_doc) < 0.7, topic, n_topics)
    rank = np.minimum(rng.zipf(1.3, size=(n_docs, words_per_doc)), n_words) - 1
    docs = np.repeat(np.arange(n_docs, dtype=np.int32), words_per_doc)
    words = orders[source.ravel(), rank.ravel()]
    counts = np.ones(len(words), dtype=np.float32)
    X = sparse.csr_matrix((counts, (docs, words)), shape=(n_docs, n_words))
    X.sum_duplicates()
    return X


def held_out_r2(X, reconstruct, chunk=1000):
    """skae's score of ``reconstruct`` on the sparse rows ``X``, chunk by chunk."""
    mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    residual = total = 0.0
    for start in range(0, X.shape[0], chunk):
        rows = X[start : start + chunk]
        part = rows.toarray().astype(np.float64)
        residual += float(np.sum(np.square(part - reconstruct(rows))))
        total += float(np.sum(np.square(part - mean)))
    return 1.0 - residual / total


class PeakMemory:
    """The peak resident memory above the baseline while the block runs."""

    def __enter__(self):
        self.process = psutil.Process()
        self.baseline = self.process.memory_info().rss
        self.samples, self.done = [self.baseline], threading.Event()
        self.thread = threading.Thread(target=self._sample)
        self.thread.start()
        self.start = time.perf_counter()
        return self

    def _sample(self):
        while not self.done.is_set():
            self.samples.append(self.process.memory_info().rss)
            time.sleep(0.002)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.done.set()
        self.thread.join()
        self.above = (max(self.samples) - self.baseline) / 2**30


def models(k, max_iter):
    """The models compared, by name: ``(fit(X), reconstruct(model, rows))``."""
    from sklearn.decomposition import PCA, TruncatedSVD

    from skae import AutoencoderTransformer

    def round_trip(model, rows):
        return model.inverse_transform(model.transform(rows))

    def skae(**params):
        return lambda X: AutoencoderTransformer(k, random_state=0, **params).fit(X)

    return {
        f"TruncatedSVD({k})": lambda X: TruncatedSVD(k, random_state=0).fit(X),
        f"PCA({k}, svd_solver='arpack')": (
            lambda X: PCA(k, svd_solver="arpack", random_state=0).fit(X)
        ),
        f"AutoencoderTransformer({k}, hidden_layer_sizes=())": skae(
            hidden_layer_sizes=()
        ),
        f"AutoencoderTransformer({k}, max_iter={max_iter})": skae(max_iter=max_iter),
        f"AutoencoderTransformer({k}, hidden_layer_sizes=(64,), "
        f"max_iter={max_iter})": skae(hidden_layer_sizes=(64,), max_iter=max_iter),
    }, round_trip


def run_one(args):
    """Fit the model ``args.model`` (its index) and print its figures as JSON."""
    from skae import AutoencoderTransformer

    X = bag_of_words(args.docs + args.test_docs, args.words)
    X_train, X_test = X[: args.docs], X[args.docs :]
    AutoencoderTransformer(2, max_iter=1).fit(np.random.rand(50, 20))  # load TF
    fits, reconstruct = models(args.k, args.max_iter)
    name, fit = list(fits.items())[args.model]
    with PeakMemory() as memory:
        model = fit(X_train)
    r2 = held_out_r2(X_test, lambda part: reconstruct(model, part))
    density = X.nnz / np.prod(X.shape)
    print(json.dumps([name, memory.seconds, r2, memory.above, density]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--test-docs", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--max-iter", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--model", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.model is not None:
        return run_one(args)

    # Each model in a fresh process: a fit leaves TensorFlow's oneDNN pool at its
    # peak, which a later fit in the same process would reuse unseen.
    rows = []
    options = [
        f"--{name.replace('_', '-')}={value}"
        for name, value in vars(args).items()
        if name not in ("write", "model")
    ]
    for index in range(len(models(args.k, args.max_iter)[0])):
        out = subprocess.run(
            [sys.executable, __file__, *options, f"--model={index}"],
            capture_output=True,
            text=True,
            check=True,
        )
        name, seconds, r2, above, density = json.loads(out.stdout.splitlines()[-1])
        rows.append((name, seconds, r2, above))
        print(
            f"{name}: {seconds:.1f} s, held-out R^2 {r2:.4f}, "
            f"peak {above:.2f} GiB above the baseline",
            flush=True,
        )

    table = [
        f"{args.docs:,} x {args.words:,} word counts (density {density:.3%}), "
        f"{args.test_docs:,} held-out documents, k={args.k}; each model in a fresh "
        "process",
        "",
        "| model | fit (s) | held-out R^2 | peak memory above baseline (GiB) |",
        "|---|---|---|---|",
        *(f"| {n} | {s:.1f} | {r2:.4f} | {m:.2f} |" for n, s, r2, m in rows),
    ]
    print("\n".join(table))
    if args.write:
        write_results("python benchmarks/bench_sparse.py", "\n".join(table))


if __name__ == "__main__":
    main()
