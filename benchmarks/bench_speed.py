"""Speed and memory of AutoencoderTransformer, as ratios measured in one run.

Prints each figure beside its target (issue "Fast like PCA where it can be"):

1. latency: ``transform`` / ``inverse_transform`` of 1 row against PCA's, for a shallow
   autoencoder and one with two hidden layers of 256, with Keras's own call paths
   (``predict``, a direct model call, a ``tf.function``) for reference;
2. bulk: ``transform`` of 1,000,000 x 784 float32 rows against a plain NumPy forward
   pass with the same weights and (the shallow model) ``PCA.transform``, in three
   consecutive runs, and the peak RSS above input and output;
3. fit: time per epoch against Keras ``Model.fit`` of the same model, data, batch size
   and epochs, and the time to reach a training R^2 for several batch sizes and
   learning rates (how the defaults were picked);
4. import: ``import skae`` on top of scikit-learn's modules, and whether TensorFlow
   is imported by ``clone``, ``get_params``, ``set_params``, ``repr`` or validation;
5. memory: RSS growth over 200 fits in one process, as a grid search does;
6. unpickled: 1-row ``transform`` calls 1-3 after unpickling in a fresh process;
7. custom: 1-row ``transform`` of a user's convolutional encoder (traced, not mirrored
   in NumPy) against the same model's own ``tf.function`` and ``predict``;
8. fixed: the fixed cost of a fit on digits, as the time of a 1-epoch default fit
   (the first in the process, which traces, and later ones), and a 20-fit
   GridSearchCV over ``n_components`` against PCA's, each in a fresh process with
   TensorFlow's default thread pools and with one thread each
   (``TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1``);
9. parallel: ``GridSearchCV(n_jobs=2)`` against ``n_jobs=1`` on this machine's 2
   cores, each search in a fresh process, and ``n_jobs=2`` with TensorFlow's default
   thread pools in the workers (before skae followed joblib's ``OMP_NUM_THREADS``);
10. progress: an epoch's time with ``verbose=1`` (a progress bar moved from inside
    the epoch) against ``verbose=0``, on MNIST;
11. allocator: TensorFlow's oneDNN build with the system's allocator
    (``TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1``, which returns freed memory) against its
    default, oneDNN's own pool (which keeps it for the process's life), each in
    fresh processes, the two alternating: the time of 3 epochs on MNIST and of 10
    fits on digits, the loss (which must be the same), and, alone in a process, a
    50,000-wide fit's time, the memory it holds and what it leaves once deleted.

Usage: ``python benchmarks/bench_speed.py [--only latency bulk ...] [--write]``.
MNIST (for the bulk rows and the fit comparison) is read from ``--data-dir`` or
``$SKAE_DATA_DIR`` (default ``../shared/data``); without it, random data stands in.
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import add_data_dir_argument, write_results  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINES = []


def report(name, value, target=None, ok=None):
    line = f"{name}: {value}"
    if target is not None:
        line += f"  (target {target}: {'met' if ok else 'MISSED'})"
    print(line, flush=True)
    LINES.append(line)


def per_call(fn, repeats=7, number=300):
    """Median seconds per call of ``fn`` over ``repeats`` rounds of ``number`` calls."""
    fn()
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return float(np.median(rounds))


def digits():
    from sklearn.datasets import load_digits

    return load_digits().data / 16.0


def mnist(data_dir, rows=None):
    path = os.path.join(data_dir, "mnist_train.npz")
    if os.path.exists(path):
        X = np.load(path)["X"][:rows].astype(np.float32) / 255.0
        return X, "MNIST"
    X = np.random.RandomState(0).rand(rows or 60000, 784).astype(np.float32)
    return X, "random (MNIST not found)"


def bench_latency(args):
    import tensorflow as tf
    from sklearn.decomposition import PCA

    from skae import AutoencoderTransformer

    X = digits()
    x1 = X[:1]
    pca = PCA(16).fit(X)
    t_pca = per_call(lambda: pca.transform(x1))
    z1 = pca.transform(x1)
    t_pca_inv = per_call(lambda: pca.inverse_transform(z1))
    report("PCA.transform, 1 row (64 -> 16)", f"{t_pca * 1e6:.0f} us")
    report("PCA.inverse_transform, 1 row", f"{t_pca_inv * 1e6:.0f} us")
    for label, hidden, target in (
        ("shallow", (), 3),
        ("hidden (256, 256)", (256, 256), 5),
    ):
        ae = AutoencoderTransformer(
            16, hidden_layer_sizes=hidden, max_iter=2, random_state=0
        ).fit(X)
        t = per_call(lambda ae=ae: ae.transform(x1))
        report(
            f"transform 1 row / PCA's, {label}",
            f"{t / t_pca:.2f}x ({t * 1e6:.0f} us)",
            f"<= {target}x",
            t / t_pca <= target,
        )
        code = ae.transform(x1)
        t = per_call(lambda ae=ae, code=code: ae.inverse_transform(code))
        report(
            f"inverse_transform 1 row / PCA's, {label}",
            f"{t / t_pca_inv:.2f}x ({t * 1e6:.0f} us)",
            f"<= {target}x",
            t / t_pca_inv <= target,
        )
    enc = ae.encoder_
    x32 = x1.astype(np.float32)
    fn = tf.function(
        enc, input_signature=[tf.TensorSpec([None, 64], tf.float32)], autograph=False
    )
    refs = {
        "encoder.predict": (lambda: enc.predict(x32, verbose=0), 20),
        "encoder(x) direct call": (lambda: enc(x32), 300),
        "tf.function with signature": (lambda: fn(x32), 300),
    }
    for name, (call, number) in refs.items():
        t = per_call(call, repeats=3, number=number)
        report(
            f"  Keras reference, (256, 256) model: {name}",
            f"{t * 1e6:.0f} us = {t / t_pca:.1f}x PCA",
        )


def bench_custom(args):
    """1-row transform of a user's model that NumPy cannot mirror (a convolution)."""
    import keras
    import tensorflow as tf

    from skae import AutoencoderTransformer

    def make_encoder(n_features, n_components):
        return keras.Sequential(
            [
                keras.Input((n_features,)),
                keras.layers.Reshape((8, 8, 1)),
                keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.Flatten(),
                keras.layers.Dense(n_components),
            ]
        )

    X = digits()
    x1 = X[:1]
    x32 = x1.astype(np.float32)
    for init in ("random", "pca"):
        ae = AutoencoderTransformer(
            16, encoder=make_encoder, init=init, max_iter=2, random_state=0
        ).fit(X)
        enc = ae.encoder_
        fn = tf.function(
            lambda x, enc=enc: enc(x, training=False),
            input_signature=[tf.TensorSpec([None, 64], tf.float32)],
            autograph=False,
        )
        t_fn = per_call(lambda fn=fn: fn(x32), number=300)
        t = per_call(lambda ae=ae: ae.transform(x1), number=300)
        t_predict = per_call(lambda enc=enc: enc.predict(x32, verbose=0), 3, 20)
        report(
            f"custom conv encoder (init={init!r}): transform 1 row / its tf.function",
            f"{t / t_fn:.2f}x ({t * 1e6:.0f} us vs {t_fn * 1e6:.0f} us; "
            f"encoder.predict {t_predict * 1e6:.0f} us)",
            "<= 5x",
            t / t_fn <= 5,
        )


