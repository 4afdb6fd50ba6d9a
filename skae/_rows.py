"""The rows a fit learns from: in memory, or read a chunk at a time (a memmap).

The fit sequence (:meth:`skae._base._BaseAutoencoder._fit`) is written once; what
differs between an array in memory and a ``numpy.memmap`` larger than memory is
one of these objects. Each supplies, in the sequence's order: the
standardisation, the rows held out for early stopping, PCA of all the rows and
the start's PCA of the training rows, the rows training sees, the score of a
reconstruction, the rows that rank the code units, and the covariance of the codes.
"""

import types
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import validate_data

from . import _stream
from ._network import fit_pca
from ._objectives import reconstruction_r2, standardization, standardize


class Standardizer:
    """``(x - mean) / scale``, one scale for every feature: the root mean feature
    variance of the training rows, ``1.0`` where they have no variance."""

    def __init__(self, mean, scale, no_variance=False):
        self.mean, self.scale, self.no_variance = mean, scale, no_variance

    def __call__(self, X):
        return standardize(X, self.mean, self.scale)


class InMemoryRows:
    """Rows held in memory as a validated array (float64 or float32)."""

    in_memory = True

    def __init__(self, estimator, X, reset=True, accept_sparse=False):
        self.X = validate_data(
            estimator,
            X,
            accept_sparse=accept_sparse,
            dtype=[np.float64, np.float32],
            reset=reset,
            ensure_min_samples=2 if reset else 1,
        )
        if sparse.issparse(self.X):  # one batch (partial_fit), or small
            # Rows in C order, as the dense rows' (older scipy gives CSC's in F).
            self.X = self.X.toarray(order="C")
        self.n_samples, self.n_features = self.X.shape
        self.val_rows = None

    def standardization(self):
        """``(mean, scale)`` of the rows; ``scale`` is 0 without variance."""
        return standardization(self.X)

    def set_standardizer(self, standardizer):
        """Standardise the rows, which the steps below then read."""
        self.standardizer = standardizer
        self.X_std = standardizer(self.X)

    def hold_out(self, fraction, rng):
        """Choose the rows held out for early stopping (``val_rows``), or none
        where fewer than 2 rows that differ would be, or fewer than 2 would be
        left to train on: return whether some are.

        Early stopping compares validation scores across epochs, which needs at
        least two validation rows that differ (one row, or identical rows, have no
        variance); the start's PCA of the training rows needs two of them too.
        """
        n_val = int(np.ceil(fraction * self.n_samples))
        self.n_val = n_val
        if 2 <= n_val <= self.n_samples - 2:
            _, rows = train_test_split(
                np.arange(self.n_samples), test_size=n_val, random_state=rng
            )
            if np.ptp(self.X_std[rows], axis=0).any():
                self.val_rows = np.sort(rows)
        return self.val_rows is not None

    @property
    def n_training_rows(self):
        held = 0 if self.val_rows is None else len(self.val_rows)
        return self.n_samples - held

    def pca(self, n_components, rng, options):
        """PCA of all the standardised rows (the floor, and the size that a float
        or ``'mle'`` ``n_components`` asks for)."""

        if self.standardizer.no_variance:  # iterative solvers fail on zeros
            options = {**options, "svd_solver": "full"}
        with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0: no variance
            return fit_pca(self.X_std, n_components, rng, **options)

    def start_pca(self, pca, n_components, rng, options):
        """``(pca, center)``: PCA of the training rows and their mean, where the
        start is: without held-out rows, ``pca`` of all rows."""

        if self.val_rows is None:
            return pca, self.X_std.mean(axis=0)
        train = np.delete(self.X_std, self.val_rows, axis=0)
        return fit_pca(train, n_components, rng, **options), train.mean(axis=0)

    def floor_center(self):
        """The mean of all the standardised rows, where the floor puts PCA."""
        return self.X_std.mean(axis=0)

    def training_input(self, as_they_are):
        """``(X_train, X_val)``: the float32 rows training sees (standardised, or
        as they are for the user's networks so trained), ``X_val`` ``None``
        without held-out rows."""
        X_in = self.X.astype(np.float32) if as_they_are else self.X_std
        if self.val_rows is None:
            return X_in.astype(np.float32), None
        X_train = np.delete(X_in, self.val_rows, axis=0)
        return X_train.astype(np.float32), X_in[self.val_rows].astype(np.float32)

    def all_input(self, as_they_are):
        """All the rows as training sees them (for the loss of returned weights)."""
        return self.X.astype(np.float32) if as_they_are else self.X_std

    def validation_rows(self):
        """The held-out rows, in the data's units."""
        return self.X[self.val_rows]

    def score(self, reconstruct, rows=None):
        """Reconstruction R^2 of all the rows, or of ``rows``; ``reconstruct``
        maps float64 rows to reconstructions."""
        X = self.X if rows is None else rows
        return reconstruction_r2(X, reconstruct(X))

    def ranking_rows(self, rng, max_rows):
        """``(rows, total_var)``: the rows that rank the code units and the total
        variance to share out (``None``: that of the rows ``scale`` came from).
        All of them: the ranking draws ``max_rows`` of them where there are more."""
        return self.X, None

    def code_covariance(self, encode):
        """Covariance of the codes of all the rows."""
        return np.atleast_2d(np.cov(encode(self.X), rowvar=False))


