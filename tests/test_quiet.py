"""skae prints nothing the user did not cause, and its warnings point at their code."""

import os
import subprocess
import sys
import textwrap
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skae import AutoencoderTransformer

# Lines that TensorFlow's C++ runtime writes to stderr at import on this machine kind.
TF_STARTUP = ("absl::InitializeLog", "cpu_feature_guard", "oneDNN custom operations")


def _run(script, **env_changes):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
    )


def test_warnings_point_at_the_line_that_called_fit(small_data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AutoencoderTransformer(2, max_iter=1, random_state=0).fit(small_data)
        AutoencoderTransformer(2, max_iter=1, random_state=0).fit_transform(small_data)
        pipe = make_pipeline(AutoencoderTransformer(2, max_iter=1, random_state=0))
        pipe.fit(small_data)
        ae = AutoencoderTransformer(2, max_iter=1, random_state=0)
        GridSearchCV(ae, {"n_components": [2]}, cv=2, refit=False).fit(small_data)
    messages = [str(w.message) for w in caught]
    # One epoch: each fit warns that it stopped early or did not beat PCA.
    assert len(caught) == 5, messages
    assert {w.category for w in caught} == {ConvergenceWarning}, messages
    assert {w.filename for w in caught} == {__file__}


def test_warnings_of_a_threaded_search_point_at_the_line_that_ran_it(small_data):
    from joblib import parallel_backend

    ae = AutoencoderTransformer(2, max_iter=1, random_state=0)
    search = GridSearchCV(ae, {"n_components": [2, 3]}, cv=2, refit=False, n_jobs=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with parallel_backend("threading", n_jobs=2):
            search.fit(small_data)
    mine = [w for w in caught if w.category is ConvergenceWarning]
    assert len(mine) == 4, [str(w.message) for w in caught]
    # Not multiprocessing/pool.py, where the worker threads start.
    assert {w.filename for w in mine} == {__file__}


FITS = """
    import warnings
    import numpy as np
    warnings.simplefilter("ignore")  # Python warnings are not under test here
    from skae import AutoencoderTransformer
    rng = np.random.RandomState(0)
    for n_features in range(3, 3 + {n_fits}):  # a new model, and a new trace, per fit
        X = rng.rand(30, n_features)
        AutoencoderTransformer(2, hidden_layer_sizes=(4,), max_iter=2).fit(X)
    print("done")
"""


def test_many_fits_print_nothing_on_stderr():
    # Neither TensorFlow's C++ start-up notices nor its "triggered tf.function
    # retracing" warning, which TensorFlow prints from the fifth trace of one
    # function body on: six fits of new models used to print it.
    out = _run(FITS.format(n_fits=6))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "done"
    assert out.stderr == ""


def test_a_users_tf_logging_setting_is_respected():
    # TF_CPP_MIN_LOG_LEVEL=0 asks for all of TensorFlow's messages: skae hides none.
    # (This also shows that the test above would see them if they were printed.)
    out = _run(FITS.format(n_fits=1), TF_CPP_MIN_LOG_LEVEL="0")
    assert out.returncode == 0, out.stderr[-2000:]
    assert any(line in out.stderr for line in TF_STARTUP), out.stderr[-2000:]


def test_the_command_line_prints_no_tensorflow_notices():
    out = _run(
        "from skae.__main__ import main; main(['compare', '--n-components', '2', "
        "'--max-iter', '2'])",
        TF_CPP_MIN_LOG_LEVEL="0",  # even so: the command line is ours to keep quiet
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert not any(line in out.stderr for line in TF_STARTUP), out.stderr[-2000:]
    assert "PCA EV" in out.stdout
