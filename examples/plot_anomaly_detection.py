"""
Anomaly detection with ``score_samples``
========================================

``score_samples`` is minus each row's mean squared reconstruction error: rows unlike
the training data reconstruct badly and score low. Trained on digits 0 to 8, the
autoencoder scores the unseen digit 9 (and noise images) lower than held-out digits
of the classes it saw.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = X / 16
normal, nines = X[y != 9], X[y == 9]
X_train, X_normal = train_test_split(normal, test_size=0.2, random_state=0)
noise = np.random.RandomState(0).rand(50, X.shape[1])

ae = AutoencoderTransformer(8, max_iter=60, random_state=0).fit(X_train)
scores = {
    "held-out 0-8": ae.score_samples(X_normal),
    "unseen 9": ae.score_samples(nines),
    "noise": ae.score_samples(noise),
}

fig, ax = plt.subplots()
bins = np.linspace(min(s.min() for s in scores.values()), 0, 40)
for name, values in scores.items():
    ax.hist(values, bins=bins, alpha=0.6, label=name)
ax.set_xlabel("score_samples (minus mean squared error)")
ax.set_ylabel("rows")
ax.legend()

labels = np.r_[np.zeros(len(X_normal)), np.ones(len(nines))]
auc = roc_auc_score(labels, -np.r_[scores["held-out 0-8"], scores["unseen 9"]])
print(f"ROC AUC, unseen 9 against held-out 0-8: {auc:.3f}")
