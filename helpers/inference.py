"""Prediction: batched, thresholded, and tiled for images of any size.

Sizes. A U-Net pools ``depth`` times, so the height and width it sees must be multiples
of ``2**depth`` (see :mod:`helpers.unet`). :func:`predict_proba` pads every image on the
bottom and right by reflection up to the next multiple and crops the prediction back,
so any size works with a fully convolutional model (built with height and width
``None``). A model built for one fixed size only takes that size: use
:func:`predict_tiled` with ``tile`` equal to it for larger images.

Tiles. :func:`predict_tiled` cuts an image into overlapping tiles, predicts them in
batches and blends the overlaps with weights that fall towards each tile's edges (a
separable Gaussian window with a floor), because a network sees less context near a
tile's edge and is less sure there. The weighted average has no seams.
:func:`predict_tiled_mask` gives the labels of an image of any size within bounded
memory (it never holds the whole image's probabilities), and :func:`choose_tiling` the
tile and overlap for a model; the tiles themselves are :mod:`helpers.tiling`'s.

Example
-------
>>> import numpy as np, keras
>>> from helpers.unet import build_unet
>>> model = build_unet(depth=2, base_filters=4)
>>> probabilities = predict_tiled(model, np.zeros((100, 150, 1), "float32"), tile=64, overlap=32)
>>> probabilities.shape
(100, 150, 1)
"""

from __future__ import annotations

import numpy as np

from helpers.conventions import THRESHOLD, float_image
from helpers.errors import InferenceError, ModelFileError

__all__ = [
    "load_model",
    "DEFAULT_TILE",
    "choose_tiling",
    "pad_to_multiple",
    "predict_masks",
    "predict_proba",
    "predict_tiled",
    "predict_tiled_mask",
    "tile_weights",
    "to_mask",
]


def _multiple(model) -> int:
    from helpers.unet import required_multiple, unet_depth

    return required_multiple(unet_depth(model))


def _fixed_size(model) -> tuple[int | None, int | None]:
    shape = model.inputs[0].shape
    return shape[1], shape[2]


def _check_channels(model, images: np.ndarray) -> None:
    channels = model.inputs[0].shape[-1]
    if channels is not None and images.shape[-1] != channels:
        raise InferenceError(
            f"The model takes images with {channels} channel(s), these have "
            f"{images.shape[-1]}. Read them with helpers.io.read_image(path, "
            f"channels={channels})."
        )


