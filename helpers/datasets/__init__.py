"""``tf.data`` pipelines of image/mask batches, with paired augmentation.

:func:`from_files` decodes, resizes and normalises each pair once and keeps the result
(in memory within a budget, else in a cache file, else it streams from the files every
epoch: chosen by size and printed), so that epochs after the first only shuffle and
augment; :func:`from_arrays` does the same for arrays already in memory. Both give the
arrays of :mod:`helpers.io` (PNG and BMP decoded by TensorFlow's ops in the
graph, everything else by :func:`helpers.io.read_image` / :func:`helpers.io.read_mask`,
with the same pixels), and ``augment=True`` applies the *same* random flip and
90-degree rotation to an image and its mask, in the graph.

=============================  ===========================================================
:func:`from_files`             batches from image/mask files, decoded once and kept
:func:`from_arrays`            batches from arrays already in memory
:func:`unwrap_data_errors`     a DataError raised mid-epoch given back as one line
:func:`check_mask_labels`      a mask's labels against ``num_classes``, as the pipelines
:func:`readable_in_graph`      whether TensorFlow's decoders read a file as helpers.io does
:func:`default_memory_budget`  bytes the in-memory cache may take by default
:func:`from_patches`           random patches at the images' own size (no resize), a share
                               centred on foreground, elastic and intensity augmentation
:func:`from_tiles`             images at their own size cut into tiles that cover them
                               (the validation of a patch run)
:class:`PatchSampler`          where patches are cut, and the patches, in NumPy
:func:`elastic_deform`         an image and its mask moved by one smooth random field
:func:`jitter_intensity`       random gamma, contrast and brightness of an image
=============================  ===========================================================

The package's private modules are its implementation, one concern each: ``_plan``
(file headers: which reader for which file), ``_decode`` (the two readers), ``_store``
(resizing and packing a pair as it is kept), ``_cache`` (where it is kept),
``_augment`` (paired augmentation and batching), ``_labels`` (label checks),
``_pipeline`` (the pipelines, step by step); for training at native resolution
``_patches`` (the pairs kept whole, where patches are cut), ``_deform`` (elastic
deformation, intensity jitter) and ``_patch_pipeline`` (:func:`from_patches`,
:func:`from_tiles`).

Example
-------
>>> from helpers import config, datasets, io
>>> pairs = io.pair_images_and_masks(config.data_dir("mito", "images"),
...                                  config.data_dir("mito", "masks"))
>>> batches = datasets.from_files(  # doctest: +NORMALIZE_WHITESPACE
...     pairs[:8], size=64, batch_size=4, augment=True)
Pipeline: 8 pairs at 64x64 px, 8 decoded by TensorFlow and 0 by the NumPy reader;
kept in memory (0 MiB of a 2048 MiB budget): epochs after the first only augment.
>>> [tuple(t.shape) for t in next(iter(batches))]
[(4, 64, 64, 1), (4, 64, 64, 1)]
"""

from ._cache import CACHE_CHOICES, MAX_MEMORY_BUDGET, default_memory_budget
from ._deform import (
    ELASTIC_GRID,
    ELASTIC_STD,
    INTENSITY_RANGES,
    deform,
    elastic_deform,
    elastic_field,
    jitter_intensity,
)
from ._labels import check_mask_labels
from ._patch_pipeline import default_patches_per_epoch, from_patches, from_tiles
from ._patches import FOREGROUND_SHARE, MAX_CENTRES, PatchDraw, PatchSampler
from ._pipeline import from_arrays, from_files, unwrap_data_errors
from ._plan import readable_in_graph

__all__ = [
    "CACHE_CHOICES",
    "ELASTIC_GRID",
    "ELASTIC_STD",
    "FOREGROUND_SHARE",
    "INTENSITY_RANGES",
    "MAX_CENTRES",
    "MAX_MEMORY_BUDGET",
    "PatchDraw",
    "PatchSampler",
    "check_mask_labels",
    "default_memory_budget",
    "default_patches_per_epoch",
    "deform",
    "elastic_deform",
    "elastic_field",
    "from_arrays",
    "from_files",
    "from_patches",
    "from_tiles",
    "jitter_intensity",
    "readable_in_graph",
    "unwrap_data_errors",
]
