"""skae.save and skae.load: a format that runs no code when loaded (issue 22)."""

import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skae
from skae import (
    AutoencoderTransformer,
    ModelBuilder,
    VariationalAutoencoder,
    conv_encoder,
)

from ._settings import small_decoder, small_encoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = {
    "deep": lambda: AutoencoderTransformer(3, hidden_layer_sizes=(8,), max_iter=3),
    "linear": lambda: AutoencoderTransformer(3, hidden_layer_sizes=()),
    "tied-noise-sparse": lambda: AutoencoderTransformer(
        3,
        hidden_layer_sizes=(8,),
        activation="tanh",
        tied_weights=True,
        noise=0.3,
        sparsity=0.01,
        max_iter=3,
    ),
    "conv-builder": lambda: AutoencoderTransformer(
        3, encoder=conv_encoder((8, 8), filters=(4,)), max_iter=2
    ),
    "keras-models-as-they-are": lambda: AutoencoderTransformer(
        3,
        encoder=ModelBuilder(small_encoder),
        decoder=ModelBuilder(small_decoder),
        init="random",
        max_iter=2,
    ),
    "keras-model-param": lambda: AutoencoderTransformer(
        3, decoder=small_decoder(64, 3), optimizer=keras.optimizers.SGD(0.01)
    ).set_params(max_iter=2),
    "vae": lambda: VariationalAutoencoder(3, hidden_layer_sizes=(8,), max_iter=3),
}


def _fit(name, X, how="fit"):
    estimator = SETTINGS[name]().set_params(random_state=0)
    return estimator.partial_fit(X) if how == "partial_fit" else estimator.fit(X)


def _trusted(name):
    return ["tests._settings.small_encoder", "tests._settings.small_decoder"]


@pytest.mark.parametrize("name", SETTINGS)
def test_a_loaded_estimator_transforms_refits_and_goes_on(digits, name, tmp_path):
    X = digits[:300]
    saved = _fit(name, X)
    path = tmp_path / "model.skae"
    skae.save(saved, path)
    loaded = skae.load(path, trusted=_trusted(name))
    assert type(loaded) is type(saved)
    assert loaded.get_params().keys() == saved.get_params().keys()
    assert_array_equal(loaded.transform(X), saved.transform(X))
    codes = saved.transform(X[:20])
    assert_array_equal(loaded.inverse_transform(codes), saved.inverse_transform(codes))
    assert loaded.score(X) == saved.score(X)
    for attribute in ("explained_variance_ratio_", "mean_", "loss_curve_"):
        assert_array_equal(getattr(loaded, attribute), getattr(saved, attribute))
    if hasattr(saved, "partial_fit"):
        # The optimizer's state came along: the next step is the same.
        saved.partial_fit(X[:100])
        loaded.partial_fit(X[:100])
        assert_array_equal(loaded.transform(X), saved.transform(X))
    loaded.set_params(max_iter=1).fit(X)
    assert loaded.n_iter_ == 1


