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
# # Chapter 13 · Several classes: from one VIA file to per-class scores
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch13_classes.ipynb)
#
# Real labelling jobs rarely have one class: tumour and oedema, nucleus and cytoplasm,
# crop and weed. So far every chapter had one: object or background, one sigmoid output.
# This chapter makes the step to several, on a bundled set of fluorescence-like images
# with four kinds of bright objects that are *equally bright*: nuclei, rods, stars and
# crescents differ in shape and grain, so no threshold can tell them apart, and one of
# them, the crescent, is rare. This chapter goes beyond the module. You will:
#
# 1. turn a VIA file whose regions carry a class name into class masks, and look at them
#    in colour;
# 2. write labels two ways, sparse (one class index per pixel) and one-hot (one channel
#    per class), in NumPy;
# 3. write softmax and categorical cross-entropy in `keras.ops`, and check them against
#    Keras and against the course's loss;
# 4. see why a rare class needs help: a Dice term over the classes, an output that starts
#    at each class's share, and class weights from pixel counts;
# 5. train the U-Net through the helpers, without and with class weights;
# 6. score each class over all test pixels, read the confusion matrix, and compare with a
#    per-class multi-Otsu baseline;
# 7. write the predictions back to VIA, class names included.
#
# **You need:** chapters 4 (confusion matrix), 7 (training) and 10-11 (VIA files); no GPU
# (one helps); it trains twice. On 2 CPU cores shared with other work: quick about 7
# minutes (two runs of about 2 minutes), cpu about 45 minutes (two runs of 21 and 22
# minutes); full (256 px, 60 epochs) not measured here, it wants a GPU.
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
# The profile sets the image size, the epochs and the batch size. `full` (a GPU, e.g.
# Colab) trains at 256 px; `cpu` gives a real result on a laptop in minutes; `quick`
# only checks that every cell runs (two epochs learn little: its scores are low).

# %%
from collections import Counter
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import ops
from matplotlib.patches import Patch
from skimage.filters import threshold_multiotsu

from helpers import (
    classes,
    config,
    expected,
    inference,
    io,
    losses,
    metrics,
    plots,
    runs,
    splits,
    synthetic,
    via,
)

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch13", profile.name)
print("this notebook's files go to", out.relative_to(config.repo_root()))

# %% [markdown]
# ## 1 · A VIA file whose regions have a class
#
# In VIA a class is a *region attribute*: you add an attribute, say `class`, under
# *Attributes > Region Attributes*, and give every region you draw its value (`nucleus`,
# `rod`, ...). The exported JSON keeps it with each region, next to its shape. The
# bundled set was labelled that way, with ellipses and polygons:

# %%
images_dir = config.data_dir("cells", "images")  # your images
via_path = config.data_dir("cells", "via_annotations.json")  # your VIA export
mask_dir = out / "masks"  # made below
project = via.load_via(via_path)
region = project.images[0].regions[0]
print(project.images[0].filename, "| first region:", region.shape, region.attributes)
regions = Counter(r.attributes["class"] for image in project.images for r in image.regions)
pd.Series(regions, name="regions").sort_index().to_frame().T

# %% [markdown]
# 819 regions on 56 images: 288 stars, 259 rods, 219 nuclei and only 53 crescents. The
# crescents are also the fewest pixels, 8.5 % of the object pixels, although each is
# drawn larger than the others, so that it stays recognisable at 128 px.
#
# `via.masks_from_via` with `attribute="class"` (`python -m helpers via2masks
# --attribute class` from a terminal) draws each region with its class's number instead
# of 255, and writes `classes.json`, which names the numbers: 0 is the background, the
# class names get 1, 2, ... in alphabetical order.

# %%
written = via.masks_from_via(project, images_dir, mask_dir, attribute="class", overwrite=True)
print(via.summarize(written))
names = classes.read_classes(mask_dir / classes.CLASSES_FILE)
num_classes = names.count
print("classes.json:", names.as_dict(), "|", num_classes, "classes with the background")

