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
# # Chapter 14 · Large images: train on patches, predict in tiles
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch14_large_images.ipynb)
#
# Every chapter so far shrank the images to the profile's square (128 px in the cpu
# profile) before the network saw them. That suits the course's 256 px images. Microscopes
# give fields of 1024 to 4096 px, electron microscopes sections whose membranes are a
# few pixels wide, slide scanners images of 100,000 px: shrunk to 256 px the thin
# structures are gone, and loaded whole they do not fit in memory. The tools people use
# for such images (the U-Net paper, ZeroCostDL4Mic, StarDist, MONAI, nnU-Net) train on
# random **patches** cut at the images' own resolution and predict in overlapping
# **tiles**. This chapter goes beyond the module. You will:
#
# 1. measure what resizing throws away, on the masks alone: thin outlines lose most;
# 2. cut patches by hand (reflecting a small image, not stretching it), then let
#    `helpers.datasets` cut them, a third of them centred on foreground pixels;
# 3. deform patches elastically and jitter their brightness, image and mask alike;
# 4. train the course's U-Net on patches at native resolution, with as many pixels per
#    epoch as chapter 7's resized model, and compare the two at native resolution;
# 5. predict a larger image in tiles, blend them by hand, and see why the blending
#    window leaves no seams.
#
# **You need:** chapter 7's model (trained here if missing); no GPU. Quick: about a minute
# of CPU (64 CPU seconds; 5 minutes wall on a heavily shared 2-core CPU, chapter 7 already
# run). Cpu: a second model as costly as chapter 7's (the same pixels per epoch, the same
# epochs): 8 minutes here (the patch training 450 s, on a 2-core CPU that one other
# training shared at low priority), chapter 7 already run. Full: the same steps with 256 px
# patches (not timed here). The same on your own large images:
# `python -m helpers train --patch 256 ...` (see the Summary).

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
COURSE_DIR = "/content/course"
if "google.colab" in sys.modules:
    try:
        if not os.path.isdir(COURSE_DIR):
            subprocess.run(
                ["git", "clone", "--quiet", "--depth", "1", REPO_URL, COURSE_DIR],
                check=True,
                capture_output=True,
                text=True,
            )
        # Colab has TensorFlow and the rest already: pip adds only `helpers` and what is missing.
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR],
            check=True,
            capture_output=True,
            text=True,
        )
        sys.path.insert(0, COURSE_DIR)
        os.chdir(os.path.join(COURSE_DIR, "notebooks"))
    except (subprocess.CalledProcessError, OSError) as error:
        print(
            "Set-up failed:", " ".join(str(getattr(error, "stderr", None) or error).split())[-300:]
        )
        print(
            "Check the runtime has internet access (Runtime > Connect), then run this cell again."
        )

# %% [markdown]
# ## Imports and run profile

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from scipy import ndimage

from helpers import config, conventions, datasets, expected, inference, io, metrics, runs
from helpers import splits, tiling

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch14", profile.name)

# %% [markdown]
# ## 1 · What resizing throws away
#
# Chapter 7's model learned on the mito images shrunk from 256 to `image_size` pixels
# (128 in the cpu profile, 64 in the quick profile), and its masks are made at that size.
# Before any network: shrink the true masks of the test images the same way and bring
# them back to 256 px (nearest neighbour both ways, as masks are resized). Whatever
# this round trip loses, no network trained at the small size can give back. Next to
# the organelles, their **outlines** (the 2 px rim inside each one): a thin structure,
# like a membrane or a filament.

# %%
image_dir, mask_dir = config.data_dir("mito", "images"), config.data_dir("mito", "masks")
model, run = runs.chapter7_model(profile)  # trained first if chapter 7's run is missing
split = run.split
test_pairs = splits.select_pairs(io.pair_images_and_masks(image_dir, mask_dir), split["test"])
masks = np.stack([io.read_mask(m) for _, m in test_pairs])  # (N, 256, 256), 0/1, native
outlines = np.stack([m & ~ndimage.binary_erosion(m, iterations=2) for m in masks.astype(bool)])
size = profile.image_size


def round_trip(mask):
    return io.resize_mask(io.resize_mask(mask.astype(np.uint8), size), mask.shape)


