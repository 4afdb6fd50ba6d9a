"""
A linear autoencoder finds PCA's plane
======================================

The chapter on autoencoders opens with this figure: a 3-D data set projected to 2-D.
A linear autoencoder trained to minimise the squared reconstruction error finds the
plane that PCA finds (Eckart-Young: PCA's projection is the exact optimum), so its
2-D code is PCA's code up to an invertible linear map. skae's linear model
(``hidden_layer_sizes=()``) starts at that optimum; here it is trained from a random
start (``init="random"``) to show that gradient descent gets there too.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer

rng = np.random.RandomState(4)
angles = rng.rand(200) * 3 * np.pi / 2 - 0.5
X = np.empty((200, 3))
X[:, 0] = np.cos(angles) + np.sin(angles) / 2 + rng.randn(200) * 0.1 / 2
X[:, 1] = np.sin(angles) * 0.7 + rng.randn(200) * 0.1 / 2
X[:, 2] = X[:, 0] * 0.1 + X[:, 1] * 0.3 + rng.randn(200) * 0.1

ae = AutoencoderTransformer(
    n_components=2,
    hidden_layer_sizes=(),
    init="random",
    max_iter=400,
    learning_rate=1e-2,
    batch_size=32,
    early_stopping=False,
    tol=0.0,
    random_state=0,
).fit(X)
pca = PCA(n_components=2).fit(X)

# %%
# The two codes, side by side. They differ by a linear map (a rotation and scaling
# of the plane), so the points keep their arrangement.
fig = plt.figure(figsize=(12, 4))
ax = fig.add_subplot(1, 3, 1, projection="3d")
ax.scatter(*X.T, c=angles, s=8)
ax.set_title("3-D data")
for i, (name, code) in enumerate(
    [("linear autoencoder", ae.transform(X)), ("PCA", pca.transform(X))], start=2
):
    ax = fig.add_subplot(1, 3, i)
    ax.scatter(*code.T, c=angles, s=8)
    ax.set_title(f"{name}: 2-D code")
    ax.set_aspect("equal", adjustable="datalim")
fig.tight_layout()

# %%
# The same plane: both explain the same share of the variance, and a least-squares
# linear map takes one code to the other almost exactly.
code_ae, code_pca = ae.transform(X), pca.transform(X)
A, residual, *_ = np.linalg.lstsq(np.c_[code_ae, np.ones(len(X))], code_pca, rcond=None)
pca_r2 = pca.explained_variance_ratio_.sum()
print(f"explained variance: linear autoencoder {ae.score(X):.4f}, PCA {pca_r2:.4f}")
print(
    f"PCA's code from the autoencoder's by a linear map: residual {residual.sum():.2e}"
)