# %% [markdown]
# ## 2 · The class masks, in colour
#
# A class mask holds small numbers, 0 to 4: shown in grey it is nearly black. To see it,
# give every class a colour. A palette is a table of colours, one row per class, and
# indexing it with the whole mask colours every pixel at once (`palette[mask]`, NumPy's
# fancy indexing). The colours are the Okabe-Ito palette, which people with the common
# kinds of colour blindness can tell apart; the background is black. `classes.colorize`
# is the same indexing (and can draw over the image, dimmed):

# %%
palette = np.array([(0, 0, 0), (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66)])
record = max(
    project.images, key=lambda im: Counter(r.attributes["class"] for r in im.regions)["crescent"]
)
stem = Path(record.filename).stem  # the image with the most crescents
mask = io.read_mask(mask_dir / f"{stem}.png")
coloured = palette[mask].astype(np.uint8)  # (H, W) labels -> (H, W, 3) colours
assert np.array_equal(coloured, classes.colorize(mask, num_classes=num_classes))
print(mask.shape, mask.dtype, "->", coloured.shape, "| labels in this mask:", np.unique(mask))

# %%
image = io.read_image(images_dir / f"{stem}.png")
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
axes[0].imshow(image[..., 0], cmap="gray")
axes[1].imshow(coloured)
axes[2].imshow(classes.colorize(mask, image=image))
titles = [f"{stem}.png", "its class mask: palette[mask]", "classes.colorize(mask, image=...)"]
for ax, title in zip(axes, titles, strict=True):
    ax.set(title=title, xlabel="x (column)", ylabel="y (row)")
legend = classes.legend(names.names)
handles = [Patch(color=np.array(rgb) / 255, label=name) for name, rgb in legend.items()]
fig.legend(handles=handles, loc="outside right center", title="class")
plt.show()

# %% [markdown]
# In the grey image the four kinds of object are equally bright; only their shapes and
# grain differ. The mask gives each its colour: nuclei (sky blue) are filled ellipses
# with a mottled texture, rods (green) straight capsules, stars (yellow) five-pointed,
# and crescents (orange) curved. `python -m helpers predict --color` writes such
# previews for a model's predictions.
#
# ## 3 · Sparse and one-hot labels
#
# A mask that holds one class number per pixel is *sparse*. A network with several
# classes outputs one channel per class, so the loss compares it with a *one-hot* mask:
# a channel per class, 1 where the pixel is of that class and 0 elsewhere. Row `k` of
# the identity matrix `np.eye(K)` is class `k`'s one-hot vector, so indexing it with the
# labels turns a whole mask into one-hot at once, and `argmax` goes back:

# %%
labels = np.array([[0, 1, 2], [2, 0, 4]])  # sparse: one class index per pixel
one_hot = np.eye(num_classes, dtype=np.float32)[labels]  # one channel per class
print(labels.shape, "->", one_hot.shape, "| pixel (0, 1), class 1:", one_hot[0, 1])
assert np.array_equal(one_hot.argmax(axis=-1), labels)  # argmax goes back
assert (one_hot.sum(axis=-1) == 1).all()  # exactly one 1 per pixel
whole = np.eye(num_classes, dtype=np.float32)[mask]
print(f"a whole mask: sparse {mask.nbytes:,} bytes (uint8), one-hot {whole.nbytes:,} (float32)")

# %% [markdown]
# The one-hot mask is 20 times larger (5 channels of 4-byte floats for one byte), which is
# why the course's pipelines keep masks sparse, `(batch, H, W, 1)` class indices, and the
# loss turns each batch into one-hot inside. Keras has both kinds of loss:
# `CategoricalCrossentropy` takes one-hot masks, `SparseCategoricalCrossentropy` class
# indices; they compute the same number.
#
# ## 4 · Softmax and categorical cross-entropy, in `keras.ops`
#
# The network's last layer gives `K` numbers per pixel, its *logits* `z`. Softmax turns
# them into probabilities that add up to 1: `p_k = exp(z_k) / sum_j exp(z_j)`.
# Subtracting the largest logit first changes nothing in the result and keeps `exp` from
# overflowing:

