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
# # Chapter 8 · Evaluating the U-Net, and its results
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch08_evaluation.ipynb)
#
# Chapter 7 trained a U-Net. Is it any good, and where does it fail? This notebook
# covers the module's chapters 8 and 9. You will:
#
# 1. load the trained model (or train it, if chapter 7 has not run here);
# 2. score every test image with IoU, Dice, precision and recall, and summarise them
#    honestly;
# 3. look at predictions next to the truth, and move the threshold yourself;
# 4. segment a larger image, of another size, in overlapping tiles;
# 5. draw the results figure (image, truth, prediction, overlay) and save a prediction.

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

import matplotlib.pyplot as plt
import numpy as np

from helpers import config, evaluation, files, inference, io, metrics, plots, training, widgets

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch08", profile.name)

# %% [markdown]
# ## 1 · The trained model
#
# Chapter 7 saved its best model and its data split in `outputs/ch07/<profile>/`. If
# they are not there (you opened this chapter first), the same training runs now, with
# the same helper and settings: it takes as long as chapter 7 did.

# %%
image_dir, mask_dir = config.data_dir("mito", "images"), config.data_dir("mito", "masks")
run_dir = config.outputs_dir("ch07", profile.name)
if not (run_dir / "model.keras").exists() or not (run_dir / "split.json").exists():
    print("No chapter 7 model for this profile yet: training it now (as chapter 7 does).")
    training.train_on_folder(image_dir, mask_dir, run_dir, profile=profile)
model = inference.load_model(run_dir / "model.keras")
split = json.loads((run_dir / "split.json").read_text())
print(f"model: {model.count_params():,} parameters; test images: {len(split['test'])}")

# %% [markdown]
# The test images, prepared exactly as for training (same size, same normalisation):

# %%
pairs = io.select_pairs(io.pair_images_and_masks(image_dir, mask_dir), split["test"])
x_test, y_test = io.load_pairs(pairs, size=profile.image_size)
print("test images", x_test.shape, "masks", y_test.shape)

# %% [markdown]
# ## 2 · A score for every test image
#
# `evaluation.evaluate` predicts the test images in batches, turns probabilities into
# masks at a threshold of 0.5, and scores each image with `helpers.metrics`: one row
# per image.

# %%
table = evaluation.evaluate(model, x_test, y_test, names=split["test"])
table.round(3)

# %% [markdown]
# The mean over images, with the spread. The IoU here is the **foreground** IoU: how well
# the organelles themselves are found.

# %%
evaluation.summary(table).round(3)

# %% [markdown]
# > **Common mistake 1.** The module reports Keras's `MeanIoU(num_classes=2)` as "IoU".
# > That averages the IoU of the organelles with the IoU of the *background*, which is
# > nearly 1 for any prediction. Compare, on the same test images:

# %%
predicted = inference.predict_masks(model, x_test)
foreground = metrics.iou(y_test, predicted)
two_class = metrics.iou(y_test, predicted, num_classes=2, include_background=True)
empty = metrics.iou(y_test, np.zeros_like(predicted), num_classes=2, include_background=True)
print(f"foreground IoU (ours):                {foreground.mean():.3f}")
print(f"two-class mean IoU (module's 'IoU'):  {two_class.mean():.3f}")
print(f"two-class mean IoU of an empty mask:  {empty.mean():.3f}  <- for predicting nothing")

# %% [markdown]
# > **Common mistake 2.** The module then drops every image whose IoU is exactly 1.0
# > (`df[df.IoU != 1.0]`) before averaging. Perfect images are the model's best work;
# > leaving them out biases the mean downwards, and leaving out any other value would
# > bias it some other way. Images with nothing to find and nothing found are a real
# > case: `helpers.metrics` scores them by one explicit rule (`empty=1.0` by default, or
# > `np.nan` to leave them out and count them), and `summary` reports how many were left
# > out.

# %% [markdown]
# ## 3 · Looking at predictions
#
# Numbers hide *how* a model fails. Here are the test images with their truth, the
# prediction, and the prediction over the image (red) with the true outline (cyan),
# worst first:

