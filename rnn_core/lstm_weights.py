"""Read a student's own one-layer ``torch.nn.LSTM`` weights, safely, without PyTorch.

Two formats, both of the state dict's keys (``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H), ``bias_ih_l0``,
``bias_hh_l0`` (4H,)):

- **safetensors** (``safetensors.torch.save_file(lstm.state_dict(), path)``): read with the ``safetensors``
  library's numpy API, after checking the 8-byte header length and the JSON header ourselves, so that a truncated
  or oversized header gets its own code rather than a library message;
- **.npz** (``np.savez(path, **{k: v.numpy() for k, v in lstm.state_dict().items()})``): read with
  ``allow_pickle=False`` after checking the members' uncompressed sizes (no zip bomb).

Nothing in a file is ever executed. Everything this module cannot use raises :class:`WeightsError` with a
``code`` the page translates; ``detail`` carries only names, shapes and numbers (no prose in any language), so
the page can quote it as it is in English or Korean.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile

import numpy as np

from rnn_core.lstm import params_from_torch

MAX_BYTES = 20 * 1024 * 1024  # the largest file accepted
MAX_HIDDEN = 512  # the largest hidden size H accepted (the page draws every unit's gates)
MAX_INPUT = 4096  # the largest input size D accepted
REQUIRED = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
FLOAT_TYPES = {"F16": "float16", "F32": "float32", "F64": "float64"}  # safetensors' names for the accepted dtypes

# The codes a page must translate, in the order the checks run.
CODES = (
    "too_large",
    "unreadable",
    "not_weights",
    "truncated",
    "header",
    "layers",
    "bidirectional",
    "projection",
    "missing_keys",
    "extra_keys",
    "dtype",
    "shapes",
    "too_big",
    "non_finite",
)


class WeightsError(ValueError):
    """A weights file this lesson cannot use: ``code`` (one of :data:`CODES`) and a short ``detail``."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def load_weights(source) -> tuple[dict[str, np.ndarray], dict]:
    """The params of a one-layer LSTM (this package's names, float64) and a description of the file.

    Args:
        source: a path (``str`` or ``os.PathLike``), the file's ``bytes``, or a binary file object.
    Returns:
        ``(params, meta)``: params as :func:`rnn_core.lstm.params_from_torch` returns them (``W_g`` (D, H),
        ``U_g`` (H, H), ``b_g`` (H,) for g in f, i, a, o); meta ``{"format", "dtype", "input_size",
        "hidden_size", "bytes"}``.
    Raises:
        WeightsError: for anything that is not a usable one-layer, unidirectional LSTM state dict.
    """
    data = _read_bounded(source)
    if data[:4] == b"PK\x03\x04":
        arrays, dtypes, fmt = _read_npz(data), None, "npz"
    else:
        arrays, dtypes, fmt = _read_safetensors(data)
    stored = str(arrays["weight_hh_l0"].dtype) if "weight_hh_l0" in arrays else ""
    state = _check_state_dict(arrays, dtypes)
    params = params_from_torch(state)
    hidden, inputs = state["weight_hh_l0"].shape[1], state["weight_ih_l0"].shape[1]
    meta = {"format": fmt, "dtype": stored, "input_size": int(inputs), "hidden_size": int(hidden), "bytes": len(data)}
    return params, meta


def _read_bounded(source) -> bytes:
    """The whole file, refusing more than MAX_BYTES before reading it all."""
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif isinstance(source, (str, os.PathLike)):
            if os.path.getsize(source) > MAX_BYTES:
                raise WeightsError("too_large", f"{os.path.getsize(source)} B")
            with open(source, "rb") as f:
                data = f.read(MAX_BYTES + 1)
        elif hasattr(source, "read"):
            data = source.read(MAX_BYTES + 1)
            if not isinstance(data, bytes):
                raise WeightsError("unreadable", type(data).__name__)
        else:
            raise WeightsError("unreadable", type(source).__name__)
    except OSError as err:
        raise WeightsError("unreadable", f"errno {err.errno}" if err.errno else "") from None
    if len(data) > MAX_BYTES:
        raise WeightsError("too_large", f"> {MAX_BYTES} B")
    return data


