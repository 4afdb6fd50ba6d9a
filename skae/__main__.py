"""Compare autoencoders with PCA on your data, from the command line.

Fits PCA and AutoencoderTransformer at each code size on a training split and prints
the explained variance of each, on the training rows and on held-out rows. Without
--data it uses scikit-learn's bundled digits (pixels scaled to [0, 1]).
"""

import argparse
import codecs
import csv
import os
import sys
import time

import numpy as np

DEFAULT_N_COMPONENTS = (2, 8, 16, 32)
FORMATS = ("table", "csv", "json", "markdown")


class DataError(ValueError):
    """A data file skae cannot read, with a message naming what is wrong."""


def load_data(path, delimiter=","):
    """Load a 2-D numeric array from a ``.npy`` file or a delimited text file.

    A first row that is not numeric is taken for a header. Raises
    :class:`DataError` naming the file, row and column of a cell that is text,
    empty or NaN, and the delimiter that a one-column file seems to use.
    """
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file")
    if path.endswith(".npy"):
        return _load_npy(path)
    return _load_text(path, delimiter)


def _load_npy(path):
    try:
        X = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DataError(
                f"{path} holds an array of Python objects; save a numeric array "
                "(e.g. X.astype(float)) instead"
            ) from None
        raise DataError(f"{path} is not a .npy file NumPy can read: {error}") from None
    if np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(
            f"{path} holds complex numbers; skae needs real ones (pass the real and "
            "imaginary parts as columns: np.hstack([X.real, X.imag]))"
        )
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise DataError(f"{path} holds a {X.dtype} array, not numbers")
    if X.ndim != 2:
        raise DataError(f"{path} must hold a 2-D array, got shape {X.shape}")
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        row, column = bad[0]
        raise DataError(
            f"{path}: {X[row, column]} in row {row}, column {column} "
            f"({len(bad)} cells not finite); skae needs finite values"
        )
    return X


# Byte-order marks: UTF-8's is skipped (a spreadsheet's export), UTF-16's read.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _load_text(path, delimiter):
    delimiter = _delimiter(delimiter)
    with open(path, "rb") as file:
        start = file.read(4)
    encoding = next((name for bom, name in _BOMS if start.startswith(bom)), None)
    try:
        with open(path, newline="", encoding=encoding) as file:
            rows = [row for row in csv.reader(file, delimiter=delimiter) if row]
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path} is not text in {error.encoding} at byte {error.start}: pass a "
            ".npy file, or a text file in UTF-8 or UTF-16"
        ) from None
    if not rows:
        raise DataError(f"{path} is empty")
    header = None
    if not any(_is_number(cell) for cell in rows[0]):
        header, rows = rows[0], rows[1:]
        if not rows:
            raise DataError(f"{path} has a header and no rows")
    width = len(header) if header is not None else len(rows[0])
    if width == 1:
        _check_delimiter(path, header or rows[0], delimiter)
    first_line = 2 if header is not None else 1
    X = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        line = first_line + i
        if len(row) != width:
            raise DataError(
                f"{path}, line {line}: {len(row)} cells where the "
                f"{'header' if header is not None and i == 0 else 'first row'} "
                f"has {width}"
            )
        for j, cell in enumerate(row):
            name = f"column {j + 1}" + (f" ({header[j]!r})" if header else "")
            if not cell.strip():
                raise DataError(f"{path}, line {line}, {name}: empty cell")
            try:
                X[i, j] = float(cell)
            except ValueError:
                raise DataError(
                    f"{path}, line {line}, {name}: text {cell.strip()!r}, not a "
                    "number; skae needs numeric columns only (drop or encode it)"
                ) from None
            if not np.isfinite(X[i, j]):
                raise DataError(
                    f"{path}, line {line}, {name}: {cell.strip()}; "
                    "skae needs finite values"
                )
    return X


def _delimiter(delimiter):
    """The one character that ``--delimiter`` names: ``'\\t'`` as a shell passes
    it (a backslash and a t) is a tab, as are ``tab`` and a real tab."""
    named = {"tab": "\t", "\\t": "\t", "space": " ", "\\s": " "}
    delimiter = named.get(delimiter, delimiter)
    if len(delimiter) != 1:
        raise DataError(
            f"--delimiter must be one character, got {delimiter!r} (for a tab, "
            "pass --delimiter '\\t')"
        )
    return delimiter


