"""Chapter 2 exercises: choose a global threshold by its IoU, write adaptive thresholding.

In the notebook::

    from helpers.exercises import ch02 as exercises
    exercises.best_level.check(best_level)
    exercises.adaptive_box.check(adaptive_box_mask)

Both are checked on small made-up grey images (dark objects on a light, unevenly lit
background, like the chapter's EM-like images), so a check takes milliseconds.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["best_level", "adaptive_box"]


def _test_image(seed: int, shape=(40, 48)) -> tuple[np.ndarray, np.ndarray]:
    """A uint8 grey image with dark objects (labelled), dark look-alikes and uneven light."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    light = 150 + 60 * cols / (shape[1] - 1)  # brighter to the right
    image = light + rng.normal(0, 12, shape)
    truth = np.zeros(shape, bool)
    for r, c in ((10, 10), (28, 30), (12, 38)):
        blob = (rows - r) ** 2 / 30 + (cols - c) ** 2 / 10 <= 1  # elongated "organelle"
        truth |= blob
        image[blob] = rng.normal(70, 15, blob.sum())
    lookalike = (rows - 30) ** 2 + (cols - 8) ** 2 <= 9  # a round "vesicle", also dark
    image[lookalike] = rng.normal(95, 10, lookalike.sum())
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), truth


def _iou(truth, mask) -> float:
    union = np.logical_or(truth, mask).sum()
    return 1.0 if union == 0 else np.logical_and(truth, mask).sum() / union


def _as_level(got, where: str) -> int:
    if isinstance(got, (bool, np.bool_)):
        raise Wrong(
            f"on {where} your function returned {got}; return the grey level (an integer "
            "from 0 to 255)."
        )
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got.item()
    if isinstance(got, np.ndarray):
        raise Wrong(
            f"on {where} your function returned an array of shape {got.shape}; return one "
            "grey level, e.g. `int(levels[scores.argmax()])`."
        )
    if not isinstance(got, numbers.Real):
        raise Wrong(
            f"on {where} your function returned {describe(got)}; "
            "return one grey level (an integer from 0 to 255)."
        )
    if 0 < got < 1 and got != int(got):
        raise Wrong(
            f"on {where} your function returned {got:.3f}, which looks like an IoU; "
            "return the *level* that gives the best IoU, not the IoU itself."
        )
    if got != int(got) or not 0 <= got <= 255:
        raise Wrong(
            f"on {where} your function returned {got}; a grey level of an 8-bit image is "
            "a whole number from 0 to 255."
        )
    return int(got)


# 1 · The fixed level with the best IoU on one image --------------------------------------


def _best_level(image, truth):
    levels = np.arange(256)
    scores = []
    for level in levels:
        mask = image <= level  # dark objects
        union = np.logical_or(truth, mask).sum()
        scores.append(np.logical_and(truth, mask).sum() / union if union else 1.0)
    return int(levels[np.argmax(scores)])


def _best_level_checker(answer) -> str:
    for seed in (2, 7):
        image, truth = _test_image(seed)
        where = f"test image {seed}"
        level = _as_level(call(answer, image.copy(), truth.copy()), where)
        ious = np.array([_iou(truth, image <= t) for t in range(256)])
        best = ious.max()
        if np.isclose(ious[level], best):
            continue
        bright = np.array([_iou(truth, image >= t) for t in range(256)])
        if np.isclose(bright[level], bright.max()):
            raise Wrong(
                f"on {where} your level {level} is the best for `image >= level`: you "
                "marked the *bright* pixels. The objects are dark: the mask is "
                "`image <= level`."
            )
        if level >= 1 and np.isclose(ious[level - 1], best):
            raise Wrong(
                f"on {where} your level {level} is one too high: it is the best for "
                "`image < level`. This exercise (like `classical.global_threshold_mask` "
                "with dark_objects=True) marks `image <= level`."
            )
        accuracy = np.array([((image <= t) == truth).mean() for t in range(256)])
        if np.isclose(accuracy[level], accuracy.max()):
            raise Wrong(
                f"on {where} your level {level} gives the best pixel *accuracy* "
                f"({accuracy[level]:.3f}), not the best IoU: its IoU is {ious[level]:.3f}, "
                f"while level {int(ious.argmax())} reaches {best:.3f}. Score each level "
                "with the IoU."
            )
        raise Wrong(
            f"on {where} your level {level} gives IoU {ious[level]:.3f}, but level "
            f"{int(ious.argmax())} gives {best:.3f}: try every level from 0 to 255."
        )
    return (
        "you scanned the levels and kept the one with the highest IoU. This needs the "
        "ground truth, so on a new image it is a best case, not a method."
    )


