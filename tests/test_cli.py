"""The README's main job: ``python -m skae compare``."""

import codecs
import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skae import compare_with_pca
from skae.__main__ import load_data, main
from skae._compare import estimator_r2


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
            "--max-iter",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "60 training rows, 20 held out, 6 features" in out.stdout
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


def _run(*args, **kwargs):
    """``python -m skae`` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "skae", *args], capture_output=True, text=True, **kwargs
    )


def _one_line_error(capsys, argv, *fragments):
    """``main(argv)`` exits 2 with one line on standard error naming the problem."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("python -m skae: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_a_missing_file_is_one_line(tmp_path, capsys):
    missing = str(tmp_path / "nope.csv")
    _one_line_error(capsys, ["compare", "--data", missing], missing, "no such file")


def test_a_text_column_is_named(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", "a,b,city\n1,2,Paris\n3,4,Rome\n")
    _one_line_error(
        capsys,
        ["compare", "--data", path],
        "line 2",
        "column 3 ('city')",
        "'Paris'",
        "not a number",
    )


@pytest.mark.parametrize(
    "cells, problem",
    [("1,,3", "empty cell"), ("1,nan,3", "nan"), ("1,inf,3", "inf")],
)
def test_empty_and_nan_cells_are_named(tmp_path, capsys, cells, problem):
    path = _write(tmp_path / "d.csv", f"1,2,3\n{cells}\n4,5,6\n")
    _one_line_error(capsys, ["compare", "--data", path], "line 2", "column 2", problem)


def test_a_wrong_delimiter_is_named(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", "1;2;3\n4;5;6\n7;8;9\n")
    _one_line_error(capsys, ["compare", "--data", path], "--delimiter ';'")


def test_another_delimiter_reads(tmp_path):
    path = _write(tmp_path / "d.tsv", "a\tb\n1\t2\n3\t4.5\n")
    assert np.array_equal(load_data(path, "\t"), [[1, 2], [3, 4.5]])


def test_ragged_rows_are_named(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", "1,2,3\n4,5\n")
    _one_line_error(capsys, ["compare", "--data", path], "line 2", "2 cells")


def test_an_object_npy_is_one_line(tmp_path, capsys):
    path = str(tmp_path / "d.npy")
    np.save(path, np.array([[1, "a"], [2, None]], dtype=object), allow_pickle=True)
    _one_line_error(capsys, ["compare", "--data", path], "Python objects")


def test_a_string_npy_and_nan_npy_are_one_line(tmp_path, capsys):
    path = str(tmp_path / "s.npy")
    np.save(path, np.array([["a", "b"], ["c", "d"]]))
    _one_line_error(capsys, ["compare", "--data", path], "not numbers")
    path = str(tmp_path / "n.npy")
    X = np.ones((5, 3))
    X[3, 1] = np.nan
    np.save(path, X)
    _one_line_error(capsys, ["compare", "--data", path], "row 3, column 1")


def test_bad_usage_exits_2_without_a_traceback():
    out = _run("compare", "--n-components", "0")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "not a positive integer" in out.stderr


def test_n_components_above_the_features_is_an_error(tmp_path, capsys):
    path = str(tmp_path / "d.npy")
    np.save(path, np.random.RandomState(0).rand(40, 13))
    _one_line_error(
        capsys,
        ["compare", "--data", path, "--n-components", "2", "20"],
        "--n-components 20",
        "13 features",
    )
    capsys.readouterr()


def test_default_sizes_above_the_features_are_left_out_aloud(tmp_path, capsys):
    path = str(tmp_path / "d.npy")
    np.save(path, np.random.RandomState(0).rand(40, 5))
    assert main(["compare", "--data", path, "--max-iter", "1"]) == 0
    out = capsys.readouterr()
    # The defaults 2 8 16 32: 2 fits 5 features; the rest are said to be left out.
    assert [line.split()[0] for line in out.out.splitlines()[3:]] == ["2"]
    assert "8 16 32 left out" in out.err


def test_version_and_help():
    from skae import __version__

    out = _run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"skae {__version__}"
    help_text = _run("compare", "--help").stdout
    assert "``" not in _run("--help").stdout + help_text  # no raw RST
    assert help_text.startswith("usage: python -m skae compare")
    for default in ("(default: 0.25)", "(default: auto)", "(default: table)"):
        assert default in help_text


def test_the_entry_point_names_itself_skae(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/skae"])
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: skae ")


def test_scale_weighs_columns_equally(tmp_path, capsys):
    # One column a million times larger than the others: unscaled, any model that
    # keeps it explains nearly all the variance; scaled, the rest count too.
    rng = np.random.RandomState(0)
    X = rng.rand(120, 6)
    X[:, 0] *= 1e6
    path = str(tmp_path / "d.npy")
    np.save(path, X)
    argv = ["compare", "--data", path, "--n-components", "1", "--max-iter", "1"]
    assert main([*argv, "--format", "json"]) == 0
    unscaled = json.loads(capsys.readouterr().out)[0]["pca_explained_variance"]
    assert main([*argv, "--format", "json", "--scale"]) == 0
    scaled = json.loads(capsys.readouterr().out)[0]["pca_explained_variance"]
    assert unscaled > 0.999
    assert scaled < 0.5


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_formats_hold_the_same_records(tmp_path, capsys, fmt):
    argv = ["compare", "--n-components", "2", "3", "--max-iter", "1"]
    assert main([*argv, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert main([*argv, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert [r["n_components"] for r in json.loads(out)] == [2, 3]
        return
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [int(r["n_components"]) for r in rows] == [2, 3]
        assert float(rows[1]["pca_test_r2"]) == records[1]["pca_test_r2"]
        return
    lines = out.splitlines()
    assert lines[0].startswith("| k | PCA EV |")
    assert set(lines[1]) <= set("|-:")
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["2", "3"]
    assert (
        lines[2].split("|")[2].strip() == f"{records[0]['pca_explained_variance']:.4f}"
    )


def test_progress_goes_to_standard_error(capsys):
    assert main(["compare", "--n-components", "2", "--max-iter", "1"]) == 0
    out = capsys.readouterr()
    assert "fitting k=2 ..." in out.err
    assert "fitting" not in out.out
    assert main(["compare", "--n-components", "2", "--max-iter", "1", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_save_writes_the_largest_autoencoder(tmp_path, capsys):
    import skae

    path = str(tmp_path / "ae.skae")
    argv = ["compare", "--n-components", "2", "4", "--max-iter", "2", "--save", path]
    assert main([*argv, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    ae = skae.load(path)  # skae's format, not a pickle
    assert sorted(os.listdir(tmp_path)) == ["ae.skae"]  # no temporary file left
    assert ae.n_components_ == 4
    X = load_digits().data / 16
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    assert estimator_r2(ae, X_test) == pytest.approx(records[1]["ae_test_r2"])


def test_plot_saves_the_explained_variance_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs the [plot] extra")
    from PIL import Image  # matplotlib's own dependency

    path = tmp_path / "ev.png"
    argv = ["compare", "--n-components", "2", "4", "--max-iter", "1"]
    assert main([*argv, "--plot", str(path)]) == 0
    assert f"saved the figure to {path}" in capsys.readouterr().err
    with Image.open(path) as image:
        assert image.size[0] > 200 and image.size[1] > 200


def test_plot_without_matplotlib_is_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    path = str(tmp_path / "ev.png")
    _one_line_error(capsys, ["compare", "--plot", path], "pip install skae[plot]")


@pytest.mark.parametrize("option", ["--save", "--plot"])
def test_an_output_path_that_cannot_be_written_fails_before_any_fit(
    tmp_path, capsys, monkeypatch, option
):
    import skae._compare

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted before checking the path")

    monkeypatch.setattr(skae._compare, "compare_one", no_fit)
    missing = str(tmp_path / "no" / "such" / "out.png")
    _one_line_error(capsys, ["compare", option, missing], option, "no such directory")
    _one_line_error(capsys, ["compare", option, str(tmp_path)], "is a directory")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root may write anywhere
            path = str(locked / "out.png")
            _one_line_error(capsys, ["compare", option, path], "permission denied")
    finally:
        locked.chmod(0o700)


def test_a_plot_is_written_whole_or_not_at_all(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib")
    import matplotlib.figure

    def full_disk(self, fname, **kwargs):
        with open(fname, "wb") as file:
            file.write(b"half a png")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full_disk)
    path = tmp_path / "figure.png"
    argv = ["compare", "--n-components", "2", "--max-iter", "1", "--plot", str(path)]
    with pytest.raises(OSError, match="No space"):
        main([*argv, "--quiet"])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("typed", ["\\t", "tab", "\t"])
def test_a_tab_delimiter_as_typed_in_a_shell(tmp_path, typed):
    X = np.random.RandomState(0).rand(10, 3)
    path = tmp_path / "d.tsv"
    np.savetxt(path, X, delimiter="\t")
    assert np.allclose(load_data(str(path), typed), X)


def test_a_delimiter_of_several_characters_is_one_line(tmp_path, capsys):
    path = _write(tmp_path / "d.csv", "1;;2\n3;;4\n")
    argv = ["compare", "--data", path, "--delimiter", ";;"]
    _one_line_error(capsys, argv, "one char")


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_byte_order_marks_are_read(tmp_path, encoding, header):
    X = np.arange(12.0).reshape(4, 3)
    text = ("a,b,c\n" if header else "") + "\n".join(
        ",".join(str(v) for v in row) for row in X
    )
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "d.csv"
    path.write_bytes(data)
    assert np.array_equal(load_data(str(path)), X)


def test_bytes_that_are_not_text_are_one_line(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_bytes(b"1,2\n\xff\xfe\xfa,3\n"[2:] + b"\x80\x81")
    _one_line_error(capsys, ["compare", "--data", str(path)], "not text")


def test_a_complex_npy_is_one_line(tmp_path, capsys):
    path = str(tmp_path / "c.npy")
    np.save(path, np.ones((5, 3)) * (1 + 2j))
    _one_line_error(capsys, ["compare", "--data", path], "complex numbers")
