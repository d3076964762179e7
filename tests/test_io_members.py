"""Gzip members one at a time: boundaries, bounded reads, damage and where reading resumes."""

from __future__ import annotations

import gzip
import io
import random
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.io.members import GzipMembers, MemberDamaged


def _members(*parts: bytes) -> tuple[bytes, list[int]]:
    """``parts`` gzipped one member each; returns the stream and every member's offset."""
    offsets, data = [], b""
    for part in parts:
        offsets.append(len(data))
        data += gzip.compress(part, mtime=0)
    return data, offsets


def _read_all(data: bytes, size: int = 1000) -> list[tuple[int, bytes | MemberDamaged]]:
    """(offset, inflated bytes or the damage) of every member, read ``size`` bytes at a time."""
    found: list[tuple[int, bytes | MemberDamaged]] = []
    for member in GzipMembers(io.BytesIO(data)):
        pieces = []
        try:
            while piece := member.read(size):
                assert len(piece) <= size
                pieces.append(piece)
        except MemberDamaged as damage:
            found.append((member.offset, damage))
            continue
        found.append((member.offset, b"".join(pieces)))
    return found


def test_members_come_out_whole_at_their_offsets():
    parts = [b"WARC/1.0 first\r\n", b"", b"x" * 300_000, random.Random(1).randbytes(200_000)]
    data, offsets = _members(*parts)
    assert _read_all(data) == list(zip(offsets, parts, strict=True))


def test_a_member_left_unread_is_skipped_to_its_end():
    data, offsets = _members(b"a" * 100_000, b"second")
    members = GzipMembers(io.BytesIO(data))
    found = []
    for member in members:
        found.append((member.offset, member.read(10)))
    assert found == [(offsets[0], b"a" * 10), (offsets[1], b"second")]


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_member_cut_short_is_skipped_to_the_next_one(where):
    # Incompressible data spanning many reads and more than the window kept behind the read
    # position: the cut is found well past the member's start.
    big = random.Random(2).randbytes(3_000_000)
    data, offsets = _members(b"before", big, b"after")
    cut_at = offsets[1] + int((offsets[2] - offsets[1]) * where)
    damaged = data[:cut_at] + data[offsets[2]:]
    found = _read_all(damaged, size=16384)
    assert [offset for offset, _ in found] == [0, offsets[1], cut_at]
    assert found[0][1] == b"before" and found[2][1] == b"after"
    damage = found[1][1]
    assert isinstance(damage, MemberDamaged)
    assert (damage.start, damage.end) == (offsets[1], cut_at)


def test_a_failed_check_and_an_early_end_are_damage():
    data, offsets = _members(b"first member", b"second member")
    flipped = bytearray(data)
    flipped[offsets[1] - 5] ^= 0xFF  # inside the first member's CRC
    found = _read_all(bytes(flipped))
    assert isinstance(found[0][1], MemberDamaged)
    assert found[0][1].reason == "incorrect data check"
    assert found[1] == (offsets[1], b"second member")
    found = _read_all(data[:-3])
    assert found[0] == (0, b"first member")
    assert isinstance(found[1][1], MemberDamaged)
    assert found[1][1].reason == "the file ends inside it"
    assert found[1][1].end == len(data) - 3


def test_every_byte_before_the_damage_is_read_first():
    # So a record cut short in its payload still shows its headers (and its id). Here the
    # damage is found in the last call to zlib, which fails as a whole.
    words = random.Random(3).choices(["council", "bridge", "river", "vote", "town"], k=16_000)
    payload = " ".join(words).encode()
    data, offsets = _members(payload, random.Random(4).randbytes(2000))
    cut = data[: offsets[1] - 100] + data[offsets[1]:]
    member = next(iter(GzipMembers(io.BytesIO(cut))))
    pieces = []
    with pytest.raises(MemberDamaged, match="incorrect data check"):
        while piece := member.read(1 << 20):
            pieces.append(piece)
    # What the kept bytes inflate to; what inflates after them is the next member's bytes read
    # as deflate data, until the member's check fails.
    kept = zlib.decompressobj(wbits=31).decompress(data[: offsets[1] - 100])
    assert payload.startswith(kept) and len(kept) > 0.9 * len(payload)
    assert b"".join(pieces).startswith(kept)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode),
                min_size=1, max_size=6), st.data())
def test_any_cut_in_one_member_costs_that_member_only(parts, data):
    stream, offsets = _members(*parts)
    ends = offsets[1:] + [len(stream)]
    damaged = data.draw(st.integers(0, len(parts) - 1))
    start = data.draw(st.integers(offsets[damaged], ends[damaged] - 1))
    stop = data.draw(st.integers(start + 1, ends[damaged]))
    if (start, stop) == (offsets[damaged], ends[damaged]):
        stop -= 1  # not the whole member: that would be no damage at all
    found = _read_all(stream[:start] + stream[stop:])
    damages = [item for _, item in found if isinstance(item, MemberDamaged)]
    assert len(damages) == 1 and damages[0].start == offsets[damaged]
    assert [item for _, item in found if isinstance(item, bytes)] == [
        part for number, part in enumerate(parts) if number != damaged]


def test_memory_stays_bounded_on_a_large_member():
    data, _ = _members(random.Random(5).randbytes(12_000_000))
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        for member in GzipMembers(stream):
            while member.read(16384):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000
