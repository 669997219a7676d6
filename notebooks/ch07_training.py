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
# # Chapter 7 · Training the U-Net
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch07_training.ipynb)
#
# Training shows the network many image/mask pairs and nudges its weights, batch after
# batch, so that its predicted masks come closer to the true ones. One pass over the
# training images is an **epoch**. In this notebook you will:
#
# 1. prepare training, validation and test data (chapter 6's recipe);
# 2. write a loss that copes with small objects (Dice) in a few lines of `keras.ops`;
# 3. train with plain Keras: `compile`, then `fit` with callbacks that keep the best
#    model, record the history and stop early;
# 4. do the same with `training.train`, which also survives an interruption, and plot
#    loss, accuracy, Dice and IoU per epoch, for training and validation;
# 5. score the model once on the test images, and save it.
#
# **You need:** chapter 6 (its ideas; running it first is optional, its split is
# checked when present); no GPU (a GPU makes it faster); quick about 25 s, cpu about 1.5 min
# (measured on a 2-core CPU); full: 256 px, 60 epochs (not timed here).

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
# The profile sets the image size, the number of epochs and the batch size. The `cpu`
# profile (128 px, 25 epochs) gives a usable model on a laptop; `full` (256 px, 60
# epochs) is meant for a GPU; the `quick` profile only checks that everything runs.
# `runs.chapter7_settings` gathers this chapter's whole recipe for the profile (size,
# batch size, seed, loss, learning rate, early stopping...): the cells below use it, and
# the later chapters that need this chapter's model train it with the very same values
# when it is missing.

# %%
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from keras import ops

from helpers import config, datasets, distribute, io, losses, plots, runs, splits, training, unet

warnings.filterwarnings("ignore", message=".*shuffle=True")  # our datasets shuffle themselves
profile = config.get_profile()
config.set_seed()
print(profile)
recipe = runs.chapter7_settings(profile)  # this chapter's settings, in one place
print("chapter 7's recipe:", recipe)
run_dir = config.outputs_dir("ch07", profile.name)
print("this run's files go to", run_dir)

# %% [markdown]
# ## 1 · Data: three parts that never overlap
#
# As in chapter 6: pair images and masks by name, and split the names with
# `splits.split_stems` and the course's seed (42) into training, validation and test sets.
# When chapter 6 has been run in this profile, its saved `split.json` must be the same
# split; the cell checks it, so both chapters use exactly the same test images.
#
# > **Common mistake.** The module's chapter 7 passes its *test* images as
# > `validation_data`. Validation results steer training (which model is kept, when to
# > stop), so the test score is no longer a fair final exam. We validate on separate
# > images and touch the test images only once, at the end.

# %%
image_dir = config.data_dir(recipe["dataset"], "images")  # data/mito
mask_dir = config.data_dir(recipe["dataset"], "masks")
pairs = io.pair_images_and_masks(image_dir, mask_dir)
pairs = pairs[: recipe["max_images"]]  # all of them unless the profile limits it
split = splits.split_stems(
    [image.stem for image, _ in pairs],
    seed=recipe["seed"],
    val_fraction=recipe["val_fraction"],
    test_fraction=recipe["test_fraction"],
)
chapter6 = config.outputs_dir("ch06", profile.name, create=False)
if (chapter6 / runs.SPLIT_FILE).exists():
    assert runs.read_split(chapter6) == split, "chapter 6 saved another split"
    print("same split as chapter 6's", runs.SPLIT_FILE)
runs.write_split(run_dir, split)
print({part: len(stems) for part, stems in split.items()})

# %% [markdown]
# In the `cpu` profile 42 training, 9 validation and 9 test images (the quick profile,
# a smoke run, takes 24 images: 16, 4 and 4).
#
# The training images stream from disk in batches, flipped and rotated at random
# (*augmentation*: more variety, same labels). Validation and test images are neither
# shuffled nor augmented, so their scores are comparable from epoch to epoch.


# %%
def batches(part: str, *, augment: bool):
    return datasets.from_files(
        splits.select_pairs(pairs, split[part]),
        size=recipe["size"],
        batch_size=recipe["batch_size"],
        augment=augment,
        shuffle=augment,
        seed=recipe["seed"],
    )


train_ds = batches("train", augment=True)
val_ds = batches("val", augment=False)
test_ds = batches("test", augment=False)
channels = train_ds.element_spec[0].shape[-1]
print(
    "one batch:", train_ds.element_spec[0].shape, "images,", train_ds.element_spec[1].shape, "masks"
)