# %%
rng = np.random.default_rng(0)
logits = ops.convert_to_tensor(rng.normal(size=(1, 2, 3, num_classes)).astype("float32"))
shifted = logits - ops.max(logits, axis=-1, keepdims=True)  # same result, no overflow
probs = ops.exp(shifted) / ops.sum(ops.exp(shifted), axis=-1, keepdims=True)
np.testing.assert_allclose(
    ops.convert_to_numpy(probs), ops.convert_to_numpy(keras.activations.softmax(logits)), rtol=1e-5
)
print("per pixel, the probabilities add up to:", ops.convert_to_numpy(ops.sum(probs, -1)).ravel())

# %% [markdown]
# Categorical cross-entropy is, per pixel, minus the log of the probability given to the
# right class (`-sum_k t_k log p_k` with the one-hot truth `t`), averaged over the
# pixels: 0 when the network is sure and right, large when it is sure and wrong. Written
# out, then Keras's two losses and the course's `losses.ClassLoss` without its extras:

# %%
sparse = labels[None, ..., None]  # (1, 2, 3, 1): the shape the pipelines give
target = ops.one_hot(ops.convert_to_tensor(labels[None]), num_classes)  # (1, 2, 3, K)
by_hand = ops.mean(-ops.sum(target * ops.log(probs), axis=-1))
found = {
    "by hand": by_hand,
    "keras CategoricalCrossentropy": keras.losses.CategoricalCrossentropy()(target, probs),
    "keras SparseCategoricalCrossentropy": keras.losses.SparseCategoricalCrossentropy()(
        sparse, probs
    ),
    "losses.ClassLoss(dice=False)": losses.ClassLoss(dice=False)(sparse, probs),
}
np.testing.assert_allclose([float(v) for v in found.values()], float(by_hand), rtol=1e-5)
pd.Series({k: float(v) for k, v in found.items()}, name="cross-entropy").round(5).to_frame()

# %% [markdown]
# All four agree. `losses.ClassLoss` adds two things, both for a rare class. A *weight
# per class*: each pixel's cross-entropy is multiplied by its class's weight (section 5
# says which). And a *soft Dice over the foreground classes*: Dice compares each class's
# area with its overlap, so a class of a few pixels counts as much as a large one; its
# sums run over the whole batch, so an image that happens to hold no crescent does not
# teach the network to predict none anywhere. With made-up weights, written out:

# %%
weights = ops.convert_to_tensor([0.5, 4.0, 1.0, 1.0, 1.0])
pixel_ce = -ops.sum(target * ops.log(probs), axis=-1)
weighted_ce = ops.mean(ops.sum(target * weights, axis=-1) * pixel_ce)
overlap = ops.sum(target * probs, axis=(0, 1, 2))[1:]  # per foreground class
areas = ops.sum(target, axis=(0, 1, 2))[1:] + ops.sum(probs, axis=(0, 1, 2))[1:]
dice_term = 1 - ops.mean((2 * overlap + losses.SMOOTH) / (areas + losses.SMOOTH))
course = losses.ClassLoss(ops.convert_to_numpy(weights))(sparse, probs)
np.testing.assert_allclose(float(course), float(weighted_ce + dice_term), rtol=1e-5)
print(
    f"weighted cross-entropy {float(weighted_ce):.4f} + Dice term {float(dice_term):.4f} "
    f"= {float(course):.4f} (losses.ClassLoss)"
)

# %% [markdown]
# (`losses.SMOOTH`, 1, keeps a class that is absent from both the truth and the
# prediction at a Dice of 1 instead of 0 / 0.) `ClassLoss` also takes an *ignore* label:
# where `classes.json` declares `"ignore": 255`, pixels of 255 weigh 0, for regions
# nobody could label.
#
# ## 5 · A rare class, and what to do about it
#
# First the split, exactly as `runs.train_on_folder` will make it (same shares, same
# seed), then the pixels of each class in the *training* masks only, counted with
# `np.bincount`:

