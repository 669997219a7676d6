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
# # Chapter 5 · Building a U-Net
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch05_unet_model.ipynb)
#
# A classifier answers one question per image ("is there a cell?"). A segmentation
# network answers it for every pixel, so its output is an image of the same size as its
# input. The U-Net, designed in 2015 for microscope images, does this with two halves:
# an **encoder** that shrinks the image while learning *what* is in it, and a **decoder**
# that grows it back while recovering *where*, helped by **skip connections** that hand
# the encoder's fine detail straight across to the decoder.
#
# In this notebook you will:
#
# 1. build the U-Net of the learning module yourself, one layer at a time, with Keras;
# 2. read its summary and count its parameters;
# 3. build the same network with one call to `helpers.unet.build_unet` and check that
#    both have exactly the same parameters;
# 4. see the options of `build_unet` (depth, width, batch norm, several classes) and
#    what they cost.

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
import numpy as np
import matplotlib.pyplot as plt
import keras
from keras import layers

from helpers import config, io, unet

profile = config.get_profile()
print(profile)
config.set_seed()

# %% [markdown]
# ## The building block: two convolutions
#
# Every level of the U-Net does the same thing twice: a 3x3 convolution followed by a
# ReLU. The module's network also puts a **dropout** layer between the two convolutions,
# which switches off a random share of the features during training so the network
# cannot lean on any single one. Writing the block once as a function keeps the network
# readable.

# %%
def two_convs(x, filters: int, dropout: float):
    """3x3 convolution, dropout, 3x3 convolution; 'same' padding keeps height and width."""
    conv = dict(kernel_size=3, padding="same", activation="relu", kernel_initializer="he_uniform")
    x = layers.Conv2D(filters, **conv)(x)
    x = layers.Dropout(dropout)(x)
    return layers.Conv2D(filters, **conv)(x)


# %% [markdown]
# ## The encoder: shrinking the image
#
# Four times in a row: the two-convolution block, then 2x2 **max pooling**, which keeps
# the strongest response in each 2x2 square and so halves the height and width. The
# number of filters doubles at each level (16, 32, 64, 128) so that the network can
# describe more kinds of pattern as the picture gets coarser. We keep each block's output
# (`skips`) because the decoder will need it. At the bottom, the **bottleneck** has 256
# filters on a 16x16 grid (for a 256x256 input).

# %%
inputs = keras.Input(shape=(256, 256, 1), name="image")

skips = []
x = inputs
for filters, dropout in [(16, 0.1), (32, 0.1), (64, 0.2), (128, 0.2)]:
    x = two_convs(x, filters, dropout)
    skips.append(x)
    x = layers.MaxPooling2D(pool_size=2)(x)

bottleneck = two_convs(x, 256, 0.3)
print("skip connections:", [tuple(s.shape[1:]) for s in skips])
print("bottleneck:      ", tuple(bottleneck.shape[1:]))

# %% [markdown]
# ## The decoder: growing it back
#
# The decoder retraces the levels upwards. A **transposed convolution** with stride 2
# doubles the height and width (a learned up-sampling). Its output is **concatenated**
# with the encoder's output of the same size: the skip connection. The decoder now sees
# both the coarse "what" from below and the fine "where" from the encoder, and two more
# convolutions blend them. Finally a 1x1 convolution with a **sigmoid** turns the 16
# features of each pixel into one number between 0 and 1: the probability that this
# pixel belongs to the object.

# %%
x = bottleneck
for filters, dropout, skip in zip([128, 64, 32, 16], [0.2, 0.2, 0.1, 0.1], reversed(skips)):
    x = layers.Conv2DTranspose(filters, kernel_size=2, strides=2, padding="same")(x)
    x = layers.Concatenate()([x, skip])
    x = two_convs(x, filters, dropout)

outputs = layers.Conv2D(1, kernel_size=1, activation="sigmoid", name="probability")(x)
by_hand = keras.Model(inputs, outputs, name="unet_by_hand")

# %% [markdown]
# ## The summary
#
# `model.summary()` lists every layer with its output shape and its number of
# parameters (weights the training will adjust). The long table is worth reading once;
# the totals at the bottom are what we compare.

# %%
by_hand.summary(line_length=100)

# %% [markdown]
# A picture says the same more quickly: the size of the image at each level and the
# number of features there. The "U" is the shape of this plot.

# %%
levels = [f"level {i + 1}" for i in range(4)] + ["bottleneck"]
sides = [s.shape[1] for s in skips] + [bottleneck.shape[1]]
features = [s.shape[-1] for s in skips] + [bottleneck.shape[-1]]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(levels, sides, color="tab:blue")
for i, (side, count) in enumerate(zip(sides, features)):
    ax.text(i, side + 4, f"{side}x{side}\n{count} features", ha="center", fontsize=9)
