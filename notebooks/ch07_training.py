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
# 2. write the input pipeline in plain `tf.data` (shuffle, flip and rotate image and mask
#    together, batch, prefetch) and check it against the course's helper;
# 3. write a loss that copes with small objects (Dice) in a few lines of `keras.ops`;
# 4. train with plain Keras: `compile`, then `fit` with callbacks that keep the best
#    model, record the history and stop early;
# 5. do the same with `training.train`, which also survives an interruption;
# 6. plot loss, accuracy, Dice and IoU per epoch, for training and validation, first in
#    plain matplotlib;
# 7. see what the learning rate does: too high, too low and right, side by side, and
#    how a schedule or `ReduceLROnPlateau` lowers it during training;
# 8. score the model once on the test images.
#
# **You need:** chapter 6 (its ideas; running it first is optional, its split is
# checked when present); no GPU (a GPU makes it faster); quick under a minute, cpu about 2 min
# on a 2-core CPU; full: 256 px, 60 epochs (not timed here).

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
import tensorflow as tf
from keras import ops

from helpers import config, datasets, distribute, expected, io, losses, plots, runs, splits
from helpers import training, unet

warnings.filterwarnings("ignore", message=".*shuffle=True")  # our datasets shuffle themselves
tf.get_logger().setLevel("ERROR")  # no notes on re-traced functions when section 7 trains 3 models
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
# In the `cpu` and `full` profiles 42 training, 9 validation and 9 test images (the quick
# profile, a smoke run, takes 24 images: 16, 4 and 4).
#
# Each part is loaded into two arrays exactly as chapter 6 did (read, normalise to 0–1,
# resize: area for images, nearest for masks); `io.load_pairs` is chapter 6's
# `load_by_hand` loop:


# %%
def load_part(part: str):
    return io.load_pairs(splits.select_pairs(pairs, split[part]), size=recipe["size"])


x_train, y_train = load_part("train")
x_val, y_val = load_part("val")
print("training images", x_train.shape, x_train.dtype, "masks", y_train.shape, y_train.dtype)

# %% [markdown]
# Images of shape (images, height, width, 1 grey channel), float32 from 0 to 1, and
# masks of the same size holding the labels 0 and 1.
#
# ## 2 · The input pipeline, written out
#
# `model.fit` takes the training data as a `tf.data.Dataset`: a stream of batches that
# TensorFlow prepares on its own threads while the network trains. Ours does four
# things: shuffle the training images anew every epoch, flip and rotate each one at random
# (*augmentation*: a mitochondrion turned over is still a mitochondrion, so the network
# sees more variety for free), cut the stream into batches, and prepare the next batch
# while the current one trains (`prefetch`).
#
# The mask must move **exactly** as its image: one random draw for both. The simplest way
# is to stack them into one tensor, move that, and split it again. A flip or not, then a
# quarter turn 0 to 3 times: the 8 ways to lay a square back onto itself, all as likely.


# %%
def flip_rotate(image, mask):
    both = tf.concat([image, mask], axis=-1)  # (H, W, channels + 1): one draw moves both
    both = tf.image.random_flip_left_right(both)
    both = tf.image.rot90(both, k=tf.random.uniform((), 0, 4, dtype=tf.int32))
    return both[..., :-1], both[..., -1:]