# %% [markdown]
# Batches of `batch_size` images (`None`: the last batch may be smaller) with one grey
# channel, and masks of the same size.
#
# ## 2 · The loss
#
# The **loss** is the number training tries to make small. The module uses binary
# cross-entropy (BCE), which scores every pixel on its own. When the object covers only a
# few percent of the image, a network can get a low BCE by predicting "background"
# everywhere.
#
# > **Common mistake.** Plain BCE on small objects. In the course's benchmark
# > (`benchmarks/mito_quality.py`, `cpu` profile, see the README) the module's recipe
# > (BCE, dropout) reached a test foreground IoU of 0.612 where this chapter's recipe
# > (BCE + Dice, batch norm, augmentation) reached 0.882.
#
# The **Dice loss** is 1 minus the Dice score (chapter 4), computed on the predicted
# probabilities rather than on a thresholded mask, so that it has a gradient. Per image,
# with `t` the true mask and `p` the probabilities: `1 - (2·Σ t·p + 1) / (Σ t + Σ p + 1)`.
# The `+ 1` (*smoothing*) keeps an empty mask predicted empty at loss 0 instead of 0/0.
# In `keras.ops` (which runs on any Keras backend) it is a few lines:


# %%
def dice_loss(y_true, y_pred, smooth=1.0):
    y_true = ops.cast(y_true, y_pred.dtype)
    intersection = ops.sum(y_true * y_pred, axis=(1, 2, 3))  # one number per image
    total = ops.sum(y_true, axis=(1, 2, 3)) + ops.sum(y_pred, axis=(1, 2, 3))
    return 1.0 - (2.0 * intersection + smooth) / (total + smooth)


def bce_dice_loss(y_true, y_pred):
    bce = ops.mean(keras.losses.binary_crossentropy(y_true, y_pred), axis=(1, 2))  # per image
    return bce + dice_loss(y_true, y_pred)


# %% [markdown]
# We add the two: BCE gives smooth per-pixel gradients from the first step, Dice keeps
# the object in view however small it is. `helpers.losses` holds the same two losses
# (registered with Keras, so a saved model loads without extra arguments). On a small
# object, a fair prediction and an all-background one, they agree:

# %%
y_true = np.zeros((2, 64, 64, 1), np.float32)
y_true[0, 28:36, 28:36] = 1  # a small object: 1.6% of the pixels; image 1 is empty
fair = np.clip(y_true * 0.7 + 0.1, 0, 1)
all_background = np.full_like(y_true, 0.02)
for y_pred in (fair, all_background, y_true):
    np.testing.assert_allclose(
        dice_loss(y_true, y_pred), losses.dice_loss(y_true, y_pred), atol=1e-6
    )
    np.testing.assert_allclose(
        bce_dice_loss(y_true, y_pred), losses.bce_dice_loss(y_true, y_pred), atol=1e-5
    )
for name, loss in {
    "BCE": keras.losses.binary_crossentropy,
    "Dice": dice_loss,
    "BCE + Dice": bce_dice_loss,
}.items():
    value = float(ops.mean(loss(y_true[:1], all_background[:1])))
    print(f"{name:>10} loss of an all-background prediction: {value:.3f}")

# %% [markdown]
# For the image with the object, predicting background everywhere costs only 0.081 in
# BCE (the 98% of background pixels are right), but 0.976 in Dice, close to its
# maximum of 1: Dice and BCE + Dice complain loudly about a missed object.
#
# ## 3 · Training with plain Keras
#
# This is a complete Keras training run that you can copy into any project. We use the
# course's default U-Net from chapter 5, with height and width left open (`None`) so it
# can later predict on images of any size.
#
# `compile` sets the optimiser (Adam; `learning_rate=`, the Keras 3 name of the
# module's `lr=`), the loss, and the metrics we *watch*: accuracy, and the IoU of the
# object (Keras's `BinaryIoU` of class 1 at threshold 0.5, chapter 4's foreground IoU).

# %%
keras.utils.set_random_seed(config.DEFAULT_SEED)
model = unet.build_unet((None, None, channels), base_filters=profile.base_filters)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss=bce_dice_loss,
    metrics=["accuracy", keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5, name="iou")],
    jit_compile=False,  # XLA compiling takes longer than 3 short epochs save (section 4 uses it)
)
print(f"{model.count_params():,} parameters")

# %% [markdown]
# 1,945,233 weights to learn in the `cpu` profile (16 filters in the first level; the
# quick profile's 8 give 487,881), all set at random before the first epoch.
#
# Three *callbacks* (functions Keras calls after every epoch) are the safety nets:
#
# - `ModelCheckpoint(..., save_best_only=True)` saves the model to a `.keras` file (the
#   Keras 3 format; the module's `.hdf5` is legacy) whenever the validation loss is the
#   lowest so far;
# - `CSVLogger` writes one row per epoch to a CSV file;
# - `EarlyStopping` stops when the validation loss has not improved for `patience`
#   epochs, and puts the best weights back.
#
# To keep this chapter short we train only 3 epochs here (2 in the quick profile):

