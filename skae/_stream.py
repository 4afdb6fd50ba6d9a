"""Rows read a chunk at a time: how ``fit`` reads a ``numpy.memmap``.

A memmap can be larger than memory. ``fit`` never copies one whole (from
:data:`STREAM_MIN_BYTES` on), nor computes on
it whole: every pass over its rows (the finiteness check, the mean and spread, the
covariance behind PCA's start, each training epoch, the score) reads a chunk of
:data:`CHUNK_VALUES` values at a time, and after each chunk hands the pages it read
back to the operating system (``madvise(MADV_DONTNEED)``: they stay in the file
cache, but leave this process's resident memory). The held-out rows of early
stopping, at most :data:`MAX_VALIDATION_ROWS`, are the only rows kept in memory.

A scipy sparse matrix whose rows would take :data:`STREAM_MIN_BYTES` or more as a
dense array is read the same way (:class:`SparseChunks`): each chunk densified,
never the whole matrix.
"""

import mmap
import types

import numpy as np
from scipy import sparse

from ._objectives import exact_constants, r2_from_sums

# Memmaps from this size on are read in chunks; smaller ones are fitted as arrays in
# memory are (joblib hands large arguments to its workers as memmaps: a search gives
# the same results with one worker or several).
STREAM_MIN_BYTES = 2**28
# Values per chunk: 32 MiB per float64 copy of a chunk.
CHUNK_VALUES = 2**22
# Early stopping holds out validation_fraction of the rows, but at most this many,
# and at most MAX_HELD_VALUES values (64 MiB as float64), as are the rows that rank
# the code units: 10,000 rows up to 838 features, fewer for wider rows (167 rows of
# 50,000 bag-of-words features).
MAX_VALIDATION_ROWS = 10_000
MAX_HELD_VALUES = 2**23


