"""helpers: the plumbing behind the U-Net image segmentation course.

Each module does one thing: ``config`` (profiles, paths, seeds), ``env`` (versions,
devices, distribution strategy), ``errors`` (the one family of input errors), ``files``
(safe, atomic writing), ``conventions`` (what a mask or an image array means),
``synthetic`` (the bundled datasets), ``io`` (image/mask pairs, reading, resizing),
``splits`` (train/validation/test sets by file stem), ``datasets`` (tf.data pipelines
with augmentation), ``via`` (a subpackage: VIA annotations, JSON or CSV, to masks and
back), ``classical`` (thresholds, edges, watershed), ``metrics``, ``objects`` (counting,
measuring and matching objects), ``unet``, ``losses``, ``training``, ``inference``,
``evaluation``, ``plots``, ``widgets``,
``colab`` (your own data on Colab) and ``exercises`` (checked exercises per chapter);
``cli`` runs the pipeline as ``python -m helpers``.

Importing ``helpers`` imports no module below it, so ``import helpers`` is quick
and TensorFlow loads only where a module needs it.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU instruction notes) is not for
# learners; real errors still reach Python as exceptions. Set before TensorFlow loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
