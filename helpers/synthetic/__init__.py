"""The bundled datasets: deterministic generators and the writer that lays them out in ``data/``.

Two small datasets let every chapter run offline, on Colab and in CI:

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

Everything is drawn with integer seeds and plain arithmetic, so ``python -m helpers
synth --out DIR`` writes the same bytes every time (for a given Pillow build).

=============================  ============================================================
:func:`mito_pair`              one EM-like image and its organelle mask
:func:`mri_slice`              one MRI-like slice and its lesion polygons
:func:`lesion_mask`            the binary mask of lesion polygons
:func:`write_all`              both datasets under one folder (``write_mito``,
                               ``write_mri`` one each)
=============================  ============================================================

Example
-------
>>> image, mask = mito_pair(0)
>>> image.shape, image.dtype, sorted(set(mask.ravel().tolist()))
((256, 256), dtype('uint8'), [0, 255])
"""

from ._common import SIZE
from ._layout import DATASETS, write_all
from ._mito import EXTERNAL_SHAPE, MITO_COUNT, MITO_SEED, mito_pair, write_mito
from ._mri import MRI_COUNT, MRI_SEED, lesion_count, lesion_mask, mri_slice, write_mri

__all__ = [
    "DATASETS",
    "EXTERNAL_SHAPE",
    "MITO_COUNT",
    "MITO_SEED",
    "MRI_COUNT",
    "MRI_SEED",
    "SIZE",
    "lesion_count",
    "lesion_mask",
    "mito_pair",
    "mri_slice",
    "write_all",
    "write_mito",
    "write_mri",
]