for name, truth in (("organelles", masks), ("their 2 px outlines", outlines)):
    back = np.stack([round_trip(m) for m in truth])
    print(f"{name}: IoU after 256 -> {size} -> 256 px: {metrics.iou(truth, back).mean():.3f}")

# %% [markdown]
# The masks alone, no network: in the quick profile (256 -> 64 -> 256 px) the
# organelles keep an IoU of 0.869 with themselves, their 2 px outlines only 0.299; in
# the cpu profile (256 -> 128 -> 256 px) 0.924 and 0.517. Every shrunk pixel stands
# for a block of 2 x 2 (cpu) or 4 x 4 (quick) true pixels: a wide object loses only
# its rim, a structure 2 px wide loses about half of itself or more. That is the
# ceiling of any model trained on resized images, measured on the truth itself.
#
# ## 2 · Patches, cut by hand and by `helpers.datasets`
#
# Training at native resolution cuts a random square **patch** (here `image_size`
# pixels: as many pixels per step as chapter 7) from an image at its own size. A patch
# near the edge, or an image smaller than a patch, reaches past the image: the missing
# pixels are the image **reflected** at its edge (`np.pad(mode="reflect")`), never a
# stretch of it and never a black band. By hand, on the larger `external` image
# (384 x 512), a patch that reaches past its bottom and left edges:

# %%
external = io.read_image(config.data_dir("mito", "external", "external_000.png"))
external_truth = io.read_mask(config.data_dir("mito", "external", "masks", "external_000.png"))
patch = profile.image_size
row, col = 384 - patch // 2, -patch // 4  # half below the image, a quarter left of it
padded = np.pad(external, ((patch, patch), (patch, patch), (0, 0)), mode="reflect")
by_hand = padded[row + patch : row + 2 * patch, col + patch : col + 2 * patch]
np.testing.assert_array_equal(tiling.crop_window(external, row, col, patch), by_hand)
print("image", external.shape, external.dtype, "-> patch", by_hand.shape, "at", (row, col))
print("crop_window == np.pad(mode='reflect') then a slice")

# %% [markdown]
# `tiling.crop_window` cuts the same window without padding the whole image (it reads
# only the patch's rows, so it works on an image kept in a file as a memory map).
# `datasets.PatchSampler` decides where patches go: with probability one third
# (`foreground_share`, nnU-Net's choice) a patch is centred on a random foreground pixel,
# so small or rare objects are not starved; the others fall anywhere, every pixel as
# likely. Without its augmentations, its patch is exactly the window cut by hand:

# %%
plain = datasets.PatchSampler(
    [external], [external_truth], patch=patch, elastic=False, intensity=False
)
rng = np.random.default_rng(0)
draws = [plain.draw(rng) for _ in range(12)]
first, first_mask = plain.cut(draws[0], rng)
window = tiling.crop_window(external, draws[0].row, draws[0].col, patch)
np.testing.assert_array_equal(first, conventions.float_image(window))
print(f"{sum(d.centred for d in draws)} of {len(draws)} patches centred on foreground")

# %% [markdown]
# The twelve patches on the image: orange ones centred on an organelle pixel, white ones
# anywhere (the true organelles outlined in cyan).

# %%
fig, ax = plt.subplots(figsize=(7, 5.4))
ax.imshow(external[..., 0], cmap="gray")
ax.contour(external_truth, levels=[0.5], colors="cyan", linewidths=0.8)
for d in draws:
    colour = "orange" if d.centred else "white"
    ax.add_patch(Rectangle((d.col, d.row), patch, patch, fill=False, color=colour, lw=1.5))
ax.set_title(f"{len(draws)} random {patch} px patches (orange: centred on foreground)")
ax.set_xlabel("column (px)")
ax.set_ylabel("row (px)")
plt.show()

