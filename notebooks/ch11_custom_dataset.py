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
# # Chapter 11 · Your own dataset, from VIA outlines to a trained U-Net
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch11_custom_dataset.ipynb)
#
# Everything so far, in one place, on images that come with nothing but outlines drawn
# in VIA (chapter 10): MRI-like head slices in colour, with lesions that cover only a
# few percent of each image. Swap the two paths at the top for your own images and VIA
# export, and the same notebook trains on your data. You will:
#
# 1. turn the VIA polygons into one mask per image;
# 2. pair, read, resize and normalise the images and masks;
# 3. split them into training, validation and test images that never overlap;
# 4. build the U-Net from the data's shape and train it;
# 5. keep the history as a CSV file and plot the learning curves;
# 6. predict the test images and score them: IoU for one image, the mean over all,
#    and a full table of metrics saved as CSV;
# 7. write the predictions back as a VIA file, ready to be corrected in VIA.

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
# The profile sets the image size, the epochs and the batch size. `full` (a GPU, e.g.
# Colab) trains at 256 px; `cpu` gives a real result on a laptop in a few minutes;
# `quick` only checks that every cell runs.

# %%
import json
from pathlib import Path

import cv2
import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from skimage.draw import polygon as polygon_pixels

from helpers import config, datasets, evaluation, files, inference, io, metrics, plots, training, unet, via

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch11", profile.name)
print("this notebook's files go to", out.relative_to(config.repo_root()))

# %% [markdown]
# ## 1 · Where the data is
#
# Three paths are all a project needs: the folder of images, the VIA export of their
# outlines, and a folder for the masks we are about to make. The masks go under
# `outputs/`, never next to the images: the data you were given stays as it was.

# %%
images_dir = config.data_dir("mri", "images")  # your images
via_path = config.data_dir("mri", "via_annotations.json")  # your VIA export
mask_dir = out / "masks"  # made below
image_files = io.list_images(images_dir)
print(len(image_files), "images, e.g.", [p.name for p in image_files[:3]], "| VIA file:", via_path.name)

# %% [markdown]
# ## 2 · From polygons to masks
#
# VIA stores each outline as a list of corner points, `all_points_x` (columns) and
# `all_points_y` (rows). A mask is the set of pixels inside the outlines. For one image,
# by hand: `skimage.draw.polygon` lists the pixels inside one polygon, and **giving it
# the image's shape** cuts the polygon where it leaves the image. Several regions make
# a union (`|=` on a boolean mask).

# %%
project = via.load_via(via_path)
record = next(image for image in project.images if len(image.regions) == 2)
shape = via.image_shape(images_dir / record.filename)  # (height, width), from the file
by_hand = np.zeros(shape, dtype=bool)
for region in record.regions:
    rows, cols = polygon_pixels(
        region.geometry["all_points_y"], region.geometry["all_points_x"], shape=shape
    )
    by_hand[rows, cols] = True
print(record.filename, "|", len(record.regions), "regions |", by_hand.sum(), "lesion pixels",
      f"({by_hand.mean():.1%} of the image)")

# %% [markdown]
# `via.rasterize_regions` does the same for every shape VIA can draw (rectangles,
# circles, ellipses, polylines, points), and gives the same pixels here. On the left,
# the outlines as VIA stored them (the last point joined back to the first):

# %%
helper_mask = via.rasterize_regions(record.regions, shape)
print("same mask as by hand:", np.array_equal(helper_mask, by_hand))
fig, axes = plt.subplots(1, 2, figsize=(8, 4.2), layout="constrained")
axes[0].imshow(io.read_image(images_dir / record.filename))
for region in record.regions:
    xs, ys = list(region.geometry["all_points_x"]), list(region.geometry["all_points_y"])
    axes[0].plot(xs + xs[:1], ys + ys[:1], color="yellow", linewidth=1)
axes[0].set_title(f"{record.filename} and its VIA outlines")
axes[1].imshow(helper_mask, cmap="gray")
axes[1].set_title("its mask (white: lesion)")
for ax in axes:
    ax.set(xlabel="x (column)", ylabel="y (row)")
plt.show()

