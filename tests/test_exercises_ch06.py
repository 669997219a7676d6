"""Chapter 6's exercise references agree with the helpers they teach.

The helpers are io's pairing and splitting rules.
"""

import pytest

from helpers import io
from helpers.exercises import ch06


def test_pair_reference_pairs_like_io_pair_images_and_masks(tmp_path):
    images, masks = ["b.png", "a.tif", "c.jpg"], ["c.png", "a.png", "b.png"]
    for folder, names in (("images", images), ("masks", masks)):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).touch()
    pairs, orphans = ch06._pair_reference(images, masks)
    expected = io.pair_images_and_masks(tmp_path / "images", tmp_path / "masks")
    assert pairs == [(image.name, mask.name) for image, mask in expected] and orphans == []


@pytest.mark.parametrize("seed", range(5))
def test_grouped_split_reference_keeps_every_slice_on_one_side(seed):
    train, test = ch06._split_reference(ch06._TILE_NAMES, 0.3, seed)
    assert sorted(train + test) == sorted(ch06._TILE_NAMES)
    assert not {ch06._slice_of(n) for n in train} & {ch06._slice_of(n) for n in test}
    assert len({ch06._slice_of(n) for n in test}) == 3