class ChunkedRows:
    """The rows of a ``numpy.memmap``, read a chunk at a time (see
    :mod:`skae._stream`): the same steps, never a copy of the whole."""

    in_memory = False

    def __init__(self, estimator, X):
        if isinstance(estimator.n_components, str):
            raise ValueError(
                f"n_components={estimator.n_components!r} (Minka's MLE) needs the "
                "rows in memory; X is a numpy.memmap that fit reads a chunk at a "
                "time. Pass an int or a float, or np.asarray(X)."
            )
        # scikit-learn's checks of dtype, shape and n_features_in_, on two rows.
        validate_data(
            estimator, X[:2], dtype=[np.float64, np.float32], ensure_min_samples=2
        )
        self.chunks = _stream.Chunks(X)
        self.n_samples, self.n_features = X.shape
        self.val_rows = None
        self._pca_train = None

    def standardization(self):
        peak = _stream.check_finite_and_peak(self.chunks)
        mean, scale, self.total_ss, self.exponent = _stream.moments(self.chunks, peak)
        return mean, scale

    def set_standardizer(self, standardizer):
        self.standardizer = standardizer

    def hold_out(self, fraction, rng):
        """As :meth:`InMemoryRows.hold_out`, at most
        :data:`skae._stream.MAX_VALIDATION_ROWS` rows, drawn at random."""
        n_val = int(np.ceil(fraction * self.n_samples))
        n_val = self.n_val = min(n_val, _stream.max_held_rows(self.n_features))
        if 2 <= n_val <= self.n_samples - 2:
            val_rows = np.sort(rng.choice(self.n_samples, n_val, replace=False))
            self._held = self.chunks.take(val_rows)
            if np.ptp(self._held, axis=0).any():
                self.val_rows = val_rows
        return self.val_rows is not None

    @property
    def n_training_rows(self):
        held = 0 if self.val_rows is None else len(self.val_rows)
        return self.n_samples - held

    def pca(self, n_components, rng, options):
        """PCA from the covariance accumulated over the chunks (PCA's solver
        options do not apply), with that of the training rows for the start."""
        pca, self._pca_train, self._center = _stream.pca_from_covariances(
            self.chunks,
            self.standardizer.mean,
            self.standardizer.scale,
            n_components,
            self.val_rows,
        )
        return pca

    def start_pca(self, pca, n_components, rng, options):
        return self._pca_train or pca, self._center

    def floor_center(self):
        return np.zeros(self.n_features)  # the standardised rows' mean

    def _prepare(self, as_they_are):
        mean, scale = self.standardizer.mean, self.standardizer.scale
        return (
            (lambda rows: rows) if as_they_are else (lambda rows: (rows - mean) / scale)
        )

    def training_input(self, as_they_are):
        prepare = self._prepare(as_they_are)
        X_val = None
        if self.val_rows is not None:
            X_val = prepare(self._held).astype(np.float32)
        return _stream.TrainingRows(self.chunks, prepare, self.val_rows), X_val

    def all_input(self, as_they_are):
        return _stream.TrainingRows(self.chunks, self._prepare(as_they_are))

    def validation_rows(self):
        return self._held

    def score(self, reconstruct, rows=None):
        """R^2 of all the rows, or of ``rows`` (in memory), chunk by chunk."""
        if rows is None:
            return _stream.score(self.chunks, reconstruct, self.total_ss, self.exponent)
        held = _stream.Chunks(rows)
        peak = float(np.max(np.abs(rows)))
        *_, held_ss, held_exponent = _stream.moments(held, peak)
        return _stream.score(held, reconstruct, held_ss, held_exponent)

    def ranking_rows(self, rng, max_rows):
        max_rows = _stream.max_held_rows(self.n_features, max_rows)
        sample = np.sort(
            rng.choice(self.n_samples, min(self.n_samples, max_rows), replace=False)
        )
        n, d = self.n_samples, self.n_features
        return self.chunks.take(sample), d * n / (n - 1)

    def code_covariance(self, encode):
        return _stream.code_covariance(self.chunks, encode)


