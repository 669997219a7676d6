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
# 2. choose a loss that copes with small objects;
# 3. train with a few safety nets: keep the best model, record the history, survive an
#    interruption;
# 4. plot loss, accuracy, Dice and IoU per epoch, for training and validation;
# 5. score the model once on the test images, and save it.

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
# The profile sets the image size, the number of epochs and the batch size. On a GPU
# (`full`) training takes a few minutes; on a laptop CPU (`cpu`) a few more; the `quick`
# profile only checks that everything runs.

# %%
import json

import matplotlib.pyplot as plt
import numpy as np

from helpers import config, datasets, env, io, plots, training, unet

profile = config.get_profile()
print(profile)
config.set_seed()
run_dir = config.outputs_dir("ch07", profile.name)
print("this run's files go to", run_dir)

# %% [markdown]
# ## 1 · Data: three parts that never overlap
#
# As in chapter 6: pair images and masks by name, split the names with a fixed seed
# into training, validation and test sets, and keep the split with the run.
#
# > **Common mistake.** The module's chapter 7 passes its *test* images as
# > `validation_data`. Validation results steer training (which model is kept, when to
# > stop), so the test score is no longer a fair final exam. We validate on separate
# > images and touch the test images only once, at the end.

# %%
pairs = io.pair_images_and_masks(config.data_dir("mito", "images"), config.data_dir("mito", "masks"))
pairs = pairs[: profile.max_images]  # all of them unless the profile limits it
split = io.split_stems([image.stem for image, _ in pairs], seed=config.DEFAULT_SEED)
(run_dir / "split.json").write_text(json.dumps(split, indent=1))
print({part: len(stems) for part, stems in split.items()})

# %% [markdown]
# The training images stream from disk in batches, flipped and rotated at random
# (*augmentation*: more variety, same labels). Validation and test images are neither
# shuffled nor augmented, so their scores are comparable from epoch to epoch.

# %%
def batches(part: str, *, augment: bool):
    return datasets.from_files(
        io.select_pairs(pairs, split[part]), size=profile.image_size,
        batch_size=profile.batch_size, augment=augment, shuffle=augment,
    )


train_ds = batches("train", augment=True)
val_ds = batches("val", augment=False)
test_ds = batches("test", augment=False)
channels = train_ds.element_spec[0].shape[-1]
print("one batch:", train_ds.element_spec[0].shape, "images,", train_ds.element_spec[1].shape, "masks")

# %% [markdown]
# ## 2 · The model and its loss
#
# We use the course's default U-Net from chapter 5 (`build_unet` without a preset), with
# height and width left open so it can later predict on images of any size.
#
# The **loss** is the number training tries to make small. The module uses binary
# cross-entropy (BCE), which scores every pixel on its own. When the object covers only a
# few percent of the image, a network can get a low BCE by predicting "background"
# everywhere.
#
# > **Common mistake.** With plain BCE and dropout on a small, imbalanced dataset, the
# > module's network predicted only background after 5 epochs on our measure
# > (foreground IoU 0.0), while its accuracy looked excellent.
#
# The **Dice loss** is 1 minus the Dice score of the predicted probabilities: it looks at
# the object as a whole, so missing it costs a lot however small it is. We add the two
# (`"bce_dice"`): BCE gives smooth per-pixel gradients, Dice keeps the object in view.

# %%
import keras

from helpers import losses

y_true = np.zeros((1, 64, 64, 1), np.float32)
y_true[:, 28:36, 28:36] = 1  # a small object: 1.6% of the pixels
all_background = np.full_like(y_true, 0.02)
candidates = {
    "BCE": keras.losses.binary_crossentropy,
    "Dice": losses.dice_loss,
    "BCE + Dice": losses.bce_dice_loss,
}
for name, loss in candidates.items():
    value = float(np.mean(loss(y_true, all_background)))
    print(f"{name:>10} loss of an all-background prediction: {value:.3f}")

# %% [markdown]
# BCE barely complains about missing the object entirely; Dice and BCE + Dice do.
#
# Metrics are what we *watch*. Besides accuracy, we track **Dice** and **IoU** of the
# thresholded prediction (chapter 4), which say how well the object itself is found.
# `training.compile_model` sets Adam (`learning_rate=`, the Keras 3 name), the loss and
# these metrics:

# %%
def build():
    model = unet.build_unet((None, None, channels), base_filters=profile.base_filters)
    return training.compile_model(model, loss="bce_dice", learning_rate=1e-3)


print(f"{build().count_params():,} parameters")
keras.backend.clear_session()

# %% [markdown]
# ## 3 · Training with safety nets
#
# `training.train` runs Keras's `fit` with three safety nets (Keras calls such helpers
# *callbacks*):
#
# - **best model**: after every epoch, if the validation loss is the lowest so far, the
#   model is saved to `model.keras` (the Keras 3 format; the module's `.hdf5` is legacy);
# - **history**: one row per epoch in `history.csv`, written as soon as the epoch ends;
# - **resume**: the state after each epoch, so that an interrupted run (a closed laptop,
#   a Colab disconnect) carries on from the last finished epoch when you run the cell
#   again. Run it again after it finished, and it loads the results instead of training.
#
# It builds the model inside `env.strategy()`, so several GPUs or a TPU are used when
# present.

# %%
print("strategy:", type(env.strategy()).__name__)
history = training.train(
    build, train_ds, val_ds, epochs=profile.epochs, out_dir=run_dir, early_stopping=10,
)
print(sorted(p.name for p in run_dir.iterdir()))

# %% [markdown]
# ## 4 · Learning curves
#
# The history is a table, one row per epoch; the same numbers are in `history.csv`.

# %%
history.tail()

# %% [markdown]
# Curves tell the story faster than the table. Read them in pairs:
#
# - training and validation **loss** both going down: the network is learning;
# - training loss going down while validation loss goes up: it starts to memorise the
#   training images (*overfitting*); the best model was saved before that point;
# - **Dice** and **IoU** going up: the object is found better.
#
# > **Common mistake.** The module plots `history['standard_coef']`, a metric its model
# > never computed (it was compiled with accuracy only), so that cell stops with a
# > `KeyError`. A curve can only show what was compiled as a metric.

# %%
fig = plots.plot_history(history)
plt.show()

# %% [markdown]
# Accuracy soon sits near 1 and then hardly moves: with a few percent of object pixels,
# "background everywhere" is already about 94% accurate, so accuracy cannot tell a good
# model from a useless one. Dice and IoU start far lower and show the real progress:
# they are the curves to watch. The module also draws
# everything on one chart; with very different scales it is harder to read, but here it
# is:

# %%
fig = plots.plot_history_combined(history)
plt.show()

# %% [markdown]
# ## 5 · One look at the test images
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
# Keras averages these over batches of pixels. Chapter 8 scores every test image on its
# own and looks at the predictions.
#
# ## Summary
#
# - Validation and test images are separate; the test set is used once.
# - BCE + Dice keeps a small object in view where BCE alone may give up on it.
# - `training.train` keeps the best model (`model.keras`), the history (`history.csv`)
#   and a resumable state in one folder.
# - Watch Dice and IoU, not accuracy.
#
# The model is in `outputs/ch07/<profile>/model.keras`; chapter 8 starts from it.