# %%
order = np.argsort(table["iou"].to_numpy())[:4]
probabilities = inference.predict_proba(model, x_test[order])
fig = plots.show_predictions(
    x_test[order], y_test[order], probabilities,
    names=[split["test"][i] for i in order], scores=table["iou"].to_numpy()[order],
)
plt.show()

# %% [markdown]
# The threshold of 0.5 is a choice. Move the slider to see how the mask and the scores
# change on one test image: a lower threshold finds more of the organelles (recall up)
# at the cost of false alarms (precision down). (Without a live notebook you see a
# few fixed thresholds instead.)

# %%
widgets.threshold_explorer(x_test[order[0]], probabilities[0], y_test[order[0]])

# %% [markdown]
# ## 4 · A larger image, of another size
#
# `data/mito/external/` holds a 384 x 512 image that was not in any split. Two things
# matter when predicting on it:
#
# - **the same scale as in training.** The model learned on 256 px images shrunk to
#   `image_size` pixels, so the external image is shrunk by the same factor;
# - **any size.** The network is fully convolutional, so it accepts other sizes (in
#   multiples of 16), but a very large image may not fit in memory at once.
#   `inference.predict_tiled` cuts it into overlapping tiles, predicts each, and blends
#   them with weights that fade towards the tile edges, so no seams show.

# %%
external = io.read_image(config.data_dir("mito", "external", "external_000.png"))
external_truth = io.read_mask(config.data_dir("mito", "external", "masks", "external_000.png"))
scale = profile.image_size / 256
small = io.prepare_image(external, size=(round(384 * scale), round(512 * scale)))
tile = min(128, profile.image_size)
tiled = inference.predict_tiled(model, small, tile=tile, overlap=tile // 2)
whole = inference.predict_proba(model, small[np.newaxis])[0]
print("external image", external.shape, "-> network input", small.shape, "-> probabilities", tiled.shape)
print(f"tiled and whole-image masks agree: IoU {metrics.iou(whole[..., 0] >= 0.5, tiled[..., 0] >= 0.5):.3f}")

# %% [markdown]
# Back to the original size with nearest-neighbour resizing (a mask stays a mask), and
# scored against the external image's truth:

# %%
external_mask = io.resize_mask(metrics.binarize(tiled)[..., 0], external.shape[:2])
print(f"external image: foreground IoU {metrics.iou(external_truth, external_mask):.3f}, "
      f"Dice {metrics.dice(external_truth, external_mask):.3f}")

# %% [markdown]
# ## 5 · The results figure
#
# The module's chapter 9 shows each result as four panels: the image, the ground truth,
# the prediction over the image, and the predicted mask. First the best test image, then
# the external one:

# %%
best = int(np.argmax(table["iou"].to_numpy()))
fig = plots.results_figure(
    x_test[best], y_test[best], predicted[best],
    title=f"{split['test'][best]} (test): IoU {table['iou'].iloc[best]:.2f}",
)
plt.show()

# %%
fig = plots.results_figure(external, external_truth, external_mask, title="External image, 384 x 512")
plt.show()

# %% [markdown]
# Finally, save the external prediction as a mask file (0 and 255, the same size as the
# image) and the per-image table, under `outputs/` (never into `data/`). We pass
# `overwrite=True` because running the notebook again should replace its own results.

# %%
files.write_png(out / "external_000_prediction.png", (external_mask * 255).astype(np.uint8), overwrite=True)
files.write_text(out / "test_metrics.csv", table.to_csv(), overwrite=True)
print(sorted(p.name for p in out.iterdir()))

# %% [markdown]
# ## Summary
#
# - Score each test image; report the foreground IoU and Dice with their spread, not a
#   two-class mean, and never drop results you do not like.
# - Look at the worst predictions: they show what the model has not learned.
# - Predict other images at the training scale; tile large ones.
#
# Chapters 10 and 11 do all this on your own images, starting from VIA annotations.