class SparseRows(ChunkedRows):
    """The rows of a scipy sparse matrix (CSR or CSC), densified a chunk at a time
    (:class:`skae._stream.SparseChunks`), never whole. The mean and the scale come
    from the stored values, and PCA from scikit-learn's ``PCA`` on the sparse
    rows (ARPACK, centred implicitly: no ``n_features`` squared covariance)."""

    def __init__(self, estimator, X):
        n_components = estimator.n_components
        if not isinstance(n_components, Integral):
            raise ValueError(
                f"n_components={n_components!r} needs PCA's full spectrum, which "
                "fit does not compute for a sparse X this large (PCA's ARPACK "
                "solver finds a given number of components). Pass an int."
            )
        self.X = validate_data(
            estimator,
            X,
            accept_sparse=("csr", "csc"),
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
        ).tocsr()
        self.chunks = _stream.SparseChunks(self.X)
        self.n_samples, self.n_features = self.X.shape
        self.val_rows = None
        self._pca_train = None

    def standardization(self):
        mean, scale, self.total_ss, self.exponent = _stream.sparse_moments(self.X)
        return mean, scale

    def pca(self, n_components, rng, options):
        """PCA of all the standardised rows and (where rows are held out) of the
        training rows: PCA's ARPACK solver on the sparse rows divided by the
        scale (PCA's other solver settings do not apply)."""
        self._center = np.zeros(self.n_features)
        if self.standardizer.no_variance:  # ARPACK cannot start from zeros
            return _no_variance_pca(n_components, self.n_features)
        scale = self.standardizer.scale
        scaled = self.X.astype(np.float64) / scale
        pca = _sparse_pca(scaled, n_components, rng)
        if self.val_rows is not None:
            train = scaled[np.setdiff1d(np.arange(self.n_samples), self.val_rows)]
            self._pca_train = _sparse_pca(train, n_components, rng)
            mean = np.asarray(train.mean(axis=0)).ravel()
            self._center = mean - self.standardizer.mean / scale
        return pca


def _no_variance_pca(n_components, n_features):
    """PCA's figures of rows without variance, as its full solver gives them:
    orthonormal components, no explained variance, ratios of 0 / 0."""
    k = min(n_components, n_features)
    return types.SimpleNamespace(
        components_=np.eye(k, n_features),
        explained_variance_=np.zeros(k),
        explained_variance_ratio_=np.full(k, np.nan),
        n_components_=k,
    )


def _sparse_pca(X, n_components, rng):
    """scikit-learn's PCA of the sparse rows ``X`` by ARPACK, which finds fewer
    components than ``min(X.shape)``."""
    from sklearn.decomposition import PCA

    k = max(1, min(n_components, min(X.shape) - 1))
    return PCA(k, svd_solver="arpack", random_state=rng).fit(X)


def rows_of(estimator, X, streamed, reset=True, accept_sparse=False):
    """The rows object of a fit: chunked for a memmap or a sparse matrix that
    ``fit`` streams, else in memory (a sparse matrix, where ``accept_sparse``,
    densified)."""
    if streamed:
        if sparse.issparse(X):
            return SparseRows(estimator, X)
        return ChunkedRows(estimator, X)
    return InMemoryRows(estimator, X, reset=reset, accept_sparse=accept_sparse)
