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
