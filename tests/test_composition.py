"""AutoencoderTransformer in scikit-learn's tools: pipelines, search, persistence."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import AutoencoderTransformer

from ._settings import FAST


@pytest.fixture(scope="module")
def labelled():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def test_pipeline_with_grid_search_over_autoencoder_params(labelled):
    X, y = labelled
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("ae", AutoencoderTransformer(**FAST)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = GridSearchCV(
        pipe, {"ae__n_components": [2, 8], "ae__hidden_layer_sizes": [(), (8,)]}, cv=2
    )
    grid.fit(X, y)
    assert grid.best_params_["ae__n_components"] in (2, 8)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.score(X, y) > 0.5


def test_grid_search_without_y_uses_reconstruction_score(labelled):
    X, _ = labelled
    grid = GridSearchCV(AutoencoderTransformer(**FAST), {"n_components": [1, 12]}, cv=3)
    grid.fit(X)
    # A larger code reconstructs better, and score() is what ranks the candidates.
    assert grid.best_params_ == {"n_components": 12}
    scores = grid.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]


def test_cross_val_score(labelled):
    X, y = labelled
    pipe = Pipeline(
        [
            ("ae", AutoencoderTransformer(8, **FAST)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.5
    unsupervised = cross_val_score(AutoencoderTransformer(8, **FAST), X, cv=3)
    assert np.all((unsupervised > 0) & (unsupervised <= 1))


def test_clone_is_unfitted_and_refits_identically(labelled):
    X, _ = labelled
    ae = AutoencoderTransformer(4, **FAST).fit(X)
    copy = clone(ae)
    assert not hasattr(copy, "model_")
    assert copy.get_params() == ae.get_params()
    assert_array_equal(copy.fit(X).transform(X), ae.transform(X))


def test_pickle_round_trip_keeps_shared_weights(labelled):
    X, _ = labelled
    ae = AutoencoderTransformer(4, **FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(ae))
    assert_array_equal(loaded.transform(X), ae.transform(X))
    assert_array_equal(
        loaded.inverse_transform(ae.transform(X)), ae.inverse_transform(ae.transform(X))
    )
    encoder_vars = {id(v) for v in loaded.encoder_.weights}
    assert encoder_vars <= {id(v) for v in loaded.model_.weights}
    # Training the loaded model reaches the loaded transformer's output.
    loaded.model_.fit(X, X, epochs=1, verbose=0)
    assert not np.allclose(loaded.transform(X), ae.transform(X))


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_round_trip_in_a_fresh_process(labelled, tmp_path, dump):
    X, _ = labelled
    ae = AutoencoderTransformer(4, **FAST).fit(X)
    path = tmp_path / "ae.bin"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(ae))
    else:
        joblib.dump(ae, path)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", ae.transform(X))
    load = (
        f"pickle.loads(open(r'{path}', 'rb').read())"
        if dump == "pickle"
        else f"joblib.load(r'{path}')"
    )
    script = textwrap.dedent(f"""
        import pickle, joblib, numpy as np
        est = {load}
        X = np.load(r'{tmp_path / "X.npy"}')
        assert np.array_equal(est.transform(X), np.load(r'{tmp_path / "expected.npy"}'))
        print("identical")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "identical" in out.stdout


def test_set_output_pandas_and_feature_names(labelled):
    pd = pytest.importorskip("pandas", reason="pandas is in the [test] extra")
    X, _ = labelled
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    ae = AutoencoderTransformer(3, **FAST).set_output(transform="pandas").fit(frame)
    out = ae.transform(frame)
    assert list(out.columns) == [
        "autoencodertransformer0",
        "autoencodertransformer1",
        "autoencodertransformer2",
    ]
    assert list(ae.feature_names_in_) == list(frame.columns)
    assert list(ae.get_feature_names_out()) == list(out.columns)
    with pytest.warns(UserWarning, match="feature names"):
        ae.transform(X)


def test_parallel_grid_search_matches_serial(labelled):
    # joblib's default (loky) workers receive pickled estimators and train them; the
    # same random_state must give the same scores as in this process.
    X, _ = labelled
    params = {"n_components": [2, 6]}
    serial = GridSearchCV(AutoencoderTransformer(**FAST), params, cv=2).fit(X)
    parallel = GridSearchCV(AutoencoderTransformer(**FAST), params, cv=2, n_jobs=2)
    parallel.fit(X)
    assert_array_equal(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