# %%
plain_dir = run_dir / "plain_keras"
plain_dir.mkdir(exist_ok=True)
callbacks = [
    keras.callbacks.ModelCheckpoint(str(plain_dir / "model.keras"), save_best_only=True),
    keras.callbacks.CSVLogger(str(plain_dir / "history.csv")),
    keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True),
]
fit = model.fit(
    train_ds, validation_data=val_ds, epochs=min(3, profile.epochs), callbacks=callbacks, verbose=0
)
pd.read_csv(plain_dir / "history.csv").round(3)

# %% [markdown]
# One row per epoch, as the CSV file holds it (`fit.history` holds the same numbers as
# a dictionary). In the `cpu` profile the network is only starting after 3 epochs: the
# training loss fell from 1.68 to 1.35 and the training IoU rose from 0.10 to 0.45,
# while the validation IoU stayed below 0.1 and the validation accuracy between 0.18
# and 0.33, worse than predicting background everywhere. Validation lags in the
# first epochs here (section 5 shows it over 25 epochs). The validation loss rose at
# epoch 1 and fell at epoch 2, so `ModelCheckpoint` saved the model twice, after epochs
# 0 and 2.
# To load that file again, Keras needs the loss function:
# `keras.models.load_model(path, custom_objects={"bce_dice_loss": bce_dice_loss})`.
#
# ## 4 · The same, with resume: `training.train`
#
# `training.train` is the same `fit` with the same three safety nets (best model in
# `model.keras`, one history row per epoch in `history.csv`, early stopping), plus
# **resume after a disconnect**: after each epoch it saves the state (weights,
# optimiser, history, best score) in one step, so an interrupted run (a closed laptop,
# a Colab disconnect) carries on from the last finished epoch when you run the cell
# again, and the history it writes as it goes never loses or repeats an epoch. Run it
# again after it finished, and it loads the results instead of training.
#
# It also builds the model inside `distribute.strategy()`. A *distribution strategy* tells
# Keras which devices to use: with several GPUs in one machine, `MirroredStrategy`
# keeps a copy of the model on each and splits every batch between them; a TPU (a chip
# Google designed for neural networks, offered on Colab) needs `TPUStrategy`. With one
# GPU or a CPU, as here, it is Keras's default strategy, which changes nothing.
#
# The model is the same U-Net, compiled by `training.compile_model` with the same
# optimiser and `"bce_dice"` (the loss above), and as metrics accuracy, Dice and IoU
# of the thresholded prediction. Before training, `runs.write_settings` saves the
# recipe and what the data looks like (size, channels, the images' own size) in
# `run.json`; after it, `runs.record_training` adds how the training went.


# %%
def build():
    model = unet.build_unet((None, None, channels), base_filters=recipe["base_filters"])
    return training.compile_model(model, loss=recipe["loss"], learning_rate=recipe["learning_rate"])


keras.backend.clear_session()
print("strategy:", type(distribute.strategy()).__name__)
runs.write_settings(
    run_dir, recipe | runs.describe_data(image_dir, mask_dir, pairs, size=recipe["size"])
)
history = training.train(
    build,
    train_ds,
    val_ds,
    epochs=recipe["epochs"],
    out_dir=run_dir,
    early_stopping=recipe["early_stopping"],
)
print("the record in run.json:", runs.record_training(run_dir))
print(sorted(p.name for p in run_dir.iterdir()))

# %% [markdown]
# The summary line says how many epochs were trained, and where the best validation loss
# was. In the `cpu` run all 25 epochs ran (62 s on a 2-core CPU) and the best validation
# loss (0.543) came at the last epoch, epoch 24 counting from 0; early stopping did not
# trigger. Run the cell again and it says "nothing left to train". `run.json` keeps the
# same facts as a record (seconds of training over every part of an interrupted run,
# the kept epoch, the epochs run, whether it stopped early). The folder holds the best
# model, the history, the split, the settings, `resume/` and the plain Keras run of
# section 3: a complete *run folder*, which `python -m helpers evaluate --run` and
# `predict --run` take as it is.
#
# ## 5 · Learning curves
#
# The history is a table, one row per epoch (`epoch` counted from 0, as Keras does);
# the same numbers are in `history.csv`. The last rows:

# %%
history.tail()

# %% [markdown]
# Look at the `val_` columns: they are measured on the 9 validation images. In the
# `cpu` run the last five epochs had validation Dice 0.946 to 0.955 and validation IoU
# 0.898 to 0.915, close to the training values (Dice 0.947 to 0.951): the network does as
# well on images it did not learn from. Accuracy is 0.98 or more in every row.
#
# Curves tell the story faster than the table:

# %%
fig = plots.plot_history(history)
plt.show()