def make_batches(images, masks, *, augment: bool, batch_size: int = recipe["batch_size"]):
    ds = tf.data.Dataset.from_tensor_slices((images, masks.astype("float32")))
    if augment:  # training only: a new order and new turns every epoch
        ds = ds.shuffle(len(images), seed=recipe["seed"])
        ds = ds.map(flip_rotate, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


plain_train = make_batches(x_train, y_train, augment=True)
plain_val = make_batches(x_val, y_val, augment=False)
print(plain_train.element_spec)

# %% [markdown]
# Batches of `batch_size` images (`None`: the last batch may be smaller) and their masks,
# as float32.
#
# Do image and mask really move together? A pair whose *image is its own mask* answers it:
# after augmentation the two must still be equal, pixel for pixel, and most of them must
# have been turned (1 in 8 draws leaves a pair as it was).


# %%
def count_turned(batches, originals):
    """Check that every image still equals its mask; count the pairs that were moved."""
    unmoved = {mask.tobytes() for mask in originals.astype("float32")}
    turned = 0
    for images, masks in batches:
        np.testing.assert_array_equal(images, masks)  # moved exactly alike
        turned += sum(mask.tobytes() not in unmoved for mask in masks.numpy())
    return turned


masks_as_images = y_train.astype("float32")
turned = count_turned(make_batches(masks_as_images, y_train, augment=True), y_train)
print(f"written out: {turned} of {len(y_train)} pairs turned, every image still on its mask")

# %% [markdown]
# ### The same with `datasets.from_files`
#
# The course's helper builds this pipeline from the files themselves. It must give what
# ours gives: the same shapes and types, the same pixels (within half a grey level: it
# keeps the resized pixels as 8-bit integers), the same masks. The validation batches,
# which are neither shuffled nor augmented, can be compared one to one:


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
assert train_ds.element_spec == plain_train.element_spec  # shapes and dtypes
for (ours_x, ours_y), (helper_x, helper_y) in zip(plain_val, val_ds, strict=True):
    np.testing.assert_allclose(ours_x, helper_x, atol=0.5 / 255 + 1e-6)
    np.testing.assert_array_equal(ours_y, helper_y)
for name, stream in (("ours", plain_train), ("from_files", train_ds)):
    images, masks = (tensor.numpy() for tensor in next(iter(stream)))  # one augmented batch
    print(f"{name:>10}: images {images.min():.2f} to {images.max():.2f}, masks {np.unique(masks)}")

# %% [markdown]
# The `Pipeline: ...` lines are the helper's, one per part: how many pairs it decodes,
# and where it keeps them. Its augmentation passes the same test as ours, on the mask
# files read as images (at their own size, so that nothing is resized and each image
# stays a copy of its mask):

# %%
mask_pairs = [(mask, mask) for _, mask in splits.select_pairs(pairs, split["train"])]
own_size = io.read_mask(mask_pairs[0][0]).shape
masks_at_own_size = np.stack([io.read_mask(mask) for mask, _ in mask_pairs])[..., None]
turned = count_turned(
    datasets.from_files(
        mask_pairs, size=own_size, batch_size=8, augment=True, shuffle=True, verbose=False
    ),
    masks_at_own_size,
)
print(f"from_files: {turned} of {len(mask_pairs)} pairs turned, every image still on its mask")

# %% [markdown]
# What the helper adds, and why later chapters use it:
#
# - **memory**: our pipeline starts from arrays that hold every image at once
#   (`io.load_pairs`); `from_files` decodes each file once and keeps the pixels as 8-bit
#   integers in memory (4 times smaller than float32), or in a cache file when they do not
#   fit, or reads the files again every epoch, and says which in that one line;
# - **files**: PNG, JPEG and TIFF give the same pixels (TensorFlow's decoders where they
#   agree with `helpers.io`, `helpers.io` where they do not), 16-bit images stay 16-bit,
#   and a damaged file stops training with its name;
# - **speed**: it augments a whole batch at a time inside the graph.
#
# Either pipeline trains the same network. Section 4 uses ours, so that its training run
# is plain Keras from the files to the saved model; section 5 uses the helper's.
#
# ## 3 · The loss
#
# The **loss** is the number training tries to make small. The module uses binary
# cross-entropy (BCE), which scores every pixel on its own. When the object covers only a
# few percent of the image, a network can get a low BCE by predicting "background"
# everywhere.
#
# > **Common mistake.** Plain BCE on small objects. The course's benchmark
# > (`benchmarks/mito_quality.py`, `cpu` profile, in the README's results table) trained
# > both recipes on this chapter's split and scored the test images: the module's recipe
# > (BCE, dropout, no augmentation) reached a foreground IoU of 0.612, this chapter's
# > recipe (BCE + Dice, batch norm, augmentation) 0.875. This chapter's own run
# > (section 8) is a separate training of the same recipe, scored by Keras over the test
# > batches rather than image by image: in the `cpu` profile its test IoU was 0.886.
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
# maximum of 1: Dice and BCE + Dice complain loudly about a missed object. (These are
# fixed arrays, not a trained model: every profile prints the same numbers.)
#
# ## 4 · Training with plain Keras
#
# This is a complete Keras training run that you can copy into any project: with the
# pipeline of section 2 (`load_part`, `flip_rotate`, `make_batches`) and the loss of
# section 3, every line is Keras or `tf.data`, apart from `io.load_pairs`, which is
# chapter 6's `load_by_hand` loop, and the U-Net of chapter 5. Its height and width are
# left open (`None`), so that it can later predict on images of any size.
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
    jit_compile=False,  # XLA compiling takes longer than 3 short epochs save
    run_eagerly=profile.run_eagerly,  # quick only: its few steps end before a graph is traced
)
print(f"{model.count_params():,} parameters")

