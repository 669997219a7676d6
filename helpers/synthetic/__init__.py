"""The bundled datasets: deterministic generators and the writer that lays them out in ``data/``.

Three small datasets let every chapter run offline, on Colab and in CI:

``mito``
    Grey, electron-microscopy-like images. The labelled objects are elongated
    organelles with a dark membrane and striped interior ("cristae"). Each image also
    holds *unlabelled* look-alikes: round vesicles of the same darkness, and dark
    curved membranes. Add uneven illumination and noise, and a global threshold picks
    up everything dark, so it scores poorly, while a U-Net learns shape and texture.
``mri``
    RGB, MRI-like head slices with an irregular bright lesion. The ground truth is a
    VIA 2.x JSON of polygons (most images one lesion, some two, some none), so the
    custom-dataset chapter starts from annotations as a learner's own project would.
``cells``
    Grey, fluorescence-like images with four classes of equally bright objects
    (nuclei, rods, stars and rare crescents) that differ in shape and grain, not in
    brightness; the ground truth is a VIA 2.x JSON of ellipses and polygons whose
    ``class`` attribute names each region's class.

Everything is drawn with integer seeds and plain arithmetic, so ``python -m helpers
synth --out DIR`` writes the same bytes every time (for a given Pillow build).

=============================  ============================================================
:func:`mito_pair`              one EM-like image and its organelle mask
:func:`mri_slice`              one MRI-like slice and its lesion polygons
:func:`lesion_mask`            the binary mask of lesion polygons
:func:`cells_image`            one fluorescence-like image and its classed VIA regions
:func:`cells_mask`             the class-index mask of such regions
:func:`write_all`              every dataset under one folder (``write_mito``,
                               ``write_mri``, ``write_cells`` one each)
:func:`multiotsu_bands`        an image cut into intensity bands by multi-Otsu thresholds
:func:`multiotsu_thresholds`   the thresholds of scikit-image's multi-Otsu, found quickly
:func:`multiotsu_baseline`     per-class IoU that thresholds alone reach on a dataset
=============================  ============================================================

Example
-------
>>> image, mask = mito_pair(0)
>>> image.shape, image.dtype, sorted(set(mask.ravel().tolist()))
((256, 256), dtype('uint8'), [0, 255])
"""

from ._baseline import multiotsu_bands, multiotsu_baseline, multiotsu_thresholds
from ._cells import (
    CELLS_ATTRIBUTE,
    CELLS_CLASSES,
    CELLS_COUNT,
    CELLS_SEED,
    cells_image,
    cells_mask,
    write_cells,
)
from ._common import SIZE
from ._layout import DATASETS, write_all
from ._mito import EXTERNAL_SHAPE, MITO_COUNT, MITO_SEED, mito_pair, write_mito
from ._mri import MRI_COUNT, MRI_SEED, lesion_count, lesion_mask, mri_slice, write_mri

__all__ = [
    "CELLS_ATTRIBUTE",
    "CELLS_CLASSES",
    "CELLS_COUNT",
    "CELLS_SEED",
    "DATASETS",
    "EXTERNAL_SHAPE",
    "MITO_COUNT",
    "MITO_SEED",
    "MRI_COUNT",
    "MRI_SEED",
    "SIZE",
    "cells_image",
    "cells_mask",
    "lesion_count",
    "lesion_mask",
    "mito_pair",
    "mri_slice",
    "multiotsu_bands",
    "multiotsu_baseline",
    "multiotsu_thresholds",
    "write_all",
    "write_cells",
    "write_mito",
    "write_mri",
]
