"""The file sink batches concurrent lines into one write, keeps each line whole,
and fails every writer of a batch that could not be written (fail closed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pyvault.audit.devices import AuditSinkError, FileSink
from pyvault.audit.formats import encode


async def test_concurrent_lines_are_all_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    sink = FileSink(str(path), 0o600)
    lines = [f'{{"n":{i},"pad":"{"x" * (i % 50)}"}}\n'.encode() for i in range(500)]
    await asyncio.gather(*(sink.write(line) for line in lines))
    await sink.close()
    assert sorted(path.read_bytes().splitlines(keepends=True)) == sorted(lines)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
async def test_every_writer_of_a_failed_batch_sees_the_error() -> None:
    sink = FileSink("/dev/full", 0)
    results = await asyncio.gather(*(sink.write(b"x\n") for _ in range(20)),
                                   return_exceptions=True)
    assert all(isinstance(r, AuditSinkError) for r in results)
    await sink.close()


async def test_a_cancelled_writer_does_not_strand_the_others(tmp_path: Path) -> None:
    path = tmp_path / "b.log"
    sink = FileSink(str(path), 0o600)
    first = asyncio.create_task(sink.write(b"first\n"))
    others = [asyncio.create_task(sink.write(f"{i}\n".encode())) for i in range(5)]
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(*others)
    await sink.close()
    assert set(path.read_bytes().splitlines()) >= {str(i).encode() for i in range(5)}


def test_json_encoding_is_one_line_in_key_order() -> None:
    entry = {"type": "request", "b": 1, "a": {"z": "ü", "y": [1.5, None, True]}}
    expected = '{"type":"request","b":1,"a":{"z":"ü","y":[1.5,null,true]}}\n'
    assert encode(entry, "json", "") == expected.encode()
    assert encode({"big": 1 << 70}, "json", "@p ") == b'@p {"big":1180591620717411303424}\n'


async def test_a_closed_sink_does_not_reopen_its_file(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    sink = FileSink(str(path), 0o600)
    await sink.write(b"before\n")
    await sink.close()
    with pytest.raises(AuditSinkError, match="closed"):
        await sink.write(b"after\n")
    assert path.read_bytes() == b"before\n"