# %%
pairs = io.pair_images_and_masks(images_dir, mask_dir)[: profile.max_images]
stems = [image.stem for image, _ in pairs]
split = splits.split_stems(stems, val_fraction=0.15, test_fraction=0.15, seed=config.DEFAULT_SEED)
train_masks = [path for _, path in splits.select_pairs(pairs, split["train"])]
counts = sum(np.bincount(io.read_mask(p).ravel(), minlength=num_classes) for p in train_masks)
share = counts / counts.sum()
print({part: len(names_) for part, names_ in split.items()}, "images")

# %% [markdown]
# The usual advice for a rare class is to weight it: multiply each pixel's cross-entropy
# by a weight that is larger for rarer classes. The course's weights are `share ** -0.5`,
# the inverse square root of each class's share, scaled so that an average pixel weighs
# 1; `classes.class_weights` computes the same:

# %%
by_hand = share**-0.5
by_hand = by_hand / np.sum(share * by_hand)  # an average pixel weighs 1
class_weights = classes.class_weights(counts)
np.testing.assert_allclose(class_weights, by_hand)
table = pd.DataFrame(
    {
        "pixels": counts,
        "share": share,
        "weight": class_weights,
        "share of the loss": share * class_weights,
    },
    index=names.names,
)
table.round(4)

# %% [markdown]
# In both profiles the background is about 91 % of the training pixels and the crescent
# under 1 %. Weighted, a crescent pixel counts about 11 times a background pixel and twice
# a nucleus pixel, and the crescents' share of the cross-entropy grows from under 1 % to
# about 5 %. Inverse frequency (`power=1`, exercise 3) would give every class a fifth of
# the loss, a crescent pixel over 100 times a background pixel. Whether weights help at
# all is a question for measurement (section 9): the Dice term already gives each class
# the same say, whatever its size.
#
# > **Common mistake.** Keras's own `fit(class_weight={...})` is the usual advice for
# > rare classes, but it is made for one label per *image*: on masks it fails (Keras 3,
# > 2026). Per-pixel weights go through the loss (here) or through `sample_weight`:

# %%
tiny = keras.Sequential(
    [keras.Input((8, 8, 1)), keras.layers.Conv2D(num_classes, 1, activation="softmax")]
)
tiny.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
x, y = np.zeros((2, 8, 8, 1), "float32"), np.zeros((2, 8, 8, 1), "int32")
try:
    tiny.fit(x, y, class_weight=dict(enumerate(class_weights)), epochs=1, verbose=0)
    print("this version of Keras took class_weight on masks")
except Exception as error:  # what Keras 3 says
    print(f"{type(error).__name__}: {str(error).splitlines()[0][:150]}")

# %% [markdown]
# One more measure comes from chapter 11: start the network's output at each class's
# share. A new network answers about `1/K` for every class everywhere; setting the last
# layer's biases to the log of the shares makes softmax start at the shares themselves,
# "mostly background", so training spends its steps on the objects
# (`runs.set_output_prior` does it):

# %%
prior = np.log(share)
start = ops.convert_to_numpy(ops.softmax(ops.convert_to_tensor(prior[None])))[0]
np.testing.assert_allclose(start, share, rtol=1e-5)
print("softmax(log(share)):", start.round(4))

# %% [markdown]
# ## 6 · Training, without and with class weights
#
# `runs.train_on_folder` is the recipe of `python -m helpers train`. It reads
# `classes.json` in the masks folder (no need to say how many classes), builds the U-Net
# with a softmax output of 5 channels, counts the training pixels, starts the output at
# their shares, and trains with `losses.ClassLoss`: cross-entropy plus the Dice over the
# foreground classes. `run.json` records the class names, so that `predict` can write
# them back. Run the cell again and it loads the finished run instead of training.

# %%
run_dir = out / "run"
runs.train_on_folder(images_dir, mask_dir, run_dir, profile=profile)
run = runs.load_run(run_dir)
assert run.split == split and run.num_classes == num_classes, "another split or classes"
np.testing.assert_allclose(run.settings["class_shares"], share, atol=1e-5)
print({key: run.settings[key] for key in ("class_names", "loss", "batch_size", "epochs")})