def _peak_rss_during(fn):
    import psutil

    proc = psutil.Process()
    peak, done = [proc.memory_info().rss], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(proc.memory_info().rss)
            time.sleep(0.002)

    thread = threading.Thread(target=sample)
    before = proc.memory_info().rss
    thread.start()
    try:
        result = fn()
    finally:
        done.set()
        thread.join()
    return result, max(peak) - before


def bench_bulk(args):
    from skae import AutoencoderTransformer

    X_small, source = mnist(args.data_dir, rows=10000)
    X = np.tile(X_small, (args.bulk_rows // X_small.shape[0], 1))
    report(
        "bulk input",
        f"{X.shape[0]:,} x {X.shape[1]} float32 ({source}, {X.nbytes / 2**30:.1f} GiB)",
    )
    from sklearn.decomposition import PCA

    # Fitted on float32 rows, PCA transforms float32 in float32 (on float64 rows it
    # would compute in float64).
    pca = PCA(32, random_state=0).fit(X_small)
    for label, hidden in (
        ("shallow k=32", ()),
        ("default (256, 128) k=32", (256, 128)),
    ):
        ae = AutoencoderTransformer(
            32, hidden_layer_sizes=hidden, max_iter=1, random_state=0
        ).fit(X_small)
        plain = _plain_numpy_encoder(ae)
        for run in range(1, args.bulk_runs + 1):
            # skae first: run second, its buffers would reuse heap the plain pass
            # left resident and its peak would read lower than in a fresh process.
            start = time.perf_counter()
            Z, mem = _peak_rss_during(lambda ae=ae: ae.transform(X))
            t = time.perf_counter() - start
            out_bytes = Z.nbytes
            del Z
            start = time.perf_counter()
            _, plain_mem = _peak_rss_during(lambda plain=plain: plain(X))
            t_plain = time.perf_counter() - start
            extra = (mem - out_bytes) / 2**20
            report(
                f"bulk transform throughput / plain NumPy f32, {label}, run {run}",
                f"{t_plain / t:.2f}x ({X.shape[0] / t:,.0f} rows/s; NumPy "
                f"{X.shape[0] / t_plain:,.0f} rows/s)",
                ">= 0.5x",
                t_plain / t >= 0.5,
            )
            if not hidden:
                start = time.perf_counter()
                pca.transform(X)
                t_pca = time.perf_counter() - start
                report(
                    f"bulk transform throughput / PCA.transform, {label}, run {run}",
                    f"{t_pca / t:.2f}x (skae {t:.2f} s, PCA {t_pca:.2f} s, "
                    f"NumPy {t_plain:.2f} s)",
                    ">= 1x",
                    t_pca / t >= 1,
                )
            report(
                f"bulk transform peak RSS above input and output, {label}, run {run}",
                f"{extra:.0f} MB (plain NumPy pass: "
                f"{(plain_mem - out_bytes) / 2**20:.0f} MB)",
                "<= 256 MB",
                extra <= 256,
            )


def _plain_numpy_encoder(ae):
    """The encoder as a plain float32 NumPy pass over the same (folded) weights."""
    enc = ae._forward.encode  # a linear map plus a chain of Dense ops (see _inference)
    W0, b0 = (a.astype(np.float32) for a in enc.linear[:2])
    deep = [(k.astype(np.float32), b.astype(np.float32), act) for k, b, act in enc.deep]

    def forward(X):
        out = X @ W0 + b0
        h = X
        for kernel, bias, act in deep:
            h = h @ kernel + bias
            # skae's activations take a spare buffer of h's shape to work in.
            h = h if act is None else act(h, np.empty_like(h))
        if deep:
            out += h
        return out

    return forward


def bench_fit(args):
    import keras

    from skae import AutoencoderTransformer

    epochs = 5
    X_mnist, source = mnist(args.data_dir, rows=10000)
    for name, X, bs in (
        ("digits", digits().astype(np.float32), 64),
        (f"{source} 10k rows", X_mnist, 64),
        (f"{source} 10k rows", X_mnist, 256),
    ):
        ae = AutoencoderTransformer(
            16,
            batch_size=bs,
            max_iter=epochs,
            n_iter_no_change=epochs,
            early_stopping=False,
            random_state=0,
        )
        start = time.perf_counter()
        ae.fit(X)
        t_skae = (time.perf_counter() - start) / ae.n_iter_
        model = keras.models.clone_model(ae.model_)
        model.compile(keras.optimizers.Adam(ae.learning_rate), "mse")
        start = time.perf_counter()
        model.fit(X, X, batch_size=bs, epochs=epochs, verbose=0)
        t_keras = (time.perf_counter() - start) / epochs
        report(
            f"fit time per epoch / Keras Model.fit, {name}, batch {bs}",
            f"{t_skae / t_keras:.2f}x ({t_skae:.3f} s vs {t_keras:.3f} s, whole "
            "fit incl. PCA start over epochs)",
            "<= 1.1x",
            t_skae / t_keras <= 1.1,
        )
    # How the default batch size and learning rate were chosen: time to a train R^2.
    X = digits()
    target = 0.85
    for bs in (32, 64, 128, 256):
        for lr in (1e-3, 3e-3, 1e-2):
            ae = AutoencoderTransformer(
                8,
                batch_size=bs,
                learning_rate=lr,
                max_iter=150,
                early_stopping=False,
                random_state=0,
            )
            start = time.perf_counter()
            ae.fit(X)
            seconds = time.perf_counter() - start
            r2 = 1 - np.asarray(ae.loss_curve_)
            reached = np.flatnonzero(r2 >= target)
            when = (
                f"{seconds * (reached[0] + 1) / ae.n_iter_:.2f} s "
                f"(epoch {reached[0] + 1})"
                if reached.size
                else "never"
            )
            report(
                f"  digits k=8, batch {bs}, lr {lr:g}: train R^2 >= {target}",
                f"{when}; final {ae.score(X):.4f} after {ae.n_iter_} epochs",
            )


def _run_python(code, env=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO, **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return out.stdout.strip().splitlines()[-1]


def bench_import(args):
    sk = (
        "import sklearn.base, sklearn.utils.validation, sklearn.metrics, "
        "sklearn.model_selection, sklearn.decomposition"
    )
    deltas = []
    for _ in range(5):
        deltas.append(
            float(
                _run_python(f"""
            import time
            {sk}
            start = time.perf_counter()
            import skae
            print(time.perf_counter() - start)
        """)
            )
        )
    base = float(
        _run_python(f"""
        import time
        start = time.perf_counter()
        {sk}
        print(time.perf_counter() - start)
    """)
    )
    d = float(np.median(deltas))
    report(
        "import skae on top of scikit-learn's modules",
        f"{d:.3f} s (scikit-learn's modules: {base:.2f} s)",
        "<= 0.3 s",
        d <= 0.3,
    )
    loaded = _run_python("""
        import sys
        import numpy as np
        from sklearn.base import clone
        from skae import AutoencoderTransformer
        ae = AutoencoderTransformer(4, hidden_layer_sizes=(8,))
        clone(ae).set_params(max_iter=3).get_params()
        repr(ae)
        try:
            AutoencoderTransformer(0).fit(np.ones((3, 2)))
        except ValueError:
            pass
        print("tensorflow" in sys.modules, "keras" in sys.modules)
    """)
    report(
        "TensorFlow/Keras imported by clone, get_params, set_params, repr, validation",
        loaded,
        "False False",
        loaded == "False False",
    )


def bench_memory(args):
    out = _run_python(f"""
        import gc, warnings, numpy as np, psutil
        warnings.simplefilter("ignore")
        from skae import AutoencoderTransformer
        X = np.random.RandomState(0).rand(300, 20)
        proc = psutil.Process()
        def fit(i):
            AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=3,
                                   random_state=i).fit(X)
        fit(0)
        gc.collect()
        start = proc.memory_info().rss
        for i in range({args.fits}):
            fit(i)
        gc.collect()
        print((proc.memory_info().rss - start) / 2**20)
    """)
    growth = float(out)
    report(
        f"RSS growth over {args.fits} fits in one process (after the first)",
        f"{growth:.0f} MB",
        "<= 100 MB",
        growth <= 100,
    )


def bench_unpickled(args):
    from skae import AutoencoderTransformer

    X = digits()
    ae = AutoencoderTransformer(16, max_iter=2, random_state=0).fit(X)
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
        pickle.dump(ae, f)
    out = _run_python(f"""
        import pickle, time, numpy as np
        from sklearn.datasets import load_digits
        ae = pickle.load(open({f.name!r}, "rb"))
        x1 = load_digits().data[:1] / 16
        times = []
        for _ in range(3):
            start = time.perf_counter()
            ae.transform(x1)
            times.append((time.perf_counter() - start) * 1e6)
        print(" ".join(f"{{t:.0f}}" for t in times))
    """)
    os.unlink(f.name)
    first, second, third = (float(t) for t in out.split())
    report(
        "unpickled, fresh process: 1-row transform calls 1, 2, 3",
        f"{first:.0f}, {second:.0f}, {third:.0f} us",
        "2nd call fast (< 1 ms)",
        second < 1000,
    )


_FIXED = """
import json, time, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from skae import AutoencoderTransformer

warnings.simplefilter("ignore")
X = load_digits().data / 16.0
out = {}
for early_stopping in (True, False):
    times = []
    for _ in range(31):  # the first traces: reported apart
        ae = AutoencoderTransformer(
            8, max_iter=1, random_state=0, early_stopping=early_stopping
        )
        start = time.perf_counter()
        ae.fit(X)
        times.append(time.perf_counter() - start)
    out[str(early_stopping)] = [times[0], float(np.median(times[1:]))]
grid = {"n_components": [2, 4, 8, 16]}
for name, estimator in (
    ("PCA", PCA(random_state=0)),
    ("skae", AutoencoderTransformer(random_state=0)),
):
    search = GridSearchCV(estimator, grid, cv=5)  # 20 fits (and a refit)
    start = time.perf_counter()
    search.fit(X)
    out[name] = [time.perf_counter() - start, float(search.best_score_)]
print(json.dumps(out))
"""


def bench_fixed(args):
    import json

    # Each setting in a fresh process: TensorFlow reads its thread counts once.
    one_thread = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    runs = {
        "TensorFlow's default threads": json.loads(_run_python(_FIXED)),
        "TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1": json.loads(
            _run_python(_FIXED, one_thread)
        ),
    }
    for setting, run in runs.items():
        report(f"fixed cost of a fit on digits, {setting}", "")
        for early_stopping in ("True", "False"):
            first, later = run[early_stopping]
            first_note = (
                f"; the process's first, which builds and traces, {first:.3f} s"
                if early_stopping == "True"
                else ""
            )
            report(
                f"  1-epoch default fit, early_stopping={early_stopping}",
                f"{later:.3f} s (median of 30 after the first{first_note})",
                "<= 0.15 s",
                later <= 0.15,
            )
        (skae, skae_score), (pca, _) = run["skae"], run["PCA"]
        report(
            "  GridSearchCV, 4 n_components x 5 folds, skae / PCA",
            f"{skae / pca:.0f}x ({skae:.2f} s vs {pca:.3f} s; skae's best score "
            f"{skae_score:.4f}; its fits train as many epochs as they need)",
        )
    default, single = runs.values()
    report(
        "GridSearchCV with one TensorFlow thread / default threads",
        f"{single['skae'][0] / default['skae'][0]:.2f}x the time, best scores "
        f"{'equal' if single['skae'][1] == default['skae'][1] else 'DIFFERENT'}",
    )


_PARALLEL = """
import json, sys, time, warnings
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from skae import AutoencoderTransformer

warnings.simplefilter("ignore")
X = load_digits().data / 16.0
search = GridSearchCV(
    AutoencoderTransformer(random_state=0),
    {"n_components": [2, 4, 8, 16]},
    cv=5,
    n_jobs=int(sys.argv[1]),
)
start = time.perf_counter()
search.fit(X)
print(json.dumps([time.perf_counter() - start, float(search.best_score_)]))
"""


def bench_parallel(args):
    # Each search in a fresh process, its workers started and TensorFlow imported
    # inside the time, as a user's script pays them. TF_NUM_INTRAOP_THREADS=0
    # (TensorFlow's own default, every core) is what each worker used before
    # skae gave TensorFlow joblib's thread budget, OMP_NUM_THREADS.
    import json

    def run(n_jobs, env=None):
        code = _PARALLEL.replace("int(sys.argv[1])", str(n_jobs))
        return json.loads(_run_python(code, env))

    serial = run(1)
    parallel = run(2)
    default_threads = run(2, {"TF_NUM_INTRAOP_THREADS": "0"})
    report(
        "GridSearchCV(n_jobs=2) / n_jobs=1, 4 n_components x 5 folds on digits",
        f"{parallel[0] / serial[0]:.2f}x ({parallel[0]:.1f} s vs {serial[0]:.1f} s; "
        f"best scores {'equal' if parallel[1] == serial[1] else 'DIFFERENT'})",
        "<= 0.6x",
        parallel[0] / serial[0] <= 0.6,
    )
    report(
        "  the same with TensorFlow's default threads in each worker",
        f"{default_threads[0] / serial[0]:.2f}x ({default_threads[0]:.1f} s)",
    )


def bench_progress(args):
    # verbose=1 moves Keras's progress bar from inside each epoch. Each epoch is
    # timed by a callback (so both settings train their own traced epoch), the
    # first left out (it traces); the settings alternate, three fits each.
    import contextlib
    import statistics

    import keras

    from skae import AutoencoderTransformer

    X, source = mnist(args.data_dir)

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    def epochs(verbose):
        timer = EpochTimer()
        ae = AutoencoderTransformer(
            32,
            max_iter=4,
            early_stopping=False,
            verbose=verbose,
            callbacks=[timer],
            random_state=0,
        )
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            ae.fit(X)
        return timer.seconds[1:]

    seconds = {0: [], 1: []}
    for _ in range(3):
        for verbose in (0, 1):
            seconds[verbose] += epochs(verbose)
    quiet, shown = (statistics.median(seconds[v]) for v in (0, 1))
    report(
        f"epoch with progress inside it (verbose=1) / verbose=0, {source}",
        f"{shown / quiet:.3f}x ({shown:.2f} s vs {quiet:.2f} s per epoch, medians "
        f"of 9 epochs each)",
        "<= 1.02x",
        shown / quiet <= 1.02,
    )


_ALLOCATOR_SPEED = """
import json, time, warnings
import numpy as np
from sklearn.datasets import load_digits
warnings.simplefilter("ignore")
from skae import AutoencoderTransformer

X = np.load(DATA)["X"].astype(np.float32) / 255.0 if DATA else None
digits = load_digits().data / 16.0
AutoencoderTransformer(2, max_iter=1).fit(digits[:50])  # TensorFlow in
start = time.perf_counter()
ae = AutoencoderTransformer(30, max_iter=3, early_stopping=False, random_state=0)
loss = ae.fit(X if X is not None else digits).loss_curve_[-1]
epochs = time.perf_counter() - start
start = time.perf_counter()
for seed in range(10):
    AutoencoderTransformer(8, max_iter=20, random_state=seed).fit(digits)
print(json.dumps([epochs, time.perf_counter() - start, loss]))
"""

# Alone in its process: a fit before it would have grown oneDNN's pool already.
_ALLOCATOR_MEMORY = """
import gc, json, time, warnings
import numpy as np, psutil
warnings.simplefilter("ignore")
from skae import AutoencoderTransformer

AutoencoderTransformer(2, max_iter=1).fit(np.random.rand(50, 20))  # TensorFlow in
wide = np.random.RandomState(0).normal(size=(400, 50_000)).astype(np.float32)
gc.collect()
process = psutil.Process()
baseline = process.memory_info().rss
start = time.perf_counter()
ae = AutoencoderTransformer(2, hidden_layer_sizes=(256,), max_iter=3).fit(wide)
seconds = time.perf_counter() - start
held = process.memory_info().rss - baseline
del ae
gc.collect()
left = process.memory_info().rss - baseline
print(json.dumps([held / 2**30, left / 2**30, seconds]))
"""


def bench_allocator(args):
    import json
    import statistics

    path = os.path.join(args.data_dir, "mnist_train.npz")
    speed = _ALLOCATOR_SPEED.replace("DATA", repr(path if os.path.exists(path) else ""))
    runs = {"1": [], "0": []}
    for _ in range(3):
        for setting in runs:
            env = {"TF_ONEDNN_USE_SYSTEM_ALLOCATOR": setting}
            runs[setting].append(json.loads(_run_python(speed, env)))
    system, pool = (
        [statistics.median(figures) for figures in zip(*runs[s], strict=True)]
        for s in ("1", "0")
    )
    same = {run[2] for run in runs["1"] + runs["0"]}
    report(
        "system allocator (TF_ONEDNN_USE_SYSTEM_ALLOCATOR=1) / oneDNN's pool: "
        "3 epochs on MNIST (30 units)",
        f"{system[0] / pool[0]:.2f}x ({system[0]:.1f} s vs {pool[0]:.1f} s, medians "
        f"of 3 processes each; losses {'equal' if len(same) == 1 else 'DIFFERENT'})",
        "equal losses",
        len(same) == 1,
    )
    report(
        "  10 fits on digits",
        f"{system[1] / pool[1]:.2f}x ({system[1]:.1f} s vs {pool[1]:.1f} s)",
    )
    memory = {
        setting: json.loads(
            _run_python(_ALLOCATOR_MEMORY, {"TF_ONEDNN_USE_SYSTEM_ALLOCATOR": setting})
        )
        for setting in ("1", "0")
    }
    report(
        "  a 50,000-wide fit (400 rows, hidden (256,), 3 epochs), alone in a "
        "process: time; memory held, then left once deleted",
        f"{memory['1'][2] / memory['0'][2]:.2f}x ({memory['1'][2]:.1f} s vs "
        f"{memory['0'][2]:.1f} s); {memory['1'][0]:.2f} then {memory['1'][1]:.2f} "
        f"GiB vs {memory['0'][0]:.2f} then {memory['0'][1]:.2f} GiB",
    )


BENCHES = {
    "latency": bench_latency,
    "bulk": bench_bulk,
    "fit": bench_fit,
    "custom": bench_custom,
    "import": bench_import,
    "memory": bench_memory,
    "unpickled": bench_unpickled,
    "fixed": bench_fixed,
    "parallel": bench_parallel,
    "progress": bench_progress,
    "allocator": bench_allocator,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="+", choices=list(BENCHES), default=list(BENCHES)
    )
    add_data_dir_argument(parser)
    parser.add_argument("--bulk-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--bulk-runs", type=int, default=3, help="consecutive bulk measurements"
    )
    parser.add_argument("--fits", type=int, default=200)
    parser.add_argument(
        "--write",
        action="store_true",
        help="keep the figures as benchmarks/runs/<command>.md",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.simplefilter("ignore")
    for name in args.only:
        BENCHES[name](args)
    if args.write:
        write_results(
            "bench_speed.py "
            + " ".join(a for a in (argv or sys.argv[1:]) if a != "--write"),
            "```\n" + "\n".join(LINES) + "\n```",
        )


if __name__ == "__main__":
    main()