ax.set_ylabel("height = width (pixels)")
ax.set_ylim(0, 300)
ax.set_title("Encoder: the image shrinks as the features multiply")
plt.show()

# %% [markdown]
# ## Compiling
#
# Compiling attaches the optimiser, the loss and the metrics. The module's network uses
# Adam with a learning rate of 0.001 and binary cross-entropy.
#
# > **Common mistake.** The module writes `Adam(lr=1e-3)`. Keras 3 removed the `lr`
# > argument: it is `learning_rate`, and the old spelling stops with an error. Likewise,
# > save models as `.keras` files, not `.hdf5` (chapter 7).

# %%
by_hand.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
print(f"{by_hand.name}: {by_hand.count_params():,} parameters")

# %% [markdown]
# ## The same network from `helpers`
#
# Later chapters should not repeat these cells, so `helpers.unet.build_unet` builds the
# network with one call. The preset `"module"` is the module's network exactly: same
# layers, same sizes, so the same number of parameters.

# %%
from_helpers = unet.build_unet((256, 256, 1), preset="module")
print(f"by hand:      {by_hand.count_params():,} parameters")
print(f"from helpers: {from_helpers.count_params():,} parameters")
assert by_hand.count_params() == from_helpers.count_params() == 1_940_817

# %% [markdown]
# Both networks are untrained, so their output is a blur of values near 0.5. One of the
# course images in, one probability map out, of the same height and width:

# %%
image = io.normalize_image(io.read_image(config.data_dir("mito", "images", "mito_000.png")))
probabilities = from_helpers.predict(image[np.newaxis], verbose=0)[0]
print("input", image.shape, "-> output", probabilities.shape,
      f"values {probabilities.min():.2f} to {probabilities.max():.2f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
axes[0].imshow(image[..., 0], cmap="gray")
axes[0].set_title("Input")
shown = axes[1].imshow(probabilities[..., 0], cmap="magma")
axes[1].set_title("Untrained output (probability)")
fig.colorbar(shown, ax=axes[1], fraction=0.046)
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The options of `build_unet`
#
# The module's network is one choice among many. `build_unet` takes the input shape and
# keyword options:
#
# - `depth`: how many times the encoder halves the image (4 above). Height and width
#   must be multiples of `2**depth`.
# - `base_filters`: the filters of the first level (16 above), doubled at every level.
# - `batch_norm`: normalise each convolution's output over the batch, which often makes
#   training faster and steadier; `dropout`: one rate, or one per level.
# - `num_classes`: 1 gives one sigmoid probability per pixel (object or not); more
#   gives a softmax over the classes at every pixel.
# - height and width `None`: a *fully convolutional* network that accepts images of other
#   sizes, which chapter 8 uses for a larger image.
#
# The parameter count grows with the square of `base_filters` and, roughly, fourfold with
# each extra level:

# %%
rows = []
for depth in (3, 4):
    for base in (8, 16, 32):
        model = unet.build_unet((256, 256, 1), depth=depth, base_filters=base)
        rows.append((depth, base, model.count_params()))
        keras.backend.clear_session()
for depth, base, count in rows:
    print(f"depth {depth}, base filters {base:>2}: {count:>10,} parameters")

# %%
three_classes = unet.build_unet((None, None, 3), num_classes=3)
print("input", three_classes.input_shape, "-> output", three_classes.output_shape)
print("last layer's activation:", three_classes.layers[-1].get_config().get("activation"))

# %% [markdown]
# The course's own default (`build_unet` without a preset, used from chapter 7 on)
# differs from the module's network in ways we measured (`benchmarks/`):
#
# - **batch norm instead of dropout**, which trains faster and steadier here. Its
#   momentum is 0.9, not Keras's 0.99: with the few hundred training steps of a course
#   run, 0.99 leaves the statistics used at prediction time far behind those learned in
#   training, and the network then predicts (almost) nothing;
# - a **loss suited to small objects** (chapter 7 explains it).
#
# On the bundled data in the `cpu` profile this reached a foreground IoU of 0.88 against
# 0.61 for the module's recipe; on real EM images (ISBI 2012), 0.63 against 0.38.
#
# ## Summary
#
# - A U-Net is an encoder (convolutions and pooling), a bottleneck and a decoder
#   (transposed convolutions), with skip connections across.
# - You built the module's network by hand: 1,940,817 parameters, the same as
#   `build_unet(..., preset="module")`.
# - In Keras 3 the optimiser takes `learning_rate=`, not `lr=`.
#
# Next, chapter 6 prepares images and masks for training.