# %% [markdown]
# To see what the weights do, the same recipe again, the only change being
# `class_weights=True` (`--class-weights` on the command line): the cross-entropy is then
# weighted by section 5's weights.

# %%
weighted_dir = out / "run_with_weights"
runs.train_on_folder(images_dir, mask_dir, weighted_dir, profile=profile, class_weights=True)
weighted = runs.load_run(weighted_dir)
np.testing.assert_allclose(weighted.settings["class_weights"], class_weights, atol=1e-4)
print(f"trained in {run.record['seconds']:.0f} s and {weighted.record['seconds']:.0f} s")

# %% [markdown]
# ## 7 · Scores per class, over all test pixels
#
# We predict the test images at the training size and take, for each pixel, the class
# with the highest probability. The pixel confusion matrix (chapter 4, now 5 x 5) holds
# everything: row `k`, column `j` counts the pixels of class `k` predicted as `j`. Class
# `k`'s IoU is its diagonal cell over its row plus its column minus that cell, the
# pixels of the test images *pooled*:

# %%
x_test, y_test = io.load_pairs(splits.select_pairs(pairs, split["test"]), size=run.size)
predicted = inference.predict_masks(run.load_model(), x_test)  # (N, H, W, 1) class indices
matrix = metrics.confusion_matrix(y_test, predicted, num_classes=num_classes, pooled=True)
diagonal = np.diag(matrix)
iou_by_hand = diagonal / (matrix.sum(axis=0) + matrix.sum(axis=1) - diagonal)
per_class = {"num_classes": num_classes, "per_class": True, "pooled": True}
scores = pd.DataFrame(
    {
        kind: getattr(metrics, kind)(y_test, predicted, **per_class)
        for kind in ("iou", "dice", "precision", "recall")
    },
    index=names.names,
)
np.testing.assert_allclose(scores["iou"], iou_by_hand)
scores.assign(pixels=matrix.sum(axis=1)).round(3)

# %% [markdown]
# `metrics.iou(..., per_class=True, pooled=True)` gives the same IoU as the matrix.
# In the `cpu` profile every class is found: IoU 0.857 for the rare crescent, 0.909 for
# the nucleus, 0.878 for the rod and 0.849 for the star, precision and recall between
# 0.91 and 0.96: a few pixels at the objects' edges, wrong on both sides.
# The `quick` profile's two epochs at 64 px find some nuclei and rods (IoU 0.06 to 0.14)
# and no crescent or star yet. The expected ranges per profile:

# %%
for name in names.names[1:]:
    expected.report(f"ch13.iou_{name}", scores.loc[name, "iou"])

# %% [markdown]
# Why pooled, not a mean over images? In the `cpu` profile two of the eight test images
# hold no crescent (in `quick` all four test images hold one). Scored
# image by image, an image where the crescent is absent from the truth and from the
# prediction scores 1.0 for it (the course's empty rule: nothing to find, nothing
# found), and those easy 1.0s lift the mean:

# %%
per_image = metrics.iou(y_test, predicted, num_classes=num_classes, per_class=True)
has_crescent = (y_test[..., 0] == 1).any(axis=(1, 2))
print("crescent IoU per test image:", per_image[:, 1].round(3))
print(
    f"mean over images {per_image[:, 1].mean():.3f}, over the {has_crescent.sum()} images "
    f"with a crescent {per_image[has_crescent, 1].mean():.3f}, "
    f"pooled {scores.loc['crescent', 'iou']:.3f}"
)

# %% [markdown]
# In the `cpu` profile the two images without a crescent score 1.0, and the mean over
# images, 0.887, is higher than four of the six images that have one (0.774 to 0.900):
# it says more about where crescents happen to be than about how well they are found. Over
# the six images with a crescent the mean is 0.850, close to the pooled 0.857, which
# weighs each pixel once. (In `quick` nothing is found: 0 everywhere.)
#
# ## 8 · The confusion matrix, read aloud
#
# Each row divided by its sum (`normalize="true"`): the diagonal is each class's recall,
# and the rest of a row says where its missed pixels went.

