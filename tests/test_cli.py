"""The README's main job: ``python -m skae compare``."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA

from skae import compare_with_pca
from skae.__main__ import load_data, main


def test_compare_on_bundled_digits(capsys):
    assert main(["compare", "--n-components", "2", "8", "--max-iter", "3"]) == 0
    out = capsys.readouterr().out
    assert "digits" in out
    lines = [line.split() for line in out.splitlines()[3:]]
    assert [row[0] for row in lines] == ["2", "8"]
    # Columns: k, PCA EV, AE EV, PCA test, AE test, PCA s, AE s; PCA's EV is exact.
    X = __import__("sklearn.datasets").datasets.load_digits().data / 16
    from sklearn.model_selection import train_test_split

    X_train, _ = train_test_split(X, test_size=0.25, random_state=0)
    assert float(lines[0][1]) == pytest.approx(
        PCA(2).fit(X_train).explained_variance_ratio_.sum(), abs=6e-5
    )


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_compare_on_a_users_file(tmp_path, suffix):
    X = np.random.RandomState(0).rand(80, 6)
    path = tmp_path / f"data{suffix}"
    if suffix == ".npy":
        np.save(path, X)
    else:
        np.savetxt(path, X, delimiter=",", header=",".join("abcdef"), comments="")
    assert np.allclose(load_data(str(path)), X)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "skae",
            "compare",
            "--data",
            str(path),
            "--n-components",
            "2",
            "3",
            "9",
            "--max-iter",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "60 training rows, 20 held out, 6 features" in out.stdout
    # k=9 exceeds the 6 features and is left out.
    assert [line.split()[0] for line in out.stdout.splitlines()[3:]] == ["2", "3"]


def test_compare_with_pca_on_pca_itself(digits):
    X_train, X_test = digits[:1200], digits[1200:]
    records = compare_with_pca(PCA(), X_train, X_test, n_components=[2, 5])
    assert [r["n_components"] for r in records] == [2, 5]
    for row in records:
        expected = PCA(row["n_components"]).fit(X_train).explained_variance_ratio_.sum()
        assert row["pca_explained_variance"] == pytest.approx(expected, rel=1e-9)
        assert row["ae_explained_variance"] == pytest.approx(expected, rel=1e-9)
        assert row["ae_test_r2"] == pytest.approx(row["pca_test_r2"], rel=1e-9)
        assert row["pca_fit_seconds"] >= 0
    assert np.isnan(
        compare_with_pca(PCA(), X_train, n_components=[2])[0]["pca_test_r2"]
    )
