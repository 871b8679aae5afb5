"""Snapshots are published atomically and old ones are cleaned up."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotae.kb import SnapshotDir, SnapshotNotFound


def _publish(snaps: SnapshotDir, content: str) -> Path:
    with snaps.publish() as folder:
        (folder / "manifest.json").write_text(content, encoding="utf-8")
        (folder / "sub").mkdir()
        (folder / "sub" / "data.bin").write_bytes(b"\x00\x01")
    current = snaps.current()
    assert current is not None
    return current


def _finished(snaps: SnapshotDir) -> list[str]:
    return sorted(p.name for p in snaps.root.iterdir() if not p.name.startswith("."))


def test_nothing_published_yet(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    assert snaps.current() is None and snaps.version() is None
    with pytest.raises(SnapshotNotFound, match="kotae ingest"):
        snaps.require_current()


def test_publish_points_current_at_a_complete_folder(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    folder = _publish(snaps, '{"n": 1}')
    assert folder.parent == snaps.root
    assert not folder.name.startswith(".")
    assert (tmp_path / "CURRENT").read_text(encoding="utf-8").strip() == folder.name
    assert (folder / "manifest.json").read_text(encoding="utf-8") == '{"n": 1}'
    assert (folder / "sub" / "data.bin").read_bytes() == b"\x00\x01"
    assert snaps.require_current() == folder
    assert snaps.version() == folder.name
    assert list(snaps.root.glob(".tmp-*")) == []
    assert list(tmp_path.glob(".CURRENT*")) == []


def test_folder_is_hidden_until_the_block_ends(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    previous = _publish(snaps, "old")
    with snaps.publish() as folder:
        assert folder.name.startswith(".tmp-")
        assert snaps.current() == previous
    assert snaps.current() != previous


def test_failed_publish_keeps_the_previous_snapshot(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    previous = _publish(snaps, "old")
    with pytest.raises(RuntimeError, match="build failed"), snaps.publish() as folder:
        (folder / "manifest.json").write_text("half", encoding="utf-8")
        raise RuntimeError("build failed")
    assert snaps.current() == previous
    assert (previous / "manifest.json").read_text(encoding="utf-8") == "old"
    assert list(snaps.root.glob(".tmp-*")) == []
    assert _finished(snaps) == [previous.name]


def test_failed_first_publish_leaves_nothing_current(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    with pytest.raises(KeyboardInterrupt), snaps.publish():
        raise KeyboardInterrupt
    assert snaps.current() is None
    assert list(snaps.root.iterdir()) == []


def test_old_snapshots_beyond_keep_are_removed(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path, keep=2)
    published = [_publish(snaps, str(i)) for i in range(5)]
    assert len({p.name for p in published}) == 5
    # The two newest stay (the serving one among them); older ones are gone.
    assert _finished(snaps) == sorted(p.name for p in published[-2:])
    assert snaps.current() == published[-1]


def test_leftover_temp_folder_of_a_killed_build_is_cleaned(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path)
    _publish(snaps, "old")
    (snaps.root / ".tmp-killed").mkdir()
    latest = _publish(snaps, "new")
    assert list(snaps.root.glob(".tmp-*")) == []
    assert snaps.current() == latest


def test_keep_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep"):
        SnapshotDir(tmp_path, keep=0)
