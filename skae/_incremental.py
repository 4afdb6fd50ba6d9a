"""What ``partial_fit`` follows: the mean, the scale and PCA of every batch so far.

IncrementalPCA's ``partial_fit`` updates its mean, its variances and its components
with each batch, so the order of the batches (sorted by class, a drifting stream)
does not fix them at the first batch. skae's ``partial_fit`` follows the same
statistics, from scikit-learn's :class:`~sklearn.decomposition.IncrementalPCA`
itself: before each epoch, the standardisation takes the mean and scale of every
row seen, and (``init="pca"``) the linear maps take the principal directions of
them, the networks beside them keeping what they learnt.

The rows reach IncrementalPCA in the units of the first batch's standardisation,
so that data of any scale float64 holds (1e-300 or 1e300) are near 1 there, and a
column without variance stays exactly constant.
"""

import copy

import numpy as np
from sklearn.decomposition import IncrementalPCA

from ._objectives import standardize

# IncrementalPCA's fitted attributes: its whole state between partial_fit calls.
_STATE = (
    "components_",
    "singular_values_",
    "mean_",
    "var_",
    "n_samples_seen_",
    "n_components_",
    "n_features_in_",
    "explained_variance_",
    "explained_variance_ratio_",
    "noise_variance_",
)


class RunningPCA:
    """The statistics of every batch seen, from an IncrementalPCA of ``n_components``
    (at most the first batch's rows, as IncrementalPCA requires) on rows
    standardised by the first batch's ``mean`` and ``scale`` (the reference)."""

    def __init__(self, mean, scale, n_components):
        self.reference = (np.asarray(mean, dtype=np.float64), np.float64(scale))
        self.n_components = int(n_components)
        self.pca = None

    def update(self, X):
        """These statistics with the batch ``X`` (rows in the data's units) taken
        in, as a new object: this one is left as it was, for a partial_fit that
        fails later to restore."""
        X_ref = standardize(X, *self.reference)
        updated = copy.deepcopy(self)
        if updated.pca is None:
            updated.pca = IncrementalPCA(min(self.n_components, *X_ref.shape))
        updated.pca.partial_fit(X_ref)
        return updated

    @property
    def n_samples(self):
        return int(self.pca.n_samples_seen_)

    @property
    def mean(self):
        """The mean of every row seen, in the data's units (a constant column's
        exactly: its rows are 0 in the reference units)."""
        shift, unit = self.reference
        return shift + unit * self.pca.mean_

    @property
    def scale(self):
        """The root mean feature variance of every row seen (0 without variance),
        as :func:`skae._objectives.standardization` defines it for one array."""
        return np.float64(self.reference[1] * np.sqrt(np.mean(self.pca.var_)))

    def state(self):
        """Arrays and numbers from which :meth:`from_state` rebuilds this object
        (for :func:`skae.save`, which stores no Python objects)."""
        pca = {name: getattr(self.pca, name) for name in _STATE}
        return {
            "mean": self.reference[0],
            "scale": self.reference[1],
            "n_components": self.n_components,
            "pca": pca,
        }

    @classmethod
    def from_state(cls, state):
        running = cls(state["mean"], state["scale"], state["n_components"])
        pca = state["pca"]
        running.pca = IncrementalPCA(int(pca["n_components_"]))
        for name in _STATE:
            setattr(running.pca, name, pca[name])
        return running
