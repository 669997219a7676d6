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
# is trained here; quick about 8 s, cpu about 7 s on a 2-core CPU
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
# 1. build the U-Net of the learning module yourself, one layer at a time, with Keras;
# 2. read its summary and count its parameters, and draw the whole U from the model;
# 3. build the same network with one call to `helpers.unet.build_unet` and check that
#    both have exactly the same parameters;
# 4. build the course's own block (batch normalisation instead of dropout) and see why
#    it differs, including the choice of weight initialiser and of the loss for one
#    class or several;
# 5. see the options of `build_unet` (depth, width, several classes) and what they cost.

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
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import keras
from keras import layers

from helpers import config, conventions, io, plots, unet

profile = config.get_profile()
config.set_seed()
print(profile)

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
# yet. Still, one of the course images in gives one probability map out, of the same
# height and width:

# %%
image = conventions.float_image(io.read_image(config.data_dir("mito", "images", "mito_000.png")))
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
#   separate training, reached 0.893);
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
# ## Summary
#
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
