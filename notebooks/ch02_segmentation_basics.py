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
# Before we train a network, we try the tools image processing has offered for decades.
# They need no training data, they are fast, and on the right images they work well. On
# our images they will not, and the numbers will tell us exactly how. In this notebook
# you will:
#
# 1. see what a segmentation is: an image, a mask, and the mask laid over the image;
# 2. threshold: a fixed grey level (one line of NumPy), Otsu's automatic level, and a
#    level that follows the local brightness;
# 3. find outlines with the Sobel and Canny edge detectors, and turn them into regions;
# 4. let regions grow from seeds with the watershed;
# 5. try the same methods on an MRI-like slice;
# 6. score every method against the ground truth in one table, and read from it why
#    chapter 5 builds a network that learns.

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
#
# The classical methods come from scikit-image; `helpers.classical` wraps each one so
# that it returns a mask, and `helpers.metrics` scores a mask against the ground truth.

# %%
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from scipy import ndimage
from skimage import color, filters

from helpers import classical, config, io, metrics, plots, via, widgets

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch02", profile.name)

# %% [markdown]
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
# Here is one of the course's EM-like images, its mask drawn by an expert (the *ground
# truth*), and the mask laid over the image:

# %%
pairs = io.pair_images_and_masks(config.data_dir("mito", "images"), config.data_dir("mito", "masks"))
image = io.read_image(pairs[0][0])[..., 0]  # grey, (256, 256), uint8
truth = io.read_mask(pairs[0][1]).astype(bool)  # True = organelle

fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), layout="constrained")
panels = [(image, "image"), (truth, "ground truth mask"), (plots.overlay(image, truth), "mask over image")]
for ax, (picture, title) in zip(axes, panels, strict=True):
    ax.imshow(picture, cmap="gray")
    ax.set_title(title)
    ax.axis("off")
fig.suptitle(f"{pairs[0][0].name}: the organelles are {truth.mean():.1%} of the pixels")
plt.show()

# %% [markdown]
# Look closely: the mask marks only the **elongated, striped** organelles. The round
# dark vesicles and the long curved membrane are just as dark, and they are *not*
# organelles. Keep that in mind: it is what every method below will trip over.
#
# ## The images we score on
#
# The classical methods need no training, so we can run them on the full-size
# (256 x 256) images. The run profile sets how many we use (all 60 outside the quick
# profile).

# %%
chosen = pairs[: profile.max_images]
images = np.stack([io.read_image(image_path)[..., 0] for image_path, _ in chosen])
truths = np.stack([io.read_mask(mask_path) for _, mask_path in chosen]).astype(bool)
names = [image_path.stem for image_path, _ in chosen]
print(f"{len(images)} images {images.shape[1:]} {images.dtype}; organelles: {truths.mean():.1%} of pixels")

# %% [markdown]
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
ax.set(xlabel="grey value (0 = black, 255 = white)", ylabel="number of pixels",
       title="Organelles are dark, but so are many other pixels")
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
print(f"marked {mask.mean():.1%} of the pixels; IoU with the ground truth: {metrics.iou(truth, mask):.3f}")

# %% [markdown]
# `classical.global_threshold_mask` does the same. Its objects are the *bright* pixels
# unless we say `dark_objects=True`, because most textbook images have bright objects
# on a dark background:

# %%
same = classical.global_threshold_mask(image, level, dark_objects=True)
print("same mask as the NumPy line:", np.array_equal(same, mask))

# %% [markdown]
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
ax.set(xlabel="threshold level (grey value)", ylabel=f"mean IoU over {len(images)} images",
       title="A fixed threshold, scored at every level", ylim=(0, None))
ax.legend()
plt.show()
print(f"best fixed level: {best_level}, mean IoU {mean_iou.max():.3f}")

# %% [markdown]
# Even the best level, chosen with the answers in hand, leaves most of the mask wrong.
#
# ### Otsu's method: the level chosen from the histogram
#
# Otsu's method picks the level on its own. It tries every level and keeps the one
# that splits the pixels into two groups (darker and lighter) that are each as uniform
# as possible, which is the same as making the two groups' means as far apart as
# possible. scikit-image computes it:

# %%
otsu_level = filters.threshold_otsu(image)
otsu_by_hand = image <= otsu_level
print(f"Otsu's level: {otsu_level:.0f}; marked {otsu_by_hand.mean():.1%} of the pixels "
      f"(the truth: {truth.mean():.1%}); IoU {metrics.iou(truth, otsu_by_hand):.3f}")
helper = classical.otsu_mask(image, dark_objects=True)
print("classical.otsu_mask gives the same mask:", np.array_equal(helper, otsu_by_hand))

