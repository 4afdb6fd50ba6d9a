"""Side-by-side comparison of an estimator with PCA at several code sizes."""

import json
import time

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_array

from ._objectives import reconstruction_r2


def estimator_r2(estimator, X):
    """Variance-weighted R^2 of ``estimator.inverse_transform(estimator.transform(X))``.

    For a PCA fitted on ``X`` this equals ``explained_variance_ratio_.sum()``.
    """
    return reconstruction_r2(X, estimator.inverse_transform(estimator.transform(X)))


def compare_with_pca(estimator, X, X_test=None, n_components=(2, 8, 16)):
    """Fit PCA and ``estimator`` at each code size and compare their reconstructions.

    Parameters
    ----------
    estimator : estimator with ``n_components`` and ``inverse_transform``
        Cloned and fitted once per code size, e.g. an
        :class:`~skae.AutoencoderTransformer`.

    X : array-like of shape (n_samples, n_features)
        Training data.

    X_test : array-like of shape (n_test, n_features), default=None
        Held-out data; without it the ``*_test_r2`` entries are ``nan``.

    n_components : iterable of int, default=(2, 8, 16)
        Code sizes to compare.

    Returns
    -------
    records : list of dict
        One dict per code size (``pandas.DataFrame(records)`` makes a table):
        ``n_components``, then for ``pca`` and ``ae`` (the estimator)
        ``*_explained_variance`` (reconstruction R^2 on ``X``, PCA's
        ``explained_variance_ratio_.sum()``), ``*_test_r2`` (on ``X_test``) and
        ``*_fit_seconds``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skae import compare_with_pca
    >>> X = load_digits().data / 16
    >>> rows = compare_with_pca(PCA(), X, n_components=[2])
    >>> round(rows[0]["pca_explained_variance"], 4) == round(
    ...     rows[0]["ae_explained_variance"], 4)
    True
    """
    X = check_array(X)
    X_test = None if X_test is None else check_array(X_test)
    return [compare_one(estimator, k, X, X_test)[0] for k in n_components]


def compare_one(estimator, n_components, X, X_test=None):
    """One record of :func:`compare_with_pca`, and the fitted clone of ``estimator``."""
    row = {"n_components": int(n_components)}
    for prefix, model in (("pca", PCA()), ("ae", clone(estimator))):
        fitted, seconds, train_r2, test_r2 = fit_and_score(
            model, n_components, X, X_test
        )
        row[f"{prefix}_fit_seconds"] = seconds
        row[f"{prefix}_explained_variance"] = train_r2
        row[f"{prefix}_test_r2"] = test_r2
    return row, fitted


def fit_and_score(model, n_components, X, X_test=None):
    """``(model, fit seconds, R^2 on X, R^2 on X_test or nan)`` after fitting
    ``model`` (not cloned) with ``n_components`` on ``X``."""
    model.set_params(n_components=n_components)
    start = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - start
    test_r2 = np.nan if X_test is None else estimator_r2(model, X_test)
    return model, seconds, estimator_r2(model, X), test_r2


COLUMNS = [
    ("n_components", "k", "{:d}"),
    ("pca_explained_variance", "PCA EV", "{:.4f}"),
    ("ae_explained_variance", "AE EV", "{:.4f}"),
    ("pca_test_r2", "PCA test R2", "{:.4f}"),
    ("ae_test_r2", "AE test R2", "{:.4f}"),
    ("pca_fit_seconds", "PCA fit s", "{:.3f}"),
    ("ae_fit_seconds", "AE fit s", "{:.2f}"),
]


def format_records(records, fmt="table", title=None):
    """Render ``compare_with_pca``'s records as ``"table"`` (fixed-width text, under
    ``title``), ``"csv"``, ``"json"`` or ``"markdown"``."""
    if fmt == "table":
        table = format_table(records)
        return table if title is None else f"{title}\n{table}"
    if fmt == "json":
        return json.dumps(
            [{key: _plain(row[key]) for key, _, _ in COLUMNS} for row in records],
            indent=2,
        )
    if fmt == "csv":
        lines = [",".join(key for key, _, _ in COLUMNS)]
        lines += [
            ",".join(_csv_cell(row[key]) for key, _, _ in COLUMNS) for row in records
        ]
        return "\n".join(lines)
    if fmt == "markdown":
        cells = [[head for _, head, _ in COLUMNS]]
        cells += [[f.format(row[key]) for key, _, f in COLUMNS] for row in records]
        lines = ["| " + " | ".join(r) + " |" for r in cells]
        lines.insert(1, "|" + "|".join("---:" for _ in COLUMNS) + "|")
        return "\n".join(lines)
    raise ValueError(f"fmt must be one of table, csv, json, markdown; got {fmt!r}")


def _csv_cell(value):
    value = _plain(value)
    return "" if value is None else repr(value)


def _plain(value):
    """A record's value as a Python int or float (NaN as None, for JSON)."""
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return None if np.isnan(value) else value


def format_table(records):
    """Render ``compare_with_pca``'s records as a fixed-width text table."""
    columns = COLUMNS
    cells = [[title for _, title, _ in columns]]
    cells += [[fmt.format(row[key]) for key, _, fmt in columns] for row in records]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = [
        "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
