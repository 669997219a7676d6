import numpy as np
import pytest
from PIL import Image

from helpers import errors, files


def test_write_refuses_to_replace_an_existing_file(tmp_path):
    target = tmp_path / "mask.png"
    target.write_bytes(b"precious")
    with pytest.raises(errors.FileExistsRefusedError, match="overwrite"):
        files.write_bytes(target, b"new")
    assert target.read_bytes() == b"precious"


def test_write_replaces_when_asked_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    files.write_text(target, "one")
    files.write_text(target, "two", overwrite=True)
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_an_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(target, "new", overwrite=True)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize(
    "shape,dtype", [((5, 7), np.uint8), ((5, 7, 3), np.uint8), ((5, 7), np.uint16)]
)
def test_png_round_trip_keeps_pixels(tmp_path, shape, dtype):
    rng = np.random.default_rng(0)
    array = rng.integers(0, np.iinfo(dtype).max, size=shape, dtype=dtype)
    path = files.write_png(tmp_path / "x.png", array)
    assert (np.asarray(Image.open(path)) == array).all()


def test_png_refuses_float_pixels():
    with pytest.raises(TypeError, match="uint8"):
        files.png_bytes(np.zeros((2, 2), dtype=np.float32))


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    written = files.write_text(tmp_path / "atomic.txt", "x")
    assert os.stat(written).st_mode & 0o777 == os.stat(plain).st_mode & 0o777