def _read_safetensors(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str], str]:
    """Arrays and their declared dtypes from a safetensors file: u64 header length, JSON header, raw tensors."""
    if len(data) < 8:
        raise WeightsError("not_weights", f"{len(data)} B")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        # Either a file cut short or not safetensors at all: a JSON header would begin with "{".
        if data[8:9] == b"{":
            raise WeightsError("truncated", f"{length} > {len(data) - 8} B")
        raise WeightsError("not_weights")
    if data[8:9] != b"{":
        raise WeightsError("not_weights")
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WeightsError("header") from None
    if not isinstance(header, dict):
        raise WeightsError("header")
    declared, payload = {}, len(data) - 8 - length
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
            raise WeightsError("header", str(name)[:40])
        offsets = entry.get("data_offsets")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            raise WeightsError("header", str(name)[:40])
        if offsets[1] > payload:
            raise WeightsError("truncated", f"{str(name)[:40]}: {offsets[1]} > {payload} B")
        declared[name] = entry["dtype"]
    _check_keys(set(declared))
    bad = sorted(f"{k}: {v}" for k, v in declared.items() if v not in FLOAT_TYPES)
    if bad:
        raise WeightsError("dtype", ", ".join(bad))
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        arrays = load(data)
    except (SafetensorError, ValueError, OverflowError):  # offsets past the end, overlapping tensors...
        raise WeightsError("header") from None
    return arrays, {k: FLOAT_TYPES[v] for k, v in declared.items()}, "safetensors"


def _read_npz(data: bytes) -> dict[str, np.ndarray]:
    """Arrays from an .npz (a zip of .npy files), without pickles and within the size limit once unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > 4 * MAX_BYTES:
                raise WeightsError("too_large", f"> {4 * MAX_BYTES} B")
            names = [m.filename.removesuffix(".npy") for m in members]
        _check_keys(set(names))
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except WeightsError:
        raise
    except zipfile.BadZipFile:
        raise WeightsError("truncated", "zip") from None
    except (ValueError, OSError, EOFError, KeyError, zipfile.LargeZipFile, NotImplementedError):
        # Object arrays (pickles) are refused by allow_pickle=False and land here too.
        raise WeightsError("not_weights") from None


def _check_keys(names: set[str]) -> None:
    if any(name.endswith("_reverse") for name in names):
        raise WeightsError("bidirectional", ", ".join(sorted(n for n in names if n.endswith("_reverse"))))
    deeper = sorted(n for n in names if n.rsplit("_l", 1)[-1].isdigit() and not n.endswith("_l0"))
    if deeper:
        raise WeightsError("layers", ", ".join(deeper))
    if "weight_hr_l0" in names:
        raise WeightsError("projection", "weight_hr_l0")
    missing = [k for k in REQUIRED if k not in names]
    if missing:
        raise WeightsError("missing_keys", ", ".join(missing))
    extra = sorted(names - set(REQUIRED))
    if extra:
        raise WeightsError("extra_keys", ", ".join(extra))


def _check_state_dict(arrays: dict[str, np.ndarray], dtypes: dict[str, str] | None) -> dict[str, np.ndarray]:
    """The four arrays as float64 after checking dtypes, shapes, size and finiteness."""
    _check_keys(set(arrays))
    bad = sorted(f"{k}: {a.dtype}" for k, a in arrays.items() if a.dtype not in (np.float16, np.float32, np.float64))
    if bad:
        raise WeightsError("dtype", ", ".join(bad))
    w_ih, w_hh, b_ih, b_hh = (arrays[k] for k in REQUIRED)
    shapes = ", ".join(f"{k} {tuple(arrays[k].shape)}" for k in REQUIRED)
    if w_hh.ndim != 2 or w_hh.shape[1] == 0 or w_hh.shape[0] != 4 * w_hh.shape[1]:
        raise WeightsError("shapes", shapes)
    hidden = w_hh.shape[1]
    if (
        w_ih.ndim != 2
        or w_ih.shape[0] != 4 * hidden
        or w_ih.shape[1] == 0
        or b_ih.shape != (4 * hidden,)
        or b_hh.shape != (4 * hidden,)
    ):
        raise WeightsError("shapes", shapes)
    if hidden > MAX_HIDDEN or w_ih.shape[1] > MAX_INPUT:
        raise WeightsError("too_big", f"H = {hidden}, D = {w_ih.shape[1]}")
    state = {k: np.asarray(arrays[k], dtype=np.float64) for k in REQUIRED}
    broken = [k for k, a in state.items() if not np.isfinite(a).all()]
    if broken:
        raise WeightsError("non_finite", ", ".join(broken))
    return state