# %% [markdown]
# 1,945,233 weights to learn in the `cpu` and `full` profiles (16 filters in the first
# level; the quick profile's 8 give 487,881), all set at random before the first epoch.
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
    plain_train,
    validation_data=plain_val,
    epochs=min(3, profile.epochs),
    callbacks=callbacks,
    verbose=0,
)
pd.read_csv(plain_dir / "history.csv").round(3)

# %% [markdown]
# One row per epoch, as the CSV file holds it (`fit.history` holds the same numbers as
# a dictionary). In the `cpu` profile the network is only starting after 3 epochs: the
# training loss fell from 1.69 to 1.35 and the training IoU rose from 0.10 to about 0.43, while
# the validation IoU stayed below 0.1 and the validation accuracy at 0.31 or below, worse
# than predicting background everywhere. Validation lags in the first epochs here
# (section 6 shows it over 25 epochs). `ModelCheckpoint` saves the model after each
# epoch whose validation loss is the lowest so far.
# To load that file again, Keras needs the loss function:
# `keras.models.load_model(path, custom_objects={"bce_dice_loss": bce_dice_loss})`.
#
# ## 5 · The same, with resume: `training.train`
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
# of the thresholded prediction; the data is the helper's pipeline (`train_ds`,
# `val_ds`). Before training, `runs.write_settings` saves the recipe and what the data
# looks like (size, channels, the images' own size) in `run.json`; after it,
# `runs.record_training` adds how the training went. The seeds are set again first, as
# `runs.chapter7_model` sets them, so that the cells above do not change this run.


# %%
def build():
    model = unet.build_unet((None, None, channels), base_filters=recipe["base_filters"])
    return training.compile_model(model, loss=recipe["loss"], learning_rate=recipe["learning_rate"])


keras.backend.clear_session()
print("strategy:", type(distribute.strategy()).__name__)
runs.write_settings(
    run_dir, recipe | runs.describe_data(image_dir, mask_dir, pairs, size=recipe["size"])
)
config.set_seed(recipe["seed"])
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
# was. In the `cpu` profile all 25 epochs ran and the best validation loss (0.765) came
# at the last one, epoch 24 counting from 0: early stopping did not trigger. Run the cell
# again and it says "nothing left to train". `run.json` keeps the same facts as a record
# (seconds of training over every part of an interrupted run, the kept epoch, the epochs
# run, whether it stopped early). The folder holds the best model, the history, the
# split, the settings, `resume/` and the plain Keras run of section 4: a complete *run
# folder*, which `python -m helpers evaluate --run` and `predict --run` take as it is.
#
# The model kept is the one of the epoch with the lowest validation loss. Its validation
# scores, with the range this profile should give:

# %%
best = history.loc[history["val_loss"].idxmin()]  # the row of the kept epoch
for key, column in (("ch07.val_dice", "val_dice_coef"), ("ch07.val_iou", "val_iou_coef")):
    expected.report(key, best[column])

# %% [markdown]
# In the `cpu` profile the kept model reached a validation Dice of 0.946 and an IoU of
# 0.898. The quick profile's values (2 epochs at 64 px) only say that training ran: its
# range is wide on purpose.
#
# ## 6 · Learning curves
#
# The history is a table, one row per epoch (`epoch` counted from 0, as Keras does);
# the same numbers are in `history.csv`. The last rows:

# %%
history.tail()

# %% [markdown]
# Look at the `val_` columns: they are measured on the validation images, which the
# network never learns from. In the `cpu` run the last five epochs had validation Dice
# 0.937 to 0.954 and validation IoU 0.881 to 0.912, close to the training values (Dice
# 0.930 to 0.948): the network does as well on images it did not learn from. Accuracy is
# 0.99 in every row.
#
# Curves tell the story faster than the table. Each metric gets a panel, with its
# training column as a solid line and its `val_` column dashed, against the epoch counted
# from 1. In plain matplotlib, from the history table:

# %%
metrics = ["loss", "accuracy", "dice_coef", "iou_coef"]  # columns of training.train's history
fig, axes = plt.subplots(2, 2, figsize=(9.2, 7.2), layout="constrained")
for ax, metric in zip(axes.flat, metrics):
    for column, label, style in ((metric, "training", "-"), (f"val_{metric}", "validation", "--")):
        ax.plot(history["epoch"] + 1, history[column], style, marker="o", ms=3, label=label)
    ax.set(title=metric, xlabel="epoch", ylabel=metric)
    ax.legend()
fig.suptitle("Training history, in plain matplotlib")
plt.show()

# %% [markdown]
# `plots.plot_history` draws the same figure from the same table; the check below reads
# the lines back out of both figures and finds the same columns, point for point. What
# it adds: readable names ("pixel accuracy", "Dice"), integer epochs, a grid, any number
# of metrics, and a metric that the history does not hold (the model was not compiled
# with it) named in the title instead of a `KeyError`.

# %%
by_hand = fig
fig = plots.plot_history(history)


def drawn(figure):  # every curve of a figure, as (x values, y values)
    lines = [line for ax in figure.axes for line in ax.get_lines()]
    return sorted((tuple(line.get_xdata()), tuple(line.get_ydata())) for line in lines)


assert drawn(fig) == drawn(by_hand)
plt.show()

# %% [markdown]
# What the `cpu` run shows (the plots count epochs from 1, the table from 0):
#
# - the **validation** curves lag in the first 5 epochs: the validation Dice stays at
#   0.13 or below and the validation loss above 1.5, while the training curves already
#   improve. From epoch 6 on, validation catches up within a few epochs and then follows
#   training closely;
# - the **loss** falls steadily for both, to 0.79 (training) and 0.76 (validation) at
#   epoch 25, and is still falling: more epochs would still help a little;
# - the validation loss does not climb away from the training loss at the end, so
#   there is no sign of overfitting in 25 epochs (the exercise below shows what it
#   looks like);
# - **Dice** and **IoU** jump within a few epochs and then creep up to about 0.95 and
#   0.90, for training and validation alike;
# - **accuracy** is about 0.95 or more from epoch 6 on and hardly moves: with 6.6% of object
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
# the scale, and accuracy, Dice and IoU are squeezed together near 1 once training has
# started, where their differences no longer show. Separate panels, as above, are
# easier to read.
#
# ## 7 · The learning rate
#
# Each training step moves every weight a little against its gradient; the **learning
# rate** sets how far. Adam scales each weight's step by how large its gradients have
# been, so a step moves a weight by about the learning rate: 1e-3 (Adam's default, and
# this chapter's) means about a thousandth. Too large a step jumps past the good weights;
# too small a step gets nowhere in the time there is.
#
# Three short runs show it: the same U-Net, from the same starting weights (the same
# seed), on the same 16 training images (our pipeline of section 2), for the same 4
# epochs (2 in the quick profile); only the learning rate differs. Batches of 4 instead
# of 8 give more weight updates in the same time. We watch the *training* curves: the
# learning rate decides how fast training itself goes, and section 4 showed that the
# validation scores lag behind in the first epochs.