def _best_bright(image, truth):
    scores = [_iou(truth, image >= t) for t in range(256)]
    return int(np.argmax(scores))


def _best_strict(image, truth):
    scores = [_iou(truth, image < t) for t in range(256)]
    return int(np.argmax(scores))


def _best_accuracy(image, truth):
    scores = [((image <= t) == truth).mean() for t in range(256)]
    return int(np.argmax(scores))


def _best_iou_value(image, truth):
    return max(_iou(truth, image <= t) for t in range(256))


def _coarse_levels(image, truth):
    levels = range(0, 256, 50)
    return max(levels, key=lambda t: _iou(truth, image <= t))


best_level = Exercise(
    title="choose a global threshold by maximising IoU on one image",
    expects="a function best_level(image, truth) -> int, the level t whose mask `image <= t` "
    "has the highest IoU with truth",
    checker=_best_level_checker,
    reference=_best_level,
    hints=(
        "Loop over every level from 0 to 255; for each, make the mask `image <= level` and "
        "score it with the IoU.",
        "IoU = np.logical_and(truth, mask).sum() / np.logical_or(truth, mask).sum() "
        "(or `metrics.iou(truth, mask)`).",
        "Keep the scores in a list; `np.argmax(scores)` is the position of the best one.",
    ),
    mistakes=(
        Mistake(_best_bright, "bright"),
        Mistake(_best_strict, "one too high"),
        Mistake(_best_accuracy, "accuracy"),
        Mistake(_best_iou_value, "looks like an iou"),
        Mistake(_coarse_levels, "try every level"),
    ),
)


# 2 · Adaptive thresholding with the plain mean of a box ----------------------------------


def _adaptive_box_mask(image, size, offset):
    local_mean = ndimage.uniform_filter(image.astype(float), size=size)
    return image < local_mean - offset


def _adaptive_cases():
    """(where, image, size, offset); the second image has a very dark corner (mean < offset)."""
    first, _ = _test_image(3)
    second, _ = _test_image(5)
    second[:12, :12] = 8
    return [
        ("test image 3, size 15, offset 10", first, 15, 10),
        ("test image 5 (dark corner), size 9, offset 20", second, 9, 20),
    ]


def _as_mask(got, shape, where: str) -> np.ndarray:
    if not isinstance(got, np.ndarray):
        raise Wrong(
            f"on {where} your function returned {type(got).__name__}; return the mask as "
            "a NumPy array (a comparison such as `image < ...` gives one)."
        )
    if got.shape != shape:
        raise Wrong(
            f"on {where} your mask has shape {got.shape}; it must have the image's shape "
            f"{shape}, one answer per pixel."
        )
    values = set(np.unique(got).tolist())
    if got.dtype != bool and values <= {0, 255}:
        raise Wrong(
            f"on {where} your mask holds {sorted(values)}: give True/False (or 0/1), "
            "what a comparison such as `image < threshold` returns."
        )
    if got.dtype != bool and not values <= {0, 1}:
        raise Wrong(
            f"on {where} your mask holds values such as {sorted(values)[:4]}: a mask is "
            "True/False (or 0/1); did you return the local mean instead of comparing?"
        )
    return got.astype(bool)