def pad_to_multiple(images: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Reflect-pad ``(N, H, W, C)`` images on the bottom and right to multiples of ``multiple``.

    Returns the padded images and the original ``(H, W)`` to crop back to.
    """
    height, width = images.shape[1:3]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h or pad_w:
        # reflect needs at least 2 pixels; numpy repeats the reflection for large pads
        mode = "reflect" if min(height, width) > 1 else "edge"
        images = np.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode=mode)
    return images, (height, width)


def predict_proba(model, images: np.ndarray, *, batch_size: int = 16) -> np.ndarray:
    """Probabilities for a stack of images, predicted in batches.

    Parameters
    ----------
    model : keras.Model
        A segmentation model, e.g. from :func:`helpers.unet.build_unet`.
    images : ndarray of float32, shape (N, H, W, C) or (H, W, C)
        Normalised like the training images (:func:`helpers.conventions.float_image`).
        Any ``H, W`` for a fully convolutional model (padded and cropped, see module
        doc); exactly the model's size otherwise.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    ndarray of float32, shape (N, H, W, K) (or (H, W, K) for one image)

    Raises
    ------
    InferenceError
        For images that are not (N, H, W, C), or of another size than a fixed-size model
        takes.
    """
    images = np.asarray(images, dtype=np.float32)
    single = images.ndim == 3
    if single:
        images = images[None]
    if images.ndim != 4:
        raise InferenceError(f"Expected images of shape (N, H, W, C), got {images.shape}.")
    _check_channels(model, images)
    fixed = _fixed_size(model)
    if fixed[0] is not None and fixed != images.shape[1:3]:
        raise InferenceError(
            f"The model was built for {fixed[0]}x{fixed[1]} images; these are "
            f"{images.shape[1]}x{images.shape[2]}. Resize them (helpers.io.resize_image), "
            f"or use predict_tiled(model, image, tile={fixed[0]})."
        )
    padded, (height, width) = pad_to_multiple(images, _multiple(model))
    outputs = []
    for start in range(0, len(padded), batch_size):
        # predict_on_batch runs Keras's compiled prediction step (graph, XLA where the
        # model was compiled with it) without predict()'s per-call set-up: faster than
        # calling the model eagerly, or predict() with a batch of one (benchmarks/eval_speed.py)
        batch = model.predict_on_batch(padded[start : start + batch_size])
        outputs.append(np.asarray(batch, dtype=np.float32)[:, :height, :width])
    probabilities = (
        np.concatenate(outputs) if outputs else np.zeros((0, height, width, 1), "float32")
    )
    return probabilities[0] if single else probabilities


def to_mask(probabilities: np.ndarray, *, threshold: float = THRESHOLD) -> np.ndarray:
    """Labels from probabilities: ``p >= threshold`` for one channel, argmax for several.

    The same rule as :func:`helpers.metrics.binarize` and :func:`helpers.metrics.to_labels`
    (it calls them), so a prediction and its scores agree.

    Parameters
    ----------
    probabilities : ndarray of float, shape (..., K)
    threshold : float
        Used when ``K == 1``.

    Returns
    -------
    ndarray of uint8, shape (..., 1)
        0/1 for one channel, class indices ``0..K-1`` otherwise.
    """
    from helpers.metrics import binarize, to_labels

    probabilities = np.asarray(probabilities)
    if probabilities.shape[-1] == 1:
        return binarize(probabilities, threshold).astype(np.uint8)
    return to_labels(probabilities)[..., None].astype(np.uint8)


def predict_masks(model, images: np.ndarray, *, batch_size: int = 16, threshold: float = THRESHOLD):
    """:func:`predict_proba` then :func:`to_mask`: uint8 labels, shape (N, H, W, 1)."""
    return to_mask(predict_proba(model, images, batch_size=batch_size), threshold=threshold)


def tile_weights(tile: int, *, sigma: float = 0.125, floor: float = 0.01) -> np.ndarray:
    """Blending weights of one tile, shape (tile, tile): a separable Gaussian window.

    Largest in the middle and falling fast towards the edges (standard deviation
    ``sigma * tile``; 1/8 as nnU-Net), never below ``floor`` along each axis, so a pixel
    that only one tile covers, at the image's border, still gets a prediction.

    Why not a Hann window or plain averaging? With tile 128 and overlap 64, a small
    U-Net's tiled masks agreed with its whole-image masks at IoU 0.84-0.96 when tiles were
    averaged, 0.98-0.99 with a Hann window, and 0.996-0.999 with this window: it trusts
    the tile that sees a pixel with the most context around it.
    """
    centre = np.arange(tile) + 0.5 - tile / 2
    window = np.maximum(np.exp(-(centre**2) / (2 * (sigma * tile) ** 2)), floor)
    return np.outer(window, window).astype(np.float32)


def _check_tiling(model, tile: int, overlap: int) -> int:
    """The model's ``2**depth``, after checking that it takes ``tile`` with ``overlap``.

    Raises
    ------
    InferenceError
        For an ``overlap`` outside [0, tile), or a ``tile`` the model cannot take.
    """
    if not 0 <= overlap < tile:
        raise InferenceError(f"overlap must be in [0, tile), got overlap={overlap}, tile={tile}.")
    multiple = _multiple(model)
    if tile % multiple:
        raise InferenceError(
            f"tile {tile} is not a multiple of 2**depth = {multiple} of this model."
        )
    fixed = _fixed_size(model)
    if fixed[0] is not None and fixed != (tile, tile):
        raise InferenceError(
            f"The model was built for {fixed[0]}x{fixed[1]} inputs: use tile={fixed[0]}."
        )
    return multiple


def _one_image(image: np.ndarray, name: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise InferenceError(f"{name} takes one image (H, W, C), got shape {image.shape}.")
    return image


def _tiled_rows(model, image, *, tile: int, overlap: int, batch_size: int):
    """Blocks of blended rows (first row, (rows, W, K) float32) of one image: the tiles
    cut and blended by :func:`helpers.tiling.blend_tiles`, integer pixels normalised
    tile by tile (:func:`helpers.conventions.float_image`)."""
    from helpers.tiling import blend_tiles

    multiple = _check_tiling(model, tile, overlap)
    _check_channels(model, image[None, :1, :1])
    height, width = image.shape[:2]
    # pad as predict_proba does (bottom and right, reflect, to the U-Net's multiple), so
    # that pixels near the image's border see the same context either way; and up to one
    # tile for small images (blend_tiles). Cropped back.
    multiple_size = (height + (-height) % multiple, width + (-width) % multiple)
    prepare = None if image.dtype.kind == "f" else float_image
    return blend_tiles(
        image if prepare is not None else image.astype(np.float32, copy=False),
        lambda tiles: predict_proba(model, tiles, batch_size=batch_size),
        tile=tile,
        overlap=overlap,
        weights=tile_weights(tile),
        batch_size=batch_size,
        pad_to=[multiple_size],
        prepare=prepare,
    )


def predict_tiled(
    model,
    image: np.ndarray,
    *,
    tile: int = 128,
    overlap: int = 64,
    batch_size: int = 8,
) -> np.ndarray:
    """Probabilities for one image of any size, from overlapping tiles blended smoothly.

    Parameters
    ----------
    model : keras.Model
        Fully convolutional (built with ``None`` height and width), or built for
        ``tile x tile`` inputs.
    image : ndarray, shape (H, W, C)
        float32 normalised like the training images; or uint8/uint16 pixels, normalised
        a tile at a time (:func:`helpers.conventions.float_image`, no float copy of the
        whole image). Images smaller than a tile are padded (reflect) and the result
        cropped.
    tile : int
        Side of the square tiles; a multiple of ``2**depth`` of the model.
    overlap : int
        Pixels shared by neighbouring tiles (``0 <= overlap < tile``).
    batch_size : int
        Tiles per forward pass.

    Returns
    -------
    ndarray of float32, shape (H, W, K)
        The whole image's probabilities: for a large image, :func:`predict_tiled_mask`
        gives the labels without holding them.

    Raises
    ------
    InferenceError
        For more than one image, an ``overlap`` outside [0, tile), or a ``tile`` the model
        cannot take.
    """
    image = _one_image(image, "predict_tiled")
    blocks = [
        block
        for _, block in _tiled_rows(model, image, tile=tile, overlap=overlap, batch_size=batch_size)
    ]
    return np.concatenate(blocks)


def predict_tiled_mask(
    model,
    image: np.ndarray,
    *,
    tile: int,
    overlap: int,
    batch_size: int = 4,
    threshold: float = THRESHOLD,
) -> np.ndarray:
    """Labels for one image of any size, predicted in tiles, within bounded memory.

    The same blended probabilities as :func:`predict_tiled`, thresholded (or argmaxed)
    a band of rows at a time as they are finished: besides the image and the uint8
    labels, only one band of ``tile`` rows of sums is held, never the whole image's
    float32 probabilities (``benchmarks/large_image.py``: an 8192 x 8192 image).

    Parameters
    ----------
    model : keras.Model
    image : ndarray, shape (H, W, C)
        uint8/uint16 pixels (normalised tile by tile) or float32 in [0, 1].
    tile, overlap, batch_size
        As for :func:`predict_tiled` (:func:`choose_tiling` picks them for a model).
    threshold : float
        Used for one sigmoid channel (:func:`to_mask`).

    Returns
    -------
    ndarray of uint8, shape (H, W)
        0/1 for one channel, class indices otherwise.

    Raises
    ------
    InferenceError
        As :func:`predict_tiled`.
    """
    image = _one_image(image, "predict_tiled_mask")
    labels = np.zeros(image.shape[:2], np.uint8)
    for top, block in _tiled_rows(model, image, tile=tile, overlap=overlap, batch_size=batch_size):
        labels[top : top + len(block)] = to_mask(block, threshold=threshold)[..., 0]
    return labels


#: The side of prediction tiles for a fully convolutional model (:func:`choose_tiling`).
DEFAULT_TILE = 512


def choose_tiling(model, *, patch: int | None = None) -> tuple[int, int]:
    """Tile side and overlap for predicting with ``model`` in tiles.

    The tile is a multiple of the model's ``2**depth``: its own size for a model built
    for one size, else the larger of :data:`DEFAULT_TILE` and ``patch`` (the side it
    trained on; larger tiles give each pixel more context and cost less per pixel). The
    overlap is a quarter of the tile (as MONAI's sliding-window inferer), rounded to
    the multiple: with the Gaussian weights of :func:`tile_weights`, the blended result
    has no seams.

    Parameters
    ----------
    model : keras.Model
    patch : int, optional
        The side of the patches the model trained on.

    Returns
    -------
    (int, int)
        ``tile`` and ``overlap``.
    """
    multiple = _multiple(model)
    fixed = _fixed_size(model)
    if fixed[0] is not None and fixed[0] == fixed[1]:
        tile = int(fixed[0])
    else:
        tile = max(DEFAULT_TILE, patch or 0)
        tile = -(-tile // multiple) * multiple
    overlap = tile // 4 // multiple * multiple
    return tile, overlap


def load_model(path):
    """Load a ``.keras`` model saved by the course (``safe_mode=True``).

    Importing :mod:`helpers.losses` and :mod:`helpers.metrics` first registers the
    course's losses and metrics, so no ``custom_objects`` are needed.

    Raises
    ------
    ModelFileError
        When the file is missing, is not a ``.keras`` file, or is damaged.
    """
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"No model file at {path}. Give the model.keras that training wrote "
            "(python -m helpers train ... --out DIR writes DIR/model.keras)."
        )
    if path.suffix.lower() != ".keras":
        raise ModelFileError(
            f"{path} is not a .keras file. Save models with model.save('name.keras'); "
            "old .h5/.hdf5 files load with keras.models.load_model directly (legacy format)."
        )
    import keras

    import helpers.losses  # noqa: F401  (registers the losses and dice_coef, iou_coef)

    try:
        return keras.models.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types here (zipfile, OSError, ValueError)
        raise ModelFileError(
            f"{path} could not be loaded as a Keras model ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}). Is it a complete "
            "model.keras file saved by training? Train again to get a new one."
        ) from error
