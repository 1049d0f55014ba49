"""rnn_core.lstm_weights.load_weights: a one-layer torch.nn.LSTM state dict, as safetensors or .npz, loads and computes
what the same arrays compute; every malformed file gets its own WeightsError code; nothing else escapes."""

from __future__ import annotations

import ast
import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save as save_safetensors

from rnn_core import lstm, lstm_weights
from rnn_core.lstm_weights import CODES, WeightsError, load_weights

D, H = 3, 5


def state_dict(rng: np.random.Generator, dtype=np.float32, d: int = D, h: int = H) -> dict[str, np.ndarray]:
    return {
        "weight_ih_l0": rng.normal(size=(4 * h, d)).astype(dtype),
        "weight_hh_l0": rng.normal(size=(4 * h, h)).astype(dtype),
        "bias_ih_l0": rng.normal(size=4 * h).astype(dtype),
        "bias_hh_l0": rng.normal(size=4 * h).astype(dtype),
    }


def npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def npz_members(arrays: dict, replaced: dict[str, bytes]) -> bytes:
    """An .npz of ``arrays`` whose members named in ``replaced`` hold those bytes instead (a valid zip of them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, array in arrays.items():
            npy = io.BytesIO()
            np.save(npy, array)
            archive.writestr(f"{key}.npy", replaced.get(key, npy.getvalue()))
    return buffer.getvalue()


def torch_style_forward(sd: dict, X: np.ndarray) -> np.ndarray:
    """torch.nn.LSTM's equations on its own layout (gate rows i, f, g, o; column vectors), in plain numpy."""
    w_ih, w_hh = sd["weight_ih_l0"].astype(float), sd["weight_hh_l0"].astype(float)
    b = sd["bias_ih_l0"].astype(float) + sd["bias_hh_l0"].astype(float)
    h, c = np.zeros(H), np.zeros(H)
    out = []
    for x in X:
        z = w_ih @ x + w_hh @ h + b
        i, f, g, o = (z[k * H : (k + 1) * H] for k in range(4))
        sig = lambda v: 1 / (1 + np.exp(-v))
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.array(out)


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_state_dict_loads_and_computes_what_torch_would(fmt, dtype, tmp_path):
    rng = np.random.default_rng(7)
    sd = state_dict(rng, dtype)
    data = save_safetensors(sd) if fmt == "safetensors" else npz_bytes(sd)
    path = tmp_path / f"w.{fmt}"
    path.write_bytes(data)
    X = rng.normal(size=(6, D))
    expected = torch_style_forward(sd, X)
    for source in (data, str(path), path, io.BytesIO(data)):
        params, meta = load_weights(source)
        H_seq, _, _ = lstm.forward(X[None], params)
        np.testing.assert_allclose(H_seq[0], expected, rtol=1e-10, atol=1e-12)
        assert meta["format"] == fmt and meta["hidden_size"] == H and meta["input_size"] == D
        assert meta["dtype"] == np.dtype(dtype).name  # the file's own dtype (params are float64 either way)
        assert all(p.dtype == np.float64 for p in params.values())


