"""
Choosing the code size in a Pipeline with GridSearchCV
======================================================

The autoencoder as a Pipeline step before a classifier, where PCA would be, with
``n_components`` chosen by a cross-validated search. The same code runs with
``PCA`` in place of ``AutoencoderTransformer``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = X[:900] / 16
y = y[:900]
sizes = [2, 4, 8, 16]

fig, ax = plt.subplots()
for name, reducer in [
    ("autoencoder", AutoencoderTransformer(max_iter=10, random_state=0)),
    ("PCA", PCA()),
]:
    pipe = Pipeline(
        [("reduce", reducer), ("classify", LogisticRegression(max_iter=500))]
    )
    search = GridSearchCV(pipe, {"reduce__n_components": sizes}, cv=3).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    stds = search.cv_results_["std_test_score"]
    ax.errorbar(sizes, means, yerr=stds, marker="o", capsize=3, label=name)
    best = search.best_params_["reduce__n_components"]
    print(f"{name}: best n_components={best}, accuracy {search.best_score_:.3f}")
ax.set_xscale("log", base=2)
ax.set_xticks(sizes, [str(k) for k in sizes])
ax.set_xlabel("n_components")
ax.set_ylabel("cross-validated accuracy")
ax.set_title("logistic regression on the code")
ax.legend()
np.set_printoptions(precision=3)
