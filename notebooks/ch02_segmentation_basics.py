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
# # Chapter 2 · Segmentation basics: the classical methods
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch02_segmentation_basics.ipynb)
#
# **You need:** nothing before it (this is the course's first notebook); no GPU; about
# 10 s in every profile (measured on a 2-core machine: `quick` about 8 s, `cpu` about
# 10 s; `full` does the same work as `cpu`).
#
# Before we train a network, we try the tools image processing has offered for decades.
# They need no training data, they are fast, and on the right images they work well. On
# our images they will not, and the numbers will tell us exactly how. In this notebook
# you will:
#
# 1. see what a segmentation is: an image, a mask, and the mask laid over the image;
# 2. threshold: a fixed grey level (one line of NumPy), Otsu's automatic level, and a
#    level that follows the local brightness, each written out in a few lines;
# 3. find outlines with the Sobel and Canny edge detectors, and turn them into regions;
# 4. let regions grow from seeds with the watershed, step by step;
# 5. try the same methods on an MRI-like slice;
# 6. score every method against the ground truth in one table, and read from it why
#    chapter 5 builds a network that learns;
# 7. write two of these methods yourself, with instant feedback (the exercises at the end).
#
# Each method is first written in plain NumPy, SciPy or scikit-image; a cell then checks
# that the course's `helpers.classical` gives the same answer, and later cells use the
# helper.

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
#
# The classical methods come from scikit-image and SciPy; `helpers.classical` wraps each
# one so that it returns a mask, and `helpers.metrics` scores a mask against the ground
# truth.

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from scipy import ndimage
from skimage import color, feature, filters, segmentation

from helpers import classical, config, io, metrics, plots, via, widgets

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch02", profile.name)

# %% [markdown]
# The profile line says which run this is. This chapter uses only its `images` setting:
# how many of the 60 EM-like images the scores of section 6 are averaged over (24 in
# `quick`, all 60 in `cpu` and `full`). The classical methods need no training, so the
# image size, epochs and filters do not apply here.
#
# ## 1 · What segmentation is
#
# A photo classifier gives one answer per image ("there is a cell"). A detector draws
# boxes ("a cell, about here"). **Segmentation** gives an answer for every pixel: this
# pixel belongs to a cell, that one to the background. The answer is an image of its
# own, the **mask**, with one label per pixel: here 1 for the object and 0 for the rest.
#
# The goal is to separate the parts of a picture that matter, so that they can be
# counted, measured or acted on. It is used wherever that matters:
#
# - **medicine**: the outline of a tumour or an organ in an MRI or CT scan, to measure
#   its volume or plan a treatment; teeth in a dental X-ray;
# - **microscopy**: cells, nuclei, or the mitochondria of electron microscopy (EM),
#   which our data imitates;
# - **driving and robotics**: road, cars and pedestrians, pixel by pixel;
# - **satellite images**: fields, forests, water and buildings.
#
# Here is one of the course's EM-like images, its **ground truth** mask (the right
# answer for every pixel, which we score against), and the mask laid over the image:

# %%
pairs = io.pair_images_and_masks(
    config.data_dir("mito", "images"), config.data_dir("mito", "masks")
)
image = io.read_image(pairs[0][0])[..., 0]  # grey, (256, 256), uint8
truth = io.read_mask(pairs[0][1]).astype(bool)  # True = organelle

fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), layout="constrained")
panels = [
    (image, "image"),
    (truth, "ground truth mask"),
    (plots.overlay(image, truth), "mask over image"),
]
for ax, (picture, title) in zip(axes, panels, strict=True):
    ax.imshow(picture, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
fig.suptitle(f"{pairs[0][0].name}: the organelles are {truth.mean():.1%} of the pixels")
plt.show()

# %% [markdown]
# Look closely: the mask marks only the **elongated, striped** organelles, 8.1 % of
# this image's pixels (the title): about one pixel in twelve. The round dark vesicles
# and the long curved membrane are just as dark, and they are *not* organelles. Keep
# that in mind: it is what every method below will trip over.
#
# **Where these images come from.** They are synthetic: `helpers.synthetic` draws them
# from fixed random seeds (`python -m helpers synth` writes the same files every time).
# They imitate electron-microscopy images of mitochondria: elongated organelles with a
# dark membrane and a striped inside, on a grainy, unevenly lit background, with
# unlabelled look-alikes. Synthetic data suits a course: it runs offline (nothing to
# download), it is free to share (no patients, no licence), and its ground truth is
# known exactly, because the generator knows where it put every organelle. The
# learning module's own code reads image and mask patches from a
# `data/generated_patches/` folder in its chapter 6 (chapters 7 and 8 train and test on
# them; its saved models are named `mitochondria_...`), and in chapter 11 a folder of
# images with a VIA annotation file (`Brain_Segmentation_Workshop_json_Fix.json`) from
# Google Drive; neither set comes with the module's text. Chapters 10 and 11 of this
# course show how to label and use your own images.
#
# ## The images we score on
#
# The classical methods need no training, so we can run them on the full-size
# (256 x 256) images. The run profile sets how many we use:

# %%
chosen = pairs[: profile.max_images]
images = np.stack([io.read_image(image_path)[..., 0] for image_path, _ in chosen])
truths = np.stack([io.read_mask(mask_path) for _, mask_path in chosen]).astype(bool)
names = [image_path.stem for image_path, _ in chosen]
print(
    f"{len(images)} images {images.shape[1:]} {images.dtype}; organelles: {truths.mean():.1%} of "
    "pixels"
)

# %% [markdown]
# One grey channel of 0-255 (`uint8`) per pixel. In the `cpu` profile all 60 images are
# used and the organelles cover 6.6 % of all their pixels (the `quick` profile's 24
# images: 6.9 %). So a mask is mostly background, as in most real segmentation tasks.
#
# **How we score a mask.** Chapter 4 is all about it; for now two ideas are enough.
# The **IoU** (intersection over union) is the overlap of the predicted and the true
# organelle pixels divided by all pixels that either of them marks: 1 is a perfect mask,
# 0 misses entirely. **Precision** asks "of the pixels I marked, how many are
# organelle?" and **recall** "of the organelle pixels, how many did I mark?".
# `metrics.iou(truth, prediction)` gives the first.

# %% [markdown]
# ## 2 · Thresholding
#
# The simplest idea: organelles are dark, so call every pixel darker than some grey
# level "organelle". Before picking the level, look at the grey values. The histogram
# below counts the pixels of every grey value, separately for organelle pixels and
# for all the others:

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
bins = np.arange(0, 257, 4)
ax.hist(images[~truths], bins=bins, color="0.6", label="not organelle")
ax.hist(images[truths], bins=bins, color="tab:red", alpha=0.8, label="organelle (ground truth)")
ax.set(
    xlabel="grey value (0 = black, 255 = white)",
    ylabel="number of pixels",
    title="Organelles are dark, but so are many other pixels",
)
ax.legend()
plt.show()

# %% [markdown]
# The organelle pixels sit at the dark end, roughly below 100. Many other pixels are
# just as dark, so no level can keep one group and drop the other.
#
# ### A fixed level: one line of NumPy
#
# A threshold is a comparison, done for every pixel at once. The result is a mask:

# %%
level = 100  # read off the histogram
mask = image <= level  # True where the pixel is as dark as the level, or darker
print(
    f"marked {mask.mean():.1%} of the pixels; IoU with the ground truth: "
    f"{metrics.iou(truth, mask):.3f}"
)

# %% [markdown]
# The level marks 12.6 % of the pixels where 8.1 % are organelle, and its IoU is 0.498:
# of all pixels that either the mask or the truth marks, about half are marked by both.
# (This is the first image, the same in every profile.)
#
# `classical.global_threshold_mask` does the same. Its objects are the *bright* pixels
# unless we say `dark_objects=True`, because most textbook images have bright objects
# on a dark background:

# %%
same = classical.global_threshold_mask(image, level, dark_objects=True)
assert np.array_equal(same, mask)
print("same mask as the NumPy line:", np.array_equal(same, mask))

# %% [markdown]
# `True`, and the `assert` above it stops the notebook if that ever changes. What the
# helper adds: a colour image is turned to grey first, and an image of one flat grey
# value gives an empty mask instead of a full one.
#
# ### Which level is best? Cheating, to find out
#
# We can try every level and score each one against the ground truth. This is
# cheating (on a new image you have no ground truth to pick the level with), but it
# tells us the best a single fixed level can ever do on these images:

# %%
levels = np.arange(30, 181, 5)
mean_iou = np.array([metrics.iou(truths, images <= t).mean() for t in levels])
best_level = int(levels[mean_iou.argmax()])

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.plot(levels, mean_iou, marker="o")
ax.axvline(best_level, color="tab:green", linestyle="--", label=f"best level {best_level}")
ax.set(
    xlabel="threshold level (grey value)",
    ylabel=f"mean IoU over {len(images)} images",
    title="A fixed threshold, scored at every level",
    ylim=(0, None),
)
ax.legend()
plt.show()
print(f"best fixed level: {best_level}, mean IoU {mean_iou.max():.3f}")

# %% [markdown]
# The curve rises while a higher level takes in more of the organelles, peaks, and
# falls once the background floods in. In the `cpu` profile (60 images) the best level
# is 85 with a mean IoU of 0.424 (`quick`, 24 images: 85 and 0.430). Even this
# level, chosen with the answers in hand, leaves more than half of the mask wrong.
#
# ### Otsu's method: the level chosen from the histogram
#
# Otsu's method picks the level without any ground truth. Each candidate level `t`
# splits the pixels into a dark group (`<= t`) and a light group (`> t`). Call `w0` and
# `w1` the fractions of the pixels in each group and `mu0` and `mu1` their mean grey
# values. Otsu keeps the level with the largest **between-class variance**
#
# $$w_0 \, w_1 \, (\mu_0 - \mu_1)^2 .$$
#
# Making it largest is the same as making the spread of grey values *inside* the two
# groups (each weighted by its size) as small as possible. The weights matter: the two
# means alone are farthest apart when one "group" is just a few of the darkest pixels.
# Written out, a loop over every possible level:

# %%
levels_otsu = np.arange(image.min(), image.max())  # every cut that leaves both groups non-empty
between = np.zeros(len(levels_otsu))
means_apart = np.zeros(len(levels_otsu))
for i, t in enumerate(levels_otsu):
    dark = image <= t
    w0, w1 = dark.mean(), 1 - dark.mean()  # fraction of the pixels in each group
    mu0, mu1 = image[dark].mean(), image[~dark].mean()  # mean grey value of each group
    between[i] = w0 * w1 * (mu0 - mu1) ** 2
    means_apart[i] = (mu0 - mu1) ** 2  # the same without the weights
otsu_level = int(levels_otsu[between.argmax()])
assert otsu_level == filters.threshold_otsu(image)
print(
    f"Otsu's level by hand: {otsu_level}; skimage.filters.threshold_otsu: "
    f"{filters.threshold_otsu(image)}"
)
print(f"without the weights the 'best' level would be {int(levels_otsu[means_apart.argmax()])}")

# %% [markdown]
# The loop finds 143, the level scikit-image's `threshold_otsu` returns (the `assert`
# checks it). Without the weights the winner would be 10, the darkest grey value of the
# image: a "group" of one pixel against all the others. The two curves side by side:

# %%
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.plot(levels_otsu, between / between.max(), label="w0·w1·(mu0 − mu1)²  (Otsu)")
ax.plot(levels_otsu, means_apart / means_apart.max(), label="(mu0 − mu1)² alone", linestyle="--")
ax.axvline(otsu_level, color="tab:green", linestyle=":", label=f"Otsu's level {otsu_level}")
ax.set(
    xlabel="threshold level t (grey value)",
    ylabel="score (1 = its maximum)",
    title="Otsu weighs the distance of the means by the size of the groups",
)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The dashed curve is highest at the far left, where the dark group holds almost no
# pixels; the weights `w0 · w1` (largest when the groups are equal) pull Otsu's curve
# to a balanced cut. Now the mask at Otsu's level:

# %%
otsu_by_hand = image <= otsu_level
print(
    f"Otsu's level: {otsu_level}; marked {otsu_by_hand.mean():.1%} of the pixels "
    f"(the truth: {truth.mean():.1%}); IoU {metrics.iou(truth, otsu_by_hand):.3f}"
)
helper = classical.otsu_mask(image, dark_objects=True)
assert np.array_equal(helper, otsu_by_hand)
print("classical.otsu_mask gives the same mask:", np.array_equal(helper, otsu_by_hand))

# %% [markdown]
# Otsu marks 34.5 % of the pixels for 8.1 % of organelle, so its IoU is only 0.235.
# Otsu works when the histogram has two humps, one per group. Ours has one big hump
# (the background) with a dark tail (the organelles and their look-alikes), so Otsu cuts
# the background hump in two and calls its darker part "organelle". `classical.otsu_mask`
# gives the same mask and adds the same as the fixed level (grey first, flat image gives
# an empty mask).
#
# ### A local level: adaptive thresholding
#
# The light is uneven: one corner of an image can be darker than another. An
# **adaptive** threshold compares each pixel with the mean of its own neighbourhood,
# minus an offset, instead of one level for the whole image. We take a Gaussian-weighted
# mean (near pixels count more than far ones), which `ndimage.gaussian_filter` computes
# for every pixel at once. Two settings matter: the neighbourhood's size (`block_size`,
# larger than an organelle; the Gaussian's `sigma` is a sixth of it, so that the bell
# spans the block) and how much darker than its neighbourhood a pixel must be to count
# (`offset`, in grey levels):

# %%
block_size, offset = 101, 25
local_mean = ndimage.gaussian_filter(image.astype(float), sigma=(block_size - 1) / 6)
adaptive = image < local_mean - offset  # darker than its surroundings by more than the offset
print(
    f"local mean from {local_mean.min():.0f} to {local_mean.max():.0f}; "
    f"marked {adaptive.mean():.1%}; IoU {metrics.iou(truth, adaptive):.3f}"
)
helper = classical.adaptive_mask(image, block_size=block_size, offset=offset, dark_objects=True)
assert np.array_equal(helper, adaptive)

# %% [markdown]
# The local mean runs from 96 to 200 grey levels across this one image: that is the
# uneven light (and the dark objects pulling their surroundings down), which no single
# level can follow. The adaptive mask marks 15.8 % of the pixels, with an IoU of
# 0.488. `classical.adaptive_mask` gives the same mask (the `assert`); it calls
# `skimage.filters.threshold_local(image, block_size, method="gaussian")`, which computes
# the same local mean, and adds a check that `block_size` is odd and the grey/flat-image
# rules. The three thresholds side by side:

# %%
thresholded = {
    f"fixed level {level}": classical.global_threshold_mask(image, level, dark_objects=True),
    "Otsu": classical.otsu_mask(image, dark_objects=True),
    "adaptive": classical.adaptive_mask(image, block_size=101, offset=25, dark_objects=True),
}
scores = {name: {"IoU": metrics.iou(truth, m)} for name, m in thresholded.items()}
fig = plots.plot_thresholds(image, thresholded, truth=truth, scores=scores)
fig.suptitle("Thresholding: three ways to choose the level")
plt.show()

# %% [markdown]
# All three find the organelles, and all three also find the vesicles, the membrane
# and specks of noise: a threshold only knows "dark", not "organelle". Otsu's mask is
# the worst (0.235): it also takes the darker half of the background.
#
# **Move the level yourself (optional).** The threshold explorer below was made for a
# network's output (chapter 8), which is a probability between 0 and 1 for each pixel.
# Here we give it *darkness* instead (0 = white, 1 = black), so moving the slider moves
# a fixed grey level (darkness 0.6 is about grey level 102), and the numbers above the picture
# update as you go. Without a live notebook you see a static figure with a few levels
# side by side.

# %%
darkness = 1.0 - image / 255.0
widgets.threshold_explorer(image, darkness, truth, threshold=0.6)

# %% [markdown]
# ## 3 · Edge detection
#
# Another idea: an object is where the brightness changes sharply at its border. The
# **Sobel** operator measures, at every pixel, how fast the grey value changes (the
# gradient); its magnitude is large on edges and small in flat areas. We stretch the
# grey values to 0..1 first, so that a gradient means the same on a dim and on a bright
# image, and keep the strong gradients (above Otsu's level of the gradient values):

# %%
unit = (image - image.min()) / (image.max() - image.min())  # grey values stretched to 0..1
gradient = filters.sobel(unit)  # magnitude of the brightness change, per pixel
sobel = gradient > filters.threshold_otsu(gradient)  # the strong gradients: edges
assert np.array_equal(sobel, classical.sobel_edges(image))
print(
    f"gradient from {gradient.min():.3f} to {gradient.max():.3f}; edges: {sobel.mean():.1%} of the "
    "pixels"
)

# %% [markdown]
# The gradient is 0 in flat areas and reaches 0.395 on the sharpest border of this
# image; the edges (5.9 % of the pixels) are the thick bands around every dark shape.
# `classical.sobel_edges` gives the same edges (the `assert`).
#
# The **Canny** detector refines this: it smooths the image first (`sigma`, in pixels),
# keeps only the thin crest of each edge, and follows weak edges (gradient above
# `low_threshold`) only where they continue strong ones (above `high_threshold`; by
# default 0.1 and 0.2 on our 0..1 scale). Its edges are one pixel thick and mostly
# connected. It is one call in scikit-image:

# %%
canny = feature.canny(unit, sigma=2.0)  # thin edges, after smoothing over about 2 pixels
assert np.array_equal(canny, classical.canny_edges(image, sigma=2.0))
print(f"Canny edges: {canny.mean():.1%} of the pixels")

# %% [markdown]
# Thin edges cover 6.9 % of the pixels, against 5.9 % for Sobel's thick ones.
# `classical.canny_edges` makes the same call (after the same stretch, so its default
# thresholds suit any bit depth).
#
# Edges are outlines, not regions: an outline has almost no pixels in common with a
# filled organelle, so scoring it as a mask makes no sense. `classical.regions_from_edges`
# closes small gaps in the outlines (`ndimage.binary_closing`), fills what they enclose
# (`ndimage.binary_fill_holes`), and removes lines that enclose nothing (an opening):

# %%
edge_results = {
    "Sobel gradient": gradient,
    "Sobel edges": sobel,
    "Canny edges": canny,
    "Sobel, filled": classical.regions_from_edges(sobel),
    "Canny, filled": classical.regions_from_edges(canny),
}
scores = {
    name: {"IoU": metrics.iou(truth, m)} for name, m in edge_results.items() if "filled" in name
}
fig = plots.plot_thresholds(image, edge_results, truth=truth, scores=scores)
fig.suptitle("Edge detection: outlines first, then the regions they enclose")
plt.show()

# %% [markdown]
# On this image the filled outlines score 0.659 (Sobel) and 0.578 (Canny), better than
# any threshold: filling closed outlines gets rid of the noise that fooled the
# thresholds, since speckles have no outline. The vesicles, though, have neat round
# outlines and are filled too, and the membrane survives wherever its two edges run
# close enough to be closed.
#
# ## 4 · Region-based: the watershed
#
# Region-based methods group neighbouring pixels that are alike. The **watershed**
# reads an image as a landscape in which the value of each pixel is its height. Water
# rises from a few seeds (the *markers*); where the floods of two seeds meet, a border
# forms. Good markers are everything: started from every small dip of a noisy image, it
# cuts the image into hundreds of pieces. We build it in three steps.
#
# **Step 1, a rough foreground.** Smooth a little against noise, take Otsu's level,
# and drop specks under 30 pixels (`ndimage.label` numbers the blobs, `np.bincount`
# counts each one's pixels):

# %%
smooth = filters.gaussian(unit, sigma=1.0)
rough = smooth <= filters.threshold_otsu(smooth)  # the dark blobs, roughly
blobs, _ = ndimage.label(rough)
sizes = np.bincount(blobs.ravel())  # pixels per blob (label 0 is the background)
rough = rough & (sizes >= 30)[blobs]  # keep the blobs of 30 pixels or more

# %% [markdown]
# **Step 2, markers from distance transforms.** `ndimage.distance_transform_edt` gives
# every pixel its distance to the nearest pixel outside the mask. Inside a blob it
# peaks in the middle: one object seed per peak (`feature.peak_local_max`). Outside,
# pixels more than 3 pixels from any blob are surely background: they are the
# background seed. The watershed then floods the *gradient* from these seeds, so that
# the border between object and background settles on the strongest edge:

# %%
inside = ndimage.distance_transform_edt(rough)
peaks = feature.peak_local_max(inside, min_distance=5, threshold_abs=0.5, exclude_border=False)
seeds = np.zeros(image.shape, int)
seeds[ndimage.distance_transform_edt(~rough) > 3] = 1  # background seed
seeds[tuple(peaks.T)] = 2  # object seeds, the middle of each blob
foreground = segmentation.watershed(filters.sobel(smooth), seeds) == 2

# %% [markdown]
# **Step 3, one label per object.** A second watershed, of the negated distance inside
# the foreground, starts one flood from each peak, so touching objects are split where
# they are narrowest. The `assert` checks that these steps are exactly what
# `classical.watershed_labels` does:

# %%
markers = np.zeros(image.shape, int)
markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)  # label 1, 2, ... per seed
labels = segmentation.watershed(
    -ndimage.distance_transform_edt(foreground), markers, mask=foreground
)
assert np.array_equal(labels, classical.watershed_labels(image, dark_objects=True))
true_count = ndimage.label(truth)[1]
print(
    f"watershed found {labels.max()} objects; the ground truth has {true_count} organelles; "
    f"IoU {metrics.iou(truth, labels > 0):.3f}"
)