# %%
fig = plots.plot_confusion_matrix(
    matrix, labels=names.names, normalize="true", title="test pixels: share of each true class"
)
fig.axes[0].tick_params(axis="x", labelrotation=30)
plt.show()

# %%
off = matrix.astype(float)
np.fill_diagonal(off, 0)
for k, name in enumerate(names.names[1:], start=1):
    row = matrix[k].sum()
    worst = int(off[k].argmax())
    print(
        f"{name:>8}: {matrix[k, k] / row:.1%} found; its most frequent error "
        f"{names.names[worst]} ({matrix[k, worst] / row:.1%} of its pixels)"
    )

# %% [markdown]
# In the `cpu` profile the classes are hardly confused with each other: nearly every
# missed pixel goes to the *background* (4.9 % to 7.2 % of each class), at the objects'
# edges, where a 128 px image blurs object and background together. The only pixels
# that go from one class to another lie between crescent and rod: 1.4 % of the
# crescent's pixels predicted as rod, 0.4 % of the rod's as crescent: a crescent's thin
# horns look like the end of a rod. That is what makes the rare class hard: the network
# saw 53 crescents against 219 to 288 of each other kind. With the Dice term and the
# output prior it still scores above the star (0.857 against 0.849), whose thin points
# lose the most pixels to the background (7.2 %). (In `quick` most object pixels go to
# the background.)
#
# ## 9 · What the class weights changed
#
# The run with class weights, scored the same way, side by side:

# %%
weighted_predicted = inference.predict_masks(weighted.load_model(), x_test)
side = pd.DataFrame(
    {
        (kind, label): getattr(metrics, kind)(y_test, guess, **per_class)
        for kind in ("iou", "precision", "recall")
        for label, guess in (("without", predicted), ("with", weighted_predicted))
    },
    index=names.names,
)
side.columns.names = ["score", "class weights"]
side.round(3)

# %%
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
spots = np.arange(1, num_classes)
for offset, label in ((-0.2, "without weights"), (0.2, "with weights")):
    ax.bar(spots + offset, side["iou", label.split()[0]].iloc[1:], width=0.4, label=label)
ax.set_xticks(spots, names.names[1:])
ax.set(
    ylim=(0, 1),
    xlabel="class",
    ylabel="IoU, pooled over the test pixels",
    title="What the class weights changed",
)
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# In the `cpu` profile the weights did what weights do: every class's recall rose (the
# crescent's from 0.937 to 0.988) and its precision fell (0.909 to 0.872). A weighted
# pixel of a rare class costs more when missed, so the network paints each object a
# little too wide. On IoU the two nearly cancel in this run (the crescent 0.857 -> 0.862,
# the nucleus 0.909 -> 0.919, the rod 0.878 both times, the star 0.849 -> 0.843); in a
# run on a machine busy with other jobs every class fell (the crescent 0.901 -> 0.878,
# the star 0.874 -> 0.841). With the Dice term already giving each class the same say,
# the weights add that bias and no steady gain, which is why the course leaves them off
# by default (`--class-weights` to ask for them). In `quick` both runs score about the same, low.
# A test image with crescents, the truth and both predictions in
# the colours of section 2:

# %%
example = int(np.argmax((y_test[..., 0] == 1).sum(axis=(1, 2))))  # most crescent pixels
panels = {
    f"{split['test'][example]}: truth": y_test[example, ..., 0],
    "without weights": predicted[example, ..., 0],
    "with weights": weighted_predicted[example, ..., 0],
}
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6), layout="constrained")
for ax, (title, labels_) in zip(axes, panels.items(), strict=True):
    ax.imshow(classes.colorize(labels_, image=x_test[example], num_classes=num_classes))
    ax.set(title=title, xlabel="x (column)", ylabel="y (row)")
fig.legend(handles=handles, loc="outside right center", title="class")
plt.show()

