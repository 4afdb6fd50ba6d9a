"""
Choosing the code size by held-out likelihood
=============================================

scikit-learn's "Model selection with Probabilistic PCA and Factor Analysis" chooses
PCA's number of components by the cross-validated log-likelihood, ``PCA.score``. A
:class:`~skae.VariationalAutoencoder` has a likelihood ``score`` too (its evidence
lower bound, which for the linear model is probabilistic PCA's log-likelihood), so
the same loop chooses its code size. The data are scikit-learn's: 25 features of
rank 5, with Gaussian noise of the same variance on every feature.

The linear VAE (``hidden_layer_sizes=()``) is probabilistic PCA: its curve is PCA's
and it picks the true rank, 5, as PCA and ``n_components='mle'`` do. A deep VAE
scores at least as well, since it starts from probabilistic PCA and keeps it where
training does not beat it; on data that are linear and Gaussian, as these are,
nothing beats it.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import linalg
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score

from skae import VariationalAutoencoder

n_samples, n_features, rank, sigma = 500, 25, 5, 1.0
rng = np.random.RandomState(42)
U, _, _ = linalg.svd(rng.randn(n_features, n_features))
X = rng.randn(n_samples, rank) @ U[:, :rank].T + sigma * rng.randn(
    n_samples, n_features
)

sizes = [1, 2, 3, 4, 5, 6, 8, 10, 15, 20]
models = {
    "PCA": lambda k: PCA(k),
    "linear VAE": lambda k: VariationalAutoencoder(
        k, hidden_layer_sizes=(), random_state=0
    ),
}
scores = {
    name: [cross_val_score(make(k), X, cv=5).mean() for k in sizes]
    for name, make in models.items()
}
mle = VariationalAutoencoder("mle", hidden_layer_sizes=()).fit(X).n_components_

fig, ax = plt.subplots(figsize=(6, 4))
for (name, curve), style in zip(scores.items(), ["o-", "x--"], strict=True):
    best = sizes[int(np.argmax(curve))]
    ax.plot(sizes, curve, style, label=f"{name} (best: {best})")
ax.axvline(rank, color="grey", linestyle=":", label=f"true rank: {rank}")
ax.axvline(mle, color="black", linestyle="--", alpha=0.4, label=f"'mle': {mle}")
ax.set_xlabel("code size (n_components)")
ax.set_ylabel("cross-validated log-likelihood per row")
ax.set_title("Choosing the code size by held-out likelihood")
ax.legend(loc="lower right")
fig.tight_layout()

for name, curve in scores.items():
    print(f"{name}: best code size {sizes[int(np.argmax(curve))]}")
print(f"n_components='mle': {mle}")