# %% [markdown]
# > **Common mistake.** The module fills each polygon *without* the image's shape and
# > then clamps the coordinates into the image, so an outline that leaves the image
# > piles its outside pixels onto the border; and it adds overlapping regions in
# > `uint8`, which wraps round (2 × 255 = 510 is stored as 254). Chapter 10 shows both
# > in pictures. Here: the shape is given, and overlaps make a union.
#
# Before converting a whole file, the quality report lists what would go wrong, one row
# per image (chapter 10 explains every column):

# %%
report = via.quality_report(via_path, images_dir)
print(via.summarize(report))
report.loc[report["problems"] != "", ["filename", "status", "regions", "problems"]]

# %% [markdown]
# Three images have no lesion, hence no region. They still need a mask, all background:
#
# > **Common mistake.** The module skips an image without regions, so it gets no mask
# > file; later it pairs the *n*-th image with the *n*-th mask, and from the first empty
# > image on every image is paired with its neighbour's mask (chapter 10 shows it).
#
# `via.masks_from_via` writes a mask for every image, empty ones included, named like
# the image, at the image's own size (0 background, 255 lesion). We pass
# `overwrite=True` because these masks are this notebook's own output, remade on every
# run. For your own project, leave it out: masks you corrected by hand are then never
# replaced without your say-so.

# %%
written = via.masks_from_via(via_path, images_dir, mask_dir, overwrite=True)
print(via.summarize(written))
print(len(list(mask_dir.glob("*.png"))), "mask files in", mask_dir.relative_to(config.repo_root()))

# %% [markdown]
# ## 3 · Pairs, read the right way
#
# Images and masks are paired by file name (chapter 6), so a missing mask is an error
# that names it instead of a silent shift:

# %%
pairs = io.pair_images_and_masks(images_dir, mask_dir)
pairs = pairs[: profile.max_images]  # all of them unless the profile limits it
print(len(pairs), "pairs, e.g.", pairs[0][0].name, "+", pairs[0][1].name)

# %% [markdown]
# > **Common mistake.** The module keeps a file when `name.split('.')[1] == 'png'`.
# > That looks at whatever follows the *first* dot, so it drops `scan.v2.png` and
# > `SCAN.PNG`, and crashes on a name without a dot (a sub-folder). The extension is
# > the part after the *last* dot, in any case; `io.list_images` reads it that way:

# %%
for name in ["mri_000.png", "scan.v2.png", "SCAN.PNG"]:
    print(f"{name:>12}: module keeps it: {name.split('.')[1] == 'png'!s:5}  "
          f"by its extension: {Path(name).suffix.lower() == '.png'}")

# %% [markdown]
# Three more of the module's slips, each shown in depth in chapter 6:
#
# > **Common mistakes.** (a) `cv2.imread` gives the colours as BGR, blue first; handed
# > to Pillow as they are, red and blue swap. (b) The module shrinks *images* with
# > nearest neighbour (jagged) and masks with a smoothing filter (values that are no
# > label); it should be the other way round. (c) It divides by 255 in this chapter but
# > uses `keras.utils.normalize` in chapters 6 and 8: a network trained on one scale and
# > used on another sees inputs it never learned from.
#
# The colours matter here, because these slices are RGB:

# %%
path = pairs[0][0]
bgr = cv2.imread(str(path))
rgb = io.read_image(path)
print("OpenCV's channels are the reverse of RGB:", np.array_equal(bgr[..., ::-1], rgb))
print("mean red, green, blue:", rgb.reshape(-1, 3).mean(axis=0).round(1),
      "| OpenCV's first channel is blue:", bgr[..., 0].mean().round(1))

# %% [markdown]
# `io.load_pairs` reads in RGB, shrinks images by area averaging and masks by nearest
# neighbour, and normalises with `io.normalize_image` (divide by 255 for 8-bit images),
# the one normalisation that training and prediction share. Whether the images are in
# colour is read from the files, not typed in:

# %%
channels = io.infer_channels(pairs)
print("channels:", channels, "(3: the images are in colour)")