# %% [markdown]
# In the `cpu` profile both predictions follow the truth closely, crescents included;
# the run with weights draws the objects slightly fatter (look at the stars' points and
# the rods' ends), the precision lost in the table above.
#
# ## 10 · A classical baseline: multi-Otsu, per class
#
# Could a threshold do it? Multi-Otsu (chapter 2's Otsu with several thresholds) cuts an
# image into `K` bands of brightness. But the classes here were made equally bright: in
# the images as they are (256 px), the mean grey level inside each class's objects:

# %%
grey = np.stack([io.read_image(image_path)[..., 0] for image_path, _ in pairs])
truth_full = np.stack([io.read_mask(mask_path) for _, mask_path in pairs])
brightness = pd.Series(
    {name: grey[truth_full == k].mean() for k, name in enumerate(names.names)},
    name=f"mean grey level ({len(pairs)} images, 256 px)",
)
brightness.round(1).to_frame().T

# %% [markdown]
# The four classes are within 8 grey levels of each other (159 to 167 in the `cpu`
# profile's 56 images), far above the
# background. Multi-Otsu's bands on one test image, by scikit-image and by
# `synthetic.multiotsu_bands` (the same bands, found faster):

# %%
image = x_test[example, ..., 0]
bands = np.digitize(image, threshold_multiotsu(image, classes=num_classes))
assert np.array_equal(bands, synthetic.multiotsu_bands(image, levels=num_classes))
print("pixels per band, darkest first:", np.bincount(bands.ravel(), minlength=num_classes))

# %% [markdown]
# To give the baseline every chance, `synthetic.multiotsu_baseline` cuts each test image
# into five bands and gives every class the *best* union of bands, the one with the
# highest pooled IoU, as if an oracle had picked it: an upper bound for any threshold
# rule.

# %%
floor = synthetic.multiotsu_baseline(x_test[..., 0], y_test[..., 0], num_classes=num_classes)
pd.DataFrame({"multi-Otsu, best bands": floor, "U-Net": scores["iou"]}, index=names.names).round(3)

# %% [markdown]
# In the `cpu` profile the best bands give the crescent 0.085 and the other classes 0.25
# to 0.31: brightness says "object", not which. The U-Net, which sees shape and grain,
# scores 0.57 to 0.77 higher for every class. (In `quick`, 24 images and two epochs, the
# untrained U-Net is below the baseline.)
#
# ## 11 · Predictions back to VIA, with their class names
#
# `via.masks_to_via` traces each predicted class's regions into polygons and, given the
# classes, writes each polygon's class name into the region attribute `class`: a VIA file
# to open, correct and export again, as in chapter 11. The polygons are scaled to each
# image's own size.

# %%
predictions_via = out / "predictions_via.json"
predicted_masks = {stem: predicted[n, ..., 0] for n, stem in enumerate(split["test"])}
via.masks_to_via(
    predicted_masks,
    images_dir,
    predictions_via,
    classes=names.as_dict(),
    attribute="class",
    overwrite=True,
)
back = via.load_via(predictions_via)
found = Counter(r.attributes["class"] for image in back.images for r in image.regions)
test_images = [image for image in project.images if Path(image.filename).stem in split["test"]]
truth = Counter(r.attributes["class"] for image in test_images for r in image.regions)
pd.DataFrame({"VIA file, test images": truth, "predicted polygons": found}).fillna(0).astype(int)

