"""VGG Image Annotator (VIA) files: read every 1.x/2.x variant, draw masks, write back.

The course's chapters 10 and 11 start from annotations that learners draw in VIA. This
package is the whole path from such a file to training masks, and back again. Its
public names are the ones below (``from helpers import via; via.load_via(...)``); the
``_records``, ``_read``, ``_csv``, ``_draw``, ``_scanline``, ``_masks`` and ``_write``
modules are its implementation. Errors are the ``Via*Error`` classes of :mod:`helpers.errors`.

=========================  ================================================================
:func:`load_via`           read a VIA 1.x or 2.x export (JSON or CSV), or a VIA 2.x project
:class:`DrawOptions`       how polylines and points are drawn (one value for all below)
:func:`rasterize_regions`  draw regions (every VIA shape) into a binary or class mask
:func:`quality_report`     one row per image: missing images, regions outside the image,
                           degenerate or unknown shapes, ``null`` regions, class counts
:func:`masks_from_via`     write ``<image stem>.png`` masks (and ``classes.json``)
:func:`masks_to_via`       masks or model predictions as a VIA 2.x JSON of polygons
:func:`mask_to_regions`    the polygons of one mask, as VIA regions
=========================  ================================================================

From a terminal: ``python -m helpers via2masks`` and ``python -m helpers masks2via``.

What it does differently from the learning module's converter: it reads every VIA
shape and variant, not only list-style polygons; it draws in the image's real shape
(EXIF orientation applied) so that outlines leaving the image are clipped where they
cross its edge instead of piling up on the border; overlapping regions make a union
(binary) or the later region wins (classes), never a uint8 sum; an image without
regions gets an all-background mask instead of none, so image/mask pairs cannot shift.

Example
-------
>>> from helpers import config, via
>>> project = via.load_via(config.data_dir("mri", "via_annotations.json"))
>>> image = project.images[0]
>>> mask = via.rasterize_regions(image.regions, (256, 256))
>>> mask.shape, mask.dtype
((256, 256), dtype('bool'))
>>> thick = via.rasterize_regions(image.regions, (256, 256), options=via.DrawOptions(line_width=3))
"""

from ._draw import DrawOptions, class_indices, rasterize_regions, region_class
from ._masks import (
    NO_REGIONS,
    REPORT_COLUMNS,
    masks_from_via,
    project_classes,
    quality_report,
    summarize,
)
from ._read import image_shape, load_via
from ._records import ViaImage, ViaProject, ViaRegion
from ._write import mask_to_regions, masks_to_via

__all__ = [
    "NO_REGIONS",
    "REPORT_COLUMNS",
    "DrawOptions",
    "ViaImage",
    "ViaProject",
    "ViaRegion",
    "class_indices",
    "image_shape",
    "load_via",
    "mask_to_regions",
    "masks_from_via",
    "masks_to_via",
    "project_classes",
    "quality_report",
    "rasterize_regions",
    "region_class",
    "summarize",
]
