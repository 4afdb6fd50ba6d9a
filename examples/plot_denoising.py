"""
A denoising autoencoder
=======================

``noise=`` adds Gaussian noise to the rows in training only: the network learns to
reconstruct clean digits from corrupted ones. Given noisy held-out digits, the
denoising autoencoder's reconstructions are closer to the clean digits than those of
the same autoencoder trained without noise, and than PCA's.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer, ReconstructionDisplay

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
noisy = np.clip(X_test + np.random.RandomState(0).normal(0, 0.25, X_test.shape), 0, 1)

settings = dict(n_components=16, max_iter=60, random_state=0)
denoising = AutoencoderTransformer(noise=0.5, **settings).fit(X_train)
plain = AutoencoderTransformer(**settings).fit(X_train)
pca = PCA(16).fit(X_train)

# %%
# Each model reconstructs the noisy rows; the first row of the grid is the clean
# digits, the second the noisy ones they were given.
models = {"denoising": denoising, "plain": plain, "PCA": pca}
rows = [X_test[:8], noisy[:8]] + [
    m.inverse_transform(m.transform(noisy[:8])) for m in models.values()
]
display = ReconstructionDisplay(
    np.stack(rows).reshape(len(rows), 8, 8, 8),
    ["clean", "noisy input", *(f"{name} (k=16)" for name in models)],
).plot()

for name, model in models.items():
    error = np.mean((model.inverse_transform(model.transform(noisy)) - X_test) ** 2)
    print(f"{name}: mean squared error to the clean digits {error:.4f}")
