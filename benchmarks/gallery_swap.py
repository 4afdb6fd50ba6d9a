"""scikit-learn's gallery examples with PCA, and with skae in its place.

For every example of scikit-learn's gallery that constructs ``PCA(`` and runs
offline (no ``fetch_*`` or OpenML download), runs it as it is and with each
``PCA(`` replaced by ``AutoencoderTransformer(`` and skae imported: the change a
new user makes. Where that needs more (listed in :data:`CHANGES`, each with its
reason), it runs a third time with those changes too. Each run is a fresh
process (matplotlib's Agg backend, ``plt.show`` a no-op) whose printed lines,
figure texts (titles, labels, annotations: where most examples report their
numbers) and bar heights are kept, with its time and whether it ran.

The examples come from scikit-learn's source distribution of the installed
version (``--examples DIR``, or downloaded from PyPI into ``--cache``: this script
needs the network once; the tests never run it).

Usage: ``python benchmarks/gallery_swap.py [--only NAME ...] [--write]``; the
page ``docs/gallery_swap.md`` holds the latest results with their reading.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from _machine import write_results  # noqa: E402

# The linear autoencoder, for examples that read components_ (PCA's directions,
# which only a linear model has).
LINEAR = [("AutoencoderTransformer(", "AutoencoderTransformer(hidden_layer_sizes=(), ")]
READS_COMPONENTS = (
    "The example reads components_, PCA's directions, which only the linear "
    "autoencoder has (hidden_layer_sizes=()); the deep model's AttributeError says so."
)

# What a user must change beyond the class name, per example, and why.
CHANGES = {
    "plot_ica_vs_pca.py": (LINEAR, READS_COMPONENTS),
    "plot_kernel_approximation.py": (LINEAR, READS_COMPONENTS),
    "plot_kmeans_digits.py": (LINEAR, READS_COMPONENTS + " (KMeans(init=...))"),
    "plot_scaling_importance.py": (LINEAR, READS_COMPONENTS),
    "plot_varimax_fa.py": (LINEAR, READS_COMPONENTS),
    "plot_pca_vs_fa_model_selection.py": (
        [
            (
                "AutoencoderTransformer(",
                "VariationalAutoencoder(hidden_layer_sizes=(), ",
            ),
            ("np.arange(0, n_features, 5)", "np.arange(5, n_features, 5)"),
            (
                "from sklearn.decomposition import",
                "from skae import VariationalAutoencoder\n"
                "from sklearn.decomposition import",
            ),
        ],
        "The example chooses the size by cross-validated likelihood (PCA's score); "
        "AutoencoderTransformer's score is R^2, which grows with the size, and an "
        "autoencoder needs at least one code unit (PCA takes 0). "
        "VariationalAutoencoder has the likelihood (its linear model is PCA's "
        "probabilistic model).",
    ),
    "plot_digits_pipe.py": (
        [("AutoencoderTransformer()", "AutoencoderTransformer(n_components=None)")],
        "PCA() keeps every component and the example plots its whole spectrum; "
        "AutoencoderTransformer()'s default is 2 code units. n_components=None "
        "asks for all of them, as PCA's None does.",
    ),
    "plot_pcr_vs_pls.py": (
        [
            (
                "AutoencoderTransformer(n_components=2).fit(X)",
                "AutoencoderTransformer(n_components=2, hidden_layer_sizes=()).fit(X)",
            ),
            ('named_steps["pca"]', 'named_steps["autoencodertransformer"]'),
        ],
        "The first figure draws PCA's components_, which only a linear "
        "autoencoder has (hidden_layer_sizes=()); make_pipeline names each step "
        "after its class, in lower case.",
    ),
}

RUNNER = textwrap.dedent(
    """
    import runpy, sys, warnings
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.show = lambda *a, **k: None
    warnings.simplefilter("ignore")
    try:
        runpy.run_path(sys.argv[1], run_name="__main__")
    finally:
        for number in plt.get_fignums():
            figure = plt.figure(number)
            texts = [figure._suptitle] if figure._suptitle else []
            for ax in figure.axes:
                texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
                legend = ax.get_legend()
                if legend is not None:
                    texts += legend.get_texts()
            for text in texts:
                content = text.get_text().strip()
                if content:
                    print("[figure]", " ".join(content.split()))
            for ax in figure.axes:  # bar charts report their numbers as heights
                bars = [p.get_height() for p in ax.patches if hasattr(p, "get_height")]
                if bars:
                    print("[bars]", " ".join(f"{h:.3f}" for h in bars))
    """
)


def examples_dir(cache):
    """The examples of the installed scikit-learn's source distribution."""
    import sklearn

    version = sklearn.__version__
    root = os.path.join(cache, f"scikit_learn-{version}", "examples")
    if os.path.isdir(root):
        return root
    index = (
        urllib.request.urlopen("https://pypi.org/simple/scikit-learn/", timeout=60)
        .read()
        .decode()
    )
    link = re.search(rf'href="([^"]*scikit_learn-{version}\.tar\.gz)[^"]*"', index)
    archive = os.path.join(cache, f"scikit_learn-{version}.tar.gz")
    os.makedirs(cache, exist_ok=True)
    urllib.request.urlretrieve(link.group(1), archive)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/examples/" in m.name]
        tar.extractall(cache, members=members, filter="data")
    return root


