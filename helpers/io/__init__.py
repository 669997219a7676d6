"""Image/mask pairs: finding, reading, resizing and normalising.

Every chapter gets its data through here, so the rules below hold everywhere:

* **Pairs by file stem.** ``images/cell.01.tif`` pairs with ``masks/cell.01.PNG``:
  the name without its extension must match, the extension may differ (any of
  :data:`IMAGE_EXTENSIONS`, any case). A missing or extra file is an error that names
  it; it never shifts the pairs after it, as pairing by sort position would.
* **Reading** applies the EXIF orientation (a phone photo looks as it does in a
  viewer), keeps 16-bit images 16-bit, and gives RGB, never OpenCV's BGR.
* **Resizing** uses area averaging to shrink images and bilinear interpolation to
  enlarge them, and *nearest neighbour* for masks, so a mask keeps its labels.
* **One normalisation**, :func:`helpers.conventions.float_image` (divide by the dtype's
  maximum: uint8 by 255, uint16 by 65535), for training and prediction alike.
* **Masks become labels**: 0/255 and 0/1 give 0/1; small class indices stay as they
  are; anything else (a JPEG-compressed mask, a colour mask) is an error that says
  what to do. These rules, and the grey formula, are :mod:`helpers.conventions`,
  shared with ``metrics``, ``plots`` and ``classical``.
* **Splits without leakage** are a recipe on top of these pairs: :mod:`helpers.splits`.
* **Streaming**: :func:`helpers.datasets.from_files` decodes files as training asks for them,
  so a folder larger than memory trains.

The implementation is in private modules, one concern each: ``_pairs`` (folders and
pairing), ``_read`` (one file to an array), ``_resize`` and ``_load`` (pairs to arrays).

Example
-------
>>> from helpers import config, io
>>> pairs = io.pair_images_and_masks(config.data_dir("mito", "images"),
...                                  config.data_dir("mito", "masks"))
>>> images, masks = io.load_pairs(pairs[:4], size=64)
>>> images.shape, images.dtype, masks.shape, masks.dtype
((4, 64, 64, 1), dtype('float32'), (4, 64, 64, 1), dtype('uint8'))
"""

from ._load import load_folder, load_pair, load_pairs
from ._pairs import IMAGE_EXTENSIONS, PathLike, as_pairs, list_images, pair_images_and_masks
from ._read import GREY_MODES, MAX_LABEL, infer_channels, raw_mode, read_image, read_mask
from ._resize import prepare_image, resize_image, resize_mask, size_hw

__all__ = [
    "GREY_MODES",
    "IMAGE_EXTENSIONS",
    "MAX_LABEL",
    "PathLike",
    "as_pairs",
    "infer_channels",
    "list_images",
    "load_folder",
    "load_pair",
    "load_pairs",
    "pair_images_and_masks",
    "prepare_image",
    "raw_mode",
    "read_image",
    "read_mask",
    "resize_image",
    "resize_mask",
    "size_hw",
]
