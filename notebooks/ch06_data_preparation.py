# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 6 · Preparing the data
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch06_data_preparation.ipynb)
#
# A network learns from pairs: an image, and a mask that says which pixels belong to
# the object. Most failed segmentation projects fail here, silently: a mask paired with
# the wrong image, colours swapped, labels blurred by resizing. The training then "works"
# and learns nonsense. In this notebook you will:
#
# 1. pair images with their masks by file name, and see why pairing by position breaks;
# 2. read images the right way round (RGB, not BGR);
# 3. resize images and masks, each with the right method;
# 4. normalise pixels once, the same way for training and prediction;
# 5. split the pairs into training, validation and test sets that never overlap;
# 6. look at the result, and stream it to the network with augmentation.

# %% [markdown]
# ## Set-up
#
# On Colab this cell downloads the course (code and data) and installs its `helpers`
# package. On your own computer it does nothing: `make course` or `make lab` has
# already installed everything.

# %%
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ start-up notes out
REPO_URL = "https://github.com/unet-course/unet-segmentation-course"
if "google.colab" in sys.modules:
    if not os.path.isdir("/content/course"):
        try:
            for command in (
                ["git", "clone", "--quiet", "--depth", "1", REPO_URL, "/content/course"],
                [sys.executable, "-m", "pip", "install", "--quiet", "-e", "/content/course"],
            ):
                subprocess.run(command, check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            print("Set-up failed:", (error.stderr or "").strip()[-400:])
            print("Check the runtime has internet access (Runtime > Connect), then run this cell again.")
    sys.path.insert(0, "/content/course")
    os.chdir("/content/course/notebooks")

# %% [markdown]
# ## Imports and run profile

# %%
import json
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import matplotlib.pyplot as plt

from helpers import config, datasets, io, plots

profile = config.get_profile()
print(profile)
config.set_seed()

# %% [markdown]
# ## Where the data is
#
# The course ships EM-like images in `data/mito/images/` and their masks in
# `data/mito/masks/`. A mask has the **same file name** as its image: that name is the
# only thing that ties the two together.

# %%
image_dir = config.data_dir("mito", "images")
mask_dir = config.data_dir("mito", "masks")
print(len(list(image_dir.iterdir())), "images, e.g.", sorted(p.name for p in image_dir.iterdir())[:3])
print(len(list(mask_dir.iterdir())), "masks,  e.g.", sorted(p.name for p in mask_dir.iterdir())[:3])

# %% [markdown]
# ## 1 · Pairing by name, not by position
#
# > **Common mistake.** The module lists the image folder and the mask folder separately
# > (without even sorting them) and pairs the *n*-th image with the *n*-th mask. One
# > missing or extra file, and every pair after it is wrong, with no error.
#
# Let us see it happen. We copy a few pairs to a scratch folder and lose one mask, as
# happens when an annotator skips an image:

# %%
scratch = Path(tempfile.mkdtemp())
for source, folder in ((image_dir, "images"), (mask_dir, "masks")):  # the first 5 files of each
    shutil.copytree(source, scratch / folder, ignore=lambda _, names: sorted(names)[5:])
(scratch / "masks" / "mito_001.png").unlink()  # one mask goes missing

by_position = list(zip(sorted((scratch / "images").iterdir()), sorted((scratch / "masks").iterdir())))
for image_path, mask_path in by_position:
    print(f"{image_path.name} <- {mask_path.name}", "" if image_path.name == mask_path.name else "  WRONG")

# %% [markdown]
# Three of four pairs are wrong and nothing complained. `io.pair_images_and_masks`
# matches by file name (without the extension, so `cell.PNG` pairs with `cell.tif`) and
# stops with a message naming the file that has no partner:

# %%
try:
    io.pair_images_and_masks(scratch / "images", scratch / "masks")
except io.DataError as error:
    print("DataError:", error)
shutil.rmtree(scratch)

# %% [markdown]
# On the complete folders it gives every pair, sorted by name:

# %%
pairs = io.pair_images_and_masks(image_dir, mask_dir)
print(len(pairs), "pairs; first:", pairs[0][0].name, "+", pairs[0][1].name)

# %% [markdown]
# ## 2 · Reading images the right way round
#
# OpenCV's `cv2.imread` returns colour images in **BGR** order, blue first. Matplotlib,
# Pillow and TensorFlow expect **RGB**. Mixing them swaps red and blue.
#
# > **Common mistake.** The module reads with `cv2.imread` and hands the array straight
# > to Pillow, so its colour images are stored with red and blue swapped.
#
# The MRI images of chapter 11 are in colour, so the mistake shows there:

# %%
mri_path = config.data_dir("mri", "images", "mri_000.png")
bgr = cv2.imread(str(mri_path))  # what OpenCV gives
rgb = io.read_image(mri_path)  # what helpers gives: RGB, upright (EXIF), 8 or 16 bit kept
print("same pixels, channels reversed:", np.array_equal(bgr[..., ::-1], rgb))

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, picture, title in zip(axes, (bgr, rgb), ("cv2.imread shown as RGB (wrong)", "io.read_image (right)")):
    ax.imshow(picture)
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# Grey images come back with one channel, shape `(height, width, 1)`, and masks as
# labels: `io.read_mask` turns a mask saved as 0/255 into 0/1, and refuses a mask it
# cannot trust (a JPEG with blurred edges, say) with a message saying what to do.

# %%
image = io.read_image(pairs[0][0])
mask = io.read_mask(pairs[0][1])
print("image", image.shape, image.dtype, "values", image.min(), "to", image.max())
print("mask ", mask.shape, mask.dtype, "labels", np.unique(mask))

# %% [markdown]
# ## 3 · Resizing: smooth for images, nearest for masks
#
# Networks take a fixed size; this profile uses `image_size` pixels. Images and masks
# need *different* resizing:
#
# - an **image** should be averaged when it shrinks (area interpolation), or thin
#   structures break up into jagged dots (aliasing);
# - a **mask** must keep its labels, so each new pixel copies the nearest old one.
#   Smoothing a mask invents values between 0 and 1 that are no label at all.
#
# > **Common mistake.** The module does the opposite: nearest for images and Pillow's
# > default smoothing filter for masks.

# %%
small = 48  # exaggerated, so the difference is easy to see
wrong_image = cv2.resize(image, (small, small), interpolation=cv2.INTER_NEAREST)
wrong_mask = cv2.resize(mask.astype(np.float32), (small, small), interpolation=cv2.INTER_LINEAR)
right_image = io.resize_image(image, small)
right_mask = io.resize_mask(mask, small)
print("values in a smoothed mask:", len(np.unique(wrong_mask)), "(labels were 2)")
print("values in a nearest mask: ", np.unique(right_mask))

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.5))
panels = [
    (wrong_image, "image, nearest (aliased)"), (right_image, "image, area (smooth)"),
    (wrong_mask, "mask, smoothed (not labels)"), (right_mask, "mask, nearest (labels)"),
]
for ax, (picture, title) in zip(axes, panels):
    ax.imshow(np.squeeze(picture), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 4 · One normalisation
#
# Networks train best on small numbers, so pixel values 0–255 are scaled to 0–1.
# `io.normalize_image` divides by the largest value the file type can hold (255 for
# 8-bit, 65535 for 16-bit) — not by the image's own maximum, so a dark image stays dark.
#
# > **Common mistake.** The module normalises with `keras.utils.normalize` in one chapter
# > (each row scaled to unit length) and with `/ 255` in another. A network trained on
# > one scale and used on the other sees inputs it never learned from:

# %%
import keras

as_course = io.normalize_image(image)[..., 0]
as_module = keras.utils.normalize(image[..., 0].astype(np.float32), axis=1)
print(f"/255 (the course):          {as_course.min():.3f} to {as_course.max():.3f}, mean {as_course.mean():.3f}")
print(f"keras.utils.normalize:      {as_module.min():.3f} to {as_module.max():.3f}, mean {as_module.mean():.3f}")

# %% [markdown]
# ## Loading the whole dataset
#
# `io.load_folder` does steps 1 to 4 for a folder: pairs by name, reads, normalises,
# resizes. Images come out as float32 of shape `(N, size, size, channels)` and masks as
# labels of shape `(N, size, size, 1)`. The profile limits the number of images in quick
# runs.

# %%
images, masks, stems = io.load_folder(
    image_dir, mask_dir, size=profile.image_size, max_images=profile.max_images
)
print("images", images.shape, images.dtype, f"{images.min():.2f}..{images.max():.2f}")
print("masks ", masks.shape, masks.dtype, np.unique(masks))
print(f"foreground: {masks.mean():.1%} of all pixels")

# %% [markdown]
# The network's input shape comes from the data, not from numbers typed in:

# %%
height, width, channels = images.shape[1:]
print("height", height, "width", width, "channels", channels)

# %% [markdown]
# ## 5 · Training, validation and test sets that never overlap
#
# - **training** images teach the network;
# - **validation** images tell us, during training, how well it does on images it does
#   not learn from (chapter 7 uses them to keep the best model and to stop early);
# - **test** images are kept aside until the very end, for the final score.
#
# If a test image is also used for training or validation, the final score is
# flattering and means little: this is called *leakage*.
#
# > **Common mistake.** The module validates on its test set in chapter 7 and, in
# > chapter 11, trains with `validation_split` on the full dataset that includes the test
# > images.
#
# `io.split_stems` splits the *file names*, with a seed so the split is the same every
# time, and we save it so later chapters use exactly the same test images:

# %%
split = io.split_stems(stems, val_fraction=0.15, test_fraction=0.15, seed=config.DEFAULT_SEED)
for part, names in split.items():
    print(f"{part:>5}: {len(names):>2} images, e.g. {names[:3]}")
assert not set(split["train"]) & set(split["val"]) and not set(split["train"]) & set(split["test"])
assert not set(split["val"]) & set(split["test"])

out = config.outputs_dir("ch06", profile.name)
(out / "split.json").write_text(json.dumps(split, indent=1))
print("saved", out / "split.json")

# %%
index = {stem: i for i, stem in enumerate(stems)}
x_train = images[[index[s] for s in split["train"]]]
y_train = masks[[index[s] for s in split["train"]]]
print("training arrays:", x_train.shape, y_train.shape)

# %% [markdown]
# ## 6 · Look before you train
#
# A picture of a few training pairs is the quickest check that images and masks belong
# together. (The module picks its sample with `random.randint(0, len(X))`, which can
# return `len(X)` itself, one past the end; `plots.show_samples` picks valid indices.)

# %%
fig = plots.show_samples(x_train, y_train, n=4, names=split["train"], seed=0)
plt.show()

# %% [markdown]
# ## Streaming with augmentation
#
# Loading every image into memory, as above, is fine for a few hundred images. For a
# larger folder, `datasets.from_files` builds a `tf.data` pipeline that reads files as
# training asks for them. With `augment=True` it also flips and rotates each pair at
# random, the *same* way for the image and its mask: the network sees more variety, and
# the labels still fit.

# %%
train_pairs = io.select_pairs(pairs, split["train"])
stream = datasets.from_files(
    train_pairs, size=profile.image_size, batch_size=4, augment=True, shuffle=True
)
batch_images, batch_masks = next(iter(stream))
print("one batch:", tuple(batch_images.shape), tuple(batch_masks.shape), batch_images.dtype.name)
fig = plots.show_samples(batch_images.numpy(), batch_masks.numpy(), n=4)
fig.suptitle("An augmented batch: flipped and rotated, masks still aligned")
plt.show()

# %% [markdown]
# ## Summary
#
# - Pair by file name; a missing partner is an error, never a silent shift.
# - Read in RGB; resize images smoothly and masks with nearest neighbour.
# - One normalisation (divide by 255 for 8-bit images) for training and prediction.
# - Split file names into train / validation / test once, with a seed, and save the split.
#
# Next, chapter 7 trains the U-Net on these pairs.