# %% [markdown]
# In the `cpu` profile the predicted polygons nearly match the regions of the VIA file
# on the test images: 8 crescents of 8, 29 nuclei of 29, 40 rods for 39 and 43 stars for
# 40 (a few objects split in two, or a stray speck traced as its own polygon). Every
# polygon carries its class name, ready to correct in VIA.
#
# The same from a terminal, on the whole folder: `via2masks` writes the masks and
# `classes.json`, `train` finds the classes there, `predict` writes class masks, their
# `classes.json` and, with `--color`, previews and a `legend.json` in a `color/` folder,
# and `masks2via` reads the `classes.json` it finds beside the masks:
#
# ```bash
# python -m helpers via2masks --via data/cells/via_annotations.json \
#     --images data/cells/images --out cells/masks --attribute class
# python -m helpers train --images data/cells/images --masks cells/masks --out cells/run
# python -m helpers predict --run cells/run --input data/cells/images --out cells/predicted --color
# python -m helpers masks2via --masks cells/predicted --images data/cells/images \
#     --out cells/predicted_via.json --attribute class
# ```
#
# With `--profile cpu` (the same recipe as section 6), scored on the 8 test images
# pooled per class, the class PNGs that `predict` writes at the images' own 256 px gave
# crescent 0.916, nucleus 0.951, rod 0.931 and star 0.892 (at the training size, 128 px:
# 0.885, 0.930, 0.899, 0.848); each run took about 48 minutes on 2 shared CPU cores.
#
# ## Summary
#
# - In VIA a class is a region attribute; `via.masks_from_via(..., attribute="class")`
#   (`via2masks --attribute class`) writes class masks and `classes.json`, which names
#   their numbers (0 background).
# - A class mask is sparse (one index per pixel); one-hot has a channel per class,
#   `np.eye(K)[mask]`, 20 times larger as float32: keep masks sparse and one-hot them in
#   the loss.
# - Several classes: softmax over `K` channels and categorical cross-entropy, which Keras
#   computes from one-hot (`CategoricalCrossentropy`) or sparse
#   (`SparseCategoricalCrossentropy`) masks.
# - A rare class needs help: `losses.ClassLoss` adds to the cross-entropy a Dice over the
#   foreground classes, pooled over the batch, in which every class counts the same; the
#   output starts at the classes' shares. Class weights (`classes.class_weights`,
#   `class_weights=True`) are an option: here they raised every class's recall, lowered
#   its precision more, and every IoU fell, so they are off by default. Keras's
#   `class_weight` does not work on masks.
# - Score each class pooled over the test pixels (`per_class=True, pooled=True`); a mean
#   over images counts "absent and not predicted" as 1.0. Read the confusion matrix row by
#   row: where did each class's missed pixels go?
# - `classes.json` travels with the masks: `train` reads it, `run.json` records the names,
#   `predict` writes them back, and `masks2via` puts them into VIA.
#
# ## Try it yourself
#
# - Try gentler or stronger weights: `classes.class_weights(counts, power=0.25)`, or
#   `power=1` (inverse frequency). Pass them with
#   `training.train(..., loss=losses.ClassLoss(weights))` (the loop of chapter 7) and
#   compare the crescent's precision and recall with section 9's.
# - Leave out the Dice term: `losses.ClassLoss(dice=False)` is the plain cross-entropy.
#   Which class loses most?
# - Label two kinds of object in your own images in VIA (a region attribute `class`),
#   export, and run the four commands of section 11 on them.
#
# ## Exercises
#
# Each exercise has a skeleton to fill in and a check cell that says what is right or
# wrong; `exercises.<name>.hint()` gives a hint and `exercises.<name>.solution()` shows
# one solution.

# %%
from helpers.exercises import ch13 as exercises

# %% [markdown]
# **1 · One-hot labels.** Write `one_hot(labels, num_classes)`: from class labels of
# shape `(H, W)` to an array of shape `(H, W, num_classes)` with a 1 in the channel of
# each pixel's class and 0 elsewhere.


# %%
def one_hot(labels, num_classes): ...  # your code


exercises.one_hot.check(one_hot)

# %% [markdown]
# **2 · Per-class IoU from a confusion matrix.** Write `iou_per_class(matrix)`: from a
# `K x K` pixel confusion matrix (rows the true class, columns the predicted class), the
# IoU of every class as an array of `K` numbers. A class that is in neither the truth nor
# the prediction gets 1.0, the course's empty rule.


# %%
def iou_per_class(matrix): ...  # your code


exercises.iou_per_class.check(iou_per_class)

# %% [markdown]
# **3 · Class weights from counts.** Write `balanced_weights(counts)`: from the pixel
# count of each class, weights that make every class count as much as the others in all,
# an average pixel weighing 1 (scikit-learn calls them "balanced"; here
# `classes.class_weights(counts, power=1)`).


# %%
def balanced_weights(counts): ...  # your code


exercises.balanced_weights.check(balanced_weights)
