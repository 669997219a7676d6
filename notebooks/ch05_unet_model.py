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
# **You need:** chapter 3's set-up (chapter 4 helps to read the metrics); no GPU, nothing
# is trained here; quick and cpu about 11 s on a 2-core CPU
# (`full` builds the same networks: no profile changes this chapter).
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
# 1. write a 3x3 convolution by hand in NumPy, apply it to a course image and check that
#    it gives exactly what Keras's `Conv2D` gives;
# 2. build the U-Net of the learning module yourself, one layer at a time, with Keras;
# 3. read its summary and count its parameters, and draw the whole U from the model;
# 4. build the same network with one call to `helpers.unet.build_unet` and check that
#    both have exactly the same parameters;
# 5. build the course's own block (batch normalisation instead of dropout) and see why
#    it differs, including the choice of weight initialiser and of the loss for one
#    class or several;
# 6. see the options of `build_unet` (depth, width, several classes) and what they cost;
# 7. compute how much of the image the network sees to decide one pixel (its receptive
#    field), measure it, and draw it on an image next to the organelles it must find.

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
# Nothing in this chapter depends on the profile (it trains nothing), but every chapter
# prints it so you always know which one ran.

# %%
import math

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import keras
import tensorflow as tf
from keras import layers
from matplotlib.patches import Rectangle
from scipy import signal
from skimage import measure

from helpers import config, conventions, io, plots, unet

profile = config.get_profile()
config.set_seed()
print(profile)

# %% [markdown]
# ## What a convolution computes
#
# Every layer of a U-Net that learns something is a convolution, so before stacking
# dozens of them, look at what one computes. A 3x3 convolution slides a small window over
# the image. At each pixel it takes the 3 x 3 neighbourhood, multiplies the 9 values by 9
# weights (the **kernel**), adds the products up and adds one more number (the **bias**).
# With several input channels (the 16 features that the first layer hands to the second,
# say), the kernel has one 3 x 3 slice per channel and all the products are summed into
# one number. With several **filters** there is one such kernel and bias per filter, and
# each filter gives one output channel. So a layer's weights have the shape
# (3, 3, channels in, filters) and its biases (filters,): 3·3·c·f + f numbers.
#
# At the border the window would stick out of the image. Padding `"same"` first puts a
# ring of zeros, one pixel wide, around the image, so that the window can be centred on
# every pixel: the output has the same height and width as the input, and layers can be
# stacked without the image shrinking. (Without padding, `"valid"`, every 3x3
# convolution loses a pixel on each side; the U-Net paper of 2015 did that, and its
# 572 x 572 input gave a 388 x 388 output.)
#
# Here is all of that with two loops over the pixels:


