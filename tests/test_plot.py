"""The Display classes draw what they say, headless (matplotlib's Agg backend)."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skae import (
    AutoencoderTransformer,
    CodeScatterDisplay,
    ExplainedVarianceDisplay,
    ReconstructionDisplay,
)
from skae._compare import estimator_r2

matplotlib = pytest.importorskip(
    "matplotlib", reason="the figures need matplotlib: the [plot] or [test] extra"
)
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X, y = load_digits(return_X_y=True)
X = X[:300] / 16
y = y[:300]
QUICK = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_explained_variance_lines():
    ks = [2, 4, 6]
    display = ExplainedVarianceDisplay.from_estimators(
        [AutoencoderTransformer(**QUICK), AutoencoderTransformer(noise=0.1, **QUICK)],
        X[:200],
        X[200:],
        n_components=ks,
        names=["plain", "denoising"],
    )
    ax = display.ax_
    # PCA and two estimators, each with a training and a held-out line.
    assert len(display.lines_) == len(ax.get_lines()) == 6
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["PCA, training", "plain, training", "denoising, training"]
    assert labels[3:] == ["PCA, held out", "plain, held out", "denoising, held out"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels
    assert ax.get_xlabel() == "n_components"
    assert display.figure_ is ax.figure
    # The points drawn are the figures: PCA's training line is its explained
    # variance ratio, summed, at each k.
    pca_line = ax.get_lines()[0]
    np.testing.assert_array_equal(pca_line.get_xdata(), ks)
    expected = [PCA(k).fit(X[:200]).explained_variance_ratio_.sum() for k in ks]
    np.testing.assert_allclose(pca_line.get_ydata(), expected, atol=1e-10)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_explained_variance_on_given_axes_without_pca_or_test_rows():
    fig, ax = plt.subplots()
    display = ExplainedVarianceDisplay.from_estimator(
        AutoencoderTransformer(**QUICK), X, n_components=[2, 3], pca=False, ax=ax
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert [line.get_label() for line in ax.get_lines()] == ["AutoencoderTransformer"]
    with pytest.raises(ValueError, match="names has 2 entries for 1 estimators"):
        ExplainedVarianceDisplay.from_estimators(
            [AutoencoderTransformer(**QUICK)], X, names=["a", "b"]
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_reconstruction_grid():
    ae = AutoencoderTransformer(8, **QUICK).fit(X)
    pca = PCA(8).fit(X)
    display = ReconstructionDisplay.from_estimators([ae, pca], X, (8, 8), n_images=5)
    ax = display.ax_
    # 3 rows (originals, ae, PCA) of 5 images, all on one axes.
    assert len(display.images_) == len(ax.get_images()) == 15
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["original", "AutoencoderTransformer (k=8)", "PCA (k=8)"]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), X[0].reshape(8, 8))
    ae_first = ae.inverse_transform(ae.transform(X[:1])).reshape(8, 8)
    np.testing.assert_allclose(ax.get_images()[5].get_array(), ae_first)
    with pytest.raises(ValueError, match="has 49 pixels; X has 64 features"):
        ReconstructionDisplay.from_estimator(pca, X, (7, 7))


def test_code_scatter_by_label():
    ae = AutoencoderTransformer(2, **QUICK).fit(X)
    display = CodeScatterDisplay.from_estimator(ae, X, y)
    ax = display.ax_
    # One scatter per digit, all rows drawn, at their codes.
    assert len(display.scatters_) == len(ax.collections) == 10
    assert sum(len(s.get_offsets()) for s in ax.collections) == len(X)
    code = ae.transform(X)
    np.testing.assert_allclose(ax.collections[3].get_offsets(), code[y == 3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list("0123456789")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("code unit 1", "code unit 2")
    assert ax.get_title() == "AutoencoderTransformer (k=2)"
    plain = CodeScatterDisplay.from_estimator(PCA(3).fit(X), X)
    assert len(plain.ax_.collections) == 1 and plain.ax_.get_legend() is None
    with pytest.raises(ValueError, match="at least 2 units"):
        CodeScatterDisplay.from_estimator(PCA(1).fit(X), X)


def test_import_skae_does_not_import_matplotlib():
    code = "import sys, skae; assert 'matplotlib' not in sys.modules, 'imported'"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_estimator_r2_is_what_the_lines_show():
    # The y axis is estimator_r2, which for PCA on its training rows is the sum of
    # explained_variance_ratio_.
    pca = PCA(5).fit(X)
    assert estimator_r2(pca, X) == pytest.approx(pca.explained_variance_ratio_.sum())


def test_without_matplotlib_an_import_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    with pytest.raises(ImportError, match=r"CodeScatterDisplay.from_estimator .*plot"):
        CodeScatterDisplay.from_estimator(PCA(2).fit(X), X)


def test_the_plotting_doctests_skip_without_matplotlib():
    import subprocess
    import sys
    import textwrap

    # matplotlib made unimportable, as where skae[plot] is not installed: the
    # doctests of skae/_plot.py are skipped, not failed.
    script = """
        import sys
        sys.modules["matplotlib"] = None
        import importlib.util
        importlib.util.find_spec = lambda name, *a: (
            None if name.startswith("matplotlib") else _find(name, *a))
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:randomly", "skae/_plot.py", "-rs"]))
    """
    script = "import importlib.util\n_find = importlib.util.find_spec\n" + (
        textwrap.dedent(script)
    )
    root = __import__("pathlib").Path(__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root
    )
    assert out.returncode == 0, out.stdout[-2000:]
    assert "skipped" in out.stdout and "needs matplotlib" in out.stdout
    assert "failed" not in out.stdout
