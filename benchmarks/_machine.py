"""Shared by the benchmarks: load images, describe the machine, record a run.

A script's ``--write`` keeps its latest run under ``benchmarks/runs/``, one file per
command, replaced by the next run of that command: the data behind ``RESULTS.md``,
which answers questions from them (history lives in git)."""

import datetime
import os
import platform
import re

RUNS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_data_dir_argument(parser):
    """``--data-dir``: MNIST's ``.npz`` files ($SKAE_DATA_DIR, else ../shared/data)."""
    default = os.path.join(REPO, "..", "shared", "data")
    parser.add_argument("--data-dir", default=os.environ.get("SKAE_DATA_DIR", default))


def load_images(name, data_dir):
    """``(X_train, X_test, y_train)``, pixels in [0, 1]: scikit-learn's digits split
    75/25 (``random_state=0``), or MNIST's own split read from ``data_dir``."""
    import numpy as np

    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, _ = train_test_split(
            X / 16.0, y, test_size=0.25, random_state=0
        )
        return X_train, X_test, y_train
    train = np.load(os.path.join(data_dir, "mnist_train.npz"))
    test = np.load(os.path.join(data_dir, "mnist_test.npz"))
    return train["X"] / 255.0, test["X"] / 255.0, train["y"]


def describe_machine():
    import numpy
    import sklearn

    versions = f"numpy {numpy.__version__}, scikit-learn {sklearn.__version__}"
    try:
        import keras
        import tensorflow

        versions += f", keras {keras.__version__}, tensorflow {tensorflow.__version__}"
    except ImportError:
        pass
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}, {versions}"
    )


def write_results(command, table):
    """Keep ``table``, the output of ``command``, as that command's latest run."""
    date = datetime.date.today().isoformat()
    name = re.sub(r"[^A-Za-z0-9]+", "-", command.strip().removeprefix("python "))
    os.makedirs(RUNS, exist_ok=True)
    path = os.path.join(RUNS, f"{name.strip('-')}.md")
    with open(path, "w") as f:
        f.write(f"# `{command.strip()}`, {date}\n\n")
        f.write(f"Machine: {describe_machine()}\n\n{table}\n")
    return path