# %% [markdown]
# ## 4 · Training, validation and test images that never overlap
#
# We split the *file names* with a fixed seed, before loading anything, and keep the
# split with the run:

# %%
stems = [image.stem for image, _ in pairs]
split = io.split_stems(stems, seed=config.DEFAULT_SEED)
train, val, test = (set(split[part]) for part in ("train", "val", "test"))
assert not train & val and not train & test and not val & test, "a file name in two parts"
files.write_text(out / "split.json", json.dumps(split, indent=1), overwrite=True)
for part, names in split.items():
    print(f"{part:>5}: {len(names):>2} images, e.g. {names[:3]}")

# %% [markdown]
# > **Common mistake.** The module takes its last 10 % as test images
# > (`train_test_split(..., shuffle=False)`) but then trains on the *whole* dataset with
# > `validation_split=0.2`, and Keras takes the validation images from the end of the
# > arrays. So every test image is a validation image: it decided which epochs looked
# > good, and its "test" score is no longer an exam the model has not seen. On our 40
# > file names:

# %%
all_stems = sorted(p.stem for p in image_files)
module_test = all_stems[-round(0.10 * len(all_stems)):]  # train_test_split(test_size=0.10, shuffle=False)
module_val = all_stems[int(len(all_stems) * (1 - 0.2)):]  # fit(..., validation_split=0.2)
shared = sorted(set(module_test) & set(module_val))
print(f"module: {len(shared)} of its {len(module_test)} test images are also validation images: {shared}")
print("course:", len(set(split["test"]) & set(split["val"])), "test images in the validation set")

# %% [markdown]
# Now each part is loaded into memory: images as float32 in [0, 1] of shape
# `(N, size, size, 3)`, masks as 0/1 labels of shape `(N, size, size, 1)`.

# %%
def load(part: str):
    return io.load_pairs(io.select_pairs(pairs, split[part]), size=profile.image_size, channels=channels)


x_train, y_train = load("train")
x_val, y_val = load("val")
x_test, y_test = load("test")
print("train", x_train.shape, y_train.shape, "| val", x_val.shape, "| test", x_test.shape)
print(f"images {x_train.min():.2f}..{x_train.max():.2f}; lesion pixels: {y_train.mean():.1%} of all")

# %% [markdown]
# Lesions make about one pixel in a hundred: a network that answers "no lesion"
# everywhere is right 99 % of the time. Keep that in mind when reading accuracy below.
#
# ## 5 · Look before you train
#
# A few training pairs, with the mask over the image: the quickest check that they
# belong together.
#
# > **Common mistake.** The module picks its sample with `random.randint(0, len(X))`,
# > which includes `len(X)` itself, one past the last image: now and then the cell stops
# > with an `IndexError`. `plots.show_samples` draws only valid indices.

# %%
fig = plots.show_samples(x_train, y_train, n=4, names=split["train"], seed=3)
plt.show()

# %% [markdown]
# ## 6 · The U-Net, shaped by the data
#
# Height, width and channels come from the arrays, not from numbers typed in:

# %%
height, width, channels = x_train.shape[1:]
print("height", height, "| width", width, "| channels", channels)

# %% [markdown]
# The module writes out the whole network again in this chapter; chapter 5 built it
# layer by layer and showed that `unet.build_unet` makes the same one. We use the
# course's recipe (batch normalisation, no dropout; `preset="module"` gives the
# module's exact network). Height and width are left open (`None`): the network is
# fully convolutional, so it can predict images of other sizes later.

# %%
def build():
    model = unet.build_unet((None, None, channels), base_filters=profile.base_filters)
    return training.compile_model(model)  # Adam, BCE + Dice loss, accuracy, Dice and IoU


print(f"{build().count_params():,} parameters for {channels}-channel images")
keras.backend.clear_session()

# %% [markdown]
# The loss is BCE + Dice rather than the module's plain cross-entropy: with lesions
# this small, cross-entropy alone can settle on "no lesion anywhere" (chapter 7 shows
# why).
#
# ## 7 · Training, validated on images that are not test images
#
# Training images are shuffled and flipped or rotated at random every epoch
# (*augmentation*: more variety, masks still aligned); validation images are left as
# they are, so their scores compare from epoch to epoch. The test images are not
# passed at all.

