"""Chapter 11 and the command line are one recipe (issue 14).

The chapter writes its masks with the VIA loop it shows; the command line with
``python -m helpers via2masks``. For the same image and size the two must give the same
masks, and the arrays the chapter loads must be the batches ``train_on_folder`` streams.
"""

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage.draw import polygon as polygon_pixels

from helpers import cli, config, io, splits

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "notebooks" / "ch11_custom_dataset.py"
MRI_IMAGES = config.data_dir("mri", "images")
MRI_VIA = config.data_dir("mri", "via_annotations.json")


def _chapter_cell(starting: str) -> str:
    """The source of the chapter's code cell that begins with ``starting``."""
    cells = CHAPTER.read_text(encoding="utf-8").split("\n# %%")
    found = [c.split("\n", 1)[1] for c in cells if c.split("\n", 1)[-1].startswith(starting)]
    assert len(found) == 1, f"chapter 11 has no single cell starting {starting!r}"
    ast.parse(found[0])
    return found[0]


@pytest.fixture(scope="module")
def chapter_and_cli_masks(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ch11")
    namespace = {
        "json": json,
        "np": np,
        "Image": Image,
        "Path": Path,
        "polygon_pixels": polygon_pixels,
        "io": io,
        "config": config,
        "via_path": MRI_VIA,
        "images_dir": MRI_IMAGES,
        "out": tmp,
        "print": lambda *args, **kwargs: None,
    }
    namespace["config"] = type("config", (), {"repo_root": staticmethod(lambda: tmp)})
    cell = _chapter_cell("annotations = json.loads(via_path")
    exec(cell, namespace)  # noqa: S102 (our own notebook)
    assert (
        cli.main(
            [
                "via2masks",
                "--via",
                str(MRI_VIA),
                "--images",
                str(MRI_IMAGES),
                "--out",
                str(tmp / "cli_masks"),
            ]
        )
        == 0
    )
    return tmp / "masks_by_hand", tmp / "cli_masks"


def test_the_chapters_via_loop_and_via2masks_write_the_same_masks(chapter_and_cli_masks):
    hand, made = chapter_and_cli_masks
    names = sorted(p.name for p in made.glob("*.png"))
    assert names == sorted(p.name for p in hand.glob("*.png")) and len(names) == 40
    for name in names:
        np.testing.assert_array_equal(
            io.read_mask(hand / name), io.read_mask(made / name), err_msg=name
        )


@pytest.mark.parametrize("size", [64, 128, 256])
def test_same_masks_at_the_training_size(chapter_and_cli_masks, size):
    """What the chapter loads (io.load_pairs) and what train_on_folder streams
    (datasets.from_files), from the chapter's and the CLI's mask folders: identical."""
    from helpers import datasets

    hand, made = chapter_and_cli_masks
    stems = ["mri_001", "mri_004", "mri_005", "mri_037"]  # two lesions, one, none, a large one
    chapter_pairs = splits.select_pairs(io.pair_images_and_masks(MRI_IMAGES, hand), stems)
    cli_pairs = splits.select_pairs(io.pair_images_and_masks(MRI_IMAGES, made), stems)
    x_chapter, y_chapter = io.load_pairs(chapter_pairs, size=size)
    batches = list(datasets.from_files(cli_pairs, size=size, batch_size=3).as_numpy_iterator())
    x_cli = np.concatenate([x for x, _ in batches])
    y_cli = np.concatenate([y for _, y in batches])
    np.testing.assert_array_equal(y_chapter.astype(np.float32), y_cli)
    np.testing.assert_allclose(x_chapter, x_cli, atol=1 / 255)  # decoders may round differently
    # nearest-neighbour shrinking keeps the lesions' size (within 2 %), no rim added
    full = np.stack([io.read_mask(mask) for _, mask in chapter_pairs]).astype(bool).sum()
    assert abs(y_chapter.sum() * (256 / size) ** 2 / full - 1) < 0.02


def test_the_chapter_trains_with_train_on_folder_and_the_clis_split():
    source = CHAPTER.read_text(encoding="utf-8")
    assert "runs.train_on_folder(images_dir, mask_dir, run_dir, profile=profile)" in source
    assert (
        "splits.split_stems(stems, val_fraction=0.15, test_fraction=0.15, seed=config.DEFAULT_SEED)"
        in source
    )
    import inspect

    from helpers import runs

    defaults = {k: v.default for k, v in inspect.signature(runs.train_on_folder).parameters.items()}
    assert (defaults["val_fraction"], defaults["test_fraction"], defaults["seed"]) == (
        0.15,
        0.15,
        config.DEFAULT_SEED,
    )


def test_the_output_starts_at_the_foreground_share(tmp_path):
    from helpers import runs, unet

    mask = np.zeros((10, 10), np.uint8)
    mask[:2, :5] = 255  # 10 % foreground
    for name in ("a", "b"):
        Image.fromarray(mask).save(tmp_path / f"{name}.png")
    pairs = [(tmp_path / "a.png", tmp_path / "a.png"), (tmp_path / "b.png", tmp_path / "b.png")]
    assert runs.foreground_share(pairs) == pytest.approx(0.1)
    model = runs.set_output_prior(unet.build_unet((None, None, 1), base_filters=4), 0.1)
    bias = model.get_layer("probabilities").bias.numpy()
    np.testing.assert_allclose(bias, np.log(0.1 / 0.9), rtol=1e-6)
    several = unet.build_unet((None, None, 1), base_filters=4, num_classes=3)
    before = several.get_layer("probabilities").bias.numpy().copy()
    runs.set_output_prior(several, 0.1)  # softmax: left as built
    np.testing.assert_array_equal(several.get_layer("probabilities").bias.numpy(), before)
