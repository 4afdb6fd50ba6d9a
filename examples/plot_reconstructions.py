"""
Reconstructions of digits at several code sizes
================================================

Held-out digits, and their reconstructions through codes of 2, 4 and 8 units by an
autoencoder and by PCA. At the same size, the autoencoder's non-linear code keeps
more of each digit.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, ReconstructionDisplay

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

fig, axes = plt.subplots(3, 1, figsize=(10, 9))
for k, ax in zip([2, 4, 8], axes, strict=True):
    ae = AutoencoderTransformer(k, max_iter=40, random_state=0).fit(X_train)
    pca = PCA(k).fit(X_train)
    ReconstructionDisplay.from_estimators(
        [ae, pca], X_test, (8, 8), names=[f"autoencoder, k={k}", f"PCA, k={k}"], ax=ax
    )
fig.tight_layout()