# %%
train_ds = datasets.from_arrays(x_train, y_train, batch_size=profile.batch_size, augment=True, shuffle=True)
val_ds = datasets.from_arrays(x_val, y_val, batch_size=profile.batch_size)
steps = -(-len(x_train) // profile.batch_size)
print(f"{len(x_train)} training images in batches of {profile.batch_size}: {steps} steps per epoch")

# %% [markdown]
# The module trains with batches of 32 for 100 epochs. With a few dozen training images,
# a batch of 32 is nearly the whole set: one weight update per epoch. Smaller batches
# give several updates per epoch, so fewer epochs reach the same point; the profile
# sets both.
#
# `training.train` (chapter 7) keeps the model of the best validation epoch in
# `model.keras`, writes `history.csv` after every epoch, and stops early when the
# validation loss has not improved for 10 epochs. Run the cell again and it carries on
# from where it stopped, or, if it finished, loads the result without training.

# %%
run_dir = out / "run"
history = training.train(build, train_ds, val_ds, epochs=profile.epochs, out_dir=run_dir, early_stopping=10)

# %% [markdown]
# ## 8 · The history, as a CSV file and as curves
#
# The module turns Keras's history into a table and writes it to a CSV file. Training
# wrote ours already, one row per epoch, as each epoch ended (so it survives a crash).
# Here it is, read back with pandas:

# %%
history_csv = pd.read_csv(run_dir / "history.csv")
print(run_dir.relative_to(config.repo_root()) / "history.csv", "|", len(history_csv), "epochs |",
      "columns:", list(history_csv.columns))
history_csv.tail(3).round(4)

# %% [markdown]
# One panel per quantity, training against validation. Loss going down on both: it
# learns. Accuracy sits near 1 from the first epoch, since "no lesion" is already 99 %
# right; Dice and IoU, which look at the lesions only, are the curves that tell you
# whether it finds them.

# %%
fig = plots.plot_history(history_csv)
plt.show()

# %% [markdown]
# The module also draws everything on one chart. With values on different scales it is
# harder to read, but it shows at a glance where the curves flatten:

# %%
fig = plots.plot_history_combined(history_csv)
plt.show()

# %% [markdown]
# ## 9 · Predictions on the test images
#
# Now, for the first time, the test images. We load the best model from disk, as you
# would in a new session, and predict all test images in one batched call:
# probabilities first, then masks at a threshold of 0.5.

# %%
model = inference.load_model(run_dir / "model.keras")
probabilities = inference.predict_proba(model, x_test)
predicted = inference.to_mask(probabilities)
print("probabilities", probabilities.shape, "-> masks", predicted.shape, np.unique(predicted))

# %% [markdown]
# > **Common mistake.** The module looks at `X_test[7]`: the eighth test image, which
# > exists only if the test set has at least eight. Pick an image by its name instead
# > (or loop over all of them). Here: the first test image that has a lesion.

# %%
name = next((stem for stem, mask in zip(split["test"], y_test, strict=True) if mask.any()), split["test"][0])
i = split["test"].index(name)
fig = plots.results_figure(x_test[i], y_test[i], predicted[i], title=f"{name} (test image)")
plt.show()

# %% [markdown]
# ## 10 · IoU for one image
#
# Intersection over union (chapter 4): the lesion pixels found, divided by the pixels
# that are lesion in the truth, the prediction, or both. In NumPy:

# %%
truth, guess = y_test[i, ..., 0].astype(bool), predicted[i, ..., 0].astype(bool)
intersection = np.logical_and(truth, guess).sum()
union = np.logical_or(truth, guess).sum()
print(f"{name}: {intersection} / {union} = IoU {intersection / union:.3f}")
print(f"metrics.iou gives the same: {metrics.iou(truth, guess):.3f}")

# %% [markdown]
# > **Common mistake.** The module reports Keras's `MeanIoU(num_classes=2)` as the IoU.
# > That is the mean of two IoUs, the lesion's and the *background's*, and the
# > background's is nearly 1 for any prediction. A model that finds no lesion at all
# > still scores about 0.5 by it (chapters 4 and 8 go further):

# %%
nothing = np.zeros_like(guess)
for what, mask in (("this prediction", guess), ("predicting nothing", nothing)):
    mean_iou = keras.metrics.MeanIoU(num_classes=2)
    mean_iou.update_state(truth, mask)
    print(f"{what:>18}: MeanIoU(2) {float(mean_iou.result()):.3f} | "
          f"lesion IoU {metrics.iou(truth, mask):.3f} | accuracy {metrics.pixel_accuracy(truth, mask):.3f}")

# %% [markdown]
# ## 11 · IoU for every test image, and the mean
#
# `evaluation.evaluate` predicts in batches and scores each image (the module called
# `model.predict` and built a new metric once per image, which is slow). One row per
# test image:

# %%
table = evaluation.evaluate(model, x_test, y_test, names=split["test"])
lesion_pixels = pd.Series(y_test.reshape(len(y_test), -1).sum(axis=1), index=table.index)
predicted_pixels = pd.Series(predicted.reshape(len(predicted), -1).sum(axis=1), index=table.index)
table[["iou"]].assign(lesion_pixels=lesion_pixels, predicted_pixels=predicted_pixels).round(3)

# %% [markdown]
# An image without a lesion has no union when nothing is predicted either: 0 / 0.
# `helpers.metrics` scores that case by one stated rule, 1.0 by default (nothing to
# find, nothing found: a perfect answer), or `empty=np.nan` to leave such images out
# of the mean and count them.
#
# The number to report is the mean over **all** test images, saying how empty images
# were scored:

# %%
print(f"mean lesion IoU over all {len(table)} test images: {table['iou'].mean():.3f} "
      "(an image without lesion predicted empty counts as 1.0)")

# %% [markdown]
# > **Common mistake.** Before averaging, the module drops every image whose IoU is
# > exactly 1.0 (`df[df.IoU != 1.0]`), as if perfect answers were errors. It throws
# > away the best results, so the mean comes out lower than the model deserves, and a
# > lesion segmented perfectly would go too. If you want the lesion-free images out of
# > the mean, say so: `empty=np.nan` leaves out exactly those, and counts them.
#
# Whether the filter changes anything here depends on the lesion-free test images: a
# false alarm on one scores 0, an empty answer 1. To see the bias, we also score the
# predictions with the lesion-free images answered perfectly (left empty):

# %%
lesion_free = ~y_test.any(axis=(1, 2, 3))
perfect_there = np.where(lesion_free[:, None, None, None], 0, predicted)
rows = {}
for what, masks in (("the model's predictions", predicted), ("lesion-free images left empty", perfect_there)):
    scores, without_empty = metrics.iou(y_test, masks), metrics.iou(y_test, masks, empty=np.nan)
    rows[what] = {"mean of all": scores.mean(), "module (1.0 dropped)": scores[scores != 1.0].mean(),
                  "empty=nan": np.nanmean(without_empty), "left out": int(np.isnan(without_empty).sum())}
pd.DataFrame.from_dict(rows, orient="index").round(3)

# %% [markdown]
# Every test image, worst first, with its IoU: the prediction in red over the image,
# the true outline in cyan.

# %%
order = np.argsort(table["iou"].to_numpy(), kind="stable")
fig = plots.show_predictions(
    x_test[order], y_test[order], predicted[order],
    names=[split["test"][k] for k in order], scores=table["iou"].to_numpy()[order], n=len(order),
)
plt.show()

# %% [markdown]
# ## 12 · The full table of metrics, saved as CSV
#
# The table holds, per image, IoU, Dice, precision, recall, F1 and pixel accuracy. The
# module computes the last four with scikit-learn on the flattened masks; for the image
# above, scikit-learn and the table agree:

# %%
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

flat_truth, flat_guess = truth.ravel(), guess.ravel()
sklearn_scores = {
    "precision": precision_score(flat_truth, flat_guess, zero_division=0),
    "recall": recall_score(flat_truth, flat_guess, zero_division=0),
    "f1": f1_score(flat_truth, flat_guess, zero_division=0),
    "accuracy": accuracy_score(flat_truth, flat_guess),
}
pd.DataFrame({"scikit-learn": sklearn_scores, "table": table.loc[name, list(sklearn_scores)]}).round(4)

# %% [markdown]
# (On an image without a lesion the two part ways: scikit-learn's `zero_division=0`
# scores "nothing to find, nothing found" as 0, the course's rule as 1.)
#
# The mean of each metric over the test images, with its spread:

# %%
evaluation.summary(table).round(3)

# %% [markdown]
# Accuracy is about 0.99 whatever the model does; precision (how much of what it marked
# is lesion) and recall (how much of the lesion it marked) say *how* it errs: high
# recall with lower precision, say, means outlines drawn a little too wide. We save
# the per-image table under `outputs/` (`overwrite=True`: a re-run replaces this
# notebook's own file) and read it back:

# %%
metrics_csv = out / "test_metrics.csv"
files.write_text(metrics_csv, table.to_csv(), overwrite=True)
print("saved", metrics_csv.relative_to(config.repo_root()))
pd.read_csv(metrics_csv, index_col="image").round(3)

# %% [markdown]
# ## 13 · Predictions back to VIA, for correcting
#
# Drawing outlines from nothing is the slow part of a project. Once a model does
# reasonably well, let it draw the first version: `via.masks_to_via` traces each
# predicted mask into polygons and writes a VIA 2.x file. Our predictions are
# `image_size` pixels square, the images 256; `masks_to_via` scales the polygons to each
# image's own size, read from the image file. (Its `min_pixels=` option leaves out
# specks smaller than that, if your model scatters a few.)

# %%
predictions_via = out / "predictions_via.json"
prediction_masks = {stem: predicted[k, ..., 0] for k, stem in enumerate(split["test"])}
exported = via.masks_to_via(prediction_masks, images_dir, predictions_via, overwrite=True)
print("saved", predictions_via.relative_to(config.repo_root()), "|", exported["regions"].sum(), "polygons")
exported

# %% [markdown]
# Read back with `via.load_via`, it is a VIA file like any other. The predicted polygons
# (yellow) over the full-size image, with the outlines drawn by hand (cyan):

# %%
back = {image.filename: image for image in via.load_via(predictions_via).images}
truth_records = {image.filename: image for image in project.images}
filename = f"{name}.png"
fig, ax = plt.subplots(figsize=(5.5, 5.5))
ax.imshow(io.read_image(images_dir / filename))
for records, colour, label in ((truth_records, "cyan", "drawn in VIA"), (back, "yellow", "predicted")):
    for n, region in enumerate(records[filename].regions):
        xs, ys = list(region.geometry["all_points_x"]), list(region.geometry["all_points_y"])
        ax.plot(xs + xs[:1], ys + ys[:1], color=colour, linewidth=1.2, label=None if n else label)
ax.legend(loc="lower right")
ax.set(title=f"{filename}: predicted polygons, in image pixels", xlabel="x (column)", ylabel="y (row)")
plt.show()

# %% [markdown]
# To correct them: open VIA 2, add the same images (*Project > Add local files*), then
# *Annotation > Import Annotations (from json)* and choose `predictions_via.json`. The
# model's outlines appear on the images; drag the points that are off, delete false
# alarms, draw what it missed, and export again. Those corrected annotations are new
# training data: the loop of chapters 10 and 11, faster each round.
#
# ## Summary
#
# - VIA polygons become masks drawn in the image's own shape, overlaps as a union, and
#   **every** image gets a mask, empty ones too, so pairs cannot shift.
# - Pair by file name; read RGB; shrink images smoothly and masks by nearest neighbour;
#   one normalisation for training and prediction.
# - Split the file names once into training, validation and test; validate on the
#   validation images only, and touch the test images once, at the end.
# - The history is a CSV file written while training; plot it per metric and combined.
# - Report the lesion (foreground) IoU per image and its mean over **all** test images,
#   with a stated rule for images without a lesion; save the full table as CSV.
# - Send the predictions back to VIA and correct them, rather than drawing from nothing.
#
# For your own data, change `images_dir` and `via_path` in section 1 and run again.