# %% [markdown]
# What the `cpu` run shows (the plots count epochs from 1, the table from 0):
#
# - the **validation** curves lag in the first 4 to 5 epochs: the validation loss even
#   rises at first (to 1.86 at epoch 3) and the validation Dice stays at
#   0.2 or below, while the training curves already improve. After that, validation follows
#   training closely;
# - the **loss** then falls steadily for both, to 0.56 (training) and 0.54
#   (validation) at epoch 25, and is still falling: more epochs would still help a little;
# - the validation loss does not climb away from the training loss at the end, so
#   there is no sign of overfitting in 25 epochs (the exercise below shows what it
#   looks like);
# - **Dice** and **IoU** jump within a few epochs and then creep up to about 0.95 and
#   0.90, for training and validation alike;
# - **accuracy** is near 1 from epoch 5 to 7 on and hardly moves: with 6.6% of object
#   pixels, "background everywhere" is already 93% accurate, so accuracy cannot tell a
#   good model from a useless one. Dice and IoU are the curves to watch.
#
# > **Common mistake.** The module plots `history['standard_coef']`, a metric its model
# > never computed (it was compiled with accuracy only), so that cell stops with a
# > `KeyError`. A curve can only show what was compiled as a metric.
#
# The module's chapter 7 draws loss and accuracy on separate charts; its chapter 11
# (section 11.15) also puts them all on one chart. Here is that view of the same history:

# %%
fig = plots.plot_history_combined(history)
plt.show()

# %% [markdown]
# Everything is there, but eight curves share one axis: the loss (up to about 2) sets
# the scale, and accuracy, Dice and IoU are squeezed together between 0.8 and 1 after
# epoch 6, where their differences no longer show. Separate panels, as above, are
# easier to read.
#
# ## 6 · One look at the test images
#
# Now, and only now, the test images. We load the best model from disk (as chapter 8
# will) and let Keras compute the loss and metrics over the test set.

# %%
from helpers import inference

model = inference.load_model(run_dir / "model.keras")
scores = model.evaluate(test_ds, verbose=0, return_dict=True)
for name, value in scores.items():
    print(f"test {name:>10}: {value:.3f}")

# %% [markdown]
# In the `cpu` run the test Dice was 0.943 and the test IoU 0.893, the same level as on
# the validation images at the best epoch (Dice 0.946):
# the model did not just fit the images used to choose it. The quick profile's numbers
# mean nothing (2 epochs at 64 px). Keras averages over batches; chapter 8 scores every
# test image on its own and looks at the predictions.
#
# ## Summary
#
# - Validation and test images are separate; the test set is used once.
# - BCE + Dice keeps a small object in view where BCE alone may give up on it; the Dice
#   loss is five lines of `keras.ops`.
# - A plain Keras run is `compile`, then `fit` with `ModelCheckpoint`, `CSVLogger` and
#   `EarlyStopping`; `training.train` does the same and survives an interruption.
# - Watch Dice and IoU, not accuracy; read the curves for overfitting.
#
# The model is in `outputs/ch07/<profile>/model.keras`, with its split and settings;
# chapter 8 starts from it (`runs.chapter7_model`).
#
# ## Try it yourself
#
# - Train with BCE alone (`loss="bce"` in `build`, and a new `out_dir`) and compare the
#   validation IoU after the same number of epochs.
# - Raise the epochs of the plain Keras run to 10 and watch `EarlyStopping`: does it
#   stop, and at which epoch is the best model?
# - Run section 4, interrupt it (the stop button) after a few epochs, and run the cell
#   again: it carries on where it stopped.
#
# ## Exercises
#
# Write your code where the `...` are, then run the check cell under it. Stuck?
# `exercises.dice_loss.hint()` gives a hint (call it again for the next) and
# `exercises.dice_loss.solution()` shows one solution.

# %%
from helpers.exercises import ch07 as exercises

# %% [markdown]
# **1 · The Dice loss.** Without looking above, write the Dice loss in `keras.ops`: for
# `y_true` and `y_pred` of shape `(batch, H, W, 1)`, return one loss per image, 0 for a
# perfect prediction and 0 (not nan) for an empty mask predicted empty. Any small
# smoothing term will do. The check also runs your loss the way `model.fit` does, on
# symbolic tensors that have no values yet: NumPy cannot read those, `keras.ops` can.


# %%
def my_dice_loss(y_true, y_pred):
    ...  # your code
    return None  # replace with: return the loss per image


# %%
exercises.dice_loss.check(my_dice_loss)

# %% [markdown]
# **2 · Read a history.** Here is another run's history. Which epoch's model does
# `ModelCheckpoint(save_best_only=True)` keep, and does the run overfit? Answer with
# `(best_epoch, overfits)`, for example `(3, False)`.

# %%
table = exercises.example_history()
table

# %%
answer = ...  # (best_epoch, True or False)

# %%
exercises.read_history.check(answer, history=table)