# %% [markdown]
# Otsu works when the histogram has two humps, one per group. Ours has one big hump
# (the background) with a dark tail (the organelles and their look-alikes), so Otsu cuts
# the background hump in two and calls half the image "organelle".
#
# ### A local level: adaptive thresholding
#
# The light is uneven: one corner of an image can be darker than another. An
# **adaptive** threshold compares each pixel with the (Gaussian-weighted) mean of its
# neighbourhood instead of one level for the whole image. Two settings matter: the
# neighbourhood (`block_size`, larger than an organelle) and how much darker than its
# neighbourhood a pixel must be to count (`offset`, in grey levels):

# %%
adaptive = classical.adaptive_mask(image, block_size=101, offset=25, dark_objects=True)
thresholded = {
    f"fixed level {level}": classical.global_threshold_mask(image, level, dark_objects=True),
    "Otsu": classical.otsu_mask(image, dark_objects=True),
    "adaptive": adaptive,
}
scores = {name: {"IoU": metrics.iou(truth, m)} for name, m in thresholded.items()}
fig = plots.show_thresholds(image, thresholded, truth=truth, scores=scores)
fig.suptitle("Thresholding: three ways to choose the level")
plt.show()

# %% [markdown]
# All three find the organelles, and all three also find the vesicles, the membrane
# and specks of noise: a threshold only knows "dark", not "organelle".
#
# **Try it yourself (optional).** The threshold explorer below was made for a network's
# output (chapter 8), which is a probability between 0 and 1 for each pixel. Here we give
# it *darkness* instead (0 = white, 1 = black), so moving the slider moves a fixed grey
# level, and the numbers above the picture update as you go. Without a live notebook you
# see a static figure with a few levels side by side.

# %%
darkness = 1.0 - image / 255.0
widgets.threshold_explorer(image, darkness, truth, threshold=0.6)

# %% [markdown]
# ## 3 · Edge detection
#
# Another idea: an object is where the brightness changes sharply at its border. The
# **Sobel** operator measures, at every pixel, how fast the grey value changes (the
# gradient); its magnitude is large on edges and small in flat areas:

# %%
gradient = filters.sobel(image / 255.0)  # magnitude of the brightness change, per pixel
sobel = classical.sobel_edges(image)  # the helper: strong gradients (Otsu's level of them)
print(f"gradient from {gradient.min():.3f} to {gradient.max():.3f}; edges: {sobel.mean():.1%} of the pixels")

# %% [markdown]
# The **Canny** detector refines this: it smooths the image first (`sigma`, in pixels),
# keeps only the thin crest of each edge, and follows weak edges only where they
# continue strong ones. Its edges are one pixel thick and mostly connected.
#
# Edges are outlines, not regions: an outline has almost no pixels in common with a
# filled organelle, so scoring it as a mask makes no sense. `classical.regions_from_edges`
# closes small gaps in the outlines, fills what they enclose, and removes lines that
# enclose nothing:

# %%
canny = classical.canny_edges(image, sigma=2.0)
edge_results = {
    "Sobel gradient": gradient, "Sobel edges": sobel, "Canny edges": canny,
    "Sobel, filled": classical.regions_from_edges(sobel),
    "Canny, filled": classical.regions_from_edges(canny),
}
scores = {name: {"IoU": metrics.iou(truth, m)} for name, m in edge_results.items() if "filled" in name}
fig = plots.show_thresholds(image, edge_results, truth=truth, scores=scores)
fig.suptitle("Edge detection: outlines first, then the regions they enclose")
plt.show()

# %% [markdown]
# Filling closed outlines gets rid of the noise that fooled the thresholds: speckles
# have no outline. The vesicles, though, have neat round outlines and are filled too,
# and the membrane survives wherever its two edges run close enough to be closed.
#
# ## 4 · Region-based: the watershed
#
# Region-based methods group neighbouring pixels that are alike. The **watershed**
# reads an image as a landscape in which the value of each pixel is its height. Water
# rises from a few seeds (the *markers*); where the floods of two seeds meet, a border
# forms. Good markers are everything: started from every small dip of a noisy image, it
# cuts the image into hundreds of pieces.
#
# `classical.watershed_labels` places its markers with distance transforms (one seed in
# the middle of each dark blob, background seeds far from any blob) and floods the
# gradient, so that borders settle on strong edges. It returns one label per object:

# %%
labels = classical.watershed_labels(image, dark_objects=True)
watershed = labels > 0
true_count = ndimage.label(truth)[1]
print(f"watershed found {labels.max()} objects; the ground truth has {true_count} organelles; "
      f"IoU {metrics.iou(truth, watershed):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 4), layout="constrained")
axes[0].imshow(color.label2rgb(labels, image, bg_label=0, alpha=0.4))
axes[0].set_title("watershed objects, one colour each")
axes[1].imshow(plots.overlay(image, truth))
axes[1].set_title("ground truth")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# The watershed gives each object its own label, which makes it the tool for splitting
# touching cells. But its seeds come from "dark blobs", so every vesicle, piece of
# membrane and dark patch of background becomes an object too.
#
# ## 5 · The same methods on an MRI-like slice
#
# The course's second dataset imitates MRI head slices with a bright lesion; its
# ground truth is a set of polygons drawn in the VGG Image Annotator (VIA, chapter 10).
# `via.rasterize_regions` turns them into a mask of the image's size:

# %%
project = via.load_via(config.data_dir("mri", "via_annotations.json"))
record = project.images[0]
mri = io.read_image(config.data_dir("mri", "images", record.filename))  # RGB, (256, 256, 3)
lesion = via.rasterize_regions(record.regions, mri.shape[:2])
print(f"{record.filename}: {len(record.regions)} region(s), lesion = {lesion.mean():.1%} of the pixels")

# %% [markdown]
# The lesion is brighter than the brain around it, so here the objects are bright
# (`dark_objects` stays False). The helpers turn a colour image into grey first.

# %%
mri_results = {
    "Otsu": classical.otsu_mask(mri),
    "fixed level 150": classical.global_threshold_mask(mri, 150),
    "Canny, filled": classical.regions_from_edges(classical.canny_edges(mri)),
    "watershed": classical.watershed_mask(mri),
}
scores = {name: {"IoU": metrics.iou(lesion, m)} for name, m in mri_results.items()}
fig = plots.show_thresholds(mri, mri_results, truth=lesion, scores=scores)
fig.suptitle("MRI-like slice: the skull is as bright as the lesion")
plt.show()

# %% [markdown]
# Otsu separates head from air, the edges outline the whole head, and even a level
# chosen for the lesion keeps the bright skull with it. The lesion is 1 % of the image:
# every method is dominated by something bigger that is just as bright.
#
# ## 6 · Scoring every method on every image
#
# One picture can flatter or slander a method. We run each method on every image and
# average the scores. Each entry below is a function from an image to a mask. We add two
# references: the best fixed level found above (with the answers, so an upper bound for
# fixed levels) and a "method" that marks nothing at all.

# %%
methods = {
    f"fixed level {level}": lambda im: classical.global_threshold_mask(im, level, dark_objects=True),
    f"fixed level {best_level} (best, uses the answers)":
        lambda im: classical.global_threshold_mask(im, best_level, dark_objects=True),
    "Otsu": lambda im: classical.otsu_mask(im, dark_objects=True),
    "adaptive": lambda im: classical.adaptive_mask(im, block_size=101, offset=25, dark_objects=True),
    "Sobel, filled": lambda im: classical.regions_from_edges(classical.sobel_edges(im)),
    "Canny, filled": lambda im: classical.regions_from_edges(classical.canny_edges(im, sigma=2.0)),
    "watershed": lambda im: classical.watershed_mask(im, dark_objects=True),
    "nothing (all background)": lambda im: np.zeros(im.shape, bool),
}
predictions = {name: np.stack([method(im) for im in images]) for name, method in methods.items()}
print(f"{len(methods)} methods x {len(images)} images done")

# %% [markdown]
# `metrics.per_image_table` scores every image; the mean of each column is the method's
# score. Pixel accuracy (the share of pixels labelled right) is in the table too, for a
# reason that comes next.

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
# One row deserves a second look: the mask that marks nothing.

# %%
nothing = results.loc["nothing (all background)"]
beaten = (results.drop(index=nothing.name).accuracy < nothing.accuracy).sum()
print(f"marking nothing: accuracy {nothing.accuracy:.3f}, IoU {nothing.iou:.3f}; "
      f"{beaten} of {len(results) - 1} real methods have a lower accuracy")

# %% [markdown]
# The same numbers as a picture: each method's precision and recall, and the IoU that
# combines them.

# %%
fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
results[["iou", "precision", "recall"]].plot.barh(ax=ax, width=0.8)
ax.invert_yaxis()
ax.set(xlabel="mean score (1 = perfect)", ylabel="", xlim=(0, 1),
       title=f"Classical methods on {len(images)} EM-like images")
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
# - **Accuracy flatters.** Marking nothing at all is "right" on every background
#   pixel, and more than nine pixels in ten are background: it beats most real methods
#   on accuracy while finding no organelle. Chapter 4 shows why, and which numbers to
#   trust instead.
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
# simple rule finds them. Chapter 8 scores the trained U-Net with this same table, so
# you can compare it with the methods above.

# %% [markdown]
# ## Summary
#
# - Segmentation labels every pixel; the mask is the answer, and the ground truth mask
#   is what we score against.
# - **Thresholds** (fixed, Otsu, adaptive) separate dark from light; **edges** (Sobel,
#   Canny) find outlines, which must be filled to become regions; the **watershed**
#   grows regions from seeds and splits touching objects.
# - Scored on every image, they find the organelles (high recall) and many look-alikes
#   with them (low precision): mean IoU below 0.5, whatever the settings.
# - Pixel accuracy rewards a mask that marks nothing; chapter 4 explains the metrics
#   properly. The scores table is saved in `outputs/ch02/<profile>/classical_scores.csv`.
#
# Next, chapter 3 sets up the environment, and chapter 5 builds the U-Net that learns
# what these methods cannot be told.
