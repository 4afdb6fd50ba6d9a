"""skae upstream of scikeras's KerasClassifier, the interplay the README promises."""

import numpy as np
import pytest
from sklearn import __version__ as sklearn_version
from sklearn.model_selection import GridSearchCV, ShuffleSplit, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.fixes import parse_version

from skae import AutoencoderTransformer

# The extra `skae[scikeras]` installs it, and so does `skae[test]`: CI runs this file.
scikeras_wrappers = pytest.importorskip(
    "scikeras.wrappers", reason="scikeras is the optional extra skae[scikeras]"
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # The extra declares scikit-learn>=1.7; the minimum-versions job has 1.6.1.
    pytest.mark.skipif(
        parse_version(sklearn_version) < parse_version("1.7"),
        reason="scikeras 0.13 fails on scikit-learn 1.6 (its estimator tags)",
    ),
]


def make_classifier(meta, hidden=16):
    """A Keras classifier on skae's codes, with scikeras's ``meta`` for its sizes."""
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def pipeline(n_components=8):
    classifier = scikeras_wrappers.KerasClassifier(
        model=make_classifier,
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.01,
        epochs=40,
        batch_size=128,
        verbose=0,
        random_state=0,
    )
    ae = AutoencoderTransformer(n_components, hidden_layer_sizes=(16,), max_iter=5)
    return Pipeline([("ae", ae.set_params(random_state=0)), ("clf", classifier)])


@pytest.fixture(scope="module")
def digits_labelled():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return train_test_split(X[:600] / 16.0, y[:600], test_size=0.25, random_state=0)


def test_keras_classifier_downstream_fits_and_predicts(digits_labelled):
    X_train, X_test, y_train, y_test = digits_labelled
    model = pipeline().fit(X_train, y_train)
    predicted = model.predict(X_test)
    assert predicted.shape == y_test.shape
    assert set(predicted) <= set(y_train)
    # The classifier sees the 8 codes (its Keras model was built for them) and learns
    # from them: far above the 10% of guessing on 10 balanced classes.
    assert model["clf"].model_.input_shape == (None, 8)
    assert np.mean(predicted == y_test) > 0.7


def test_grid_search_over_both_steps(digits_labelled):
    X_train, X_test, y_train, y_test = digits_labelled
    grid = {"ae__n_components": [2, 8], "clf__model__hidden": [4, 16]}
    one_split = ShuffleSplit(n_splits=1, test_size=0.3, random_state=0)  # 5 fits in all
    search = GridSearchCV(pipeline(), grid, cv=one_split).fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    # Two codes lose most of the digits' information; eight keep enough to classify.
    assert search.best_params_["ae__n_components"] == 8
    best = search.best_estimator_
    assert best["ae"].n_components_ == 8
    assert (
        best["clf"].model_.layers[0].units == search.best_params_["clf__model__hidden"]
    )
    assert search.score(X_test, y_test) > 0.7