def max_held_rows(n_features, max_rows=None):
    """The most rows of ``n_features`` values held in memory at once: at most
    ``max_rows`` (by default :data:`MAX_VALIDATION_ROWS`) and
    :data:`MAX_HELD_VALUES` values, at least 2."""
    if max_rows is None:
        max_rows = MAX_VALIDATION_ROWS
    return max(2, min(max_rows, MAX_HELD_VALUES // max(1, n_features)))


def streams(X):
    """Whether ``fit`` reads ``X`` in chunks: a memmap of a file, or a scipy sparse
    matrix, of at least :data:`STREAM_MIN_BYTES` (the sparse matrix's as dense)."""
    if sparse.issparse(X):
        return dense_bytes(X) >= STREAM_MIN_BYTES
    return (
        isinstance(X, np.memmap)
        and getattr(X, "_mmap", None) is not None
        and X.nbytes >= STREAM_MIN_BYTES
    )


def dense_bytes(X):
    """The bytes of a sparse matrix ``X`` as a dense array of its dtype."""
    n_samples, n_features = X.shape
    return n_samples * n_features * np.dtype(X.dtype).itemsize


def map_rows(X, fn):
    """``fn(X)`` for an array; for a scipy sparse matrix, ``fn`` of it as an array
    below :data:`STREAM_MIN_BYTES` as dense, else ``fn`` of each chunk of its rows
    densified (:class:`SparseChunks`), stacked. ``fn`` maps rows to rows."""
    if not sparse.issparse(X):
        return fn(X)
    if dense_bytes(X) < STREAM_MIN_BYTES:
        return fn(X.toarray(order="C"))
    chunks = SparseChunks(X)
    parts = [fn(chunks.read(start, X.dtype)) for start in chunks.starts]
    return np.concatenate(parts) if parts else fn(np.zeros((0, X.shape[1]), X.dtype))


class Chunks:
    """The rows of a 2-D array (a ``numpy.memmap``), read a chunk at a time."""

    def __init__(self, X):
        self.X = X
        self.n_samples, self.n_features = X.shape
        self.rows = max(1, CHUNK_VALUES // max(1, self.n_features))
        self.starts = range(0, self.n_samples, self.rows)

    def read(self, start, dtype=np.float64):
        """A copy of the chunk of rows from ``start``, in ``dtype``."""
        part = np.array(self.X[start : start + self.rows], dtype=dtype)
        self.release()
        return part

    def __iter__(self):
        """``(start, rows)`` for every chunk, in order, as float64."""
        for start in self.starts:
            yield start, self.read(start)

    def take(self, indices, dtype=np.float64):
        """A copy of the rows at the sorted ``indices``."""
        out = np.empty((len(indices), self.n_features), dtype=dtype)
        for start in self.starts:
            lo, hi = np.searchsorted(indices, [start, start + self.rows])
            if hi > lo:
                out[lo:hi] = self.X[indices[lo:hi]]
                self.release()
        return out

    def release(self):
        """Take the pages read so far out of this process's resident memory.

        Only for maps whose pages hold no private changes (modes ``"r"`` and
        ``"r+"``): the file keeps what was read or written.
        """
        handle = getattr(self.X, "_mmap", None)
        if (
            handle is not None
            and getattr(self.X, "mode", None) in ("r", "r+")
            and hasattr(mmap, "MADV_DONTNEED")
        ):
            handle.madvise(mmap.MADV_DONTNEED)


class SparseChunks(Chunks):
    """The rows of a scipy sparse matrix, densified a chunk at a time: never
    whole (a CSR matrix's rows are sliced without a copy of the matrix)."""

    def __init__(self, X):
        super().__init__(X.tocsr())

    def read(self, start, dtype=np.float64):
        return (
            self.X[start : start + self.rows]
            .toarray(order="C")
            .astype(dtype, copy=False)
        )

    def take(self, indices, dtype=np.float64):
        return self.X[indices].toarray(order="C").astype(dtype, copy=False)

    def release(self):
        """Nothing to hand back: the matrix is in memory."""


def sparse_moments(X):
    """:func:`moments` of a scipy sparse matrix's rows, from its stored values
    (as scikit-learn's ``mean_variance_axis``): no chunk is densified."""
    from sklearn.utils.sparsefuncs import mean_variance_axis, min_max_axis

    X = X.tocsr()
    peak = float(np.max(np.abs(X.data))) if X.nnz else 0.0
    exponent = _exponent(peak)
    scaled = X.astype(np.float64)
    scaled.data = np.ldexp(scaled.data, -exponent)
    mean, variance = mean_variance_axis(scaled, axis=0)
    low, high = min_max_axis(scaled, axis=0)
    mean = exact_constants(np.asarray(mean, np.float64), low, high)
    m2 = np.asarray(variance, np.float64) * X.shape[0]
    m2[low == high] = 0.0
    scale = np.sqrt(m2.mean() / X.shape[0])
    return (
        np.ldexp(mean, exponent),
        np.float64(np.ldexp(scale, exponent)),
        float(m2.sum()),
        exponent,
    )


def check_finite_and_peak(chunks):
    """The largest absolute value; a ValueError as scikit-learn's for NaN or inf."""
    from sklearn.utils import assert_all_finite

    peak = 0.0
    for _, part in chunks:
        assert_all_finite(part, input_name="X")
        if part.size:
            peak = max(peak, float(np.max(np.abs(part))))
    return peak


def _exponent(peak):
    """The power of two that brings rows near 1, as ``standardization`` uses."""
    return 0 if peak == 0 or 1e-100 < peak < 1e100 else int(np.frexp(peak)[1])


def moments(chunks, peak):
    """``(mean, scale, total_ss, exponent)`` of all the rows, in one pass.

    ``mean`` and ``scale`` are :func:`skae._objectives.standardization`'s, up to
    rounding (chunks are merged by Chan et al.'s formulas, in float64);
    ``total_ss`` is the sum of squared deviations from the mean, divided by
    ``4**exponent``.
    """
    exponent = _exponent(peak)
    n, mean, m2 = 0, np.zeros(chunks.n_features), np.zeros(chunks.n_features)
    low, high = np.full(chunks.n_features, np.inf), np.full(chunks.n_features, -np.inf)
    for _, part in chunks:
        part = np.ldexp(part, -exponent)
        low, high = np.minimum(low, part.min(0)), np.maximum(high, part.max(0))
        part_mean = part.mean(axis=0)
        part_m2 = np.square(part - part_mean).sum(axis=0)
        total = n + len(part)
        delta = part_mean - mean
        mean = mean + delta * (len(part) / total)
        m2 = m2 + part_m2 + np.square(delta) * (n * len(part) / total)
        n = total
    mean = exact_constants(mean, low, high)
    m2[low == high] = 0.0
    scale = np.sqrt(m2.mean() / n)
    return (
        np.ldexp(mean, exponent),
        np.float64(np.ldexp(scale, exponent)),
        float(m2.sum()),
        exponent,
    )


def pca_from_covariances(chunks, mean, scale, n_components, val_rows=None):
    """PCA of all the standardised rows, and of those not in ``val_rows``.

    Returns ``(pca, pca_train, train_center)``: objects with PCA's ``components_``,
    ``explained_variance_``, ``explained_variance_ratio_`` and ``n_components_``,
    from the covariance of the rows accumulated chunk by chunk (in float64); the
    second is ``None`` without ``val_rows``, and ``train_center`` is the mean of
    the standardised training rows.
    """
    from scipy.linalg.blas import dsyrk

    d = chunks.n_features
    sums = {"all": np.zeros(d), "val": np.zeros(d)}
    products = {"all": np.zeros((d, d)), "val": np.zeros((d, d))}
    for start, part in chunks:
        part = (part - mean) / scale
        sums["all"] += part.sum(axis=0)
        products["all"] += dsyrk(1.0, part, trans=1)
        if val_rows is not None:
            held = part[_rows_in(val_rows, start, len(part))]
            if len(held):  # BLAS rejects an empty matrix
                sums["val"] += held.sum(axis=0)
                products["val"] += dsyrk(1.0, held, trans=1)
    n = chunks.n_samples
    pca = _pca(products["all"], sums["all"], n, n_components)
    if val_rows is None:
        return pca, None, sums["all"] / n
    n_train = n - len(val_rows)
    train_sum = sums["all"] - sums["val"]
    train_products = products["all"] - products["val"]
    return (
        pca,
        _pca(train_products, train_sum, n_train, n_components),
        train_sum / n_train,
    )


def _pca(products, sums, n, n_components):
    """PCA's figures from the upper triangle of ``X.T @ X`` and ``X.sum(axis=0)``."""
    covariance = np.triu(products) + np.triu(products, 1).T
    center = sums / n
    covariance = (covariance - n * np.outer(center, center)) / max(n - 1, 1)
    variance, vectors = np.linalg.eigh(covariance)
    variance, vectors = np.maximum(variance[::-1], 0.0), vectors[:, ::-1]
    total = variance.sum()
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0: no variance
        ratio = variance / total
    if isinstance(n_components, float):  # the smallest k explaining the fraction
        k = int(np.searchsorted(np.cumsum(ratio), n_components, side="right") + 1)
    else:  # an int, or None: all the components the rows can have
        k = int(min(n if n_components is None else n_components, n, len(variance)))
    k = min(k, len(variance))
    components = vectors[:, :k].T
    # scikit-learn's svd_flip for PCA: each component's largest entry positive.
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    return types.SimpleNamespace(
        components_=components,
        explained_variance_=variance[:k],
        explained_variance_ratio_=ratio[:k],
        n_components_=k,
    )


def _rows_in(sorted_rows, start, length):
    """Positions within the chunk at ``start`` of the ``sorted_rows`` it holds."""
    lo, hi = np.searchsorted(sorted_rows, [start, start + length])
    return sorted_rows[lo:hi] - start


class TrainingRows:
    """The training rows, in chunks, as float32 for the network.

    ``prepare(rows)`` turns a float64 chunk into what training sees (standardised
    rows, or the rows as they are for the user's networks); the rows in
    ``val_rows`` are left out. :func:`skae._training.train` takes this in place of
    an array: each epoch visits the chunks in a random order and the rows of each
    in a random order.
    """

    def __init__(self, chunks, prepare, val_rows=None):
        self.chunks, self.prepare, self.val_rows = chunks, prepare, val_rows
        self.n_features = chunks.n_features
        self.n_samples = chunks.n_samples - (0 if val_rows is None else len(val_rows))
        self.shape = (self.n_samples, self.n_features)

    def parts(self, rng=None):
        """The float32 chunks, shuffled by ``rng`` (in order without one)."""
        starts = list(self.chunks.starts)
        if rng is not None:
            starts = [starts[i] for i in rng.permutation(len(starts))]
        for start in starts:
            part = self.chunks.read(start)
            if self.val_rows is not None:
                part = np.delete(part, _rows_in(self.val_rows, start, len(part)), 0)
            if len(part):
                yield self.prepare(part).astype(np.float32)


def score(chunks, forward, total_ss, exponent):
    """Reconstruction R^2 of all the rows, with ``total_ss`` from
    :func:`moments`: ``forward`` maps float64 rows to reconstructions."""
    residual_ss = 0.0
    for _, part in chunks:
        residual_ss += float(
            np.sum(np.square(np.ldexp(part - forward(part), -exponent)))
        )
    return r2_from_sums(residual_ss, total_ss)


def code_covariance(chunks, encode):
    """Covariance (``ddof=1``) of the codes ``encode`` gives all the rows."""
    n, total, products = 0, 0.0, 0.0
    for _, part in chunks:
        Z = encode(part)
        n, total, products = n + len(Z), total + Z.sum(axis=0), products + Z.T @ Z
    center = total / n
    return np.atleast_2d((products - n * np.outer(center, center)) / max(n - 1, 1))
