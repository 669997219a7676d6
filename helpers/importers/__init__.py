"""Labels from other tools: Labelme, COCO and CVAT files to masks, and masks back to COCO.

VIA is the course's labelling tool (:mod:`helpers.via`), but labs label with what they
already use. These importers turn the files of the common tools into the course's
masks, with the guarantees of :func:`helpers.via.masks_from_via`: one ``<image
stem>.png`` per image (class indices, 0 background), a ``classes.json`` beside them, a
quality report per image, nothing overwritten unless asked, nothing half-written on
bad input, and no path in a file that reads or writes outside the folders given.

=========================  ================================================================
:func:`masks_from_labelme` a folder of Labelme JSON files (polygons, rectangles, circles,
                           lines, linestrips, points, ``group_id``, embedded images);
                           class masks, or 16-bit instance images
:func:`masks_from_coco`    a COCO instances file (polygons, RLE of both kinds, ``iscrowd``);
                           class masks, or 16-bit instance images
:func:`masks_from_cvat`    a CVAT for images 1.1 XML (polygons, boxes, polylines, points,
                           ellipses, masks, ``occluded``, ``z_order``)
:func:`masks_to_coco`      masks back to a COCO file of polygons, which most tools import
:func:`decode_rle`         a COCO RLE (compressed or not) as a mask, without pycocotools
=========================  ================================================================

From a terminal: ``python -m helpers labelme2masks``, ``coco2masks``, ``cvat2masks`` and
``masks2coco``.

Every shape is drawn by the course's one rasteriser, :func:`helpers.via.rasterize_regions`
(each tool's shapes are turned into VIA regions first): a shape covers the pixels whose
centres lie inside it or on its outline, clipped at the image's edge, whatever tool
drew it. Only ready-made masks (COCO RLE, CVAT and Labelme masks) are pasted as they
are. Class names become 1..K in sorted order (:func:`helpers.via.class_indices`); labels
to be left out of training (``ignore=``, and Labelme's ``__ignore__``) become
:data:`IGNORE_VALUE`, declared in ``classes.json`` as ``"ignore": 255``. Shapes that are
partly outside the image are drawn clipped and counted (``partly_outside``), never
clipped silently. Errors are :class:`~helpers.errors.AnnotationError` (and
:class:`~helpers.errors.AnnotationNotFoundError`), and
:class:`~helpers.errors.FileExistsRefusedError` for outputs already there.

Example
-------
>>> import json, tempfile
>>> from pathlib import Path
>>> import numpy as np
>>> from PIL import Image
>>> folder = Path(tempfile.mkdtemp())
>>> Image.new("L", (40, 30)).save(folder / "a.png")
>>> coco = {"images": [{"id": 1, "file_name": "a.png", "height": 30, "width": 40}],
...         "categories": [{"id": 7, "name": "cell"}],
...         "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "iscrowd": 0,
...                          "segmentation": [[5, 5, 25, 5, 25, 20, 5, 20]]}]}
>>> _ = (folder / "coco.json").write_text(json.dumps(coco))
>>> report = masks_from_coco(folder / "coco.json", folder, folder / "masks")
>>> report[["filename", "status", "drawn", "class:cell"]].to_dict("records")
[{'filename': 'a.png', 'status': 'ok', 'drawn': 1, 'class:cell': 1}]
>>> int((np.asarray(Image.open(folder / "masks" / "a.png")) == 1).sum())  # 20 x 15 pixels
300
"""

from ._coco import load_coco, masks_from_coco
from ._convert import CLASSES_FILE, IGNORE_VALUE, REPORT_COLUMNS
from ._cvat import masks_from_cvat
from ._labelme import LABELME_DRAWING, LABELME_IGNORE, masks_from_labelme
from ._rle import decode_rle
from ._to_coco import masks_to_coco

__all__ = [
    "CLASSES_FILE",
    "IGNORE_VALUE",
    "LABELME_DRAWING",
    "LABELME_IGNORE",
    "REPORT_COLUMNS",
    "decode_rle",
    "load_coco",
    "masks_from_coco",
    "masks_from_cvat",
    "masks_from_labelme",
    "masks_to_coco",
]