# %% [markdown]
# 67 objects for 6 organelles, and an IoU of 0.311: every dark blob got a seed, so every
# vesicle, piece of membrane and dark patch of background became an object too. The
# steps as pictures:

# %%
fig, axes = plt.subplots(1, 5, figsize=(16, 3.6), layout="constrained")
axes[0].imshow(rough, cmap="gray")
axes[0].set_title("1 · rough foreground")
axes[1].imshow(inside, cmap="magma", vmax=8)  # distances above 8 pixels drawn as 8
axes[1].plot(peaks[:, 1], peaks[:, 0], "c.", markersize=4)
axes[1].set_title("2 · distance inside, seeds")
axes[2].imshow(filters.sobel(smooth), cmap="gray")
axes[2].contour(foreground, levels=[0.5], colors="tab:orange", linewidths=0.8)
axes[2].set_title("2 · gradient, object border")
axes[3].imshow(color.label2rgb(labels, image, bg_label=0, alpha=0.4))
axes[3].set_title(f"3 · {labels.max()} objects")
axes[4].imshow(plots.overlay(image, truth))
axes[4].set_title(f"ground truth ({true_count} organelles)")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# From left to right: the rough blobs (the dark top-left corner, uneven light, is one
# big blob); their distance maps (bright in the middle of thick blobs, capped at 8
# pixels so that the corner does not outshine the rest) with one cyan seed per peak;
# the gradient with the border the flood settled on (orange); the objects, one colour
# each; the truth. The watershed gives
# each object its own label, which makes it the tool for splitting touching cells. But
# its seeds come from "dark blobs", so it cannot tell an organelle from a vesicle.
# `classical.watershed_labels` packs these steps into one call with every setting as a
# parameter (`sigma`, `min_distance`, `background_distance`, `min_size`), bright or dark
# objects, colour images turned to grey, and no objects for a flat image.
#
# ## 5 · The same methods on an MRI-like slice
#
# The course's second dataset imitates MRI head slices with a bright lesion; it is
# synthetic too. Its ground truth comes, as in the module's chapter 11, as polygons in
# a VIA JSON file, the format the VGG Image Annotator exports (chapter 10); here
# `helpers.synthetic` wrote the polygons, so they are the lesions' exact outlines.
# `via.rasterize_regions` turns them into a mask of the image's size:

# %%
project = via.load_via(config.data_dir("mri", "via_annotations.json"))
record = project.images[0]
mri = io.read_image(config.data_dir("mri", "images", record.filename))  # RGB, (256, 256, 3)
lesion = via.rasterize_regions(record.regions, mri.shape[:2])
print(
    f"{record.filename}: {len(record.regions)} region(s), lesion = {lesion.mean():.1%} of the "
    "pixels"
)

# %% [markdown]
# One polygon, one lesion, and it covers only 1 % of the image: even rarer than the
# organelles. The lesion is brighter than the brain around it, so here the objects are
# bright (`dark_objects` stays False). The helpers turn a colour image into grey first.

# %%
mri_results = {
    "Otsu": classical.otsu_mask(mri),
    "fixed level 150": classical.global_threshold_mask(mri, 150),
    "Canny, filled": classical.regions_from_edges(classical.canny_edges(mri)),
    "watershed": classical.watershed_mask(mri),
}
scores = {name: {"IoU": metrics.iou(lesion, m)} for name, m in mri_results.items()}
fig = plots.plot_thresholds(mri, mri_results, truth=lesion, scores=scores)
fig.suptitle("MRI-like slice: the skull is as bright as the lesion")
plt.show()

# %% [markdown]
# Otsu separates head from air, the edges outline the whole head, and even a level
# chosen for the lesion keeps the bright skull with it: the IoUs in the panel titles
# run from 0.021 (Canny, filled: the whole head) to 0.136 (the fixed level). The lesion
# is 1 % of the image, and every method is dominated by something bigger that is just as
# bright.
#
# ## 6 · Scoring every method on every image
#
# One picture can flatter or slander a method. We run each method on every image and
# average the scores. `classical.tuned_methods()` holds the methods of this chapter with
# the settings chosen above (level 100, block 101 and offset 25, Canny's `sigma=2.0`,
# dark objects), as a table: each entry is a function from an image to a mask. Chapter 8
# scores the same table next to the U-Net. It ends with a "method" that marks nothing
# at all, as a reference. We add a second one: the best fixed level found above (with
# the answers, so an upper bound for fixed levels).