# %% [markdown]
# The patch printed above lies at row 352, column -16 in the quick profile (64 px
# patches) and at row 320, column -32 in the cpu profile (128 px): half of it below
# the image, a quarter left of it, all of it reflected image. Of the twelve patches
# drawn, 5 are centred on foreground in both profiles (about the third asked for; a
# random share, so 12 draws give 4 on average). The orange squares sit on organelles
# by construction; the white ones fall on background most of the time, because
# organelles cover a small part of the image: without the centred third, many
# batches would hold almost no foreground.
#
# ## 3 · Elastic deformation and intensity jitter
#
# Flips and 90-degree turns (chapter 6) give 8 views of a patch. The U-Net paper relied
# on more: **elastic deformation**, a smooth random warp, because tissue bends and
# stretches. Random displacements of a coarse 3 x 3 grid of points (10 px standard
# deviation for a 256 px patch) are interpolated smoothly to every pixel; the image is
# sampled at the displaced positions with interpolation and the mask with the nearest
# pixel, from the *same* field, so the mask stays 0/1 and on the image. A grid drawn
# into the image shows the warp; the cyan line is the mask's outline after the same warp:

# %%
centred = next(d for d in draws if d.centred)
image, mask = plain.cut(centred, rng)
rows_, cols_ = np.indices(image.shape[:2])
gridded = np.where(((rows_ % 16 == 0) | (cols_ % 16 == 0))[..., None], 1.0, image)
fig, axes = plt.subplots(1, 4, figsize=(12, 3.3))
for k, ax in enumerate(axes):
    warped, warped_mask = (
        (gridded, mask)
        if k == 0
        else datasets.elastic_deform(gridded, mask, rng=np.random.default_rng(k))
    )
    ax.imshow(warped[..., 0], cmap="gray", vmin=0, vmax=1)
    ax.contour(warped_mask, levels=[0.5], colors="cyan", linewidths=1)
    ax.set_title("original" if k == 0 else f"elastic draw {k}")
    ax.axis("off")
plt.show()
print("mask values after a warp:", np.unique(datasets.elastic_deform(image, mask, rng=rng)[1]))

