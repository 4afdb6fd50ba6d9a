"""fit on a numpy.memmap larger than what it may hold: peak resident memory.

Writes a float32 memmap of ``--rows`` x 784 rows (MNIST's training images, repeated
with a little noise, 6.3 GB for the default 2,000,000 rows) to ``--path``, then, in
a fresh process, fits ``AutoencoderTransformer(32, max_iter=--max-iter)`` on it and
prints the peak resident memory (RSS, sampled every 2 ms) above the process's
baseline (after importing skae and fitting a small model once, so that TensorFlow's
runtime is loaded), against the target of at most 1 GB, with the fit's time and its
R^2 on MNIST's test images.

Usage: ``python benchmarks/bench_stream.py [--rows N] [--max-iter E] [--write]``.
"""

import argparse
import os
import subprocess
import sys
import textwrap

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import add_data_dir_argument, write_results  # noqa: E402

CHILD = textwrap.dedent(
    """
    import json, sys, threading, time, warnings
    import numpy as np
    import psutil
    from skae import AutoencoderTransformer

    warnings.simplefilter("ignore")
    path, rows, max_iter, test_path = sys.argv[1:5]
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(int(rows), 784))
    AutoencoderTransformer(4, max_iter=1).fit(np.random.rand(200, 784))
    proc = psutil.Process()
    baseline = proc.memory_info().rss
    peak, done = [baseline], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(proc.memory_info().rss)
            time.sleep(0.002)

    thread = threading.Thread(target=sample)
    thread.start()
    start = time.perf_counter()
    ae = AutoencoderTransformer(32, max_iter=int(max_iter), random_state=0).fit(X)
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    X_test = np.load(test_path)["X"] / 255.0
    print(json.dumps({
        "baseline": baseline, "peak": max(peak), "seconds": seconds,
        "n_iter": ae.n_iter_, "r2_test": ae.score(X_test),
    }))
    """
)


def write_memmap(path, rows, data_dir):
    X = np.load(os.path.join(data_dir, "mnist_train.npz"))["X"]
    rng = np.random.RandomState(0)
    out = np.memmap(path, dtype=np.float32, mode="w+", shape=(rows, 784))
    step = 50_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        block = X[rng.randint(len(X), size=n)] / np.float32(255.0)
        out[start : start + n] = block + rng.normal(scale=0.01, size=block.shape)
    out.flush()
    del out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--max-iter", type=int, default=1)
    parser.add_argument("--path", default="/tmp/skae_bench_stream.f32")
    parser.add_argument("--keep", action="store_true", help="keep the memmap file")
    parser.add_argument("--write", action="store_true")
    add_data_dir_argument(parser)
    args = parser.parse_args(argv)
    import json

    size = args.rows * 784 * 4
    if not (os.path.exists(args.path) and os.path.getsize(args.path) == size):
        write_memmap(args.path, args.rows, args.data_dir)
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                args.path,
                str(args.rows),
                str(args.max_iter),
                os.path.join(args.data_dir, "mnist_test.npz"),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        if not args.keep:
            os.remove(args.path)
    result = json.loads(out.strip().splitlines()[-1])
    above = (result["peak"] - result["baseline"]) / 2**30
    lines = [
        f"fit on a float32 memmap of {args.rows:,} x 784 ({size / 1e9:.1f} GB), "
        f"{result['n_iter']} epoch(s): peak RSS {above:.2f} GiB above the baseline "
        f"of {result['baseline'] / 2**30:.2f} GiB (target <= 1 GB: "
        f"{'met' if above * 2**30 <= 1e9 else 'MISSED'}); fit "
        f"{result['seconds']:.0f} s; held-out R^2 on MNIST's test images "
        f"{result['r2_test']:.4f}",
    ]
    print("\n".join(lines))
    if args.write:
        write_results(
            "bench_stream.py " + " ".join(argv or sys.argv[1:]),
            "\n".join(lines),
        )


if __name__ == "__main__":
    main()
