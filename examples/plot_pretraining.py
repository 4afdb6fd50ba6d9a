"""
Unsupervised pretraining of a classifier
========================================

With many rows but few labels, the chapter's recipe is to train an autoencoder on all
the rows, labels unseen, and to put its encoder under a softmax layer trained on the
labelled few. Here the encoder (``encoder_``, a Keras model) is frozen, and compared
with the same network with random weights, on 1,347 training digits of which ``n``
per class are labelled; accuracy on 450 held-out digits.

The pretrained encoder does better than the same network from random weights at
each number of labels here. A logistic regression on the raw pixels is drawn for
reference: on the 8 x 8 digits the 64 pixels are already a good representation, and
it beats both (``benchmarks/bench_pretraining.py`` measures more settings,
fine-tuning included).
"""

import pickle

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X = (X / 16).astype("float32")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0
)
# Fitted once on every training row; no label is used.
ae = AutoencoderTransformer(16, max_iter=60, random_state=0).fit(X_train)


def classifier(encoder, seed):
    """A copy of ``encoder``, frozen, under a softmax layer."""
    encoder = pickle.loads(pickle.dumps(encoder))  # the estimator keeps its own
    encoder.trainable = False
    head = keras.layers.Dense(
        10,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed),
    )
    model = keras.Sequential([encoder, head])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def random_weights(encoder, seed):
    """The same layers with fresh random weights; the standardisation is kept."""
    keras.utils.set_random_seed(seed)
    fresh = keras.models.clone_model(encoder)
    for new, fitted in zip(fresh.layers, encoder.layers, strict=True):
        if not fitted.trainable_weights:  # skae.layers.Standardize: data statistics
            new.set_weights(fitted.get_weights())
    return fresh


per_class = [3, 10, 30]
rng = np.random.RandomState(0)
accuracy = {"pretrained encoder": [], "random encoder": [], "logistic on pixels": []}
for n in per_class:
    rows = np.concatenate(
        [rng.choice(np.flatnonzero(y_train == c), n, replace=False) for c in range(10)]
    )
    for name, encoder in [
        ("pretrained encoder", ae.encoder_),
        ("random encoder", random_weights(ae.encoder_, 0)),
    ]:
        model = classifier(encoder, 0)
        model.fit(X_train[rows], y_train[rows], epochs=50, batch_size=32, verbose=0)
        accuracy[name].append(model.evaluate(X_test, y_test, verbose=0)[1])
    logistic = LogisticRegression(max_iter=2000).fit(X_train[rows], y_train[rows])
    accuracy["logistic on pixels"].append(logistic.score(X_test, y_test))

fig, ax = plt.subplots()
for name, values in accuracy.items():
    style = ":" if name.startswith("logistic") else "o-"
    ax.plot(per_class, values, style, label=name)
ax.set_xscale("log")
ax.set_xticks(per_class, [str(n) for n in per_class])
ax.set_xlabel("labelled digits per class")
ax.set_ylabel("held-out accuracy")
ax.legend()
for name, values in accuracy.items():
    print(f"{name}: " + " ".join(f"{v:.3f}" for v in values))