# %%
rates = {"too high": 10.0, "right": 1e-3, "too low": 1e-5}
lr_epochs = min(profile.epochs, 4)
lr_train = make_batches(x_train[:16], y_train[:16], augment=True, batch_size=4)
lr_histories = {}
for name, rate in rates.items():
    keras.utils.set_random_seed(config.DEFAULT_SEED)  # the same starting weights
    model = unet.build_unet((None, None, channels), base_filters=profile.base_filters)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss=bce_dice_loss,
        metrics=[keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5, name="iou")],
        jit_compile=False,
        run_eagerly=profile.run_eagerly,
    )
    fitted = model.fit(lr_train, epochs=lr_epochs, verbose=0)
    lr_histories[name] = pd.DataFrame(fitted.history)

# %% [markdown]
# The training loss and IoU of the three runs, side by side (the loss on a log scale, so
# that a jump far up and a slow fall both show):

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for name, frame in lr_histories.items():
    epochs = np.arange(1, len(frame) + 1)
    label = f"{name} ({rates[name]:g})"
    axes[0].plot(epochs, frame["loss"], marker="o", ms=3, label=label)
    axes[1].plot(epochs, frame["iou"], marker="o", ms=3, label=label)
axes[0].set(title="training loss", xlabel="epoch", ylabel="BCE + Dice", yscale="log")
axes[1].set(title="training IoU", xlabel="epoch", ylabel="IoU", ylim=(-0.02, 1.02))
for ax in axes:
    ax.set_xticks(range(1, lr_epochs + 1))
    ax.legend(title="learning rate")
plt.show()
for name, frame in lr_histories.items():
    expected.report(f"ch07.lr_{name.replace(' ', '_')}_iou", frame["iou"].iloc[-1])

# %% [markdown]
# What the three runs did in the `cpu` profile (the quick profile's 2 epochs at 64 px
# show less):
#
# - **too high (10)**: the first epoch threw the loss up to about 18, ten times the
#   others', and although it came down to about 2.6 by epoch 4, the IoU fell to 0 from
#   epoch 3 on: the network marks no object pixel at all. Steps this large throw the
#   weights about instead of improving them;
# - **right (0.001)**: the loss fell every epoch, from about 1.6 to 1.4, and the IoU
#   rose every epoch, to 0.41;
# - **too low (0.00001)**: loss and IoU hardly moved (IoU 0.08 after 4 epochs): at
#   this pace training would need hundreds of epochs.
#
# "Right" means safe for the whole run, not fastest at the start: in the same set-up a
# rate of 1e-2 reached an IoU of 0.73 after 4 epochs (one run), and a rate of 1
# sometimes recovers from its first epochs and sometimes does not (last IoU 0.28, 0.35
# and 0.54 in three runs here). Adam scales each weight's step, so it tolerates larger
# rates than plain gradient descent; how large is too large depends on the network and
# the data, which is why 1e-3 is the usual place to start.
#
# A rate that suits the start (large steps, while the weights are far from good) can be
# too large near the end (small steps, to settle). Keras changes it during training in
# two ways. A **schedule** lowers it by a fixed plan, step by step; here a cosine from
# 1e-3 down to 1e-5 over this chapter's epochs, given to Adam in place of the number:

# %%
steps_per_epoch = len(plain_train)  # batches per epoch (of section 4's run)
schedule = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate=1e-3, decay_steps=recipe["epochs"] * steps_per_epoch, alpha=0.01
)
optimizer = keras.optimizers.Adam(learning_rate=schedule)  # then model.compile(optimizer=...)
for epoch in (0, recipe["epochs"] // 2, recipe["epochs"]):
    print(f"epoch {epoch:>2}: learning rate {float(schedule(epoch * steps_per_epoch)):.1e}")

# %% [markdown]
# In every profile the rate starts at 1e-3, is about half of that halfway through and
# 1e-5 at the end: the schedule counts batches (`decay_steps` is the number of batches
# in all of this chapter's epochs), so it follows the profile's epochs.
#
# The other way watches training: `ReduceLROnPlateau` divides the rate (here by 2) when
# the validation loss has not improved for `patience` epochs. It is one more callback,
# for `model.fit(..., callbacks=callbacks + [reduce])` or
# `training.train(..., callbacks=[reduce])`. To see when it acts, we replay the
# validation losses of section 5's run to it, epoch by epoch, as `fit` would:

# %%
reduce = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=1e-5)
reduce.set_model(model)  # the last model above: the callback changes its optimizer's rate
model.optimizer.learning_rate.assign(1e-3)
lowered = []  # epochs after which it lowered the rate
for epoch, val_loss in enumerate(history["val_loss"]):
    before = float(model.optimizer.learning_rate)
    reduce.on_epoch_end(epoch, {"val_loss": val_loss})
    if float(model.optimizer.learning_rate) < before:
        lowered.append(epoch)
print("lowered after epochs:", lowered or "never")

# %% [markdown]
# It printed "never" in the `cpu` and quick runs: the validation loss of section 5's run
# never went 3 epochs without a new best, so the rate of 1e-3 was never lowered. It acts
# in longer runs, once the loss flattens out.
#
# ## 8 · One look at the test images
#
# Now, and only now, the test images. We load the best model from disk (as chapter 8
# will) and let Keras compute the loss and metrics over the test set.

# %%
from helpers import inference

model = inference.load_model(run_dir / "model.keras")
scores = model.evaluate(test_ds, verbose=0, return_dict=True)
for name in ("loss", "accuracy", "dice_coef", "iou_coef"):
    expected.report(f"ch07.test_{name}", scores[name])

# %% [markdown]
# In the `cpu` profile the test Dice was 0.939 and the test IoU 0.886, the same level as
# on the validation images at the kept epoch (Dice 0.946): the model did not just fit the
# images used to choose it. The quick profile's numbers mean nothing (2 epochs at 64 px).
# Keras averages over batches; chapter 8 scores every test image on its own and looks at
# the predictions.
#
# ## Summary
#
# - Validation and test images are separate; the test set is used once.
# - A `tf.data` pipeline is `from_tensor_slices`, one `map` that moves each image and
#   its mask with the same random draw, `shuffle`, `batch` and `prefetch`;
#   `datasets.from_files` gives the same batches from the files, decoded once.
# - BCE + Dice keeps a small object in view where BCE alone may give up on it; the Dice
#   loss is five lines of `keras.ops`.
# - A plain Keras run is `compile`, then `fit` with `ModelCheckpoint`, `CSVLogger` and
#   `EarlyStopping`; `training.train` does the same and survives an interruption.
# - Watch Dice and IoU, not accuracy; read the curves for overfitting.
# - The learning rate is the size of each step: too high and training jumps about, too
#   low and it crawls; a schedule or `ReduceLROnPlateau` lowers it as training goes.
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
# - Run section 5, interrupt it (the stop button) after a few epochs, and run the cell
#   again: it carries on where it stopped.
# - Add a learning rate of 1e-2 to `rates` in section 7: on which side does it fall?
# - Change `flip_rotate` to turn the image only, not the mask, and run the check under
#   it: which line fails, and what would the network have learned from such pairs?
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
