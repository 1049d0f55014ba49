"""Read a student's own one-layer ``torch.nn.LSTM`` weights, safely, without PyTorch.

Two formats, both of the state dict's keys (``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H), ``bias_ih_l0``,
``bias_hh_l0`` (4H,)):

- **safetensors** (``safetensors.torch.save_file(lstm.state_dict(), path)``): an 8-byte header length, a JSON
  header (each tensor's dtype, shape and byte range) and the raw little-endian tensors. The header is read here
  (at most :data:`MAX_HEADER` bytes, nested at most :data:`MAX_DEPTH` deep, integers of at most 19 digits), its
  ranges checked against the shapes and the file's length, and the tensors are views of the file's bytes;
- **.npz** (``np.savez(path, **{k: v.numpy() for k, v in lstm.state_dict().items()})``): a zip of ``.npy`` files.
  The zip's directory is bounded before it is read; an encrypted member or one packed by anything but store or
  deflate is refused; each member's ``.npy`` header is read with numpy's format module (no pickles, numpy's own
  header size limit), and a member is unpacked only up to the size its header declares.

Everything that fixes an allocation (a shape, a byte range, a member's size) is checked against the file's
length and this page's limits before anything is allocated, so a file of at most :data:`MAX_BYTES` costs a
bounded time and memory whatever it declares. Nothing in a file is ever executed. Everything this module cannot
use raises :class:`WeightsError` with a ``code`` the page translates; ``detail`` carries only a few names, shapes
and numbers, each cut short (no prose in any language), so the page can quote it as it is in English or Korean.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import tokenize
import zipfile
import zlib
from collections import Counter

import numpy as np
from numpy.lib import format as npy_format

from rnn_core.lstm import params_from_torch

MAX_BYTES = 20 * 1024 * 1024  # the largest file accepted
MAX_UNPACKED = 4 * MAX_BYTES  # the largest total an .npz may unpack to (a compressed float64 model)
MAX_HIDDEN = 512  # the largest hidden size H accepted (the page draws every unit's gates)
MAX_INPUT = 4096  # the largest input size D accepted
MAX_HEADER = 100_000  # the largest safetensors JSON header, and .npz directory, in bytes (a state dict's: < 1 KB)
MAX_DEPTH = 8  # the deepest JSON nesting read (a safetensors header is 3 deep: {name: {"shape": [...]}})
MAX_NDIM = 8  # the most dimensions a declared shape may have
NPY_HEADER = 10_000  # the longest .npy header read (numpy's own default, named here)
REQUIRED = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
FLOAT_TYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}  # safetensors' names for the accepted dtypes

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
MAX_DETAIL = 300  # the longest detail an error carries, whatever the file held
SHOWN_NAMES = 3  # how many names a detail lists, each cut to SHOWN_CHARS
SHOWN_CHARS = 40


class WeightsError(ValueError):
    """A weights file this lesson cannot use: ``code`` (one of :data:`CODES`) and a short ``detail``."""

    def __init__(self, code: str, detail: str = ""):
        detail = detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"
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
    fmt = "npz" if data[:4] == b"PK\x03\x04" else "safetensors"
    try:
        arrays = _read_npz(data) if fmt == "npz" else _read_safetensors(data)
    except WeightsError:
        raise
    except Exception:  # the last resort: whatever else a container's reader throws means the file is unreadable
        raise WeightsError("unreadable") from None
    state = _check_state_dict(arrays)
    params = params_from_torch(state)
    hidden, inputs = state["weight_hh_l0"].shape[1], state["weight_ih_l0"].shape[1]
    meta = {
        "format": fmt,
        "dtype": str(arrays["weight_hh_l0"].dtype),
        "input_size": int(inputs),
        "hidden_size": int(hidden),
        "bytes": len(data),
    }
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


# --- what an error may quote ------------------------------------------------------------------------------------


def _name(name) -> str:
    """One name as an error may quote it: at most SHOWN_CHARS printable characters."""
    text = "".join(c if c.isprintable() else "?" for c in str(name)[: SHOWN_CHARS + 1])
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _names(names) -> str:
    """At most SHOWN_NAMES names, sorted and cut short, and how many more there are."""
    names = sorted(names)
    shown = ", ".join(_name(n) for n in names[:SHOWN_NAMES])
    return shown + (f", … (+{len(names) - SHOWN_NAMES})" if len(names) > SHOWN_NAMES else "")


def _number(n: int) -> str:
    """An integer as an error may quote it (a declared size can have thousands of digits)."""
    return str(n) if abs(n) < 10**15 else f"~2^{n.bit_length()}"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(_number(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# --- safetensors ------------------------------------------------------------------------------------------------

# In a JSON text: an escape (skipped, so that \" does not end a string), a quote, or a bracket.
_JSON_TOKENS = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)


def _json_too_deep(raw: bytes) -> bool:
    """Whether a JSON text nests deeper than MAX_DEPTH, counting brackets outside strings in one linear pass that
    stops at the first level too deep (json.loads recurses, one level of Python's stack per bracket)."""
    depth = 0
    in_string = False
    for token in _JSON_TOKENS.finditer(raw):
        char = token.group()
        if char == b'"':
            in_string = not in_string
        elif in_string or len(char) == 2:
            continue  # a bracket inside a string, or an escape (outside a string, json.loads stops there)
        elif char in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def _json_refuse(_value):
    raise WeightsError("header")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:  # no range or shape needs more; Python would parse 4,300 digits, then refuse
        raise WeightsError("header", text[:12] + "…")
    return int(text)


def _json_object(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # a name given twice: which tensor is meant?
        raise WeightsError("header", _names(k for k, n in Counter(k for k, _ in pairs).items() if n > 1))
    return obj


def _read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Arrays from a safetensors file: u64 header length, JSON header, raw tensors (views of ``data``)."""
    if len(data) < 8:
        raise WeightsError("not_weights", f"{len(data)} B")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        # Either a file cut short or not safetensors at all: a JSON header would begin with "{".
        if data[8:9] == b"{":
            raise WeightsError("truncated", f"{_number(length)} > {len(data) - 8} B")
        raise WeightsError("not_weights")
    if data[8:9] != b"{":
        raise WeightsError("not_weights")
    if length > MAX_HEADER:
        raise WeightsError("header", f"{length} > {MAX_HEADER} B")
    raw = data[8 : 8 + length]
    if _json_too_deep(raw):
        raise WeightsError("header")
    try:
        header = json.loads(
            raw,
            parse_int=_json_int,
            parse_float=_json_refuse,  # a header holds names, dtypes and integers only
            parse_constant=_json_refuse,  # NaN, Infinity
            object_pairs_hook=_json_object,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WeightsError("header") from None
    if not isinstance(header, dict):
        raise WeightsError("header")
    payload = len(data) - 8 - length
    dtypes, shapes, ranges = {}, {}, {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
            raise WeightsError("header", _name(name))
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(shape, list) and len(shape) <= MAX_NDIM and all(_natural(n) for n in shape)):
            raise WeightsError("header", _name(name))
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_natural(n) for n in offsets)):
            raise WeightsError("header", _name(name))
        if offsets[1] > payload:
            raise WeightsError("truncated", f"{_name(name)}: {offsets[1]} > {payload} B")
        dtypes[name], shapes[name], ranges[name] = entry["dtype"], tuple(shape), tuple(offsets)
    _check_keys(set(dtypes))
    bad = {f"{_name(k)}: {_name(v)}" for k, v in dtypes.items() if v not in FLOAT_TYPES}
    if bad:
        raise WeightsError("dtype", _names(bad))
    _check_shapes(shapes)
    # The tensors tile the payload, in order, each exactly as long as its shape says (the format's own rule).
    end = 0
    for name in sorted(ranges, key=ranges.get):
        begin, stop = ranges[name]
        size = math.prod(shapes[name]) * np.dtype(FLOAT_TYPES[dtypes[name]]).itemsize
        if begin != end or stop - begin != size:
            raise WeightsError("header", f"{_name(name)}: [{begin}, {stop}]")
        end = stop
    if end != payload:
        raise WeightsError("header", f"{end} != {payload} B")
    return {
        name: np.frombuffer(
            data, FLOAT_TYPES[dtypes[name]], math.prod(shapes[name]), 8 + length + ranges[name][0]
        ).reshape(shapes[name])
        for name in REQUIRED
    }


def _natural(n) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


# --- .npz -------------------------------------------------------------------------------------------------------

# What numpy's .npy header reader raises on a malformed header (it evaluates the header as a Python literal).
_NPY_ERRORS = (ValueError, SyntaxError, TypeError, KeyError, OverflowError, RecursionError, tokenize.TokenError)


def _read_npz(data: bytes) -> dict[str, np.ndarray]:
    """Arrays from an .npz (a zip of .npy files), without pickles, unpacking no more than the headers declare."""
    try:
        # The end record ZipFile itself reads first (a private function, but the very one ZipFile.__init__ calls):
        # the size of the directory it then reads whole, one ZipInfo per entry.
        end = zipfile._EndRecData(io.BytesIO(data))
    except (OSError, struct.error):
        end = None
    if end is None:
        raise WeightsError("truncated", "zip")
    if end[zipfile._ECD_SIZE] > MAX_HEADER:
        raise WeightsError("header", f"zip {_number(end[zipfile._ECD_SIZE])} > {MAX_HEADER} B")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                raise WeightsError("too_large", f"> {MAX_UNPACKED} B")
            names = [m.filename.removesuffix(".npy") for m in members]
            if len(set(names)) != len(names):
                raise WeightsError("header", _names(n for n, count in Counter(names).items() if count > 1))
            _check_keys(set(names))
            infos = dict(zip(names, members, strict=True))
            for info in members:
                if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise WeightsError("unreadable", _name(info.filename))  # encrypted, or packed as numpy never does
            headers = {name: _npy_header(archive, info) for name, info in infos.items()}
            if any(dtype.hasobject for _, _, dtype, _ in headers.values()):
                raise WeightsError("not_weights")  # a pickle: never read
            bad = {f"{k}: {_name(dtype)}" for k, (_, _, dtype, _) in headers.items() if not _is_float(dtype)}
            if bad:
                raise WeightsError("dtype", _names(bad))
            _check_shapes({k: shape for k, (shape, _, _, _) in headers.items()})
            return {name: _npy_data(archive, infos[name], *headers[name]) for name in REQUIRED}
    except (zipfile.BadZipFile, EOFError, zlib.error):  # a directory cut short, a bad CRC, a broken deflate stream
        raise WeightsError("truncated", "zip") from None


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """A member's declared ``(shape, fortran_order, dtype, header length)``, read without reading its data."""
    with archive.open(info) as stream:
        try:
            version = npy_format.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(stream, max_header_size=NPY_HEADER)
            elif version == (2, 0):
                shape, fortran, dtype = npy_format.read_array_header_2_0(stream, max_header_size=NPY_HEADER)
            else:
                raise WeightsError("header", _name(info.filename))
        except _NPY_ERRORS:
            raise WeightsError("header", _name(info.filename)) from None
        if len(shape) > MAX_NDIM or not all(_natural(n) for n in shape) or dtype.shape != ():
            raise WeightsError("header", _name(info.filename))
        return shape, fortran, dtype, stream.tell()


def _npy_data(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple[int, ...], fortran: bool, dtype: np.dtype, start: int
) -> np.ndarray:
    """A member's array, after checking that its declared size is what the member holds."""
    size = math.prod(shape) * dtype.itemsize
    if start + size != info.file_size:
        code = "truncated" if start + size > info.file_size else "header"
        raise WeightsError(code, f"{_name(info.filename)}: {_number(start + size)} != {info.file_size} B")
    with archive.open(info) as stream:
        stream.read(start)
        raw = stream.read(size + 1)  # one more, so that the member's end (and its CRC check) is reached
    if len(raw) != size:
        raise WeightsError("truncated", _name(info.filename))
    return np.frombuffer(raw, dtype, math.prod(shape)).reshape(shape, order="F" if fortran else "C")


# --- the state dict ---------------------------------------------------------------------------------------------


def _check_keys(names: set[str]) -> None:
    reverse = {n for n in names if n.endswith("_reverse")}
    if reverse:
        raise WeightsError("bidirectional", _names(reverse))
    deeper = {n for n in names if n.rsplit("_l", 1)[-1].isdigit() and not n.endswith("_l0")}
    if deeper:
        raise WeightsError("layers", _names(deeper))
    if "weight_hr_l0" in names:
        raise WeightsError("projection", "weight_hr_l0")
    missing = [k for k in REQUIRED if k not in names]
    if missing:
        raise WeightsError("missing_keys", ", ".join(missing))
    extra = names - set(REQUIRED)
    if extra:
        raise WeightsError("extra_keys", _names(extra))


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" and dtype.itemsize in (2, 4, 8)


def _check_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
    """The four declared shapes fit one LSTM within this page's limits: checked before any array is read."""
    w_ih, w_hh, b_ih, b_hh = (shapes[k] for k in REQUIRED)
    detail = ", ".join(f"{k} {_shape(shapes[k])}" for k in REQUIRED)
    if len(w_hh) != 2 or w_hh[1] == 0 or w_hh[0] != 4 * w_hh[1]:
        raise WeightsError("shapes", detail)
    hidden = w_hh[1]
    if len(w_ih) != 2 or w_ih[0] != 4 * hidden or w_ih[1] == 0 or b_ih != (4 * hidden,) or b_hh != (4 * hidden,):
        raise WeightsError("shapes", detail)
    if hidden > MAX_HIDDEN or w_ih[1] > MAX_INPUT:
        raise WeightsError("too_big", f"H = {_number(hidden)}, D = {_number(w_ih[1])}")


def _check_state_dict(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The four arrays (dtypes and shapes already checked) as float64, after checking they are finite."""
    with np.errstate(invalid="ignore"):  # a signalling NaN in the file: found just below, by name
        state = {k: np.asarray(arrays[k], dtype=np.float64) for k in REQUIRED}
    broken = [k for k, a in state.items() if not np.isfinite(a).all()]
    if broken:
        raise WeightsError("non_finite", ", ".join(broken))
    return state
