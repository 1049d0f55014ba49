"""Fuzzing rnn_core.lstm_weights.load_weights (issue 20): small valid safetensors and .npz state dicts, built here
and mutated with a fixed seed (cut short, bits flipped, headers nested and given huge numbers, zip flags and sizes
changed, zip bombs of modest size, huge declared shapes, many long names). Whatever the container's reader meets,
only a WeightsError escapes, each file within 1 s of CPU and 50 MB of memory, and its message is short."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from safetensors.numpy import save as save_safetensors

from rnn_core import lstm_weights
from rnn_core.lstm_weights import CODES, WeightsError, load_weights

SEED = 20
CPU_LIMIT = 1.0  # seconds of this thread's CPU per file
MEMORY_LIMIT = 50 * 1024 * 1024  # tracemalloc's peak per file (numpy reports its arrays to tracemalloc)
MESSAGE_LIMIT = 1000  # characters of str(error)
D, H = 3, 5


def state_dict(rng: np.random.Generator, dtype=np.float32) -> dict[str, np.ndarray]:
    return {
        "weight_ih_l0": rng.normal(size=(4 * H, D)).astype(dtype),
        "weight_hh_l0": rng.normal(size=(4 * H, H)).astype(dtype),
        "bias_ih_l0": rng.normal(size=4 * H).astype(dtype),
        "bias_hh_l0": rng.normal(size=4 * H).astype(dtype),
    }


def npz_bytes(arrays: dict, compressed: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    return buffer.getvalue()


def safetensors_file(header: bytes, payload: bytes = b"") -> bytes:
    return struct.pack("<Q", len(header)) + header + payload


def valid_files() -> dict[str, bytes]:
    rng = np.random.default_rng(SEED)
    sd = state_dict(rng)
    return {
        "safetensors f16": save_safetensors(state_dict(rng, np.float16)),
        "safetensors f32": save_safetensors(sd),
        "safetensors f64": save_safetensors(state_dict(rng, np.float64), metadata={"format": "pt"}),
        "npz": npz_bytes(sd),
        "npz compressed": npz_bytes(state_dict(rng, np.float64), compressed=True),
        "npz fortran": npz_bytes({k: np.asfortranarray(v) for k, v in sd.items()}),
    }


def with_header(npy: bytes, old: bytes, new: bytes) -> bytes:
    """An .npy file (version 1.0) whose header text has ``old`` replaced by ``new``, its length field updated."""
    (length,) = struct.unpack_from("<H", npy, 8)
    text = npy[10 : 10 + length].replace(old, new)
    return npy[:8] + struct.pack("<H", len(text)) + text + npy[10 + length :]


def npz_members() -> dict[str, bytes]:
    return {f"{k}.npy": npy_bytes(v) for k, v in state_dict(np.random.default_rng(SEED)).items()}


def attempt(label: str, blob: bytes) -> str | None:
    """The error's code (None if the file loaded), after asserting that nothing but a WeightsError escaped and
    that the file cost less than CPU_LIMIT and MEMORY_LIMIT and gave a message shorter than MESSAGE_LIMIT."""
    tracemalloc.start()
    started = time.thread_time()
    try:
        load_weights(blob)
        code = None
    except WeightsError as err:
        code = err.code
        assert code in CODES, label
        assert len(str(err)) < MESSAGE_LIMIT and len(err.detail) < MESSAGE_LIMIT, (label, str(err)[:200])
        # The page words these three without a detail (lessons/lstm/readings.py); any other code names what it found.
        assert err.detail or code in {"unreadable", "not_weights", "header"}, (label, code)
    except Exception as err:  # noqa: BLE001 - what this test exists to catch
        pytest.fail(f"{label}: {type(err).__name__} escaped: {str(err)[:200]}")
    finally:
        spent = time.thread_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert spent < CPU_LIMIT, (label, spent)
    assert peak < MEMORY_LIMIT, (label, peak)
    return code


def codes_of(cases: dict[str, bytes]) -> dict[str, str | None]:
    return {label: attempt(label, blob) for label, blob in cases.items()}


# --- zip surgery ------------------------------------------------------------------------------------------------

# Offsets of fields in a zip's records (APPNOTE 4.3.7, 4.3.12, 4.3.16).
LOCAL = {"flags": 6, "method": 8, "crc": 14}
CENTRAL = {"flags": 8, "method": 10, "crc": 16, "compressed": 20, "size": 24, "offset": 42}
END = {"entries_disk": 8, "entries": 10, "directory_size": 12, "directory_offset": 16}
WIDTH = {"flags": "<H", "method": "<H", "entries_disk": "<H", "entries": "<H"}


def put(data: bytes, at: int, field: str, value: int) -> bytes:
    fmt = WIDTH.get(field, "<I")
    return data[:at] + struct.pack(fmt, value % 256 ** struct.calcsize(fmt)) + data[at + struct.calcsize(fmt) :]


def get(data: bytes, at: int, field: str) -> int:
    return struct.unpack_from(WIDTH.get(field, "<I"), data, at)[0]


def records(data: bytes) -> tuple[list[int], list[int], int]:
    """Where each member's local header and central directory entry start, and where the end record starts."""
    end = data.rindex(b"PK\x05\x06")
    central, at = [], get(data, end + END["directory_offset"], "directory_offset")
    while data[at : at + 4] == b"PK\x01\x02":
        central.append(at)
        at += 46 + sum(struct.unpack_from("<3H", data, at + 28))  # and the name, extra field and comment
    return [get(data, c + CENTRAL["offset"], "offset") for c in central], central, end


