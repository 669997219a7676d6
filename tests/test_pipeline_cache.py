"""Tests of helpers.datasets.from_files's cache and its two readers (helpers.datasets._decode).

References: helpers.io.read_image / read_mask (the NumPy reader, tested against Pillow
and OpenCV in test_io.py) for TensorFlow's decoders, pixel for pixel; the streamed
pipeline (cache="none") for the cached ones, batch for batch.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from imagefiles import damaged_files, random_image, save
from PIL import Image

from helpers import config, datasets
from helpers import io as hio
from helpers.datasets._decode import decode_file, decode_in_graph, mask_in_graph
from helpers.errors import ConfigError, DataError


def collect(dataset) -> tuple[np.ndarray, np.ndarray]:
    images, masks = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(masks)


def bundled_pairs(count: int = 8) -> list[tuple[Path, Path]]:
    pairs = hio.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )
    return pairs[:count]


def graph_image(path: Path, channels: int) -> np.ndarray:
    return decode_in_graph(str(path), channels).numpy()


@pytest.fixture
def odd_files(tmp_path) -> dict[str, Path]:
    """Files of every kind a folder may hold, written with Pillow."""
    rgb = random_image((20, 30, 3), seed=40)
    exif = Image.Exif()
    exif[0x0112] = 6
    palette = Image.fromarray(rgb).quantize(64)  # 8-bit indices
    files = {
        "grey.png": save(tmp_path / "grey.png", random_image((20, 30), seed=41)),
        "rgb.png": save(tmp_path / "rgb.png", rgb),
        "rgba.png": save(tmp_path / "rgba.png", random_image((20, 30, 4), seed=42)),
        "grey_alpha.png": save(tmp_path / "grey_alpha.png", random_image((20, 30, 2), seed=43)),
        "rgb.bmp": save(tmp_path / "rgb.bmp", rgb),
        # the NumPy reader's files (TensorFlow's JPEG decoder rounds differently)
        "grey.jpg": save(tmp_path / "grey.jpg", random_image((20, 30), seed=44), quality=90),
        "rgb.jpg": save(tmp_path / "rgb.jpg", rgb, quality=90),
        "grey16.png": save(
            tmp_path / "grey16.png", random_image((20, 30), seed=45, dtype=np.uint16)
        ),
        "rotated.jpg": save(tmp_path / "rotated.jpg", rgb, exif=exif, quality=90),
        "rotated.png": save(tmp_path / "rotated.png", rgb, exif=exif),
        "grey.tif": save(tmp_path / "grey.tif", random_image((20, 30), seed=46)),
        "grey.bmp": save(tmp_path / "grey.bmp", random_image((20, 30), seed=47)),
    }
    palette.save(tmp_path / "palette.png")
    files["palette.png"] = tmp_path / "palette.png"
    return files


IN_GRAPH = ("grey.png", "rgb.png", "rgba.png", "grey_alpha.png", "rgb.bmp", "palette.png")


def test_tensorflow_decodes_only_what_it_reads_like_the_numpy_reader(odd_files, tmp_path):

    jpeg = decode_file(str(odd_files["grey.jpg"]), 1, png=False).numpy()
    assert not np.array_equal(jpeg, hio.read_image(odd_files["grey.jpg"]))  # why JPEG is not
    readable = {name for name, path in odd_files.items() if datasets.readable_in_graph(path)}
    assert readable == set(IN_GRAPH)
    damaged = damaged_files(tmp_path / "damaged")
    assert not any(datasets.readable_in_graph(path) for path in damaged.values())


@pytest.mark.parametrize("channels", [1, 3])
def test_tensorflow_and_numpy_readers_give_the_same_pixels_for_odd_files(odd_files, channels):
    for name in IN_GRAPH:
        expected = hio.read_image(odd_files[name], channels=channels)
        np.testing.assert_array_equal(
            graph_image(odd_files[name], channels), expected, err_msg=name
        )


def test_tensorflow_and_numpy_readers_give_the_same_pixels_for_the_bundled_data():
    mito = bundled_pairs(count=60)
    mri = hio.list_images(config.data_dir("mri", "images"))
    for path in [image for image, _ in mito] + list(mri):
        assert datasets.readable_in_graph(path), path
        for channels in (1, 3):
            np.testing.assert_array_equal(
                graph_image(path, channels),
                hio.read_image(path, channels=channels),
                err_msg=str(path),
            )
    for _, mask in mito:
        assert datasets.readable_in_graph(mask, mask=True)
        raw = mask_in_graph(str(mask)).numpy()
        np.testing.assert_array_equal(np.minimum(raw, 1), hio.read_mask(mask))


def test_a_palette_mask_goes_to_the_numpy_reader_which_keeps_its_indices(tmp_path):
    indices = np.random.default_rng(48).integers(0, 3, size=(16, 16)).astype(np.uint8)
    mask = Image.fromarray(indices, mode="P")
    mask.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * 759)
    mask.save(tmp_path / "m.png")
    image = save(tmp_path / "i.png", random_image((16, 16), seed=49))
    assert datasets.readable_in_graph(image) and not datasets.readable_in_graph(
        tmp_path / "m.png", mask=True
    )
    _, masks = collect(
        datasets.from_files(
            [(image, tmp_path / "m.png")], size=16, batch_size=1, num_classes=3, verbose=False
        )
    )
    np.testing.assert_array_equal(masks[0, ..., 0], indices)


@pytest.mark.parametrize("size", [256, 64])
def test_cached_and_streamed_pipelines_give_equal_batches(tmp_path, size):
    pairs = bundled_pairs()
    runs = {
        cache: collect(
            datasets.from_files(
                pairs, size=size, batch_size=3, cache=cache, cache_dir=tmp_path, verbose=False
            )
        )
        for cache in ("none", "memory", "file")
    }
    for cache in ("memory", "file"):
        np.testing.assert_array_equal(runs[cache][0], runs["none"][0])
        np.testing.assert_array_equal(runs[cache][1], runs["none"][1])
    reference = hio.load_pairs(pairs, size=size)
    tolerance = 0 if size == 256 else 0.5 / 255 + 1e-5  # resized pixels kept as uint8
    np.testing.assert_allclose(runs["memory"][0], reference[0], rtol=0, atol=tolerance)
    np.testing.assert_array_equal(runs["memory"][1], reference[1])


def test_iterating_a_cached_dataset_again_is_the_next_epoch(tmp_path):
    pairs = []
    for i, (image, mask) in enumerate(bundled_pairs(6)):  # copies that the test may change
        pairs.append(
            (
                save(tmp_path / f"{i}.png", hio.read_image(image)[..., 0]),
                save(tmp_path / f"{i}_mask.png", hio.read_mask(mask) * 255),
            )
        )
    cached = datasets.from_files(pairs, size=64, batch_size=4, cache="memory", verbose=False)
    streamed = datasets.from_files(pairs, size=64, batch_size=4, cache="none", verbose=False)
    first, first_streamed = collect(cached), collect(streamed)
    for image, _ in pairs:  # the files change after the first epoch
        save(image, np.zeros((256, 256), np.uint8))
    np.testing.assert_array_equal(collect(cached)[0], first[0])  # kept: not read again
    assert collect(streamed)[0].max() == 0 and first_streamed[0].max() > 0

    shuffled = datasets.from_files(
        pairs[:4], size=32, batch_size=2, augment=True, shuffle=True, seed=3, verbose=False
    )
    epoch_1, epoch_2 = collect(shuffled)[1], collect(shuffled)[1]
    assert not np.array_equal(epoch_1, epoch_2)  # new order and draws in the second epoch
    again = datasets.from_files(
        pairs[:4], size=32, batch_size=2, augment=True, shuffle=True, seed=3, verbose=False
    )
    np.testing.assert_array_equal(collect(again)[1], epoch_1)  # reproducible for a seed


def test_the_cache_is_chosen_by_size_and_said_in_one_line(tmp_path, capsys):
    pairs = bundled_pairs(4)
    datasets.from_files(pairs, size=64, batch_size=2)
    assert re.fullmatch(
        r"Pipeline: 4 pairs at 64x64 px, 4 decoded by TensorFlow .*kept in memory.*\n",
        capsys.readouterr().out,
    )
    small = datasets.from_files(
        pairs, size=64, batch_size=2, memory_budget=1000, cache_dir=tmp_path
    )
    assert "cache file" in capsys.readouterr().out
    collect(small)
    assert list(tmp_path.glob(".tfdata-cache-*/pairs*"))  # the file cache is in cache_dir
    with pytest.raises(ConfigError, match="cache must be one of"):
        datasets.from_files(pairs, size=64, batch_size=2, cache="disk")


def test_a_damaged_file_stops_every_epoch_of_a_cached_dataset_naming_it(tmp_path):
    damaged = damaged_files(tmp_path)
    good = save(tmp_path / "fine.png", random_image((64, 64), seed=50))
    mask = save(tmp_path / "mask.png", np.zeros((64, 64), np.uint8))
    pairs = [(good, mask), (damaged["truncated.png"], mask), (good, mask)]
    dataset = datasets.from_files(pairs, size=16, batch_size=1, cache="memory", verbose=False)
    for _ in range(2):  # the cache keeps the failure, never a dataset one pair short
        with (
            pytest.raises(DataError, match=r"truncated\.png could not be read"),
            datasets.unwrap_data_errors(),
        ):
            collect(dataset)


def test_a_mask_decoded_by_tensorflow_that_is_not_labels_is_named(tmp_path):
    image = save(tmp_path / "a.png", random_image((16, 16), seed=51))
    mask = save(tmp_path / "a_mask.png", random_image((16, 16), seed=52))  # 256 grey levels
    assert datasets.readable_in_graph(mask, mask=True)
    dataset = datasets.from_files([(image, mask)], size=16, batch_size=1, verbose=False)
    with pytest.raises(DataError, match=r"a_mask\.png"), datasets.unwrap_data_errors():
        collect(dataset)
