"""helpers: the plumbing behind the U-Net image segmentation course.

Each module does one thing: ``config`` (profiles, paths, seeds), ``env`` (versions,
devices, distribution strategy), ``files`` (safe, atomic writing), ``synthetic`` (the
bundled datasets), ``io`` (image/mask pairs, reading, resizing, splitting),
``datasets`` (streaming tf.data pipelines with augmentation), ``via`` (VIA
annotations to masks and back), ``classical`` (thresholds, edges, watershed),
``metrics``, ``unet``, ``losses``, ``training``, ``inference``, ``evaluation``,
``plots`` and ``widgets``; ``cli`` runs the pipeline as ``python -m helpers``.

Importing ``helpers`` imports no module below it, so ``import helpers`` is quick
and TensorFlow loads only where a module needs it.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU instruction notes) is not for
# learners; real errors still reach Python as exceptions. Set before TensorFlow loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