# --- the fuzz ---------------------------------------------------------------------------------------------------


def test_the_valid_files_load():
    for label, blob in valid_files().items():
        assert attempt(label, blob) is None, label
    # The same arrays, stored in C and in Fortran order, and as safetensors, are the same LSTM.
    files = valid_files()
    params = [load_weights(files[label])[0] for label in ("npz", "npz fortran", "safetensors f32")]
    for other in params[1:]:
        assert all(np.array_equal(params[0][k], other[k]) for k in params[0])


def test_every_file_cut_short_is_a_weights_error():
    rng = np.random.default_rng(SEED)
    for label, blob in valid_files().items():
        cuts = set(range(0, 80)) | set(range(len(blob) - 80, len(blob))) | set(rng.integers(0, len(blob), 60))
        codes = codes_of({f"{label} cut at {cut}": blob[:cut] for cut in sorted(cuts)})
        assert None not in codes.values(), label  # no file cut short loads


def test_flipped_bits_and_overwritten_bytes_give_weights_errors_or_load():
    rng = np.random.default_rng(SEED)
    interesting = [b"\x00", b"\xff", b"\x7f", b"[", b"{", b'"', b"9" * 30, b"\\", b"\x00" * 8, b"\xff" * 8]
    for label, blob in valid_files().items():
        cases = {}
        for k in range(250):
            flipped = bytearray(blob)
            for at in rng.integers(0, len(blob), rng.integers(1, 5)):
                flipped[at] ^= 1 << int(rng.integers(0, 8))
            cases[f"{label} flip {k}"] = bytes(flipped)
        for k in range(100):
            at, chunk = int(rng.integers(0, len(blob))), interesting[int(rng.integers(0, len(interesting)))]
            cases[f"{label} overwrite {k}"] = blob[:at] + chunk + blob[at + len(chunk) :]
        codes_of(cases)