def test_partial_fit_goes_on_after_loading(digits, tmp_path):
    X = digits[:400]
    saved = _fit("deep", X[:200], how="partial_fit")
    skae.save(saved, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    for estimator in (saved, loaded):
        estimator.partial_fit(X[200:])
    assert loaded.n_iter_ == saved.n_iter_ == 2
    assert_array_equal(loaded.transform(X), saved.transform(X))


def test_an_unfitted_estimator_keeps_its_parameters(tmp_path):
    saved = AutoencoderTransformer(
        0.9,
        hidden_layer_sizes=(16, 4),
        random_state=np.random.RandomState(3),
        optimizer=keras.optimizers.RMSprop,
        learning_rate=np.float64(0.01),
        noise=0.5,
    )
    skae.save(saved, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    params = loaded.get_params()
    assert params["n_components"] == 0.9 and params["hidden_layer_sizes"] == (16, 4)
    assert params["optimizer"] is keras.optimizers.RMSprop
    assert params["learning_rate"] == 0.01 and params["noise"] == 0.5
    assert params["random_state"].randint(1000) == np.random.RandomState(3).randint(
        1000
    )
    assert not hasattr(loaded, "n_components_")


def test_loading_runs_no_pickle(digits, tmp_path, monkeypatch):
    skae.save(_fit("deep", digits[:200]), tmp_path / "m.skae")

    def refuse(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    loaded = skae.load(tmp_path / "m.skae")
    assert loaded.transform(digits[:2]).shape == (2, 3)
    with zipfile.ZipFile(tmp_path / "m.skae") as archive:
        names = archive.namelist()
    assert "skae.json" in names and "checksum.json" in names
    assert all(name.endswith((".json", ".npy", ".keras")) for name in names)


def test_a_damaged_file_is_a_clear_error(digits, tmp_path):
    path = tmp_path / "m.skae"
    skae.save(_fit("linear", digits[:200]), path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    # A changed value in an array, written as a valid archive: only the checksum
    # can tell.
    name = next(name for name in entries if name.startswith("arrays/"))
    data = bytearray(entries[name])
    data[-1] ^= 1
    entries[name] = bytes(data)
    altered = tmp_path / "altered.skae"
    with zipfile.ZipFile(altered, "w") as archive:
        for entry, value in entries.items():
            archive.writestr(entry, value)
    with pytest.raises(ValueError, match="checksum does not match"):
        skae.load(altered)
    # A flipped byte anywhere, and a truncated file.
    raw = bytearray(path.read_bytes())
    for position in (len(raw) // 3, len(raw) // 2, len(raw) - 30):
        flipped = bytearray(raw)
        flipped[position] ^= 0xFF
        (tmp_path / "flipped.skae").write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match="damaged|not a skae file"):
            skae.load(tmp_path / "flipped.skae")
    (tmp_path / "short.skae").write_bytes(bytes(raw[: len(raw) // 2]))
    with pytest.raises(ValueError, match="damaged|not a skae file"):
        skae.load(tmp_path / "short.skae")
    (tmp_path / "other.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(ValueError, match="not a skae file"):
        skae.load(tmp_path / "other.zip")


def test_build_functions_load_only_from_skae_or_when_trusted(digits, tmp_path):
    path = tmp_path / "m.skae"
    skae.save(_fit("keras-models-as-they-are", digits[:200]), path)
    with pytest.raises(ValueError, match="trusted=.*tests._settings.small_"):
        skae.load(path)
    loaded = skae.load(path, trusted=_trusted(None))
    assert loaded.transform(digits[:2]).shape == (2, 3)


def test_a_lambda_layer_in_the_users_network_is_refused_on_load(tmp_path):
    decoder = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(64), keras.layers.Lambda(lambda x: x)]
    )
    # Unfitted: fit copies the user's model by pickling it, which Keras refuses
    # for a Lambda too. A file holding one is refused by load's safe mode.
    ae = AutoencoderTransformer(3, decoder=decoder)
    skae.save(ae, tmp_path / "m.skae")
    with pytest.raises(ValueError, match="safe_mode"):
        skae.load(tmp_path / "m.skae")


def test_session_objects_are_left_out_with_a_warning(digits, tmp_path):
    ae = AutoencoderTransformer(
        3, max_iter=1, callbacks=[keras.callbacks.History()], random_state=0
    ).fit(digits[:100])
    with pytest.warns(UserWarning, match="callbacks is not saved"):
        skae.save(ae, tmp_path / "m.skae")
    loaded = skae.load(tmp_path / "m.skae")
    assert loaded.callbacks is None
    assert_array_equal(loaded.transform(digits), ae.transform(digits))


def test_a_failed_save_leaves_no_file(digits, tmp_path):
    ae = AutoencoderTransformer(3, loss=lambda y, p: (y - p) ** 2, max_iter=1)
    path = tmp_path / "m.skae"
    with pytest.raises(TypeError, match="cannot save 'loss'"):
        skae.save(ae, path)
    assert os.listdir(tmp_path) == []
    skae.save(AutoencoderTransformer(3), path)
    first = path.read_bytes()
    with pytest.raises(TypeError):
        skae.save(ae, path)
    assert path.read_bytes() == first  # the earlier file, whole
    assert os.listdir(tmp_path) == ["m.skae"]


def test_save_takes_skae_estimators_only(tmp_path):
    from sklearn.decomposition import PCA

    with pytest.raises(TypeError, match="saves skae's estimators"):
        skae.save(PCA(), tmp_path / "m.skae")


def test_a_file_loads_in_a_fresh_process(digits, tmp_path):
    ae = _fit("tied-noise-sparse", digits[:300])
    skae.save(ae, tmp_path / "m.skae")
    np.save(tmp_path / "X.npy", digits[:50])
    script = f"""
        import numpy as np, skae
        ae = skae.load({str(tmp_path / "m.skae")!r})
        np.save({str(tmp_path / "codes.npy")!r}, ae.transform(np.load(
            {str(tmp_path / "X.npy")!r})))
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert_array_equal(np.load(tmp_path / "codes.npy"), ae.transform(digits[:50]))


def test_a_file_whose_codes_were_standardised_is_refused_with_why(digits, tmp_path):
    # Format version 1 held networks whose codes were in standardised units:
    # their weights do not fit today's networks, which code in the data's units.
    from skae import _persist

    path = tmp_path / "m.skae"
    skae.save(_fit("deep", digits[:200]), path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(entries["skae.json"])
    manifest["format_version"] = 1
    entries["skae.json"] = json.dumps(manifest).encode()
    del entries["checksum.json"]
    entries["checksum.json"] = json.dumps(
        {"sha256": _persist._digest(entries)}
    ).encode()
    with zipfile.ZipFile(tmp_path / "v1.skae", "w") as archive:
        for entry, value in entries.items():
            archive.writestr(entry, value)
    with pytest.raises(ValueError, match="standardised units.*Fit the estimator again"):
        skae.load(tmp_path / "v1.skae")
