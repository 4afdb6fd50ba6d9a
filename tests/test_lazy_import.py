"""TensorFlow is imported only when a model is built or loaded."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from sklearn.base import clone
    from sklearn.utils._param_validation import InvalidParameterError
    import skae
    from skae import AutoencoderTransformer

    ae = AutoencoderTransformer(4, hidden_layer_sizes=(8,), random_state=0)
    copy = clone(ae).set_params(max_iter=3)
    copy.get_params(deep=True)
    repr(copy)
    for bad in (AutoencoderTransformer(0), AutoencoderTransformer(5)):
        try:
            bad.fit(np.ones((4, 3)))
        except (InvalidParameterError, ValueError):
            pass
    print("before-fit", "tensorflow" in sys.modules, "keras" in sys.modules)
    AutoencoderTransformer(2, max_iter=1).fit(np.random.rand(10, 3))
    print("after-fit", "tensorflow" in sys.modules, "keras" in sys.modules)
""")


def test_tensorflow_is_imported_only_to_build_a_model():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "before-fit False False" in out.stdout
    assert "after-fit True True" in out.stdout


THREADS = textwrap.dedent("""
    import numpy as np
    from joblib import Parallel, delayed
    from skae import AutoencoderTransformer

    def pools(_):
        AutoencoderTransformer(2, max_iter=1).fit(np.random.rand(10, 3))
        import tensorflow as tf

        threading = tf.config.threading
        return (
            threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads(),
        )

    print("here", pools(0))
    workers = Parallel(n_jobs=2)(delayed(pools)(i) for i in range(2))
    print("workers", sorted(set(workers)))
""")


def _pools(**env):
    import os

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "TF_NUM"))},
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", THREADS], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_tensorflow_takes_the_thread_budget_that_joblib_gives_its_workers():
    # joblib sets OMP_NUM_THREADS in its workers (cores // n_jobs, here 2 // 2 or
    # 1 on one core), so that parallel fits do not fight over the cores; the
    # process that runs the search keeps TensorFlow's defaults (0: every core).
    out = _pools()
    assert "here (0, 0)" in out
    assert "workers [(1, 1)]" in out


def test_the_thread_budget_is_omp_num_threads_unless_tensorflows_own_is_set(
    monkeypatch,
):
    from skae._backend import thread_budget

    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        monkeypatch.delenv(name, raising=False)
    assert thread_budget() is None  # TensorFlow's default: every core
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert thread_budget() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert thread_budget() is None
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    assert thread_budget() is None  # TensorFlow reads its own