def test_nested_headers_are_refused_without_recursing():
    body = b'"weight_ih_l0":{"dtype":"F32","shape":[20,3],"data_offsets":[0,240]}'
    cases = {}
    for depth in (9, 50, 1_000, 10_000, 49_000):
        cases[f"array {depth}"] = b'{"x":' + b"[" * depth + b"]" * depth + b"," + body + b"}"
        cases[f"object {depth}"] = b'{"x":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        cases[f"metadata {depth}"] = b'{"__metadata__":{"a":' + b"[" * depth + b"]" * depth + b"}," + body + b"}"
        cases[f"unclosed {depth}"] = b'{"x":' + b"[" * depth
        cases[f"escaped quotes {depth}"] = b'{"x":"' + b'\\"' * depth + b'",' + b"[" * depth + b"]" * depth + b"}"
    cases["30,000 shallow brackets"] = b'{"x":[' + b"[]," * 30_000 + b"[]]}"  # read to the end: no early stop
    codes = codes_of({label: safetensors_file(header, b"\0" * 240) for label, header in cases.items()})
    assert all(code == "header" for code in codes.values()), codes
    # Brackets inside a name are not nesting: the name is read, and refused as a key this file should not have.
    good = valid_files()["safetensors f32"]
    (length,) = struct.unpack("<Q", good[:8])
    named = b'{"' + b"[{" * 1000 + b'":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' + good[9 : 8 + length]
    assert attempt("brackets in a name", safetensors_file(named, good[8 + length :])) == "extra_keys"


def test_huge_numbers_in_a_header_are_refused():
    good = valid_files()["safetensors f32"]
    (length,) = struct.unpack("<Q", good[:8])
    header, payload = good[8 : 8 + length], good[8 + length :]
    numbers = [b"9" * 4301, b"9" * 20, b"-1", b"1.5", b"1e400", b"NaN", b"-Infinity", b"true", b"null", b'"240"']
    cases = {}
    for number in numbers:
        for field in (b'"shape":[', b'"data_offsets":[0,', b'"data_offsets":['):
            at = header.index(field) + len(field)
            end = at + len(header[at:].split(b",")[0].split(b"]")[0])
            cases[f"{field!r} {number[:12]!r}"] = safetensors_file(header[:at] + number + header[end:], payload)
    cases["length field 2**64 - 1"] = struct.pack("<Q", 2**64 - 1) + good[8:]
    codes = codes_of(cases)
    assert set(codes.values()) <= {"header", "truncated", "shapes"}, codes
    # In an .npy header, shape is a Python literal: integers of any length, negative or not.
    members = npz_members()
    npy = members["weight_ih_l0.npy"]
    npz_cases = {
        f"npy shape {text[:12]!r}": zip_of({**members, "weight_ih_l0.npy": with_header(npy, b"(20, 3)", text)})
        for text in (b"(" + b"9" * 4400 + b", 3)", b"(10**9, 3)", b"(-20, 3)", b"(2**70, 2**70)", b"(20.0, 3)")
    }
    assert set(codes_of(npz_cases).values()) <= {"header", "shapes"}


def test_zip_flags_and_sizes_are_weights_errors():
    cases = {}
    for label in ("npz", "npz compressed"):
        blob = valid_files()[label]
        local, central, end = records(blob)
        for k, (lo, ce) in enumerate(zip(local, central, strict=True)):
            flags, method = get(blob, ce, "flags"), get(blob, ce, "method")
            cases[f"{label} {k} encrypted"] = put(
                put(blob, ce + CENTRAL["flags"], "flags", flags | 1), lo + LOCAL["flags"], "flags", flags | 1
            )
            cases[f"{label} {k} encrypted in directory"] = put(blob, ce + CENTRAL["flags"], "flags", flags | 1)
            cases[f"{label} {k} encrypted locally"] = put(blob, lo + LOCAL["flags"], "flags", flags | 1)
            cases[f"{label} {k} strong encryption"] = put(blob, lo + LOCAL["flags"], "flags", flags | 0x40)
            cases[f"{label} {k} patched data"] = put(blob, lo + LOCAL["flags"], "flags", flags | 0x20)
            cases[f"{label} {k} utf-8 names"] = put(blob, ce + CENTRAL["flags"], "flags", flags | 0x800)
            for other in (1, 9, 12, 14, 99, 0 if method else 8):
                cases[f"{label} {k} method {other}"] = put(blob, ce + CENTRAL["method"], "method", other)
            crc = get(blob, ce + CENTRAL["crc"], "crc")
            cases[f"{label} {k} bad crc"] = put(blob, ce + CENTRAL["crc"], "crc", crc ^ 1)
            for field in ("size", "compressed"):
                value = get(blob, ce + CENTRAL[field], field)
                for wrong in (0, 1, value - 1, value + 1, value * 1000, 2**32 - 2, 2**32 - 1):
                    cases[f"{label} {k} {field} {wrong}"] = put(blob, ce + CENTRAL[field], field, wrong)
            for wrong in (1, lo + 1, 2**31, 2**32 - 1):
                cases[f"{label} {k} offset {wrong}"] = put(blob, ce + CENTRAL["offset"], "offset", wrong)
        for field in END:
            for wrong in (0, 1, 0xFFFF, 2**32 - 1):
                cases[f"{label} end {field} {wrong}"] = put(blob, end + END[field], field, wrong)
    codes = codes_of(cases)
    encrypted = {code for label, code in codes.items() if label.endswith(" encrypted")}
    assert encrypted == {"unreadable"}, codes
    assert {code for label, code in codes.items() if "bad crc" in label} == {"truncated"}


def test_zip_bombs_of_modest_size_are_refused_before_they_are_unpacked():
    members = npz_members()
    header = members["weight_ih_l0.npy"][:128]  # the .npy header of a (20, 3) float32 array
    zeros = b"\0" * (30 * 1024 * 1024)
    honest = zip_of({**members, "weight_ih_l0.npy": header + zeros}, zipfile.ZIP_DEFLATED)  # 30 MB in 30 KB
    assert len(honest) < 100_000
    cases = {"honest bomb": honest, "bomb in a bomb": zip_of({**members, "weight_ih_l0.npy": honest}, 8)}
    # The same bomb, its directory claiming the member is as small as a real one.
    _, central, _ = records(honest)
    small = len(members["weight_ih_l0.npy"])
    cases["lying size"] = put(honest, central[0] + CENTRAL["size"], "size", small)  # weight_ih_l0.npy is first
    # A bomb whose header declares the shape of its 30 MB: a consistent-looking but far too big LSTM.
    big = with_header(header, b"(20, 3)", b"(7864320,)")
    cases["declared bomb"] = zip_of({**members, "weight_ih_l0.npy": big + zeros}, zipfile.ZIP_DEFLATED)
    # Four members whose directory declares 25 MB each: over what an .npz may unpack to, refused unread.
    valid = valid_files()["npz"]
    over = valid
    for at in records(valid)[1]:
        over = put(over, at + CENTRAL["size"], "size", 25 * 1024 * 1024)
    cases["over the total"] = over
    # A directory of 5,000 empty members: over the directory's limit, refused before a ZipInfo is made.
    cases["5,000 members"] = zip_of({f"{k}.npy": b"" for k in range(5_000)})
    codes = codes_of(cases)
    assert None not in codes.values() and codes["over the total"] == "too_large", codes
    assert codes["5,000 members"] == "header" and codes["declared bomb"] == "shapes", codes


def test_huge_declared_shapes_are_refused_before_anything_is_allocated():
    members = npz_members()
    cases = {}
    for name, shape in (
        ("weight_ih_l0", b"(1000000000000,)"),
        ("weight_ih_l0", b"(10**100, 3)"),
        ("weight_ih_l0", b"(" + b"1, " * 40 + b")"),
        ("weight_hh_l0", b"(4000000000000, 1000000000000)"),
        ("bias_ih_l0", b"(2**64,)"),
    ):
        old = members[f"{name}.npy"]
        declared = with_header(old, old[old.index(b"(") : old.index(b")") + 1], shape)
        cases[f"npy {name} {shape[:20]!r}"] = zip_of({**members, f"{name}.npy": declared + b"\0" * 3500})
    huge = {k: npy_bytes(np.zeros(1, np.float32)) for k in lstm_weights.REQUIRED}
    for k, shape in zip(
        lstm_weights.REQUIRED, ("(4000000, 1000000)", "(4000000, 1000000)", "(4000000,)", "(4000000,)"), strict=True
    ):
        huge[k] = with_header(huge[k], b"(1,)", shape.encode())
    cases["npy four consistent huge shapes"] = zip_of({f"{k}.npy": v for k, v in huge.items()})
    good = valid_files()["safetensors f32"]
    (length,) = struct.unpack("<Q", good[:8])
    header = json.loads(good[8 : 8 + length])
    for shape in ([10**12], [4 * 10**6, 10**6], [2**62, 2**62], [1] * 20):
        changed = {**header, "weight_ih_l0": {**header["weight_ih_l0"], "shape": shape}}
        cases[f"safetensors {shape[:2]}"] = safetensors_file(json.dumps(changed).encode(), good[8 + length :])
    consistent = {
        k: {"dtype": "F32", "shape": s, "data_offsets": [0, 4 * 10**12]}
        for k, s in zip(
            lstm_weights.REQUIRED, ([4 * 10**6, 10**6], [4 * 10**6, 10**6], [4 * 10**6], [4 * 10**6]), strict=True
        )
    }
    cases["safetensors consistent huge"] = safetensors_file(json.dumps(consistent).encode(), b"\0" * 64)
    codes = codes_of(cases)
    assert None not in codes.values() and set(codes.values()) <= {"shapes", "too_big", "header", "truncated"}, codes


def test_many_long_names_give_a_short_message():
    long_names = [f"{'x' * 2000}{k}_reverse" for k in range(9_000)]
    entry = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
    cases = {
        "9,000 long names": safetensors_file(json.dumps(dict.fromkeys(long_names, entry)).encode(), b"\0" * 4),
        "40 long names": safetensors_file(json.dumps(dict.fromkeys(long_names[:40], entry)).encode(), b"\0" * 4),
        "npz 40 long names": zip_of({f"{name}.npy": b"" for name in long_names[:40]}),
        "npz 40 long extra names": zip_of({**npz_members(), **{f"{n[:-8]}.npy": b"" for n in long_names[:40]}}),
        "odd characters": zip_of({**npz_members(), "a\n`b`\x00<script>\u202e" * 50 + ".npy": b""}),
        "duplicate members": zip_of({**npz_members(), "weight_ih_l0": b""}),
    }
    codes = codes_of(cases)
    assert codes == {
        "9,000 long names": "header",
        "40 long names": "bidirectional",
        "npz 40 long names": "bidirectional",
        "npz 40 long extra names": "extra_keys",
        "odd characters": "extra_keys",
        "duplicate members": "header",
    }, codes
    with pytest.raises(WeightsError) as err:
        load_weights(cases["40 long names"])
    assert err.value.detail.count(", ") <= lstm_weights.SHOWN_NAMES and "(+37)" in err.value.detail
    with pytest.raises(WeightsError) as err:
        load_weights(cases["odd characters"])
    assert "\n" not in err.value.detail and "\x00" not in err.value.detail and "\u202e" not in err.value.detail


# numpy reads an .npy header as a Python literal: a backslash in a mutated one makes Python warn (an invalid escape)
# before numpy refuses the header. The warning is Python's, not the loader's, and the header is refused either way.
@pytest.mark.filterwarnings("ignore:invalid escape sequence")
def test_random_npy_headers_are_weights_errors():
    rng = np.random.default_rng(SEED)
    members = npz_members()
    npy = members["bias_hh_l0.npy"]
    start, end = 10, npy.index(b"\n", 10)  # the header's text, between its length and its newline
    alphabet = list(b"{}()[]'\",:0123456789 eEjx\\*-.<>|fOV") + [0, 0xFF]
    descrs = [b"'|O'", b"'<c8'", b"[('a', '<f4')]", b"('<f4', (1000000000,))", b"'<U9'", b"'V4'", b"'<M8'", b"'>f4'"]
    cases = {}
    for k in range(300):
        text = bytearray(npy[start:end])
        for at in rng.integers(0, len(text), rng.integers(1, 6)):
            text[at] = alphabet[int(rng.integers(0, len(alphabet)))]
        cases[f"mutated header {k}"] = npy[:start] + bytes(text) + npy[end:]
    for descr in descrs:
        cases[f"descr {descr!r}"] = with_header(npy, b"'<f4'", descr)
    cases["nested parentheses"] = npy[:8] + struct.pack("<H", 4000) + b"(" * 2000 + b")" * 2000
    cases["version 3"] = npy[:6] + b"\x03\x00" + struct.pack("<I", end - start) + npy[start:end] + npy[end:]
    cases["header length 65535"] = npy[:8] + b"\xff\xff" + npy[start:]
    codes = codes_of({label: zip_of({**members, "bias_hh_l0.npy": blob}) for label, blob in cases.items()})
    assert codes["descr b\"'|O'\""] == "not_weights" and codes["descr b\"'<c8'\""] == "dtype"
    assert codes["descr b\"'>f4'\""] is None  # a big-endian float32 is still float32
    assert len({code for code in codes.values()}) >= 3
