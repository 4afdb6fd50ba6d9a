"""
New digits from a variational autoencoder
=========================================

:class:`~skae.VariationalAutoencoder` is a generative model: ``sample`` draws codes
from the prior ``N(0, I)`` and decodes them. Its linear form is probabilistic PCA,
whose samples are shown beside it (PPCA is the VAE's floor: the model starts there).
The noise-free means, ``inverse_transform`` of standard-normal codes, are the
clearest images.
"""

import numpy as np
from sklearn.datasets import load_digits

from skae import ReconstructionDisplay, VariationalAutoencoder

X = load_digits().data / 16
settings = dict(n_components=8, max_iter=80, random_state=0)
vae = VariationalAutoencoder(**settings).fit(X)
ppca = VariationalAutoencoder(hidden_layer_sizes=(), **settings).fit(X)

codes = np.random.RandomState(1).standard_normal((10, 8))
rows = [
    np.clip(vae.inverse_transform(codes), 0, 1),
    np.clip(vae.sample(10, random_state=2), 0, 1),
    np.clip(ppca.inverse_transform(codes), 0, 1),
]
display = ReconstructionDisplay(
    np.stack(rows).reshape(3, 10, 8, 8),
    ["VAE, means", "VAE, samples", "PPCA, means"],
).plot()
display.ax_.set_title("digits drawn from the models (none is a training image)")
print(f"mean ELBO per row (nats): VAE {vae.score(X):.1f}, PPCA {ppca.score(X):.1f}")