# %% [markdown]
# The grid lines bend smoothly: neighbouring pixels move almost alike, so shapes change
# without tearing, and the outline follows the organelle in every draw. The mask keeps
# its two values, 0 and 1.
#
# Microscopes, stains and cameras also change the brightness and contrast of the same
# structures. `datasets.jitter_intensity` draws a gamma (0.7 to 1.4), a contrast factor
# (0.75 to 1.33) and a brightness shift (-0.1 to 0.1) per patch; the mask is untouched:

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 3.3))
for k, ax in enumerate(axes):
    shown = image if k == 0 else datasets.jitter_intensity(image, rng=np.random.default_rng(k))
    ax.imshow(shown[..., 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title("original" if k == 0 else f"jitter {k}: mean {shown.mean():.2f}")
    ax.axis("off")
plt.show()

# %% [markdown]
# Both are on by default when you train on patches (`--no-elastic`, `--no-intensity`
# switch them off); the flips and turns come on top, in the `tf.data` pipeline.
#
# ## 4 · Training at native resolution
#
# `runs.train_on_folder(..., patch=N)` (on the command line `python -m helpers train
# --patch N`) is the course's recipe on patches: it keeps every training image whole,
# at its own size, cuts new patches every epoch, and validates on the whole validation
# images, so that the model it keeps is chosen on what it will predict. To compare
# fairly with chapter 7's model, an epoch here is as many patches as chapter 7 has
# training images, of the same size as chapter 7's images: the same pixels per epoch,
# the same epochs, about the same time (without `patches_per_epoch` an epoch would be
# one pass over the images' pixels, four times more here).

# %%
native_dir = out / "patch_run"
runs.train_on_folder(
    image_dir,
    mask_dir,
    native_dir,
    profile=profile,
    patch=patch,
    patches_per_epoch=len(split["train"]),
    epochs=profile.epochs,
    verbose=True,
)
native_run = runs.load_run(native_dir)
native_model = native_run.load_model()
print({k: native_run.settings[k] for k in ("mode", "patch", "patches_per_epoch", "tile")})

# %% [markdown]
# The printed lines say what was trained: in the quick profile 16 patches of 64 px
# per epoch (0.062 of a pass over the 16 training images' pixels: as many pixels as
# chapter 7's 16 images shrunk to 64 px), 2 epochs, a third centred on foreground,
# with elastic deformation and intensity jitter; the last line is the run's record
# in `run.json`: `mode` "patch", the patch, the patches per epoch, and the `tile` of
# 512 px in which `predict` and `evaluate` on this run cut large images. Run again,
# the cell finds the finished run and trains nothing ("nothing left to train").
#
# Both models on the test images at their own 256 px: chapter 7's model predicts each
# image shrunk to its size and its probabilities are enlarged back (bilinear) before
# the threshold; the patch model predicts the image as it is
# (`runs.predict_native`). Scored on the organelles and on their outlines:


# %%
def resized_prediction(pixels):
    small = io.prepare_image(pixels, size=size)
    probabilities = inference.predict_proba(model, small)
    return (io.resize_image(probabilities, pixels.shape[:2]) >= 0.5).astype(np.uint8)


images = [io.read_image(i) for i, _ in test_pairs]
resized = np.stack([resized_prediction(x).reshape(x.shape[:2]) for x in images])
native = np.stack(
    [runs.predict_native(native_model, x, settings=native_run.settings) for x in images]
)
rims = {
    name: np.stack([m & ~ndimage.binary_erosion(m, iterations=2) for m in p.astype(bool)])
    for name, p in (("resized", resized), ("native", native))
}
resized_iou, native_iou = metrics.iou(masks, resized).mean(), metrics.iou(masks, native).mean()
expected.report("ch14.resized_iou", resized_iou)
expected.report("ch14.native_iou", native_iou)
for name in ("resized", "native"):
    print(f"{name}: outline IoU {metrics.iou(outlines, rims[name]).mean():.3f}")

# %% [markdown]
# Each line gives the value, then the range expected in your profile. In the quick
# profile neither model has learned much (2 epochs of 64 px): chapter 7's model
# scores a test IoU of 0.078 and the patch model 0.000 (it marks no pixel yet), and
# both outline IoUs are near 0 (0.004 and 0.000): the quick profile only checks that
# the cells run. The comparison means something from the cpu profile on, where both
# models see the same pixels per epoch for 25 epochs: there the patch model predicts
# at the full 256 px, while chapter 7's model makes its masks at 128 px, where the
# round trip of section 1 already costs the outlines about half their IoU (0.517).
#
# What the cpu runs gave (2026-12-02): over whole organelles the two models are close, and
# which one leads changes from run to run (chapter 7's model 0.897, the patch model 0.904
# in two runs on an idle machine, which agreed to the last digit; 0.902 against 0.849 in a
# run on a machine busy with other jobs); on the 2 px outlines the patch model is ahead in
# every run, 0.610 against 0.411 (0.477 against 0.414 on the busy machine). Shrinking
# costs the edges, and that is what native resolution wins back. The same pixels per epoch
# are not the same training: a 128 px patch sees a quarter of an image at a time, and in
# 25 epochs the patch model has seen each full-size image about 7 times (0.29 passes an
# epoch, the training line above) where chapter 7's model saw each shrunk image 25 times.
# The thinner the structures and the larger the images, the more of what you care about
# sits on such edges (ISBI 2012's membranes, 512 px EM images: the patch run of `python -m
# helpers train --patch 256` scored a membrane IoU of 0.679 at full size; the README's
# table). For reference, chapter 8 measured chapter 7's cpu model, its probabilities
# resized back to 256 px as here, at a test IoU of 0.897, as here.
#
# A zoom on one organelle's edge shows where the difference is: at 256 px each pixel of
# chapter 7's mask is a block of 2 x 2 (cpu) or 4 x 4 (quick) pixels enlarged, while the
# patch model draws the edge pixel by pixel.

# %%
index = int(np.argmax(metrics.iou(masks, native) - metrics.iou(masks, resized)))
labels, _ = ndimage.label(masks[index])
r, c = (int(v) for v in ndimage.center_of_mass(masks[index], labels, 1))
zoom = (slice(max(r - 24, 0), r + 24), slice(max(c - 24, 0), c + 24))
fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
for ax, (title, shown) in zip(
    axes, (("truth", masks), ("chapter 7, resized", resized), ("patches, native", native))
):
    ax.imshow(images[index][zoom][..., 0], cmap="gray", interpolation="nearest")
    ax.contour(shown[index][zoom], levels=[0.5], colors="orange", linewidths=1.2)
    score = metrics.iou(masks[index], shown[index])
    ax.set_title(f"{title} (IoU {score:.3f})")
    ax.axis("off")
fig.suptitle(f"{split['test'][index]}, 48 x 48 px around an organelle, at 256 px")
plt.show()

# %% [markdown]
# The zoom shows the test image where the patch model gains most over chapter 7's:
# the true outline (left), then each model's outline in orange. In the quick profile
# there is little to see: neither model draws an outline in this window (chapter 7's
# model scores an IoU of 0.067 over the whole image, the patch model 0.000). With
# trained models (cpu), look at the edge: chapter 7's mask was made at 128 px and
# enlarged, the patch model's at the image's own 256 px.
#
# ## 5 · Predicting a larger image in tiles
#
# A patch model takes any size, but a 10,000 px image does not fit in memory at once:
# it is predicted in overlapping **tiles**, here of `image_size` px overlapping by a
# quarter, cut where `tiling.tile_starts` says (every `tile - overlap` pixels, the last
# one flush with the image's end). The tiles of the external image:

# %%
tile, overlap = patch, patch // 4
tile_rows = tiling.tile_starts(external.shape[0], tile, overlap)
tile_cols = tiling.tile_starts(external.shape[1], tile, overlap)
fig, ax = plt.subplots(figsize=(7, 5.4))
ax.imshow(external[..., 0], cmap="gray")
for i, r in enumerate(tile_rows):
    for j, c in enumerate(tile_cols):
        colour = ("orange", "cyan")[(i + j) % 2]
        ax.add_patch(Rectangle((c + 1, r + 1), tile - 2, tile - 2, fill=False, color=colour))
ax.set_title(f"{len(tile_rows) * len(tile_cols)} tiles of {tile} px, overlap {overlap} px")
ax.set_xlabel("column (px)")
ax.set_ylabel("row (px)")
plt.show()

# %% [markdown]
# In the quick profile 88 tiles of 64 px cover the 384 x 512 px image (20 tiles of
# 128 px in the cpu profile); the colours alternate so that the overlaps show.
# Near a tile's edge the network sees less context and is less sure, so the tiles are
# blended with weights that fall towards their edges (`inference.tile_weights`, a
# Gaussian window as in nnU-Net and MONAI): each pixel is the weighted mean of the tiles
# that cover it. By hand:

# %%
x = conventions.float_image(external)
weights = inference.tile_weights(tile)[..., None]
total, norm = np.zeros(x.shape[:2] + (1,), np.float32), np.zeros(x.shape[:2] + (1,), np.float32)
for r in tile_rows:
    for c in tile_cols:
        probabilities = inference.predict_proba(native_model, x[r : r + tile, c : c + tile])
        total[r : r + tile, c : c + tile] += probabilities * weights
        norm[r : r + tile, c : c + tile] += weights
blended = total / norm
tiled = inference.predict_tiled(native_model, x, tile=tile, overlap=overlap)
np.testing.assert_allclose(tiled, blended, atol=1e-5)
print("inference.predict_tiled == the weighted mean written out")

# %% [markdown]
# Why blend? Tiles that only touch (no overlap, each pixel from one tile) disagree with
# the whole image near every tile edge; the blended tiles do not. Against the whole
# image predicted at once (it fits here):

# %%
whole = inference.predict_proba(native_model, x)
touching = inference.predict_tiled(native_model, x, tile=tile, overlap=0)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
for ax, (title, shown) in zip(
    axes, (("tiles touching", touching), (f"overlap {overlap} px, blended", tiled)), strict=True
):
    picture = ax.imshow(np.abs(shown - whole)[..., 0], cmap="magma", vmin=0, vmax=0.2)
    agree = metrics.iou(whole[..., 0] >= 0.5, shown[..., 0] >= 0.5)
    ax.set_title(f"{title}\nmask IoU with the whole image {agree:.3f}")
    ax.axis("off")
fig.colorbar(picture, ax=axes, label="|tiled - whole| probability", shrink=0.8)
plt.show()

# %% [markdown]
# The left map is bright along a grid: at every tile edge the touching tiles'
# probabilities differ from the whole image's (in the quick profile up to the top
# of the colour scale, 0.2, in places), because near its edge a tile sees no
# context. The blended map (right) has no grid: overlapping tiles weighted towards
# their centres remove the seams. What stays lies on the organelles' edges, and (cpu) on
# an organelle or two that both tilings see otherwise than the whole image does: a tile
# of 128 px shows the network less of an object's surroundings than the whole image,
# seams or not, so larger tiles leave less of it. The titles give how far the masks
# agree with the whole image's: in a cpu run 0.863 touching and 0.957 blended. In the
# quick profile both are 1.000 only because that model marks no pixel anywhere (an
# empty mask agrees with an empty mask).
#
# For an image too large for memory, `inference.predict_tiled_mask` gives the same
# labels without ever holding the whole image's probabilities: it blends a band of tile
# rows at a time, thresholds the rows no later tile reaches and moves on (an 8192 x
# 8192 image stays under 2 GiB, `benchmarks/large_image.py`). The seam-free result,
# scored against the external image's truth:

# %%
labels_ = inference.predict_tiled_mask(native_model, external, tile=tile, overlap=overlap)
np.testing.assert_array_equal(labels_, (tiled[..., 0] >= 0.5).astype(np.uint8))
expected.report("ch14.external_iou", metrics.iou(external_truth, labels_))
fig, ax = plt.subplots(figsize=(7, 5.4))
ax.imshow(external[..., 0], cmap="gray")
ax.contour(labels_, levels=[0.5], colors="orange", linewidths=1)
ax.contour(external_truth, levels=[0.5], colors="cyan", linewidths=0.6)
ax.set_title("external image in tiles: predicted (orange) and true (cyan) outlines")
ax.axis("off")
plt.show()

# %% [markdown]
# The line gives the external image's IoU, predicted in tiles, with the range
# expected in your profile: 0.000 in the quick profile (the model marks no pixel
# yet), so the figure shows only the true outlines in cyan; with a trained model
# (cpu: IoU 0.918 on an idle machine, 0.813 on a busy one) the orange outlines follow
# the organelles across tile edges without a seam. `predict_tiled_mask` gave exactly
# the thresholded `predict_tiled` (the assert), without ever holding the image's
# float32 probabilities.
#
# ## Summary
#
# - Resizing costs thin structures most: the round trip through the training size
#   already loses part of every 2 px outline, before any network.
# - Training on patches keeps the images at their own resolution: random crops (a
#   third centred on foreground, small images reflected), elastic deformation and
#   intensity jitter, validation on the whole images.
# - Tiles blended with a Gaussian window give the whole image's prediction without
#   seams; `predict_tiled_mask` does it within bounded memory for any size.
# - On your own large images: `python -m helpers train --images D --masks D --out RUN
#   --patch 256`, then `python -m helpers predict --run RUN --input BIG --out MASKS` and
#   `evaluate --run RUN`: the run folder says it was trained on patches, so both work at
#   native resolution, in tiles, without flags (ISBI 2012 at 512 px:
#   `benchmarks/isbi2012.py --native`).
#
# ## Try it yourself
#
# - Train the patch model with `elastic=False, intensity=False` and compare its test
#   IoU: on 42 training images, what do the augmentations buy?
# - Give `foreground_patches=0.0` (patches anywhere) or `1.0` (all centred) to
#   `runs.train_on_folder` and watch precision and recall move.
# - Predict the external image with `overlap=tile // 2` and with Hann-like plain
#   averaging (`weights=np.ones(...)` in the hand-written loop): how far from the whole
#   image's probabilities is each?

# %% [markdown]
# ## Exercises
#
# Write your answer where the `...` is, then run the check. `.hint()` gives a hint,
# `.solution()` shows one solution. An unanswered check just says so.
#
# **1.** Write `tile_starts(length, tile, overlap)`: the origins of the tiles along one
# axis of `length` pixels, one every `tile - overlap` pixels, the last one flush with
# the end (as `tiling.tile_starts`). An axis no longer than a tile gets one tile, at 0.

# %%
from helpers.exercises import ch14 as exercises


def tile_starts(length, tile, overlap): ...


exercises.tile_starts.check(tile_starts)

# %% [markdown]
# **2.** Write `reflect_pad(image, size)`: an image smaller than a patch, grey `(H, W)`
# or colour `(H, W, 3)`, padded at the bottom and right up to `size x size` by
# reflection, as section 2 pads a patch.


# %%
def reflect_pad(image, size): ...


exercises.reflect_pad.check(reflect_pad)