# %%
def conv2d_same(image, kernel, bias):
    """Convolution with zero padding "same", as Keras's Conv2D computes it.

    image (H, W, C_in), kernel (k, k, C_in, C_out) with k odd, bias (C_out,), all float32;
    returns (H, W, C_out) float32.
    """
    k = kernel.shape[0]
    padded = np.pad(image, ((k // 2, k // 2), (k // 2, k // 2), (0, 0)))  # the ring of zeros
    height, width = image.shape[:2]
    out = np.empty((height, width, kernel.shape[3]), dtype=np.float32)
    for i in range(height):
        for j in range(width):
            window = padded[i : i + k, j : j + k]  # (k, k, C_in), centred on pixel (i, j)
            # multiply and sum over rows, columns and channels in, once per filter
            out[i, j] = np.einsum("rci,rcif->f", window, kernel) + bias
    return out


# %% [markdown]
# Apply it to a real image: a 128 x 128 crop of the first course image (two organelles
# and a round vesicle), with two kernels chosen by hand, the Sobel kernels of chapter 2.
# The first gives a large positive value where the image gets brighter from left to
# right (a vertical edge), the second where it gets brighter from top to bottom (a
# horizontal edge). One channel in, two filters out, so the kernel has the shape
# (3, 3, 1, 2):

# %%
image = conventions.float_image(io.read_image(config.data_dir("mito", "images", "mito_000.png")))
crop = image[96:224, 96:224]  # (128, 128, 1), float32 in [0, 1]
sobel = np.float32([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
kernel = np.stack([sobel, sobel.T], axis=-1)[:, :, np.newaxis, :]  # (3, 3, 1, 2)
bias = np.float32([0.0, 0.0])
edges = conv2d_same(crop, kernel, bias)
print("input", crop.shape, "kernel", kernel.shape, "bias", bias.shape, "-> output", edges.shape)
for name, channel in (("vertical", 0), ("horizontal", 1)):
    values, inside = edges[..., channel], edges[1:-1, 1:-1, channel]
    print(
        f"{name} edges: {values.min():.2f} to {values.max():.2f}; "
        f"away from the border {inside.min():.2f} to {inside.max():.2f}"
    )

# %% [markdown]
# The output has the input's 128 x 128 pixels ("same" padding) and one channel per
# filter. A flat region gives 0 (the kernel's weights add up to 0); a jump from black (0)
# to white (1) across the window would give ±4. The largest answers, −3.36 to 3.07 for
# vertical edges and −3.64 to 3.17 for horizontal ones, are on the border: the ring of
# zeros looks like a black frame around a bright image, a strong edge (a side effect of
# "same" padding that a network learns to live with). Away from the border, the edges of
# the organelles give at most about ±2 (−1.70 to 1.56 and −1.86 to 2.01).
#
# Now the same weights in a Keras layer. `build` creates its weights, `set_weights`
# replaces them with ours (kernel first, then bias), and the layer runs on a batch of
# one image:

# %%
conv = layers.Conv2D(2, kernel_size=3, padding="same")
conv.build(crop[np.newaxis].shape)
conv.set_weights([kernel, bias])
by_keras = keras.ops.convert_to_numpy(conv(crop[np.newaxis]))[0]
difference = np.abs(edges - by_keras).max()
print(f"Keras: output {by_keras.shape}, largest difference from ours {difference:.1e}")
np.testing.assert_allclose(edges, by_keras, atol=1e-5)

# %% [markdown]
# The largest difference is a few ten-millionths (4.8e-07 in our run): float32 rounding,
# because Keras adds the same nine products in another order (and possibly with other
# processor instructions). The `assert_allclose` stops the notebook if they ever differ
# by more than 1e-5.
#
# A network's second layer takes the first layer's channels as its input. So feed the
# two edge maps to a layer of 4 filters with random weights and biases (drawn like the
# He initialisation you will meet later in this chapter): 2 channels in, a kernel of
# (3, 3, 2, 4):

# %%
rng = np.random.default_rng(0)
kernel2 = rng.normal(0.0, np.sqrt(2 / (3 * 3 * 2)), size=(3, 3, 2, 4)).astype(np.float32)
bias2 = rng.normal(0.0, 0.1, size=4).astype(np.float32)
conv2 = layers.Conv2D(4, kernel_size=3, padding="same")
conv2.build(edges[np.newaxis].shape)
conv2.set_weights([kernel2, bias2])
ours2 = conv2d_same(edges, kernel2, bias2)
by_keras2 = keras.ops.convert_to_numpy(conv2(edges[np.newaxis]))[0]
print(
    f"2 channels in, 4 filters: output {ours2.shape}, {conv2.count_params()} parameters, "
    f"largest difference {np.abs(ours2 - by_keras2).max():.1e}"
)
np.testing.assert_allclose(ours2, by_keras2, atol=1e-5)

# %% [markdown]
# Four output channels, one per filter, and 76 parameters: 3·3·2·4 = 72 weights and 4
# biases, the formula above. Again only float32 rounding separates the two (5.4e-07 in
# our run): each output value now sums 18 products, 9 per input channel.
#
# > **Note.** Strictly, Keras computes a *cross-correlation*: the kernel is laid on the
# > image as it is. The convolution of mathematics and signal processing first flips
# > the kernel (upside down and left to right). SciPy has both; on one channel, with
# > zero padding and the same size out:

# %%
for name, scipy_function in (
    ("correlate2d", signal.correlate2d),
    ("convolve2d", signal.convolve2d),
):
    theirs = scipy_function(crop[..., 0], sobel, mode="same")  # zero padding by default
    difference = np.abs(theirs - edges[..., 0]).max()
    print(f"scipy.signal.{name}: largest difference from ours {difference:.2g}")

# %% [markdown]
# `correlate2d` agrees with ours (and so with Keras): a difference of 0 in our run, the
# same products added in the same order. `convolve2d` differs by up to 6.7, because the
# flipped Sobel kernel is its own negative: it gives minus our vertical edges, and 6.7
# is twice the largest of them in size (−3.36). For a network the flip does not matter
# (training would simply learn the flipped kernel), but it does when you copy a kernel
# from a textbook or from another library into a Keras layer.
#
# The image, the kernel of the first filter, and what the two filters give:

# %%
fig, axes = plt.subplots(1, 4, figsize=(15, 3.8))
axes[0].imshow(crop[..., 0], cmap="gray")
axes[0].set_title("Input: 128 x 128 crop of mito_000")
axes[1].imshow(sobel, cmap="RdBu_r", vmin=-2.5, vmax=2.5)
for (r, c), weight in np.ndenumerate(sobel):
    axes[1].text(c, r, f"{weight:g}", ha="center", va="center", fontsize=16)
axes[1].set_title("Kernel of filter 1 (3 x 3 weights)")
for ax, channel, title in zip(
    axes[2:], (0, 1), ("Filter 1: vertical edges", "Filter 2: horizontal edges")
):
    shown = ax.imshow(edges[..., channel], cmap="RdBu_r", vmin=-2, vmax=2)
    ax.set_title(title)
fig.colorbar(shown, ax=axes[2:], fraction=0.03, label="output value (stops at ±2)")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# Blue is negative, red positive, white 0 (the colours stop at ±2 so that the organelles'
# edges show). The kernel has negative weights on the left and positive ones on the
# right, twice as heavy in the middle row: its answer is "right minus left". So filter 1
# draws each dark organelle's left edge in blue (the image darkens from left to right
# there) and its right edge in red; filter 2, the same kernel turned on its side, draws
# the upper edges blue and the lower ones red. The round vesicle gets a ring of both.
# The background, bright but flat, stays near white with a faint speckle from the noise,
# and the border shows the black frame of the padding: a red line where the image starts
# after the zeros (left, top) and a blue one where it ends in them (right, bottom).
#
# **What a filter learns.** In a U-Net nobody chooses these numbers. Every filter's
# 3·3·c weights and its bias start random, and training nudges them, step by step, in
# whatever direction makes the loss smaller. A filter thereby becomes a detector of a
# pattern that helps the task: first-layer filters typically end up much like the
# Sobel kernels above (edges, lines, spots), and a later filter, whose kernel has one
# slice per channel of the layer before, combines those answers into larger and more
# specific patterns (the striped inside of an organelle, the curve of a membrane). The
# rest of the network is this operation, repeated, with a ReLU after each (negative
# answers set to 0) and pooling in between.

# %% [markdown]
# ## The building block: two convolutions
#
# The module shows its network in two versions. The walkthrough of its section 5.3.2
# has one 3x3 convolution per encoder level, none after each concatenation in the
# decoder, and no dropout; the complete code of section 5.6 (which its chapter 11
# writes out again, with `learning_rate=` for `lr=`) has two convolutions per level on
# both sides with a **dropout** layer between them, and sets
# `kernel_initializer='he_uniform'` on them. We build the 5.6 version. Dropout switches
# off a random share of the features during training, so the network cannot lean on any
# single one.
#
# Every level does the same thing, so we write the block once as a function: a 3x3
# convolution followed by a ReLU, dropout, and a second 3x3 convolution with ReLU.


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
# filters. The dropout rates (0.1, 0.1, 0.2, 0.2, then 0.3) are the module's.

# %%
config.set_seed()  # the same random starting weights in every run, whatever ran above
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
# Read each shape as (height, width, features). The four skips go from (256, 256, 16)
# to (32, 32, 128): every pooling halves the side and every level doubles the features.
# The bottleneck is (16, 16, 256): each of its 16 x 16 positions summarises a
# 16 x 16-pixel patch of the input with 256 numbers.
#
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
# What to look at:
#
# - **Output shapes** follow the U: down to (16, 16, 256) in the middle, back up to
#   (256, 256, 1) at the end, the size of the input.
# - **Param #**: a 3x3 convolution with `c` channels in and `f` filters has
#   3·3·c·f weights plus `f` biases. The first one, 1 channel in and 16 filters, has
#   3·3·1·16 + 16 = 160. Pooling, dropout and concatenation have none.
# - The **bottleneck** holds most of them: its second convolution (256 in, 256 out) alone
#   has 3·3·256·256 + 256 = 590,080, almost a third of the network.
# - **Total params: 1,940,817**, all trainable (non-trainable: 0). That is the number to
#   compare with other builds of the same network.
#
# ## The whole U, drawn from the model
#
# `plots.plot_unet` reads the model's layers (pooling goes one level down, a
# transposed convolution one level up, each `Concatenate` is a skip connection) and
# draws each level as a box with its size and filters:

# %%
fig = plots.plot_unet(by_hand, title="The module's U-Net (section 5.6), built by hand")
plt.show()

# %% [markdown]
# Follow the image: it enters at the top left at 256 x 256, goes down the encoder (red
# arrows: max pooling halves the side) to the 16 x 16 bottleneck with 256 filters, and
# climbs the decoder (green arrows: the 2x2 transposed convolution doubles it) back to
# 256 x 256, where the 1x1 convolution gives one sigmoid channel. The dashed purple
# arrows are the skip connections: at each level the encoder's output (16, 32, 64, 128
# channels) is copied across and concatenated with the up-sampled features. Without
# them the decoder would have to rebuild the fine outlines from the 16 x 16 summary
# alone. The boxes get darker as the filters double.
#
# ## Compiling
#
# Compiling attaches the optimiser, the loss and the metrics. The module's network uses
# Adam with a learning rate of 0.001, binary cross-entropy, and tracks accuracy. (Its
# complete code also has a compile line with `MeanIoU(num_classes=2)` as the metric,
# but that line is commented out; section 5.5 suggests MeanIoU as an improvement.
# Chapter 4 showed why accuracy, and a mean IoU that includes the background, flatter
# a model that finds little.)
#
# > **Common mistake.** The module's chapter 5 writes `Adam(lr=1e-3)` (its chapter 11
# > already has `learning_rate=`). Keras 3 removed the `lr`
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
# Compiling adds no weights: still 1,940,817 parameters. (Adam will keep two running
# averages per weight once training starts, but those are the optimiser's, not the
# model's.)
#
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
# Both lines say 1,940,817, and the `assert` stops the notebook if `helpers.unet` ever
# drifts from the network you built. What the helper adds: any depth, width, number of
# classes, batch norm or not, and readable layer names (`enc1_conv1`, `dec4_concat`...).
#
# Both networks are untrained: their weights are random, so their output means nothing
# yet. Still, the course image of the first section in gives one probability map out, of
# the same height and width:

# %%
probabilities = from_helpers.predict(image[np.newaxis], verbose=0)[0]
print(
    "input",
    image.shape,
    "-> output",
    probabilities.shape,
    f"values {probabilities.min():.2f} to {probabilities.max():.2f}",
)

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
# The shapes are what matter here: (256, 256, 1) in, (256, 256, 1) out, one probability
# per pixel. The values run from 0.20 to 0.74 in our run (seed 42; other weights give
# other numbers), most of the map close to 0.45: the untrained network has no opinion
# yet. The outlines you can see on the right are random filters responding to edges and
# texture, distractors as much as organelles; training (chapter 7) is what teaches the
# network which of them matter.

# %% [markdown]
# ## The course's default block: batch norm instead of dropout
#
# `build_unet` without a preset, which chapter 7 onwards uses, builds a different block.
# First, what is new in it.
#
# **Why batch normalisation.** A convolution's outputs can drift to any scale as the
# layers before it change during training, and every later layer has to keep adapting
# to that moving target. A `BatchNormalization` layer, placed right after a convolution,
# takes each feature channel, subtracts its mean over the current batch and divides by
# its standard deviation, so the next layer always sees values around 0 with spread 1;
# then it multiplies by a learned scale and adds a learned shift, so the network can
# still choose another range where that helps. In practice this lets a network train
# faster and with less care over the learning rate and the initial weights, and the
# noise of batch statistics regularises a little, which is why the course's block drops
# dropout. Two consequences for the code: the convolution's bias is useless (the mean is
# subtracted right after, and the layer adds its own shift), so `use_bias=False`; and the
# ReLU comes after the normalisation, so the convolution itself has no activation.
#
# At prediction time there is no batch to average over, so the layer uses running
# averages of the means and variances it saw in training. Its `momentum` is the share
# of the old average kept at each step: with Keras's default 0.99, 37 % of the starting
# value is still in the average after 100 steps (0.99^100 = 0.37); with 0.9 it is gone
# within a few dozen steps (0.9^50 = 0.005). A course run has only a few hundred steps in
# all, and with 0.99 the averages used for prediction still lag behind what the network
# trained with; it then predicts (almost) nothing. So the course uses 0.9.


# %%
def default_block(x, filters: int):
    """The course's block: twice (3x3 convolution without bias, batch norm, ReLU)."""
    for _ in range(2):
        x = layers.Conv2D(
            filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
        )(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
    return x


# %% [markdown]
# Both blocks side by side, as they would build the second level (16 channels in from
# level 1, 32 filters, at 128 x 128):


# %%
def describe(layer) -> str:
    cfg = layer.get_config()
    kind = type(layer).__name__
    detail = {
        "Conv2D": (
            f"3x3, {cfg.get('filters')} filters, {cfg.get('activation')}, "
            f"bias {cfg.get('use_bias')}"
        ),
        "Dropout": f"rate {cfg.get('rate')}",
        "BatchNormalization": f"momentum {cfg.get('momentum')}",
        "Activation": cfg.get("activation"),
    }[kind]
    return f"{kind} ({detail}): {layer.count_params():,}"


def layer_rows(block, **options) -> list[str]:
    x_in = keras.Input((128, 128, 16))
    model = keras.Model(x_in, block(x_in, 32, **options))
    return [describe(layer) for layer in model.layers[1:]], f"total: {model.count_params():,}"


(module_rows, module_total), (course_rows, course_total) = (
    layer_rows(two_convs, dropout=0.1),
    layer_rows(default_block),
)
module_rows += [""] * (len(course_rows) - len(module_rows))
pd.DataFrame(
    {
        "module's block (5.6)": module_rows + [module_total],
        "course's default block": course_rows + [course_total],
    }
)

# %% [markdown]
# Read it row by row. The module's convolutions carry their ReLU inside and a bias:
# 3·3·16·32 + 32 = 4,640 and 3·3·32·32 + 32 = 9,248, 13,888 in all. The course's
# convolutions have no bias (4,608 and 9,216) and each is followed by a batch norm with
# 4 numbers per channel, 128 for 32 channels: the learned scale and shift (trained) and
# the running mean and variance (not trained, only averaged). Its total is 14,080:
# almost the same size; the difference is how it trains, not how big it is.
#
# **`he_normal` or `he_uniform`.** Both are He initialisation, designed for ReLU
# networks: the starting weights get a variance of 2 / fan-in (fan-in = 3·3·channels
# in), so that the size of the signal neither grows nor fades from layer to layer.
# `he_normal` draws them from a (truncated) normal distribution, `he_uniform` from a
# uniform one with the same variance. The module uses `he_uniform` with a comment that
# `he_normal` did not converge for its authors, yet its section 5.5 suggests `he_normal`
# to improve convergence. With batch norm after every convolution, the scale of the
# starting weights matters much less; the course uses `he_normal`. The two are closer
# than their names suggest:

# %%
fan_in = 3 * 3 * 16  # a 3x3 kernel over 16 channels
for name in ("he_normal", "he_uniform"):
    weights = keras.ops.convert_to_numpy(keras.initializers.get(name)((3, 3, 16, 32)))
    print(
        f"{name:>10}: standard deviation {weights.std():.3f}, largest |w| "
        f"{np.abs(weights).max():.3f}"
    )
print(f"   target: standard deviation sqrt(2 / {fan_in}) = {np.sqrt(2 / fan_in):.3f}")

# %% [markdown]
# Both give a standard deviation close to the target sqrt(2/144) = 0.118 (0.118 and
# 0.116 in our run: these are random draws). They differ in
# the extremes: the uniform one never goes beyond sqrt(6/144) = 0.204, the normal one is
# cut off at two standard deviations and reaches about 0.27.
#
# **Binary or categorical cross-entropy.** With **one class** (object or background)
# the last layer has one channel and a **sigmoid**, which turns each pixel's score into
# a probability p of "object"; binary cross-entropy then charges −log p on object
# pixels and −log(1 − p) on background pixels. With **K classes** the last layer has K
# channels and a **softmax**, which makes the K probabilities of each pixel add up to 1;
# categorical cross-entropy charges −log of the probability given to the true class
# (`sparse_categorical_crossentropy` when the masks hold class numbers 0..K−1 instead of
# one-hot channels). This is the change section 5.5 of the module points to for
# multiclass work. The two agree when K = 2, but a sigmoid on K > 1 channels would let
# a pixel be 90 % of every class at once. One pixel of each, by hand and by Keras:

# %%
p = keras.ops.sigmoid(np.float32(1.2))  # one pixel's score -> probability of "object"
print(
    f"sigmoid: p = {float(p):.3f}; BCE if it is object: -log p = {-np.log(float(p)):.3f}, Keras "
    f"{float(keras.losses.binary_crossentropy(np.float32([1.0]), np.float32([float(p)]))):.3f}"
)
scores = np.float32([[2.0, 0.5, -1.0]])  # one pixel's scores for 3 classes
probs = keras.ops.convert_to_numpy(keras.ops.softmax(scores))[0]
print(
    f"softmax: {probs.round(3)} (sum {probs.sum():.3f}); CE if class 1: -log {probs[1]:.3f} = "
    f"{-np.log(probs[1]):.3f}, Keras "
    f"{float(keras.losses.categorical_crossentropy(np.float32([[0, 1, 0]]), probs[None])[0]):.3f}"
)

# %% [markdown]
# The sigmoid of a score of 1.2 is a probability of 0.769; if the pixel really is
# object, the loss is −log 0.769 = 0.263, and Keras's `binary_crossentropy` agrees. For
# three classes, the softmax turns the scores into three probabilities that sum to 1;
# if the true class is the second one (0.175), the loss is −log 0.175 = 1.741: large,
# because the network put most of its belief elsewhere. (Keras clips probabilities a
# hair away from 0 and 1, so its numbers can differ in the last digit.)
#
# ### The whole default network, by hand and from `helpers`
#
# The same loops as before, with the new block and no dropout, give the course's default
# network; `build_unet` with no options must have the same parameters:

# %%
x = inputs = keras.Input(shape=(256, 256, 1), name="image")
skips = []
for filters in (16, 32, 64, 128):
    skips.append(default_block(x, filters))
    x = layers.MaxPooling2D(2)(skips[-1])
x = default_block(x, 256)
for filters, skip in zip((128, 64, 32, 16), reversed(skips)):
    x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)
    x = default_block(layers.Concatenate()([x, skip]), filters)
default_by_hand = keras.Model(inputs, layers.Conv2D(1, 1, activation="sigmoid")(x))
default_from_helpers = unet.build_unet((256, 256, 1))
print(
    f"by hand: {default_by_hand.count_params():,}, build_unet(): "
    f"{default_from_helpers.count_params():,}"
)
assert default_by_hand.count_params() == default_from_helpers.count_params() == 1_945_233

# %% [markdown]
# Both give 1,945,233 parameters, 4,416 more than the module's network: batch norm adds
# 4 numbers per channel (5,888 in all) and the convolutions lose their 1,472 biases.
# 2,944 of the batch norm numbers are the running means and variances, which training
# averages rather than learns; `model.summary()` lists them as non-trainable.
#
# Why take the trouble? The course measured both recipes side by side (the course's
# recipe also trains with a loss suited to small objects, chapter 7, and with flipped
# and rotated batches; the figures are in the README's "Results" table):
#
# - on the bundled data, in the `cpu` profile (128 px, 25 epochs), the benchmark
#   `benchmarks/mito_quality.py` gave a test foreground IoU of **0.875** for the default
#   against **0.612** for the module's recipe (chapter 7's own run of the default, a
#   separate training, reached 0.886 alone on the machine, 0.896 on a busy one);
# - on real EM images (ISBI 2012, 256 px, 30 epochs), `benchmarks/isbi2012.py` gave a
#   membrane IoU of **0.619** against **0.384**.

# %% [markdown]
# ## The options of `build_unet`
#
# The module's network is one choice among many. `build_unet` takes the input shape and
# keyword options:
#
# - `depth`: how many times the encoder halves the image (4 above). Height and width
#   must be multiples of `2**depth`.
# - `base_filters`: the filters of the first level (16 above), doubled at every level.
# - `batch_norm` (default on) and `dropout` (one rate, or one per level; default none).
# - `num_classes`: 1 gives one sigmoid probability per pixel (object or not); more
#   gives a softmax over the classes at every pixel.
# - height and width `None`: a *fully convolutional* network that accepts images of other
#   sizes, which chapter 8 uses for a larger image.
#
# The parameter count of the default network for a few depths and widths:

# %%
rows = []
for depth in (3, 4):
    for base in (8, 16, 32):
        model = unet.build_unet((256, 256, 1), depth=depth, base_filters=base)
        rows.append((depth, base, model.count_params()))
for depth, base, count in rows:
    print(f"depth {depth}, base filters {base:>2}: {count:>10,} parameters")

# %% [markdown]
# Doubling `base_filters` multiplies the count by almost exactly 4 (487,881, 1,945,233,
# 7,768,353 at depth 4), because every convolution has channels-in times filters
# weights and both double. One level more (depth 3 to 4) also multiplies it by about 4
# (483,857 to 1,945,233 with 16 filters): the new bottleneck has twice the filters of
# the old one and dominates. A bigger network is not automatically better on a few dozen
# images; the course keeps 16 filters and depth 4.
#
# The same diagram for a shallower network with three classes and any input size, to
# see what changes:

# %%
three_classes = unet.build_unet((None, None, 3), depth=3, num_classes=3)
print("input", three_classes.input_shape, "-> output", three_classes.output_shape)
print("last layer's activation:", three_classes.layers[-1].get_config().get("activation"))
fig = plots.plot_unet(three_classes)
plt.show()

# %% [markdown]
# The input is (None, None, None, 3): batch, height and width left open, 3 colour
# channels. The output has 3 channels, one probability per class, from a softmax. In the
# diagram the sizes are now H, H/2, H/4, H/8 (they depend on the image you give it), the
# U is one level shallower, and each box says "batch norm": the default block.

# %% [markdown]
# ## What the network sees: the receptive field
#
# Each output pixel is computed from a window of the input, its **receptive field**:
# nothing outside that window can change it. Follow one pixel backwards through the
# layers. A 3x3 convolution looks one neighbour further on each side. After a 2x2
# pooling, two neighbouring values are 2 input pixels apart, so the next 3x3 convolution
# reaches 2 pixels further on each side; after two poolings 4, and so on. So keep two
# numbers per layer: the window's **size** in input pixels, and the **step**, the
# distance in input pixels between two neighbouring values of that layer. Then:
#
# - a convolution or pooling with a k x k window and stride s: size + (k − 1) × step,
#   then step × s (a 1x1 convolution adds nothing);
# - a transposed convolution with kernel 2 and stride 2: each output value comes from
#   one input value, so the size stays and the step is halved (in general, a kernel k and
#   stride s reach ⌈k/s⌉ input values: size + (⌈k/s⌉ − 1) × step, then step / s);
# - a concatenation: the larger window of its inputs; batch norm and ReLU change nothing.
#
# Keras lists `model.layers` so that every layer comes after the layers it reads, so
# one pass over them is enough. `layer.input` is the tensor (or the list of tensors)
# that the layer reads, `layer.output` the one it makes:


# %%
def receptive_fields(model) -> dict:
    """Layer name -> (size, step) of the receptive field of its output, in input pixels."""
    window, by_name = {}, {}  # id of a layer's output tensor -> (size, step)
    for layer in model.layers:
        if isinstance(layer, layers.InputLayer):
            window[id(layer.output)] = (1, 1)  # one input pixel sees itself
            continue
        inputs = layer.input if isinstance(layer.input, list) else [layer.input]
        size, step = max(window[id(tensor)] for tensor in inputs)  # the larger window
        if isinstance(layer, layers.Conv2DTranspose):
            k, s = layer.kernel_size[0], layer.strides[0]
            size, step = size + (math.ceil(k / s) - 1) * step, step // s
        elif isinstance(layer, (layers.Conv2D, layers.MaxPooling2D)):
            k = layer.kernel_size[0] if isinstance(layer, layers.Conv2D) else layer.pool_size[0]
            size, step = size + (k - 1) * step, step * layer.strides[0]
        window[id(layer.output)] = by_name[layer.name] = (size, step)
    return by_name


# %% [markdown]
# Apply it to the course's default network, built (not trained: the window depends on
# the layers, not on the weights) with height and width left open, and print the window
# at the end of every level:

# %%
default_unet = unet.build_unet((None, None, 1))
fields = receptive_fields(default_unet)
for name, (size, step) in fields.items():
    if name.endswith("_relu2") or name == "probabilities":
        print(f"{name.removesuffix('_relu2'):>13}: {size:>3} x {size:<3} pixels, step {step:>2}")
computed = fields["probabilities"][0]

# %% [markdown]
# Read it from the top. The first level's two convolutions see 5 x 5 pixels; each level
# down roughly doubles the window (14, 32, 68), and the bottleneck, whose two
# convolutions work with a step of 16 pixels, reaches 140. The decoder's convolutions
# look around too, so the window keeps growing on the way up (172, 188, 196, 200, with
# the step halving at every level), and the final 1x1 convolution adds nothing: **each
# output pixel is decided from a window of 200 x 200 input pixels.** Most of it comes
# from the deep levels: the bottleneck's two convolutions add 64 pixels, the first
# level's only 4. The number of filters plays no part, so chapter 7's networks (8 filters
# in `quick`, 16 in `cpu` and `full`) have the same window.
#
# Now measure it. Take a network with random weights and compute the **gradient** of one
# output pixel with respect to every input pixel: how much that output would change if
# the input pixel changed a little. Outside the window it is exactly 0 (that pixel cannot
# reach the output); inside, random weights make it almost surely non-zero. One pixel of
# the 256 x 256 course image, row 128 and column 136:

# %%
x = tf.constant(image[np.newaxis])  # (1, 256, 256, 1)
row, col = 128, 136
with tf.GradientTape() as tape:
    tape.watch(x)
    one_pixel = default_unet(x, training=False)[0, row, col, 0]
gradient = tape.gradient(one_pixel, x).numpy()[0, ..., 0]  # (256, 256)
rows = np.flatnonzero(np.abs(gradient).max(axis=1))  # rows with a non-zero gradient
cols = np.flatnonzero(np.abs(gradient).max(axis=0))
window = (rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)  # top, left, h, w
print(f"rows {rows[0]} to {rows[-1]}: {window[2]} pixels")
print(f"columns {cols[0]} to {cols[-1]}: {window[3]} pixels (computed: {computed})")

# %% [markdown]
# The measured window is 188 pixels high and 204 wide, not 200 x 200. The four poolings
# lay a grid of 16 x 16-pixel cells over the image (the bottleneck has one value per
# cell), and each up-sampling copies a coarse value onto a 2 x 2 block, so the decoder's
# window snaps to that grid instead of being centred on the pixel. Row 128 is the first
# row of a cell (128 = 8 × 16) and gets 188; column 136 lies in the middle of one
# (136 = 8 × 16 + 8) and gets 204. The rule above assumes centred windows, so its 200
# should be the **average** over the 16 positions in a cell. Measure all 16 at once:
# rows and columns are independent, so a strip 16 pixels wide is enough to measure the
# height, and a batch of 16 copies of it, copy b asking about row 128 + b, does all of
# them in one pass:

# %%
strip = tf.constant(np.repeat(image[np.newaxis, :, 128:144], 16, axis=0))  # (16, 256, 16, 1)
with tf.GradientTape() as tape:
    tape.watch(strip)
    out = default_unet(strip, training=False)
    chosen = tf.add_n([out[b, 128 + b, 8, 0] for b in range(16)])
reach = np.abs(tape.gradient(chosen, strip).numpy()[..., 0]).max(axis=2)  # (16, 256)
heights = [int(np.ptp(np.flatnonzero(r))) + 1 for r in reach]
print("window height for rows 128 to 143:", heights)
print(f"average {np.mean(heights):.1f}, computed {computed}")
assert np.mean(heights) == computed

# %% [markdown]
# Four positions of the 16 (the first two and the last two rows of a cell) get 188
# pixels, the other twelve 204: on average exactly the 200 of the rule, and the `assert`
# checks it. So "200 pixels" is the network's window to within 16 pixels, one bottleneck
# cell, either way.
#
# How does that compare with the organelles the network must find? The masks say how
# large they are: the longer side of each organelle's bounding box, over the 60 masks:

# %%
sides = []
for path in sorted(config.data_dir("mito", "masks").glob("*.png")):
    mask = io.read_image(path)[..., 0] > 0
    for region in measure.regionprops(measure.label(mask)):
        top, left, bottom, right = region.bbox
        sides.append(max(bottom - top, right - left))
print(
    f"{len(sides)} organelles, longer side: median {np.median(sides):.0f} px, "
    f"90 % up to {np.percentile(sides, 90):.0f} px, largest {max(sides)} px"
)

# %% [markdown]
# 290 organelles; half are at most 49 pixels long, nine in ten at most 61, the longest
# 68: the median is a quarter of the window's side, the longest a third. Drawn on the
# image, with the gradient itself on the right:


# %%
def outline(ax, box, **style):
    """Draw a box (top, left, height, width) in pixels, on the pixels' outer borders."""
    top, left, height, width = box
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False, **style))


fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
axes[0].imshow(image[..., 0], cmap="gray")
mask = io.read_image(config.data_dir("mito", "masks", "mito_000.png"))[..., 0] > 0
for i, region in enumerate(measure.regionprops(measure.label(mask))):
    top, left, bottom, right = region.bbox
    label = "organelles (bounding boxes)" if i == 0 else None
    outline(axes[0], (top, left, bottom - top, right - left), edgecolor="gold", label=label)
outline(axes[0], window, edgecolor="cyan", linewidth=2, label="measured window")
centred = (row + 0.5 - computed / 2, col + 0.5 - computed / 2, computed, computed)
label = f"computed {computed} x {computed}"
outline(axes[0], centred, edgecolor="magenta", linestyle="--", linewidth=2, label=label)
axes[0].plot(col, row, "r+", markersize=14, markeredgewidth=2, label=f"pixel ({row}, {col})")
axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=9)
axes[0].set_title("What the untrained U-Net sees to decide one pixel")
magnitude = np.log10(np.abs(gradient) + 1e-30)  # zeros -> -30, shown at the bottom colour
shown = axes[1].imshow(magnitude, cmap="viridis", vmin=magnitude.max() - 6)
fig.colorbar(shown, ax=axes[1], fraction=0.046, label="log10 |gradient|")
axes[1].set_title("How much each input pixel counts (random weights)")
for ax in axes:
    ax.set(xlabel="column (pixels)", ylabel="row (pixels)")
plt.show()

# %% [markdown]
# On the left, the cyan box is the measured window of the pixel marked with the red
# cross (188 rows, 204 columns) and the dashed magenta square the computed 200 x 200:
# the two nearly coincide. The gold boxes are the organelles of this image: each fits
# in the window whole, with room to spare. On the right, the gradient is exactly 0
# outside the box (the darkest colour) and largest at the centre, falling by five to six
# powers of ten towards the edge: the pixels near the one being decided count most (the
# *effective* receptive field is smaller than the window), and training reshapes this
# map.
#
# What it means: **the network decides each pixel from that window and from nothing
# else.** Here the window is four times the median organelle, so the network can see
# every organelle whole, with its neighbourhood, which is what it needs to tell an
# elongated, striped organelle from a round vesicle of the same darkness. The profiles
# resize the images before training, to 128 pixels in `cpu` and 64 in `quick` (`full`
# keeps 256): the organelles shrink with them, to about 25 and 12 pixels, while the
# window stays 200 pixels, larger than the whole image. An object larger than the
# window can never be seen whole: the network would judge the middle of it from a piece
# that may look like background. For large objects, or large images at their native
# resolution, shrink the images or add a level (`depth=5` gives a window of 408 pixels).

# %% [markdown]
# ## Summary
#
# - A 3x3 convolution with padding "same" multiplies each pixel's 3 x 3 neighbourhood,
#   over all input channels, by one kernel per filter and adds a bias: `conv2d_same`
#   does it with two loops and equals Keras's `Conv2D` with the same weights to float32
#   rounding. Keras computes a cross-correlation (no kernel flip); training chooses the
#   kernels.
# - A U-Net is an encoder (convolutions and pooling), a bottleneck and a decoder
#   (transposed convolutions), with skip connections across; `plots.plot_unet(model)`
#   draws it from any such model.
# - You built the module's network (its section 5.6) by hand: 1,940,817 parameters, the
#   same as `build_unet(..., preset="module")`. A 3x3 convolution has 3·3·c·f + f.
# - The course's default block is 3x3 convolution (no bias, `he_normal`), batch norm
#   with momentum 0.9, ReLU, twice, no dropout: 1,945,233 parameters for the network.
# - One class: sigmoid and binary cross-entropy; K classes: softmax and categorical
#   cross-entropy.
# - In Keras 3 the optimiser takes `learning_rate=`, not `lr=`.
# - The default network decides each pixel from a window of 200 x 200 input pixels
#   (188 or 204 on a side, depending on where the pixel lies on the 16-pixel grid of
#   the poolings), computed from its layers and measured with a gradient: about four
#   times a typical organelle. An object larger than that cannot be seen whole.
#
# Next, chapter 6 prepares images and masks for training.
#
# ## Try it yourself
#
# - Build `build_unet((256, 256, 1), depth=5)` and draw it: where does the bottleneck
#   end up, and how many parameters does the extra level cost? Then try
#   `build_unet((250, 250, 1))` and read the error it gives.
# - Remove the skip connections from the hand-built decoder (skip the `Concatenate`) and
#   compare the parameter count: which convolutions got smaller, and why?
# - In the default block, put the ReLU inside the `Conv2D` (`activation="relu"`) and
#   the batch norm after it; the parameter count does not change. Chapter 7's training
#   is where such choices show.
# - Give `conv2d_same` a blurring kernel (all nine weights 1/9) or a 5 x 5 kernel and
#   compare it with `Conv2D(..., kernel_size=5)`: what happens at the border now?
# - Call `receptive_fields` on `build_unet((None, None, 1), depth=3)` and on the module's
#   network (`preset="module"`): which window is large enough for the organelles at
#   256 px, and does dropout change anything?
#
# ## Exercises
#
# Each exercise has a cell for your answer and a check cell that says what is right or
# wrong. Stuck? `exercises.conv_block.hint()` gives a hint (call it again for the next),
# `exercises.conv_block.solution()` shows one solution.

# %%
from helpers.exercises import ch05 as exercises

# %% [markdown]
# **1. The course's block.** Write `conv_block(x, filters)`: twice, a 3x3 convolution
# (padding that keeps the size, no bias, `he_normal`), batch norm with momentum 0.9, and
# a ReLU. The check builds it on a 32 x 32 x 3 input with 8 filters and compares the
# output shape and the parameter count with the course's block.


# %%
def conv_block(x, filters):
    ...  # your layers here
    return None


exercises.conv_block.check(conv_block)

# %% [markdown]
# **2. Count a level by hand.** Write `level_parameters(in_channels, filters)`: the
# parameters of one level of the module's block (two 3x3 convolutions with biases; the
# dropout between them has none). Level 1 of the module's network should give the
# 160 + 2,320 of the summary above.


# %%
def level_parameters(in_channels, filters): ...  # your formula here


exercises.level_parameters.check(level_parameters)

# %% [markdown]
# **3. One class or K.** Write `output_head(num_classes)` returning two strings: the last
# layer's activation and the Keras loss name, for one class (object or not) or for
# several.


# %%
def output_head(num_classes): ...  # return activation, loss


exercises.output_head.check(output_head)