def runnable(root):
    """The examples that construct PCA and download nothing."""
    found = []
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not name.endswith(".py"):
                continue
            source = open(path).read()
            if re.search(r"(?<![A-Za-z_])PCA\(", source) and not re.search(
                r"fetch_|openml", source
            ):
                found.append(path)
    return sorted(found, key=os.path.basename)


def swapped(source, changes=()):
    """The example as a user swaps PCA for skae (and makes ``changes``)."""
    source = re.sub(r"(?<![A-Za-z_])PCA\(", "AutoencoderTransformer(", source)
    for old, new in changes:
        source = source.replace(old, new)
    return "from skae import AutoencoderTransformer\n" + source


def run(source, folder, timeout):
    """``(ran, seconds, lines)`` of the example ``source`` in a fresh process."""
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "example.py")
        with open(path, "w") as f:
            f.write(source)
        runner = os.path.join(work, "runner.py")
        with open(runner, "w") as f:
            f.write(RUNNER)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, runner, path],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
        except subprocess.TimeoutExpired:
            return False, time.perf_counter() - start, [f"timed out after {timeout} s"]
        seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode:
        error = [line for line in done.stderr.splitlines() if line.strip()]
        lines += error[-1:]
    return done.returncode == 0, seconds, lines


def differences(pca, skae, at_most=4):
    """The lines (printed, or figure texts) where the two runs differ, paired in
    order: what the example reports, with PCA and with skae."""

    def shown(lines):  # without the times that a search prints
        return [re.sub(r"total time=\s*[\d.]+s", "", line) for line in lines]

    pairs = zip(shown(pca["lines"]), shown(skae["lines"]), strict=False)
    return [(a, b) for a, b in pairs if a != b][:at_most]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", help="scikit-learn's examples/ folder")
    parser.add_argument("--cache", default="/tmp/skae_sklearn_examples")
    parser.add_argument("--only", nargs="*", help="example file names")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--json", default="gallery_swap.json")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--report", action="store_true", help="only print the table of --json"
    )
    args = parser.parse_args(argv)
    results = {}
    if (args.only or args.report) and os.path.exists(args.json):
        with open(args.json) as f:  # runs again some of a whole run
            results = json.load(f)
    root = None if args.report else args.examples or examples_dir(args.cache)
    for path in [] if args.report else runnable(root):
        name = os.path.basename(path)
        if args.only and name not in args.only:
            continue
        source = open(path).read()
        variants = {"pca": source, "skae": swapped(source)}
        if name in CHANGES:
            variants["skae, changed"] = swapped(source, CHANGES[name][0])
        results[name] = {"folder": os.path.relpath(os.path.dirname(path), root)}
        for variant, text in variants.items():
            ran, seconds, lines = run(text, os.path.dirname(path), args.timeout)
            results[name][variant] = {"ran": ran, "seconds": seconds, "lines": lines}
            print(
                f"{name} [{variant}]: {'ran' if ran else 'FAILED'}, {seconds:.1f} s",
                flush=True,
            )
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    table = [
        "| example | PCA | skae | skae, with the changes |",
        "|---|---|---|---|",
    ]
    for name, result in results.items():
        cells = []
        for variant in ("pca", "skae", "skae, changed"):
            r = result.get(variant)
            cells.append(
                ""
                if r is None
                else f"{'ran' if r['ran'] else 'failed'}, {r['seconds']:.0f} s"
            )
        table.append(f"| `{result['folder']}/{name}` | " + " | ".join(cells) + " |")
    for name, result in results.items():
        swapped_run = result.get("skae, changed", result["skae"])
        if result["pca"]["ran"] and swapped_run["ran"]:
            for a, b in differences(result["pca"], swapped_run):
                table.append(f"- `{name}`: {a!r} -> {b!r}")
    print("\n".join(table))
    if args.write:
        write_results("python benchmarks/gallery_swap.py", "\n".join(table))


if __name__ == "__main__":
    main()
