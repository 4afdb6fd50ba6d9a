"""
A 2-D code of the digits
========================

The digits through a 2-unit code, coloured by their label: PCA's two leading
components beside an autoencoder's two-unit code. Neither saw the labels; the
autoencoder's code separates more of the classes because it is not limited to a
plane through the data.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import AutoencoderTransformer, CodeScatterDisplay

X, y = load_digits(return_X_y=True)
X = X / 16

ae = AutoencoderTransformer(2, max_iter=60, random_state=0).fit(X)
pca = PCA(2).fit(X)

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
CodeScatterDisplay.from_estimator(ae, X, y, ax=left, name="autoencoder")
CodeScatterDisplay.from_estimator(pca, X, y, ax=right, name="PCA")
pca_r2 = pca.explained_variance_ratio_.sum()
print(f"explained variance: autoencoder {ae.score(X):.3f}, PCA {pca_r2:.3f}")
