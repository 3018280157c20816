"""Self-tests of the helper programs, without any daemon: the log-integrity
oracle must catch what it claims to catch (a missing chunk, reordered
records, a flipped byte, a cut tail, garbage) and accept what is fine (a
rotated suffix that starts mid-record, both streams in one file)."""

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

import fvharness as H


@pytest.fixture(scope="module")
def stream():
    d = Path(tempfile.mkdtemp(prefix="fvt-selftest-"))
    out = d / "out.bin"
    with open(out, "wb") as f:
        subprocess.run([H.helper("fvt-spew"), "--bytes", "4M", "--report",
                        str(d / "report")], stdout=f, check=True)
    rep = dict(x.split("=", 1) for x in (d / "report").read_text().split())
    yield d, out.read_bytes(), int(rep["records"])
    for p in d.iterdir():
        p.unlink()
    d.rmdir()


def check(tmpdir, parts, mode, stream="out", expect=None):
    files = []
    for i, data in enumerate(parts):
        p = Path(tmpdir) / ("part%d" % i)
        p.write_bytes(data)
        files.append(p)
    return H.verify_stream(files, mode, stream, expect)


def record_offsets(data):
    out, i = [], data.find(b"\nFVT\0\xff\xc3\n")
    while i >= 0:
        out.append(i)
        i = data.find(b"\nFVT\0\xff\xc3\n", i + 1)
    return out


def test_whole_stream_is_complete(stream, tmp_path):
    _, data, n = stream
    rc, info, text = check(tmp_path, [data], "complete", expect=n)
    assert rc == 0, text
    assert info["out"]["records"] == str(n)


def test_any_split_into_files_is_complete(stream, tmp_path):
    _, data, n = stream
    cuts = [1, 33, 4096, 70000, len(data) // 2, len(data) - 5]
    parts, prev = [], 0
    for c in cuts:
        parts.append(data[prev:c])
        prev = c
    parts.append(data[prev:])
    rc, _, text = check(tmp_path, parts, "complete", expect=n)
    assert rc == 0, text


def test_suffix_from_mid_record(stream, tmp_path):
    _, data, n = stream
    cut = record_offsets(data)[100] + 17
    rc, info, text = check(tmp_path, [data[cut:]], "suffix", expect=n)
    assert rc == 0, text
    assert info["out"]["first"] == "101"
    rc, _, _ = check(tmp_path, [data[cut:]], "complete")
    assert rc == 1


def test_missing_chunk_is_a_gap(stream, tmp_path):
    _, data, _ = stream
    offs = record_offsets(data)
    a, b = offs[50] + 5, offs[60] + 9
    rc, info, text = check(tmp_path, [data[:a], data[b:]], "suffix")
    assert rc == 1
    assert info["out"]["gaps"] == "1" and int(info["out"]["missing"]) >= 9, \
        text


def test_reordered_records(stream, tmp_path):
    _, data, _ = stream
    offs = record_offsets(data)
    r1, r2 = data[offs[10]:offs[11]], data[offs[11]:offs[12]]
    swapped = data[:offs[10]] + r2 + r1 + data[offs[12]:]
    rc, info, text = check(tmp_path, [swapped], "complete")
    assert rc == 1 and info["out"]["backwards"] == "1", text


def test_flipped_byte_is_corruption(stream, tmp_path):
    _, data, _ = stream
    offs = record_offsets(data)
    # Pick a record with a payload and flip a byte in it.
    i = next(k for k in range(len(offs) - 1)
             if offs[k + 1] - offs[k] > 40)
    bad = bytearray(data)
    bad[offs[i] + 35] ^= 0x40
    rc, info, text = check(tmp_path, [bytes(bad)], "complete")
    assert rc == 1 and info["out"]["corrupt"] == "1", text


def test_cut_tail_is_not_final(stream, tmp_path):
    _, data, _ = stream
    rc, info, text = check(tmp_path, [data[:-3]], "suffix")
    assert rc == 1 and info["out"]["truncated"] == "1", text
    offs = record_offsets(data)
    rc, info, text = check(tmp_path, [data[:offs[-1]]], "complete")
    assert rc == 1 and info["out"]["final"] == "0", text


def test_garbage_between_records(stream, tmp_path):
    _, data, _ = stream
    offs = record_offsets(data)
    rc, info, text = check(tmp_path, [data[:offs[7]], b"hello\n",
                                      data[offs[7]:]], "complete")
    assert rc == 1 and info["out"]["junk"] == "6", text


def test_both_streams_interleaved(tmp_path):
    out = tmp_path / "both.bin"
    with open(out, "wb") as f:
        subprocess.run([H.helper("fvt-spew"), "--bytes", "2M", "--stream",
                        "both"], stdout=f, stderr=f, check=True)
    rc, info, text = H.verify_stream([out], "complete", "both")
    assert rc == 0, text
    assert set(info) == {"out", "err"}


def test_rate_limit(tmp_path):
    out = tmp_path / "slow.bin"
    t = os.times().elapsed
    with open(out, "wb") as f:
        subprocess.run([H.helper("fvt-spew"), "--bytes", "300K", "--rate",
                        "1M"], stdout=f, check=True)
    took = os.times().elapsed - t
    assert 0.2 <= took <= 2.0, took
    rc, _, text = H.verify_stream([out], "complete")
    assert rc == 0, text