def _check_writable(path, option):
    """Raise :class:`DataError` where ``path`` cannot be written, before any fit."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise DataError(f"{option} {path}: is a directory; name a file")
    if not os.path.isdir(directory):
        raise DataError(f"{option} {path}: no such directory {directory}")
    if not os.access(directory, os.W_OK) or (
        os.path.exists(path) and not os.access(path, os.W_OK)
    ):
        raise DataError(f"{option} {path}: permission denied")


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _check_delimiter(path, cells, delimiter):
    for other in (";", "\t", "|", ",", " "):
        if other != delimiter and other in cells[0].strip():
            raise DataError(
                f"{path} has one column when split at {delimiter!r}, and its first "
                f"line holds {other!r}: pass --delimiter {other!r}"
            )


def _parser(prog):
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=prog,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skae {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare",
        help="fit PCA and AutoencoderTransformer, print their explained variance",
        description=__doc__,
        formatter_class=_Formatter,
    )
    compare.add_argument(
        "--data",
        help="a .npy file, or a delimited text file with an optional header row "
        "(rows = samples); default: scikit-learn's digits",
    )
    compare.add_argument(
        "--delimiter",
        default=",",
        help="the text file's cell delimiter: one character, or '\\t' or tab for a tab",
    )
    compare.add_argument(
        "--n-components",
        type=_positive_int,
        nargs="+",
        help="code sizes to compare (default: 2 8 16 32, those up to the number "
        "of features)",
    )
    compare.add_argument(
        "--scale",
        action="store_true",
        help="standardise each column first (scikit-learn's StandardScaler, fitted "
        "on the training rows), so that no column weighs more for its units",
    )
    compare.add_argument(
        "--test-size", type=float, default=0.25, help="the held-out fraction"
    )
    compare.add_argument(
        "--random-state", type=int, default=0, help="seed of the split and the fits"
    )
    compare.add_argument(
        "--max-iter",
        type=_positive_int_or_auto,
        default="auto",
        help="epochs at most per fit, or 'auto' (the estimator's rule)",
    )
    compare.add_argument(
        "--format", choices=FORMATS, default="table", help="how to print the results"
    )
    compare.add_argument(
        "--plot",
        metavar="FILE",
        help="save the figure of explained variance against n_components (a .png, "
        ".svg or .pdf; needs matplotlib: pip install skae[plot])",
    )
    compare.add_argument(
        "--save",
        metavar="FILE",
        help="save the autoencoder fitted at the largest code size, in skae's "
        "format (skae.load reads it back; it runs no code, unlike a pickle)",
    )
    compare.add_argument(
        "--quiet", action="store_true", help="print no progress on standard error"
    )
    return parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help with each option's default, where it has one."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and (
            "default" not in text
        ):
            text += " (default: %(default)s)"
        return text


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return value


def _positive_int_or_auto(text):
    return text if text == "auto" else _positive_int(text)


def _prog():
    """``skae`` when run as the ``skae`` entry point, else ``python -m skae``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "skae" if name in ("skae", "skae.exe") else "python -m skae"


def main(argv=None):
    prog = _prog()
    args = _parser(prog).parse_args(argv)
    try:
        return _compare(args)
    except DataError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2


def _compare(args):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from . import AutoencoderTransformer
    from ._compare import compare_one, format_records

    for option, path in (("--save", args.save), ("--plot", args.plot)):
        if path:
            _check_writable(path, option)
    if args.plot:
        try:
            import matplotlib
        except ImportError:
            raise DataError("--plot needs matplotlib: pip install skae[plot]") from None
        matplotlib.use("Agg")  # a file, no window
    if args.data:
        X, name = load_data(args.data, args.delimiter), args.data
    else:
        from sklearn.datasets import load_digits

        X, name = load_digits().data / 16.0, "scikit-learn digits (X / 16)"
    if X.shape[0] < 4:
        raise DataError(f"{name} has {X.shape[0]} rows; skae needs at least 4")
    if not 0 < args.test_size < 1:
        raise DataError(f"--test-size must be in (0, 1), got {args.test_size}")
    ks = _code_sizes(args.n_components, X.shape[1], name)
    X_train, X_test = train_test_split(
        X, test_size=args.test_size, random_state=args.random_state
    )
    if args.scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    summary = (
        f"{name}: {X_train.shape[0]} training rows, {X_test.shape[0]} held out, "
        f"{X.shape[1]} features" + (", standardised" if args.scale else "")
    )
    if args.format != "table":  # else it heads the table
        _progress(args, summary)
    from ._backend import import_keras

    # TensorFlow's import (seconds) is not part of any fit time below, and the command
    # line prints none of its C++ start-up notices, whatever TF_CPP_MIN_LOG_LEVEL says.
    import_keras(quiet=True)
    ae = AutoencoderTransformer(random_state=args.random_state, max_iter=args.max_iter)
    records = []
    for k in ks:
        start = time.perf_counter()
        _progress(args, f"fitting k={k} ...", end=" ")
        record, fitted = compare_one(ae, k, X_train, X_test)
        records.append(record)
        _progress(args, f"{time.perf_counter() - start:.1f} s")
    print(format_records(records, args.format, title=summary))
    if args.plot:
        _plot(records, args.plot, title=name)
        _progress(args, f"saved the figure to {args.plot}")
    if args.save:
        from ._persist import save

        save(fitted, args.save)  # written whole or not at all
        _progress(args, f"saved the autoencoder at k={ks[-1]} to {args.save}")
    return 0


def _plot(records, path, title):
    """Save the explained-variance figure of ``records`` to ``path``."""
    from ._plot import ExplainedVarianceDisplay

    names = {"pca": "PCA", "ae": "AutoencoderTransformer"}
    display = ExplainedVarianceDisplay(
        [r["n_components"] for r in records],
        {n: [r[f"{p}_explained_variance"] for r in records] for p, n in names.items()},
        {n: [r[f"{p}_test_r2"] for r in records] for p, n in names.items()},
    ).plot()
    display.ax_.set_title(title)
    from ._persist import replace_atomically

    replace_atomically(
        path, lambda file: display.figure_.savefig(file, bbox_inches="tight")
    )


def _code_sizes(requested, n_features, name):
    """The code sizes to fit: those asked for, or the defaults that fit the data."""
    if requested is None:
        ks = [k for k in DEFAULT_N_COMPONENTS if k <= n_features]
        left_out = [k for k in DEFAULT_N_COMPONENTS if k > n_features]
        if left_out:
            print(
                f"note: the default code sizes {' '.join(map(str, left_out))} left "
                f"out: more than the {n_features} features of {name}",
                file=sys.stderr,
            )
        return ks or [n_features]
    too_large = [k for k in requested if k > n_features]
    if too_large:
        raise DataError(
            f"--n-components {' '.join(map(str, too_large))}: more than the "
            f"{n_features} features of {name}"
        )
    return sorted(set(requested))


def _progress(args, text, end="\n"):
    if not args.quiet:
        print(text, end=end, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
