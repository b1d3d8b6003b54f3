"""Static model-file analysis: pickles are parsed, never loaded; headers are validated.

Every pickle fixture is hand-written opcode bytes (or `pickle.dumps` of plain ints, dicts and
lists), so nothing with a dangerous ``__reduce__`` is ever created, and nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import struct
import zipfile
from pathlib import Path

import pytest

from aisec_assets.discovery.model_files import (
    LEGACY_TORCH_MAGIC,
    ModelFileError,
    classify_import,
    file_digest,
    read_gguf_header,
    read_safetensors_header,
    scan_model_file,
    scan_pickle_bytes,
    scan_pickle_file,
    scan_zip_file,
)

# ------------------------------------------------------------------------------ fixtures


def unicode_op(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def global_op(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


# posix.system("echo demo") as protocol 2 opcodes.
POSIX_SYSTEM = b"\x80\x02" + global_op("posix", "system") + unicode_op("echo demo") + b"\x85R."
# builtins.eval("print('hello!')"), the research notes' fixture.
BUILTINS_EVAL = b"\x80\x02cbuiltins\neval\nX\x0f\x00\x00\x00print('hello!')\x85R."
# Protocol 0 spelling of the same thing, with the Python 2 module name.
PY2_EVAL = b"c__builtin__\neval\n(S'1+1'\ntR."
# A torch-style state dict: OrderedDict + one tensor rebuilt from a persistent storage id.
BENIGN_STATE_DICT = (
    b"\x80\x02"
    + global_op("collections", "OrderedDict")
    + b")R"
    + unicode_op("classifier.weight")
    + global_op("torch._utils", "_rebuild_tensor_v2")
    + b"(("
    + unicode_op("storage")
    + global_op("torch", "FloatStorage")
    + unicode_op("0")
    + unicode_op("cpu")
    + b"K\x04tQK\x00K\x02K\x02\x86K\x02K\x01\x86\x89"
    + global_op("collections", "OrderedDict")
    + b")RtRs."
)


def legacy_torch_stream(payload: bytes, keys_pickle: bytes | None = None) -> bytes:
    """magic, protocol, sys-info, payload, storage keys, raw storage (pre-1.6 torch.save)."""
    stream = pickle.dumps(LEGACY_TORCH_MAGIC, protocol=2)
    stream += pickle.dumps(1001, protocol=2)
    stream += pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    stream += payload
    stream += keys_pickle if keys_pickle is not None else pickle.dumps(["0"], protocol=2)
    return stream + struct.pack("<q", 4) + b"\x00" * 16


def torch_zip(path: Path, data_pkl: bytes, prefix: str = "archive") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", data_pkl)
        zf.writestr(f"{prefix}/data/0", b"\x00" * 16)
        zf.writestr(f"{prefix}/version", b"3\n")
    return path


def safetensors_file(path: Path, header: dict | bytes, data: bytes, length: int | None = None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + raw + data)
    return path


GOOD_HEADER = {
    "__metadata__": {"format": "pt"},
    "embed.weight": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]},
    "head.bias": {"dtype": "BF16", "shape": [5], "data_offsets": [48, 58]},
}

# ------------------------------------------------------------------------------ verdicts


@pytest.mark.parametrize(
    ("module", "name", "verdict"),
    [
        ("posix", "system", "unsafe"),
        ("nt", "system", "unsafe"),
        ("os", "system", "unsafe"),
        ("subprocess", "Popen", "unsafe"),
        ("builtins", "eval", "unsafe"),
        ("__builtin__", "exec", "unsafe"),  # Python 2 name, mapped like the unpickler does
        ("builtins", "getattr", "unsafe"),
        ("socket", "create_connection", "unsafe"),
        ("runpy", "_run_code", "unsafe"),
        ("importlib", "import_module", "unsafe"),
        ("torch", "load", "unsafe"),
        ("operator", "attrgetter", "unsafe"),
        ("torch.serialization", "os.system", "unsafe"),  # attribute walk to os
        ("collections", "OrderedDict.__init__.__globals__", "unsafe"),
        ("collections", "OrderedDict", "safe"),
        ("torch._utils", "_rebuild_tensor_v2", "safe"),
        ("torch", "BFloat16Storage", "safe"),
        ("numpy.core.multiarray", "_reconstruct", "safe"),
        ("copy_reg", "_reconstructor", "safe"),
        ("transformers.training_args", "TrainingArguments", "safe"),
        ("functools", "partial", "unknown"),
        ("scipy.signal", "windows", "unknown"),  # a real submodule named like stdlib `signal`
        ("__main__", "MyModel", "unknown"),
    ],
)
def test_classify_import(module: str, name: str, verdict: str) -> None:
    assert classify_import(module, name) == verdict


# ------------------------------------------------------------------------------ raw pickles


def test_posix_system_pickle_is_unsafe() -> None:
    scan = scan_pickle_bytes(POSIX_SYSTEM)
    assert scan.unsafe_imports == ["posix.system"]
    assert scan.imports == {"posix.system": "unsafe"}
    assert scan.calls == {"REDUCE": 1}
    assert scan.verdict == "unsafe" and scan.error is None and scan.pickles == 1


def test_builtins_eval_pickles_are_unsafe() -> None:
    assert scan_pickle_bytes(BUILTINS_EVAL).unsafe_imports == ["builtins.eval"]
    py2 = scan_pickle_bytes(PY2_EVAL)
    assert py2.unsafe_imports == ["__builtin__.eval"] and py2.protocol is None


def test_benign_pickles_are_clean() -> None:
    plain = scan_pickle_bytes(pickle.dumps({"lr": 2e-5, "epochs": [1, 2]}, protocol=2))
    assert plain.verdict == "clean" and plain.imports == {}
    ordered = scan_pickle_bytes(
        b"\x80\x02" + global_op("collections", "OrderedDict") + b")R" + b"X\x01\x00\x00\x00aK\x01s."
    )
    assert ordered.imports == {"collections.OrderedDict": "safe"}
    assert ordered.verdict == "clean" and not ordered.unsafe_imports
    state = scan_pickle_bytes(BENIGN_STATE_DICT)
    assert state.verdict == "clean", state.to_dict()
    assert set(state.imports) == {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage",
    }


def test_unknown_import_is_reported_as_unknown() -> None:
    scan = scan_pickle_bytes(b"\x80\x02" + global_op("mylab.models", "Net") + b")R.")
    assert scan.unknown_imports == ["mylab.models.Net"] and scan.verdict == "unknown"


def test_stack_global_through_memo_is_resolved() -> None:
    # Protocol 4: strings memoized, the first STACK_GLOBAL is benign, the second re-reads the
    # memo (BINGET) so the dangerous names never appear right before the opcode.
    data = (
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00"  # PROTO 4, FRAME
        b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94"
        b"\x8c\x05posix\x94\x8c\x06system\x94"
        b"0"  # POP: nothing on the stack is the module name any more
        b"0"
        b"h\x04h\x05\x93\x94"  # BINGET 4 ('posix'), BINGET 5 ('system'), STACK_GLOBAL
        b"\x8c\techo demo\x94\x85R0."
    )
    scan = scan_pickle_bytes(data)
    assert scan.unsafe_imports == ["posix.system"], scan.to_dict()
    assert "collections.OrderedDict" in scan.imports and scan.error is None


def test_stack_global_with_dotted_name_walking_to_os() -> None:
    data = b"\x80\x04\x8c\x13torch.serialization\x8c\tos.system\x93\x8c\x02id\x85R."
    assert scan_pickle_bytes(data).unsafe_imports == ["torch.serialization.os.system"]


def test_unresolvable_stack_global_is_unsafe() -> None:
    # The module name is the *result of a call*: no static reader can know it.
    data = (
        b"\x80\x04"
        + global_op("builtins", "str")
        + b"\x8c\x05posix\x85R"  # str('posix') -> computed value
        + b"\x8c\x06system\x93\x8c\x02id\x85R."
    )
    scan = scan_pickle_bytes(data)
    assert scan.verdict == "unsafe"
    assert any(i.startswith("<unresolved STACK_GLOBAL") for i in scan.unsafe_imports)


def test_inst_opcode_counts_as_import_and_call() -> None:
    scan = scan_pickle_bytes(b"(S'echo demo'\nios\nsystem\n.")
    assert scan.unsafe_imports == ["os.system"] and scan.calls == {"INST": 1}


def test_concatenated_pickles_are_all_scanned() -> None:
    data = pickle.dumps({"a": 1}, protocol=2) + POSIX_SYSTEM
    scan = scan_pickle_bytes(data)
    assert scan.pickles == 2 and scan.unsafe_imports == ["posix.system"]


def test_legacy_torch_stream_where_only_the_last_pickle_is_malicious() -> None:
    # The storage-keys pickle (the last one torch.load reads) carries the payload.
    stream = legacy_torch_stream(BENIGN_STATE_DICT, keys_pickle=POSIX_SYSTEM)
    scan = scan_pickle_bytes(stream)
    assert scan.legacy_torch and scan.pickles == 5
    assert scan.unsafe_imports == ["posix.system"], scan.to_dict()
    assert scan.error is None
    assert any("raw tensor storage" in n for n in scan.notes)


def test_legacy_torch_payload_after_sys_info_is_flagged(tmp_path: Path) -> None:
    # The modelscan 0.8.8 false negative: it reads one pickle after the magic and stops.
    path = tmp_path / "pytorch_model.bin"
    path.write_bytes(legacy_torch_stream(POSIX_SYSTEM))
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "legacy_torch"
    assert facts["pickle"]["unsafe_imports"] == ["posix.system"]
    benign = tmp_path / "benign.bin"
    benign.write_bytes(legacy_torch_stream(BENIGN_STATE_DICT))
    clean = scan_model_file(benign, 1 << 20)
    assert clean["format"] == "legacy_torch" and clean["pickle"]["verdict"] == "clean"
    assert "error" not in clean


def test_truncated_legacy_torch_stream_is_an_error_but_keeps_findings() -> None:
    stream = legacy_torch_stream(POSIX_SYSTEM)
    cut = stream.index(POSIX_SYSTEM) + len(POSIX_SYSTEM)  # payload present, keys missing
    scan = scan_pickle_bytes(stream[:cut])
    assert scan.unsafe_imports == ["posix.system"]
    assert scan.error and "truncated legacy torch file: 4 of 5" in scan.error


@pytest.mark.parametrize(
    "data",
    [
        POSIX_SYSTEM[:-3],  # truncated before REDUCE/STOP
        BENIGN_STATE_DICT[:40],
        b"\x80\x02\x8e\xff\xff\xff\xff\xff\xff\xff\x0f",  # BINBYTES8 with a forged 2**60 length
        b"not a pickle at all",
        b"\xff\xfe\x00garbage",
        b"",
        b"\x80\x02t.",  # TUPLE without a MARK: stack underflow
    ],
)
def test_bad_pickles_give_an_error_not_an_exception(data: bytes) -> None:
    scan = scan_pickle_bytes(data)
    assert scan.error and scan.verdict in ("error", "unsafe")


def test_truncated_pickle_keeps_what_was_already_imported() -> None:
    scan = scan_pickle_bytes(POSIX_SYSTEM[:-3])
    assert scan.unsafe_imports == ["posix.system"] and "invalid pickle" in scan.error


def test_pickle_analysis_stops_at_the_byte_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.pkl"
    # posix.system first, then a long list of strings: the cap cuts the stream short.
    padding = b"(" + unicode_op("x" * 200) * 50 + b"l0"
    path.write_bytes(POSIX_SYSTEM[:-1] + b"0" + padding + b"N.")
    capped = scan_pickle_file(path, max_bytes=1024)
    assert capped.unsafe_imports == ["posix.system"]
    assert capped.error and "analysis cap of 1024 bytes" in capped.error
    full = scan_pickle_file(path, max_bytes=1 << 20)
    assert full.error is None and full.unsafe_imports == ["posix.system"]


# ------------------------------------------------------------------------------ containers


def test_torch_zip_with_malicious_data_pkl(tmp_path: Path) -> None:
    path = torch_zip(tmp_path / "model.pt", POSIX_SYSTEM)
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "torch_zip"
    assert facts["pickle"]["unsafe_imports"] == ["posix.system"]
    assert facts["pickle"]["members"] == ["archive/data.pkl"]
    assert facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_torch_zip_as_bin_and_every_pkl_member_scanned(tmp_path: Path) -> None:
    path = tmp_path / "pytorch_model.bin"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pytorch_model/data.pkl", BENIGN_STATE_DICT)
        zf.writestr("pytorch_model/constants.pkl", BUILTINS_EVAL)
        zf.writestr("pytorch_model/version", b"3\n")
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "torch_zip"
    assert facts["pickle"]["unsafe_imports"] == ["builtins.eval"]
    assert len(facts["pickle"]["members"]) == 2


def test_benign_torch_zip_is_clean(tmp_path: Path) -> None:
    facts = scan_model_file(torch_zip(tmp_path / "ok.pt", BENIGN_STATE_DICT), 1 << 20)
    assert facts["pickle"]["verdict"] == "clean" and "error" not in facts


def test_zip_member_above_the_cap_is_not_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"N" * 200_000 + b".")  # compresses to ~200 bytes
    assert path.stat().st_size < 5_000
    scan, is_torch = scan_zip_file(path, max_member_bytes=10_000)
    assert is_torch and scan.error and "above the cap of 10000" in scan.error


def test_corrupt_zip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pt"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    facts = scan_model_file(path, 1 << 20)
    assert "unreadable zip archive" in facts["error"]


def npy_bytes(descr: str, payload: bytes) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}".encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def test_npy_with_object_dtype_is_scanned(tmp_path: Path) -> None:
    evil = tmp_path / "evil.npy"
    evil.write_bytes(npy_bytes("|O", POSIX_SYSTEM))
    facts = scan_model_file(evil, 1 << 20)
    assert facts["format"] == "numpy" and facts["numpy"]["object_dtype"]
    assert facts["pickle"]["unsafe_imports"] == ["posix.system"]
    numeric = tmp_path / "floats.npy"
    numeric.write_bytes(npy_bytes("<f4", b"\x00" * 4))
    facts = scan_model_file(numeric, 1 << 20)
    assert facts["numpy"] == {"dtype": "<f4", "object_dtype": False} and "pickle" not in facts


def test_npz_object_member_is_scanned(tmp_path: Path) -> None:
    path = tmp_path / "arrays.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.npy", npy_bytes("<f4", b"\x00" * 4))
        zf.writestr("b.npy", npy_bytes("|O", BUILTINS_EVAL))
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "zip"
    assert facts["pickle"]["unsafe_imports"] == ["builtins.eval"]
    assert facts["pickle"]["members"] == ["b.npy"]


# ------------------------------------------------------------------------------ safetensors


def test_safetensors_header_is_read(tmp_path: Path) -> None:
    path = safetensors_file(tmp_path / "model.safetensors", GOOD_HEADER, b"\x00" * 58)
    header = read_safetensors_header(path)
    assert header.metadata == {"format": "pt"}
    assert header.tensors == {
        "embed.weight": {"dtype": "F32", "shape": [4, 3]},
        "head.bias": {"dtype": "BF16", "shape": [5]},
    }
    assert header.parameter_count == 17
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "safetensors"
    assert facts["safetensors"]["parameter_count"] == 17
    assert facts["safetensors"]["dtypes"] == {"BF16": 1, "F32": 1}
    assert "pickle" not in facts and "error" not in facts


@pytest.mark.parametrize(
    ("header", "data", "length", "message"),
    [
        (GOOD_HEADER, b"\x00" * 58, 10_000, "larger than the file"),
        (b"{not json", b"", None, "not JSON"),
        (b"\xff\xfe\xfd", b"", None, "not UTF-8"),
        (b"[1, 2]", b"", None, "expected an object"),
        (GOOD_HEADER, b"\x00" * 20, None, "reach beyond the file"),
        (
            {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}},
            b"\x00" * 8,
            None,
            "needs 16 bytes",
        ),
        ({"w": {"dtype": "F32", "shape": "4", "data_offsets": [0, 4]}}, b"\x00" * 4, None, "shape"),
        ({"__metadata__": {"step": 3}}, b"", None, "__metadata__"),
        (GOOD_HEADER, b"\x00" * 58, 0, "header length is 0"),
    ],
)
def test_bad_safetensors_headers(
    tmp_path: Path, header: dict | bytes, data: bytes, length: int | None, message: str
) -> None:
    path = safetensors_file(tmp_path / "bad.safetensors", header, data, length)
    with pytest.raises(ModelFileError, match=message) as err:
        read_safetensors_header(path)
    assert str(path) in str(err.value)
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "safetensors" and message in facts["error"]


def test_safetensors_shorter_than_prefix_and_header_cap(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x10\x00")
    with pytest.raises(ModelFileError, match="shorter than the 8-byte length prefix"):
        read_safetensors_header(short)
    path = safetensors_file(tmp_path / "m.safetensors", GOOD_HEADER, b"\x00" * 58)
    with pytest.raises(ModelFileError, match="exceeds the cap of 16 bytes"):
        read_safetensors_header(path, max_header_bytes=16)


def test_gguf_header(tmp_path: Path) -> None:
    def gguf_string(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()

    path = tmp_path / "model.gguf"
    kvs = gguf_string("general.architecture") + struct.pack("<I", 8) + gguf_string("llama")
    kvs += gguf_string("llama.context_length") + struct.pack("<II", 4, 8192)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 291, 2) + kvs)
    assert read_gguf_header(path) == {
        "version": 3,
        "tensor_count": 291,
        "metadata_count": 2,
        "general.architecture": "llama",
        "llama.context_length": 8192,
    }
    facts = scan_model_file(path, 1 << 20)
    assert facts["format"] == "gguf" and facts["gguf"]["tensor_count"] == 291
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00")
    assert (
        "truncated" in scan_model_file(bad, 1 << 20)["error"]
        or "GGUF" in (scan_model_file(bad, 1 << 20)["error"])
    )


# ------------------------------------------------------------------------------ digests


def test_file_digest_and_cap(tmp_path: Path) -> None:
    path = tmp_path / "weights.onnx"
    data = bytes(range(256)) * 40
    path.write_bytes(data)
    digest = file_digest(path, max_bytes=len(data))
    assert digest.sha256 == hashlib.sha256(data).hexdigest() and digest.skipped is None
    capped = file_digest(path, max_bytes=len(data) - 1)
    assert capped.sha256 is None and capped.size == len(data)
    assert capped.skipped == f"file is {len(data)} bytes, above the cap of {len(data) - 1}"
    facts = scan_model_file(path, max_file_bytes=100)
    assert facts["format"] == "onnx" and facts["sha256"] is None
    assert "above the cap of 100" in facts["sha256_skipped"]
    missing = file_digest(tmp_path / "nope.bin", 10)
    assert missing.sha256 is None and "cannot read" in missing.skipped


def test_scan_model_file_output_is_json_serialisable(tmp_path: Path) -> None:
    path = torch_zip(tmp_path / "m.pt", POSIX_SYSTEM)
    facts = scan_model_file(path, 1 << 20)
    assert json.loads(json.dumps(facts)) == facts


def test_scanning_never_unpickles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a model file was deserialized")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    raw = tmp_path / "a.pkl"
    raw.write_bytes(io.BytesIO(POSIX_SYSTEM).getvalue())
    assert scan_model_file(raw, 1 << 20)["pickle"]["unsafe_imports"] == ["posix.system"]
    zipped = torch_zip(tmp_path / "b.pt", BUILTINS_EVAL)
    assert scan_model_file(zipped, 1 << 20)["pickle"]["unsafe_imports"] == ["builtins.eval"]
