"""Your own data on Colab: uploads unpacked, Drive mounted, results downloaded, with a
stand-in for the ``google.colab`` module (no Colab here)."""

from __future__ import annotations

import io
import sys
import types
import zipfile

import pytest

from helpers import colab
from helpers.errors import DataError, FileExistsRefusedError


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def fake_colab(monkeypatch, tmp_path):
    """``google.colab`` with ``files.upload/download`` and ``drive.mount``.

    The fakes record their calls.
    """
    calls = {"uploads": {}, "downloaded": [], "mounted": []}
    files = types.SimpleNamespace(
        upload=lambda: calls["uploads"], download=lambda path: calls["downloaded"].append(path)
    )
    drive = types.SimpleNamespace(mount=lambda path: calls["mounted"].append(path))
    package = types.ModuleType("google")
    module = types.ModuleType("google.colab")
    module.files, module.drive = files, drive
    package.colab = module
    monkeypatch.setitem(sys.modules, "google", package)
    monkeypatch.setitem(sys.modules, "google.colab", module)
    monkeypatch.setattr(colab, "DRIVE_MOUNT", tmp_path / "drive")
    return calls


def test_a_zip_of_a_folder_lands_as_an_images_folder_and_the_via_file(tmp_path):
    upload = _zip(
        {
            "scans/a.png": b"A",
            "scans/b.JPG": b"B",
            "scans/via_export.json": b"{}",
            "__MACOSX/scans/._a.png": b"junk",
            "scans/notes.txt": b"hello",
        }
    )
    data = colab.unpack_uploads({"scans.zip": upload}, tmp_path / "mine")
    assert sorted(p.name for p in data.images.iterdir()) == ["a.png", "b.JPG"]
    assert data.via == tmp_path / "mine" / "via_export.json" and data.via.read_bytes() == b"{}"


def test_loose_files_and_a_zip_can_be_uploaded_together(tmp_path):
    data = colab.unpack_uploads(
        {"x.png": b"X", "more.zip": _zip({"y.png": b"Y"}), "a.csv": b"c"}, tmp_path
    )
    assert sorted(p.name for p in data.images.iterdir()) == ["x.png", "y.png"]
    assert data.via.name == "a.csv"


def test_names_inside_a_zip_never_reach_outside_the_folder(tmp_path):
    data = colab.unpack_uploads({"evil.zip": _zip({"../../outside.png": b"O"})}, tmp_path / "in")
    assert [p.name for p in data.images.iterdir()] == ["outside.png"]
    assert not (tmp_path / "outside.png").exists()


def test_a_damaged_zip_says_to_make_it_again(tmp_path):
    with pytest.raises(DataError, match=r"broken\.zip is not a readable zip file.*upload it again"):
        colab.unpack_uploads({"broken.zip": b"PK\x03\x04 not really"}, tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_zip_without_images_says_what_it_holds(tmp_path):
    with pytest.raises(
        DataError, match=r"holds no image.*it holds: d\.zip:via\.json, d\.zip:readme\.md"
    ):
        colab.unpack_uploads({"d.zip": _zip({"via.json": b"{}", "readme.md": b"#"})}, tmp_path)


def test_two_images_of_one_name_or_two_via_files_are_named(tmp_path):
    with pytest.raises(DataError, match=r"two images are called a\.png"):
        colab.unpack_uploads({"d.zip": _zip({"one/a.png": b"1", "two/a.png": b"2"})}, tmp_path)
    with pytest.raises(DataError, match=r"2 annotation files \(a\.json, b\.json\)"):
        colab.unpack_uploads({"i.png": b"i", "a.json": b"{}", "b.json": b"{}"}, tmp_path)


def test_a_chapter_that_needs_annotations_says_so_when_there_are_none(tmp_path):
    with pytest.raises(DataError, match=r"2 images but no VIA file.*Export Annotations"):
        colab.unpack_uploads({"a.png": b"a", "b.png": b"b"}, tmp_path, require_via=True)
    assert not any(tmp_path.iterdir())


def test_unpacking_again_refuses_to_replace_files_unless_asked(tmp_path):
    colab.unpack_uploads({"a.png": b"old"}, tmp_path)
    with pytest.raises(FileExistsRefusedError):
        colab.unpack_uploads({"a.png": b"new"}, tmp_path)
    colab.unpack_uploads({"a.png": b"new"}, tmp_path, overwrite=True)
    assert (tmp_path / "images" / "a.png").read_bytes() == b"new"


def test_upload_data_uses_colabs_upload_dialog(fake_colab, tmp_path):
    fake_colab["uploads"].update({"scans.zip": _zip({"s/a.png": b"A", "s/via.json": b"{}"})})
    data = colab.upload_data(tmp_path / "my_data")
    assert data.via.name == "via.json" and (data.images / "a.png").exists()
    fake_colab["uploads"].clear()
    with pytest.raises(DataError, match="nothing was uploaded"):
        colab.upload_data(tmp_path / "my_data")


def test_mount_drive_gives_a_folder_in_my_drive(fake_colab):
    folder = colab.mount_drive("unet-course")
    assert fake_colab["mounted"] == [str(colab.DRIVE_MOUNT)]
    assert folder == colab.DRIVE_MOUNT / "MyDrive" / "unet-course" and folder.is_dir()


def test_download_folder_zips_the_run_and_sends_it(fake_colab, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").write_text("iou\n0.9\n")
    archive = colab.download_folder(run)
    assert fake_colab["downloaded"] == [str(archive)]
    assert zipfile.ZipFile(archive).namelist() == ["metrics.csv"]


def test_outside_colab_the_colab_functions_say_so(monkeypatch, tmp_path):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    with pytest.raises(DataError, match="Google Colab only"):
        colab.upload_data(tmp_path)
    with pytest.raises(DataError, match="Google Colab only"):
        colab.mount_drive()