# %%
methods = classical.tuned_methods()  # name -> function(image) -> mask
methods[f"fixed level {best_level} (best, uses the answers)"] = lambda im: (
    classical.global_threshold_mask(im, best_level, dark_objects=True)
)
predictions = {name: np.stack([method(im) for im in images]) for name, method in methods.items()}
print(f"{len(methods)} methods x {len(images)} images done")

# %% [markdown]
# Eight methods, each run on every image (60 in `cpu`, 24 in `quick`): these are the
# masks scored next. `metrics.per_image_table` scores every image; the mean of each
# column is the method's score. Pixel accuracy (the share of pixels labelled right) is
# in the table too, for a reason that comes next.

# %%
rows = {}
for name, predicted in predictions.items():
    table = metrics.per_image_table(truths, predicted, names=names)
    rows[name] = table[["iou", "dice", "precision", "recall", "accuracy"]].mean()
results = pd.DataFrame(rows).T.sort_values("iou", ascending=False)
results.index.name = f"method (mean over {len(images)} images)"
results.to_csv(out / "classical_scores.csv")
results.round(3)

# %% [markdown]
# Read the table row by row, best IoU first. In the `cpu` profile (60 images):
#
# | method | IoU | precision | recall | accuracy | what it means |
# |---|---|---|---|---|---|
# | fixed level 85 (uses the answers) | 0.424 | 0.542 | 0.709 | 0.934 | ceiling of any fixed level |
# | Canny, filled | 0.414 | 0.482 | 0.751 | 0.930 | best without the answers (see below) |
# | adaptive | 0.405 | 0.424 | 0.908 | 0.914 | finds nine organelle pixels in ten, and noise |
# | Sobel, filled | 0.400 | 0.425 | 0.895 | 0.856 | thick edges fill generously |
# | fixed level 100 | 0.366 | 0.396 | 0.874 | 0.885 | the level read off the histogram |
# | watershed | 0.183 | 0.184 | 0.970 | 0.694 | every dark blob is an object |
# | Otsu | 0.154 | 0.154 | 0.999 | 0.622 | takes the darker half of the background |
# | nothing (all background) | 0.000 | 0.000 | 0.000 | 0.934 | the reference for accuracy |
#
# Which real method misses the most organelle pixels (the lowest recall)? Read off the
# table in code rather than by eye, once over all seven methods and once over the six
# that do not see the answers:

# %%
real = results.drop(index="nothing (all background)")
fair = real[~real.index.str.contains("uses the answers")]
for label, group in (("all real methods", real), ("without the answers", fair)):
    print(f"lowest recall, {label}: {group.recall.idxmin()} ({group.recall.min():.3f})")

# %% [markdown]
# In the `cpu` profile the lowest recall is the best fixed level's (0.709): the level
# that scores best is a strict one (85, well below the 100 read off the histogram), which
# gives up organelle pixels to keep vesicles out. Among the methods that do not see the
# answers, Canny, filled has the lowest (0.751): an outline left open is not filled, and
# the organelle inside it is missed.
#
# Dice is a close cousin of the IoU (chapter 4) and ranks the methods the same way.
# (The `quick` profile averages 24 images only and is a smoke run; its order is
# similar, its numbers are not the ones to quote.) One row deserves a second look: the
# mask that marks nothing.

# %%
nothing = results.loc["nothing (all background)"]
beaten = (results.drop(index=nothing.name).accuracy < nothing.accuracy).sum()
print(
    f"marking nothing: accuracy {nothing.accuracy:.3f}, IoU {nothing.iou:.3f}; "
    f"{beaten} of {len(results) - 1} real methods have a lower accuracy"
)

# %% [markdown]
# Marking nothing is "right" on every background pixel, so its accuracy is the share of
# background (0.934 in `cpu`), higher than that of 6 of the 7 real methods (the seventh,
# the best fixed level, ties it at 0.934),
# while its IoU is 0: it finds no organelle at all. The same numbers as a picture: each
# method's precision and recall, and the IoU that combines them.

