"""helpers: the plumbing behind the U-Net image segmentation course.

Each module does one thing, from the bottom layer up (``tests/test_layout.py`` keeps the
order: a module imports only its own layer or the layers below):

1. ``errors`` (the one family of input errors);
2. ``config`` (profiles, paths, seeds), ``files`` (safe, atomic writing),
   ``conventions`` (what a mask or an image array means: the threshold, the empty-mask
   rule), ``colab`` (your own data on Colab);
3. ``env`` (versions, devices), ``io`` (image/mask pairs, reading, resizing), ``splits``
   (train/validation/test sets by file stem), ``metrics``, ``objects`` (labelling,
   measuring and matching objects), ``classical`` (thresholds, edges, watershed), ``unet``,
   ``expected`` (the results each profile should give), ``tiling`` (where tiles and
   patches of large images go, and blending them);
4. ``via`` (VIA annotations, JSON or CSV, to masks and back), ``losses``, ``plots``,
   ``datasets`` (tf.data pipelines with augmentation), ``distribute`` (the distribution
   strategy and mixed precision), ``measurements`` (objects measured over a folder),
   ``classes`` (several classes: ``classes.json``, counts, loss weights, colours);
5. ``importers`` (Labelme, COCO and CVAT files to masks, and masks to COCO), ``check``
   (the data check of an image and a mask folder before training), ``synthetic`` (the
   bundled datasets, drawn with ``via``'s rasteriser);
6. ``widgets``, ``inference``, ``training`` (the training loop that survives interruption);
7. ``evaluation`` (one pass: predict each image once, score pixels and objects), ``runs``
   (the run folder: writing, reading, the course's recipes), ``report`` (the HTML quality
   report of a run), ``export`` (a run's model for other programs: bioimage.io,
   SavedModel, TFLite, ONNX);
8. ``cli`` (``python -m helpers``) and ``exercises`` (checked exercises per chapter).

``io``, ``datasets``, ``plots``, ``metrics``, ``objects``, ``via``, ``importers``,
``check``, ``training``, ``runs``, ``evaluation``, ``report``, ``export``, ``synthetic``,
``cli`` and ``exercises`` are packages in the manner of scikit-image: the implementation in
private modules, the public names in the package.

Importing ``helpers`` imports no module below it, so ``import helpers`` is quick
and TensorFlow loads only where a module needs it.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU instruction notes) is not for
# learners; real errors still reach Python as exceptions. Set before TensorFlow loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