def _adaptive_checker(answer) -> str:
    for where, image, size, offset in _adaptive_cases():
        mask = _as_mask(call(answer, image.copy(), size, offset), image.shape, where)
        local = ndimage.uniform_filter(image.astype(float), size=size)
        expected = image < local - offset
        if np.array_equal(mask, expected):
            continue
        inner = (slice(size // 2, -(size // 2)),) * 2
        if np.array_equal(mask[inner], expected[inner]):
            continue  # only the border differs: another (fine) way of padding the image
        if np.array_equal(mask, image < image.mean() - offset):
            raise Wrong(
                f"on {where} you compared each pixel with the mean of the *whole* image: "
                "that is a global threshold. Adaptive means the mean of each pixel's own "
                "size x size neighbourhood: `ndimage.uniform_filter(image, size)`."
            )
        if np.array_equal(mask, image < local + offset):
            raise Wrong(
                f"on {where} you *added* the offset: a pixel counts when it is darker "
                "than its neighbourhood's mean by more than the offset, "
                "`image < local_mean - offset`."
            )
        if np.array_equal(mask, image > local + offset):
            raise Wrong(
                f"on {where} you marked the pixels *brighter* than their "
                "neighbourhood; the objects are dark: `image < local_mean - offset`."
            )
        with np.errstate(over="ignore"):
            wrapped = image < ndimage.uniform_filter(image, size=size) - np.uint8(offset)
        if np.array_equal(mask, wrapped) or np.array_equal(
            mask, image < ndimage.uniform_filter(image, size=size) - offset
        ):
            raise Wrong(
                f"on {where} your local mean stayed in uint8 (whole numbers 0-255): "
                "it is rounded, and `mean - offset` wraps round to about 250 wherever "
                "the mean is below the offset. Convert first: `image.astype(float)`."
            )
        gaussian = ndimage.gaussian_filter(image.astype(float), sigma=(size - 1) / 6)
        if np.array_equal(mask, image < gaussian - offset):
            raise Wrong(
                f"on {where} you used a Gaussian-weighted mean (what the chapter's "
                "`classical.adaptive_mask` does); this exercise asks for the plain mean "
                "of the size x size box: `ndimage.uniform_filter`."
            )
        wrong = int((mask != expected).sum())
        raise Wrong(
            f"on {where} your mask differs from the expected one in {wrong} of "
            f"{mask.size} pixels: compare each pixel with the mean of the size x size "
            "box around it, minus the offset."
        )
    return (
        "each pixel is compared with its own neighbourhood, so uneven light no longer moves "
        "the level. `skimage.filters.threshold_local(image, size, 'mean', offset=offset)` "
        "computes the same threshold."
    )


def _global_mean(image, size, offset):
    return image < image.mean() - offset


def _plus_offset(image, size, offset):
    return image < ndimage.uniform_filter(image.astype(float), size=size) + offset


def _bright(image, size, offset):
    return image > ndimage.uniform_filter(image.astype(float), size=size) + offset


def _uint8_mean(image, size, offset):
    return image < ndimage.uniform_filter(image, size=size) - np.uint8(offset)


def _gaussian_mean(image, size, offset):
    return image < ndimage.gaussian_filter(image.astype(float), sigma=(size - 1) / 6) - offset


def _as_255(image, size, offset):
    return _adaptive_box_mask(image, size, offset).astype(np.uint8) * 255


adaptive_box = Exercise(
    title="write adaptive thresholding with the mean of a box",
    expects="a function adaptive_box_mask(image, size, offset) -> bool mask of the image's "
    "shape, True where a pixel is darker than its size x size neighbourhood's mean "
    "by more than offset",
    checker=_adaptive_checker,
    reference=_adaptive_box_mask,
    hints=(
        "`ndimage.uniform_filter(x, size=size)` replaces every pixel by the mean of the "
        "size x size box around it.",
        "Work in floats: `image.astype(float)`, or `mean - offset` can wrap round in uint8.",
        "The mask is one comparison: `image < local_mean - offset`.",
    ),
    mistakes=(
        Mistake(_global_mean, "global threshold"),
        Mistake(_plus_offset, "added"),
        Mistake(_bright, "brighter"),
        Mistake(_uint8_mean, "uint8"),
        Mistake(_gaussian_mean, "gaussian"),
        Mistake(_as_255, "true/false"),
    ),
)