# %%
fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
results[["iou", "precision", "recall"]].plot.barh(ax=ax, width=0.8)
ax.invert_yaxis()
ax.set(
    xlabel="mean score (1 = perfect)",
    ylabel="",
    xlim=(0, 1),
    title=f"Classical methods on {len(images)} EM-like images",
)
ax.legend(["IoU", "precision", "recall"], loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.show()

# %% [markdown]
# How to read it:
#
# - **Recall is high, precision is low.** Almost every method finds most organelle
#   pixels, and marks many other pixels along with them. They do not miss the
#   organelles; they cannot tell them from their look-alikes.
# - **No method reaches a mean IoU of 0.5**, not even the fixed level chosen with the
#   answers.
# - **Accuracy flatters.** More than nine pixels in ten are background, so marking
#   nothing beats most real methods on accuracy while finding no organelle. Chapter 4
#   shows why, and which numbers to trust instead.
#
# A fair note: the course's images are made this way on purpose. Each one has
# unlabelled vesicles and membranes as dark as the organelles, uneven light and noise.
# That mirrors real electron microscopy, where the stain darkens membranes, vesicles
# and many other structures, not only the one you want. On an image with a single bright
# object on a dark background (a coin on a table, stained nuclei in fluorescence)
# Otsu's threshold is often all you need, and you should try it before anything else.
#
# ## 7 · Why a learned model
#
# What tells an organelle from a vesicle here is not its brightness but its **shape**
# (elongated) and its **texture** (stripes inside). A threshold sees single pixels; the
# edge and region methods see outlines and blobs; none of them sees "elongated and
# striped". We could add hand-made rules (keep long blobs, look for stripes), but every
# new kind of image would need new rules and new settings.
#
# **Machine-learning segmentation** turns this around: we show a network many images
# with their masks, and it learns which combinations of local patterns mean "object".
# A **U-Net** (chapter 5) does this in layers: early layers respond to edges and
# textures, deeper layers to larger shapes, and the last layer gives every pixel a
# probability of being object. This is how organs, tumours and lesions are segmented in
# medical imaging today, where the objects are defined by experts' judgement and no
# simple rule finds them. Chapter 8 puts the trained U-Net beside these classical
# methods on its test images, in one table and one bar chart, so you can see what
# learning buys.

# %% [markdown]
# ## Summary
#
# - Segmentation labels every pixel; the mask is the answer, and the ground truth mask
#   is what we score against. The course's images are synthetic (`helpers.synthetic`):
#   offline, free to share, with an exact ground truth.
# - **Thresholds**: a fixed level is one comparison (`image <= level`); Otsu picks the
#   level with the largest between-class variance `w0·w1·(mu0 − mu1)²` (weights
#   included); an adaptive threshold compares each pixel with its neighbourhood's mean
#   minus an offset. **Edges** (Sobel, `feature.canny`) find outlines, which must be
#   filled to become regions; the **watershed** floods from markers placed with distance
#   transforms and splits touching objects.
# - `helpers.classical` gives the same masks as the code written here (each `assert`
#   checks it) and adds grey conversion, bright/dark objects and the flat-image rule.
# - Scored on every image, the methods find the organelles (high recall) and many
#   look-alikes with them (low precision): mean IoU below 0.5 for every method and
#   setting tried here.
# - Pixel accuracy rewards a mask that marks nothing; chapter 4 explains the metrics
#   properly. The scores table is saved in `outputs/ch02/<profile>/classical_scores.csv`.
#
# Next, chapter 3 sets up the environment, and chapter 5 builds the U-Net that learns
# what these methods cannot be told.
#
# ## Try it yourself
#
# - Change the adaptive threshold's `block_size` (say 51 or 201) and `offset` (10 or 40)
#   in section 2 and watch the IoU: a small block follows the objects themselves and
#   hollows them out; a small offset lets the noise in.
# - Give Canny a `sigma` of 1 and of 3 in section 3: with less smoothing the noise makes
#   edges of its own, with more the outlines of neighbouring organelles merge.
# - Draw the histogram of the MRI slice's grey values (`classical.as_grey(mri)`) as in
#   section 2: its two humps (air and head) are why Otsu separates the head, not the
#   lesion.
#
# ## Exercises
#
# Each exercise gives a skeleton: replace `...` with your code, run the cell, then run
# the check below it. The check runs your function on images of its own and says what
# is wrong, in plain words. `exercises.best_level.hint()` gives a hint (call it again for
# the next), `exercises.best_level.solution()` shows one solution; the same works for
# every exercise. Until you write something, a check prints "Not answered yet".

# %%
from helpers.exercises import ch02 as exercises

# %% [markdown]
# **1 · The best fixed level of one image.** Write `best_level(image, truth)`: try every
# grey level `t` from 0 to 255, score the mask `image <= t` against `truth` with the IoU,
# and return the level with the highest IoU. (This is section 2's cheat, on one image.)


# %%
def best_level(image, truth):
    """The grey level t (0-255) whose mask `image <= t` has the highest IoU with `truth`."""
    ...  # your code here


# %%
exercises.best_level.check(best_level)

# %% [markdown]
# Once it passes, `best_level(image, truth)` gives the best level of the first image;
# compare it with the best level over all images (section 2).
#
# **2 · Adaptive thresholding with a plain mean.** Write `adaptive_box_mask(image, size,
# offset)`: the mask of the pixels darker than the *plain* mean of the `size x size` box
# around them, minus `offset` (section 2 used a Gaussian-weighted mean;
# `ndimage.uniform_filter` gives the plain one).


# %%
def adaptive_box_mask(image, size, offset):
    """True where a pixel is darker than the mean of the size x size box around it, minus offset."""
    ...  # your code here


# %%
exercises.adaptive_box.check(adaptive_box_mask)

# %% [markdown]
# Once it passes, score `adaptive_box_mask(image, 101, 25)` with `metrics.iou(truth, ...)`
# and compare it with the Gaussian-weighted mask's IoU.