def header_file(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + payload


def case(name: str) -> bytes:
    rng = np.random.default_rng(1)
    sd = state_dict(rng)
    if name == "not_weights":
        return b"this is a text file, not weights\n" * 3
    if name == "truncated":
        return save_safetensors(sd)[:-40]
    if name == "truncated_npz":
        return npz_bytes(sd)[:-100]
    if name == "header":
        return struct.pack("<Q", 10) + b"{not json}" + b"\0" * 16
    if name == "layers":
        return save_safetensors({**sd, "weight_ih_l1": sd["weight_ih_l0"][:, :1].copy()})
    if name == "bidirectional":
        return npz_bytes({**sd, "weight_ih_l0_reverse": sd["weight_ih_l0"]})
    if name == "projection":
        return save_safetensors({**sd, "weight_hr_l0": np.zeros((2, H), np.float32)})
    if name == "missing_keys":
        return save_safetensors({k: v for k, v in sd.items() if k != "bias_hh_l0"})
    if name == "extra_keys":
        return npz_bytes({**sd, "optimizer_state": np.zeros(3, np.float32)})
    if name == "dtype":
        return save_safetensors({**sd, "weight_hh_l0": sd["weight_hh_l0"].astype(np.int32)})
    if name == "dtype_npz":
        return npz_bytes({**sd, "bias_ih_l0": sd["bias_ih_l0"].astype(np.complex64)})
    if name == "shapes":
        return save_safetensors({**sd, "weight_ih_l0": sd["weight_ih_l0"][:-1].copy()})
    if name == "too_big":
        return save_safetensors(state_dict(rng, np.float16, d=1, h=513))
    if name == "non_finite":
        bad = sd["bias_ih_l0"].copy()
        bad[3] = np.nan
        return npz_bytes({**sd, "bias_ih_l0": bad})
    if name == "pickle":
        buffer = io.BytesIO()
        np.savez(buffer, **{**sd, "bias_ih_l0": np.array([{"a": 1}], dtype=object)})
        return buffer.getvalue()
    # The files of issue 20, which raised RecursionError, ValueError, MemoryError, RuntimeError and TokenError.
    if name == "nested_header":
        raw = b'{"x":' + b"[" * 1000 + b"]" * 1000 + b"}"
        return struct.pack("<Q", len(raw)) + raw
    if name == "long_number":
        raw = save_safetensors(sd)
        (length,) = struct.unpack("<Q", raw[:8])
        header = raw[8 : 8 + length].replace(b'"data_offsets":[0,', b'"data_offsets":[0,' + b"9" * 4400, 1)
        return struct.pack("<Q", len(header)) + header + raw[8 + length :]
    if name == "huge_npy_shape":  # 3.5 KB declaring 10^12 floats
        npy = io.BytesIO()
        np.lib.format.write_array_header_1_0(npy, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
        return npz_members(sd, {"weight_ih_l0": npy.getvalue() + b"\0" * 3500})
    if name == "encrypted_zip":
        raw = bytearray(npz_bytes(sd))
        raw[raw.index(b"PK\x01\x02") + 8] |= 1  # the first member's "encrypted" flag, in the zip's directory
        return bytes(raw)
    if name == "npy_header":
        text = b"{'descr': '<f4', 'fortran_order': False, 'shape': ((20,), }\n"  # an unclosed parenthesis
        npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + sd["bias_ih_l0"].tobytes()
        return npz_members(sd, {"bias_ih_l0": npy})
    if name == "many_reverse_names":
        entry = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
        return header_file({f"{'x' * 2000}{k}_reverse": entry for k in range(9000)}, b"\0" * 4)
    if name == "some_reverse_names":
        entry = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
        return header_file({f"{'x' * 200}{k}_reverse": entry for k in range(40)}, b"\0" * 4)
    raise KeyError(name)


@pytest.mark.parametrize(
    "name, code",
    [
        ("not_weights", "not_weights"),
        ("truncated", "truncated"),
        ("truncated_npz", "truncated"),
        ("header", "header"),
        ("layers", "layers"),
        ("bidirectional", "bidirectional"),
        ("projection", "projection"),
        ("missing_keys", "missing_keys"),
        ("extra_keys", "extra_keys"),
        ("dtype", "dtype"),
        ("dtype_npz", "dtype"),
        ("shapes", "shapes"),
        ("too_big", "too_big"),
        ("non_finite", "non_finite"),
        ("pickle", "not_weights"),
        ("nested_header", "header"),
        ("long_number", "header"),
        ("huge_npy_shape", "shapes"),
        ("encrypted_zip", "unreadable"),
        ("npy_header", "header"),
        ("many_reverse_names", "header"),
        ("some_reverse_names", "bidirectional"),
    ],
)
def test_every_malformed_file_gets_its_own_code(name, code):
    with pytest.raises(WeightsError) as err:
        load_weights(case(name))
    assert err.value.code == code
    assert err.value.code in CODES
    assert not any(word in err.value.detail for word in (" the ", " a ", "neither", "bytes"))  # no English prose
    assert len(str(err.value)) <= 320 and err.value.detail.count(", ") <= 6  # a short excerpt, a few names at most


def test_a_file_over_20_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as f:
        f.truncate(20 * 1024 * 1024 + 1)
    with pytest.raises(WeightsError) as err:
        load_weights(path)
    assert err.value.code == "too_large"
    with pytest.raises(WeightsError) as err:
        load_weights(io.BytesIO(b"\0" * (20 * 1024 * 1024 + 1)))
    assert err.value.code == "too_large"


def test_a_zip_bomb_is_refused_by_its_declared_size():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weight_ih_l0.npy", b"\0" * (90 * 1024 * 1024))
    with pytest.raises(WeightsError) as err:
        load_weights(buffer.getvalue())
    assert err.value.code == "too_large"


def test_random_bytes_and_every_truncation_raise_only_weights_errors():
    rng = np.random.default_rng(0)
    good = [save_safetensors(state_dict(rng)), npz_bytes(state_dict(rng))]
    blobs = [rng.bytes(int(n)) for n in rng.integers(0, 4000, size=200)]
    blobs += [b[:cut] for b in good for cut in range(0, len(b), max(1, len(b) // 150))]
    blobs += [struct.pack("<Q", n) + b"{" for n in (0, 1, 2**63, 2**64 - 1)]
    for blob in blobs:
        try:
            load_weights(blob)
        except WeightsError:
            pass
    # and a non-bytes, non-path source
    with pytest.raises(WeightsError):
        load_weights(12345)


def test_the_loader_depends_on_the_model_and_never_the_reverse():
    """No import cycle: rnn_core.lstm_weights reads files into rnn_core.lstm's params, and rnn_core.lstm (the
    maths) imports nothing of the loader, at any depth of its code."""

    def imported(module) -> set[str]:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        return {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names} | {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }

    assert "rnn_core.lstm" in imported(lstm_weights)
    assert not {name for name in imported(lstm) if name.startswith("rnn_core")}
    assert not hasattr(lstm, "load_weights") and lstm_weights.params_from_torch is lstm.params_from_torch
