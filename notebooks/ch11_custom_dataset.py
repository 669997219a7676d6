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
# Everything so far, in one place, on images that come with nothing but a VIA export of
# their outlines (chapter 10): MRI-like head slices in colour, with lesions that cover
# only a few percent of each image. The images and outlines are synthetic, made by
# `helpers.synthetic` (chapter 10 says what they imitate and why). The module's chapter
# 11 reads its images from the workshop's Google Drive (`.../Dataset_Custom/Image/`) with
# a VIA export named `Brain_Segmentation_Workshop_json_Fix.json`, and says nothing more
# about them. Swap the two paths at the top for your own images and VIA export, and the
# same notebook trains on your data, with exactly the recipe of `python -m helpers train`.
#
# **You need:** chapter 10 (VIA files) and chapters 6-8 (data, training, scores); no GPU
# (one helps); on 2 idle CPU cores about 2 min in quick and 4 min in cpu (estimates: runs
# measured 18 and 44 min with the cores shared by several other jobs); full (256 px,
# 60 epochs) not measured here, it wants a GPU.
#
# You will:
#
# 1. turn the VIA polygons into one mask per image;
# 2. pair, read, resize and normalise the images and masks;
# 3. split them into training, validation and test images that never overlap;
# 4. build the U-Net from the data's shape and train it, first in plain Keras with the
#    two settings a small set with small objects needs (the batch size and where the
#    output starts) written out, then with the course's recipe in one call;
# 5. keep the history as a CSV file and plot the learning curves;
# 6. predict the test images and score them: IoU for one image, the mean over all, the
#    runs without and with the two settings side by side, and a full table of metrics
#    saved as CSV;
# 7. try transfer learning with few labels: chapter 7's network, trained on grey EM
#    images, reused for these colour slices with 5, 10 and all labelled images;
# 8. write the predictions back as a VIA file, ready to be corrected in VIA.

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
from PIL import Image
from skimage.draw import polygon as polygon_pixels

from helpers import (
    colab,
    config,
    datasets,
    evaluation,
    expected,
    files,
    inference,
    io,
    metrics,
    plots,
    runs,
    splits,
    training,
    unet,
    via,
)

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
print(
    len(image_files),
    "images, e.g.",
    [p.name for p in image_files[:3]],
    "| VIA file:",
    via_path.name,
)

# %% [markdown]
# **Your own data.** On your computer, put your paths in the cell above. On **Colab**,
# the next cell can do it: `UPLOAD_MY_DATA = True` opens a file dialog for a zip of your
# images folder with your VIA export inside (it lands in `/content/my_data/`), and
# `DRIVE_FOLDER = "unet-course"` mounts your Google Drive (Colab asks for permission)
# and writes this chapter's masks, model, history and metrics to
# `MyDrive/unet-course/ch11/<profile>/`, where they outlive the runtime. Elsewhere the
# cell changes nothing.

# %%
UPLOAD_MY_DATA = False  # Colab only: True asks for a zip of your images and VIA export
DRIVE_FOLDER = ""  # Colab only: e.g. "unet-course" keeps the results in your Google Drive
if colab.in_colab() and UPLOAD_MY_DATA:
    mine = colab.upload_data(require_via=True)
    images_dir, via_path = mine.images, mine.via
    image_files = io.list_images(images_dir)
if colab.in_colab() and DRIVE_FOLDER:
    out = colab.mount_drive(DRIVE_FOLDER) / "ch11" / profile.name
    mask_dir = out / "masks"
print("images:", images_dir, "| VIA file:", via_path, "| results:", out)

# %% [markdown]
# ## 2 · From polygons to masks
#
# VIA stores each outline as a list of corner points, `all_points_x` (columns) and
# `all_points_y` (rows). A mask is the set of pixels inside the outlines. The whole
# conversion is one loop over the file: for every image, an empty mask of the image's
# size; for every region, `skimage.draw.polygon` lists the pixels inside, and **giving it
# the image's shape** cuts an outline where it leaves the image; the pixels are *set* to
# 255 (not added), so overlapping regions make a union; and the mask is saved as
# `<image name>.png`, also when the image has no region at all.

# %%
annotations = json.loads(via_path.read_text(encoding="utf-8"))
hand_dir = out / "masks_by_hand"
hand_dir.mkdir(parents=True, exist_ok=True)
for record in annotations.values():  # one record per image
    with Image.open(images_dir / record["filename"]) as image:
        shape = (image.height, image.width)
    mask = np.zeros(shape, dtype=np.uint8)  # every image gets a mask, empty or not
    for region in record["regions"]:
        points = region["shape_attributes"]
        rows, cols = polygon_pixels(points["all_points_y"], points["all_points_x"], shape=shape)
        mask[rows, cols] = 255  # set, never add: overlaps make a union
    Image.fromarray(mask).save(hand_dir / (Path(record["filename"]).stem + ".png"))
print(
    len(annotations),
    "records ->",
    len(list(hand_dir.glob("*.png"))),
    "masks in",
    hand_dir.relative_to(config.repo_root()),
)

# %% [markdown]
# Forty records, forty masks. One of them, next to its image with the outlines as VIA
# stored them (the last point joined back to the first): an image with two lesions.

# %%
project = via.load_via(via_path)
record = next(image for image in project.images if len(image.regions) == 2)
by_hand = io.read_mask(hand_dir / (Path(record.filename).stem + ".png"))
fig, axes = plt.subplots(1, 2, figsize=(8, 4.2), layout="constrained")
axes[0].imshow(io.read_image(images_dir / record.filename))
for region in record.regions:
    xs, ys = list(region.geometry["all_points_x"]), list(region.geometry["all_points_y"])
    axes[0].plot(xs + xs[:1], ys + ys[:1], color="yellow", linewidth=1)
axes[0].set_title(f"{record.filename} and its VIA outlines")
axes[1].imshow(by_hand, cmap="gray")
axes[1].set_title(f"its mask: {by_hand.sum()} lesion pixels ({by_hand.mean():.1%})")
for ax in axes:
    ax.set(xlabel="x (column)", ylabel="y (row)")
plt.show()

# %% [markdown]
# The yellow outline and the white pixels cover the same two blobs; everything else is
# 0. Lesions in this set cover 0.4 to 3.4 % of an image (1.7 % in this one).
#
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
# `via.masks_from_via` is the loop above as a function, and `python -m helpers via2masks`
# is the same function from a terminal. It adds every VIA shape (rectangles, circles,
# ellipses, polylines, points, not only polygons), photos turned upright by their EXIF
# tag, the report, and files it never replaces unless told. We pass `overwrite=True`
# because these masks are this notebook's own output, remade on every run; for your own
# project leave it out, so that masks you corrected are never replaced without your
# say-so. Its masks are exactly the loop's, file by file:

# %%
written = via.masks_from_via(via_path, images_dir, mask_dir, overwrite=True)
print(via.summarize(written))
for path in sorted(mask_dir.glob("*.png")):
    assert np.array_equal(io.read_mask(path), io.read_mask(hand_dir / path.name)), path.name
print(
    len(list(mask_dir.glob("*.png"))),
    "mask files in",
    mask_dir.relative_to(config.repo_root()),
    "| identical to the loop's",
)

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
    print(
        f"{name:>12}: module keeps it: {name.split('.')[1] == 'png'!s:5}  "
        f"by its extension: {Path(name).suffix.lower() == '.png'}"
    )

# %% [markdown]
# Three more of the module's slips, each shown in depth in chapter 6:
#
# > **Common mistakes.** (a) `cv2.imread` gives the colours as BGR, blue first; handed
# > to Pillow as they are, red and blue swap. (b) The module's chapter 6 resizes images
# > *and* masks with Pillow's default filter, a smoothing one, which invents mask values
# > that are no label at the lesion's edge; its chapter 11 resizes both with
# > `Image.NEAREST`, which keeps the masks' labels but makes the images jagged. The
# > right pair is smoothing (area averaging) for images and nearest neighbour for masks.
# > (c) It divides by 255 in this chapter but
# > uses `keras.utils.normalize` in chapters 6 and 8: a network trained on one scale and
# > used on another sees inputs it never learned from.
#
# The colours matter here, because these slices are RGB:

# %%
path = pairs[0][0]
bgr = cv2.imread(str(path))
rgb = io.read_image(path)
print("OpenCV's channels are the reverse of RGB:", np.array_equal(bgr[..., ::-1], rgb))
print(
    "mean red, green, blue:",
    rgb.reshape(-1, 3).mean(axis=0).round(1),
    "| OpenCV's first channel is blue:",
    bgr[..., 0].mean().round(1),
)

# %% [markdown]
# `io.load_pairs` reads in RGB, shrinks images by area averaging and masks by nearest
# neighbour, and normalises with `conventions.float_image` (divide by 255 for 8-bit images),
# the one normalisation that training and prediction share. Whether the images are in
# colour is read from the files, not typed in:

# %%
channels = io.infer_channels(pairs)
print("channels:", channels, "(3: the images are in colour)")

# %% [markdown]
# ## 4 · Training, validation and test images that never overlap
#
# We split the *file names* with a fixed seed, before loading anything: 15 % for
# validation, 15 % for test, the rest for training. These are the shares and the seed
# that `python -m helpers train` uses, so the two paths test on the same images (the
# training below writes its split to `split.json`, and we check it is this one).

# %%
stems = [image.stem for image, _ in pairs]
split = splits.split_stems(stems, val_fraction=0.15, test_fraction=0.15, seed=config.DEFAULT_SEED)
train, val, test = (set(split[part]) for part in ("train", "val", "test"))
assert not train & val and not train & test and not val & test, "a file name in two parts"
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
module_test = all_stems[
    -round(0.10 * len(all_stems)) :
]  # train_test_split(test_size=0.10, shuffle=False)
module_val = all_stems[int(len(all_stems) * (1 - 0.2)) :]  # fit(..., validation_split=0.2)
shared = sorted(set(module_test) & set(module_val))
print(
    f"module: {len(shared)} of its {len(module_test)} test images are also validation images: "
    f"{shared}"
)
print("course:", len(set(split["test"]) & set(split["val"])), "test images in the validation set")

# %% [markdown]
# Now each part is loaded into memory: images as float32 in [0, 1] of shape
# `(N, size, size, 3)`, masks as 0/1 labels of shape `(N, size, size, 1)`.


# %%
def load(part: str):
    return io.load_pairs(
        splits.select_pairs(pairs, split[part]), size=profile.image_size, channels=channels
    )


x_train, y_train = load("train")
x_val, y_val = load("val")
x_test, y_test = load("test")
print("train", x_train.shape, y_train.shape, "| val", x_val.shape, "| test", x_test.shape)
print(
    f"images {x_train.min():.2f}..{x_train.max():.2f}; lesion pixels: {y_train.mean():.1%} of all"
)

# %% [markdown]
# Lesions make about one pixel in a hundred: a network that answers "no lesion"
# everywhere is right 99 % of the time. Keep that in mind when reading accuracy below.
#
# These arrays are what the training below is fed. It streams the files with
# `datasets.from_files`, a few at a time, so that a folder larger than memory trains
# too. Without shuffling or augmentation its batches are our validation arrays: the
# masks pixel for pixel, the images to within one grey level (1/255):

# %%
streamed = datasets.from_files(
    splits.select_pairs(pairs, split["val"]),
    size=profile.image_size,
    batch_size=profile.batch_size,
    channels=channels,
)
x_streamed, y_streamed = (
    np.concatenate(part) for part in zip(*streamed.as_numpy_iterator(), strict=True)
)
np.testing.assert_allclose(x_streamed, x_val, atol=1 / 255)
np.testing.assert_array_equal(y_streamed, y_val)
print("streamed batches == loaded arrays:", x_streamed.shape, y_streamed.shape)

# %% [markdown]
# ## 5 · Look before you train
#
# A few training pairs, with the mask over the image: the quickest check that they
# belong together.
#
# > **Common mistake.** The module picks its sample with `random.randint(0, len(X))`,
# > which includes `len(X)` itself, one past the last image: now and then the cell stops
# > with an `IndexError`. `plots.plot_samples` draws only valid indices.

# %%
fig = plots.plot_samples(x_train, y_train, n=4, names=split["train"], seed=3)
plt.show()

# %% [markdown]
# Each red patch (bottom row) sits on a bright blob of the image (top row), one or two
# per slice, and nothing red lies elsewhere: these pairs belong together. A shifted
# pairing would put red on plain brain tissue.

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
# First the plain Keras way, which works in any project: the training images shuffled
# and flipped or rotated at random every epoch (*augmentation*: more variety, masks
# still aligned), the validation images as they are, `model.fit`, and Keras's history
# saved as a table with pandas, as the module does. On a set this small, with objects
# this small, two settings decide whether that works; both are written out here, and
# the course's recipe below uses the same two.
#
# **The batch size.** The module trains with batches of 32 for 100 epochs. With a few
# dozen training images, a batch of 32 is nearly the whole set: one weight update per
# epoch. Smaller batches give more updates for the same work (an epoch still shows every
# image once), so the same epochs get further. The rule: the profile's batch size, made
# smaller until an epoch makes at least 7 updates, and never below 2 (one image per
# batch makes batch normalisation's statistics meaningless):

# %%
batch_size = min(profile.batch_size, max(2, len(x_train) // 7))  # at least 7 updates an epoch
assert batch_size == runs.small_set_batch(len(x_train), profile.batch_size)  # the packaged rule
print(
    f"{len(x_train)} training images: batches of {batch_size} instead of {profile.batch_size}, "
    f"{-(-len(x_train) // batch_size)} updates per epoch instead of "
    f"{-(-len(x_train) // profile.batch_size)}"
)

# %% [markdown]
# `runs.small_set_batch` is the same rule as a function; the assert checks that the two
# agree.
#
# **Where the output starts.** The last layer, `probabilities`, computes
# sigmoid(features · w + b) for every pixel. A freshly built U-Net answers about 0.5
# everywhere. Adam moves each weight by about the learning rate per step, so with
# lesions of 1 % of the pixels it takes hundreds of steps only to bring the background
# down; a run of a few hundred steps ends with a background still near 0.2 and a rim
# round each lesion above 0.5, that is, masks drawn too wide. Setting the bias b to
# logit(share) = log(share / (1 - share)), with `share` the lesions' share of the
# training pixels, makes the network *start* at the share: "background" nearly
# everywhere, so training spends its steps on the lesions' edges (the trick is
# RetinaNet's). Written out:

# %%
share = float(y_train.mean())
starting_bias = np.log(share / (1 - share))  # logit(share)


def start_at_share(model):
    layer = model.get_layer("probabilities")  # the last 1x1 convolution, sigmoid output
    layer.bias.assign(np.full(layer.bias.shape, starting_bias, dtype="float32"))
    return model


print(f"lesion share of the training pixels: {share:.4f} -> starting bias {starting_bias:.2f}")

# %% [markdown]
# The same network with and without that bias, before any training: the mean of its
# output over the training images, and the bias compared with `runs.set_output_prior`,
# which sets it in the packaged recipe:

# %%
as_built, at_share = build(), start_at_share(build())
for what, network in (("as built", as_built), ("bias at logit(share)", at_share)):
    print(f"{what:>20}: mean output {network.predict(x_train, verbose=0).mean():.3f}")
packaged = runs.set_output_prior(build(), share)
np.testing.assert_allclose(
    at_share.get_layer("probabilities").bias.numpy(),
    packaged.get_layer("probabilities").bias.numpy(),
    rtol=1e-6,
)
del as_built, at_share, packaged

# %% [markdown]
# As built, the network says "lesion" with about even odds everywhere (measured: a mean
# output of 0.47 in `quick`, 0.62 in `cpu`); with the bias it starts near the lesions'
# share (0.028 and 0.010, for shares of 0.011). The packaged function sets the same
# bias (the assert).
#
# Now the plain run, once as the module would set it up (the profile's batch size, the
# output left where it is) and once with both settings, each for the profile's epochs
# from the same seed. The two models are kept for the test images at the end
# (section 11); the history of the second is saved as a table with pandas:


# %%
def fit_plain(batch_size: int, *, at_share: bool):
    keras.backend.clear_session()
    config.set_seed()  # both runs start from the same random weights
    model = start_at_share(build()) if at_share else build()
    train_ds = datasets.from_arrays(
        x_train, y_train, batch_size=batch_size, augment=True, shuffle=True
    )
    val_ds = datasets.from_arrays(x_val, y_val, batch_size=batch_size)
    # shuffle=False: train_ds already shuffles itself (Keras cannot shuffle a tf.data dataset)
    fitted = model.fit(
        train_ds, validation_data=val_ds, epochs=profile.epochs, shuffle=False, verbose=0
    )
    return model, pd.DataFrame(fitted.history)


# %%
plain = {}  # a model per setting
plain["without the two settings"], _ = fit_plain(profile.batch_size, at_share=False)
plain["with both settings"], plain_history = fit_plain(batch_size, at_share=True)
plain_history.to_csv(out / "plain_keras_history.csv")
pd.read_csv(out / "plain_keras_history.csv", index_col=0).tail(3).round(3)

# %% [markdown]
# One row per epoch (the last three shown), one column per number Keras tracked (`val_`
# for the validation images). Section 11 scores both models on the test images.
#
# `runs.train_on_folder` is the course's whole recipe in one call, and
# `python -m helpers train` calls it: it pairs the files by name, makes the same split
# (checked below), streams the images as shown above, builds and compiles the same
# U-Net, chooses the batch size by `runs.small_set_batch` and starts the output at the
# lesions' share by `runs.set_output_prior` (the share read from the mask files, at
# their own size), and trains it. On top of `fit` it keeps the model of the best
# validation epoch in `model.keras`, writes `history.csv` after every epoch (so a crash
# loses nothing), goes on where it stopped when the cell is run again (or loads the
# finished result), and writes `run.json`, the training size and the images' own size,
# so that the command line can predict with this model without being told the scale.
# The profile sets the size and epochs.

# %%
keras.backend.clear_session()
run_dir = out / "run"
history = runs.train_on_folder(images_dir, mask_dir, run_dir, profile=profile)
run = runs.load_run(run_dir)  # the run folder: its model, split, settings and record
assert run.split == split, "the run used another split"

# %% [markdown]
# The run folder is one the command line can use as it is. `run.json` holds the
# training size and the size of the images it came from; their ratio is the scale at
# which `predict` shrinks a new image before predicting, so the lesions have the size
# the network learned. It also holds the batch size and the share that the recipe
# chose (the share within a few percent of the one computed above):

# %%
print(
    {
        key: run.settings[key]
        for key in ("size", "source_size", "scale", "foreground_share", "epochs", "batch_size")
    }
)
assert run.settings["batch_size"] == batch_size  # the same rule as the plain run's
print(
    "python -m helpers predict --model "
    f"{run.model_path.relative_to(config.repo_root())} "
    "--input my_images --out my_predictions"
)

# %% [markdown]
# ## 8 · The history, as a CSV file and as curves
#
# The run's history is the same kind of table as the one pandas wrote above, one row
# per epoch (with an `epoch` column), written as each epoch ended. Here it is, read back
# with pandas:

# %%
history_csv = pd.read_csv(run_dir / "history.csv")
print(
    run_dir.relative_to(config.repo_root()) / "history.csv",
    "|",
    len(history_csv),
    "epochs |",
    "columns:",
    list(history_csv.columns),
)
expected.report("ch11.best_val_loss", history_csv["val_loss"].min())
history_csv.tail(3).round(4)

# %% [markdown]
# In the `cpu` profile (25 epochs, batches of 4) we measured a training loss of 0.28 at
# the end and a validation loss of 0.40-0.46 over the last three epochs, above its best
# (0.330, epoch 21 counted from 0, the model kept); validation Dice 0.66-0.80 in the
# last three rows. The `quick` profile trains two epochs on small images: a smoke run, its
# numbers mean nothing.
#
# One panel per quantity, training against validation. Loss going down on both: it
# learns. Accuracy sits near 1 from the first epochs, since "no lesion" is already 99 %
# right; Dice and IoU, which look at the lesions only, are the curves that tell you
# whether it finds them.

# %%
fig = plots.plot_history(history_csv)
plt.show()

# %% [markdown]
# What we saw in the `cpu` run: the training loss falls fast in the first five epochs
# and then slowly; the validation curves jump about for the first six epochs (six
# validation images, and batch normalisation still settling), then follow the training
# curves, with a dip now and then (one image more or less found). Dice and IoU climb
# from 0.2 to about 0.9 and 0.85. In the last three epochs validation dips (Dice 0.66
# at epoch 22) while training holds: with six validation images one lesion found worse
# moves the mean a lot, which is why the run keeps the epoch with the best validation
# loss, not the last one. No lasting gap opens between training and validation: with
# this little training, no overfitting yet.
#
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
# One probability per pixel, and from it a mask of 0 and 1 in the same shape.
#
# %% [markdown]
# > **Common mistake.** The module looks at `X_test[7]`: the eighth test image, which
# > exists only if the test set has at least eight. Pick an image by its name instead
# > (or loop over all of them). Here: the first test image that has a lesion.

# %%
name = next(
    (stem for stem, mask in zip(split["test"], y_test, strict=True) if mask.any()), split["test"][0]
)
i = split["test"].index(name)
fig = plots.plot_results(x_test[i], y_test[i], predicted[i], title=f"{name} (test image)")
plt.show()

# %% [markdown]
# Top: the test image and its true mask; bottom: the prediction over the image (red)
# with the true outline (cyan), and the predicted mask alone. In the `cpu` run the red
# area of `mri_004` fills the cyan outline and barely passes it: 313 pixels predicted
# for 312 true ones, at 128 px.

# %% [markdown]
# ## 10 · IoU for one image
#
# Intersection over union (chapter 4): the lesion pixels found, divided by the pixels
# that are lesion in the truth, the prediction, or both. In NumPy:

# %%
truth, guess = y_test[i, ..., 0].astype(bool), predicted[i, ..., 0].astype(bool)
intersection = np.logical_and(truth, guess).sum()
union = np.logical_or(truth, guess).sum()
print(f"{name}: {intersection} / {union} =")
expected.report("ch11.one_image_iou", intersection / union)
print(f"metrics.iou gives the same: {metrics.iou(truth, guess):.3f}")

# %% [markdown]
# In the `cpu` run: 307 / 325 = 0.945 for `mri_004`, and `metrics.iou` agrees to the
# last digit.

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
    print(
        f"{what:>18}: MeanIoU(2) {float(mean_iou.result()):.3f} | "
        f"lesion IoU {metrics.iou(truth, mask):.3f} | accuracy "
        f"{metrics.pixel_accuracy(truth, mask):.3f}"
    )

# %% [markdown]
# Measured (`cpu`): MeanIoU(2) 0.972 for the prediction, and still 0.490 for an empty
# mask, whose lesion IoU is 0 and whose accuracy, 0.981, looks excellent. Only the
# lesion IoU tells the two apart.

# %% [markdown]
# ## 11 · IoU for every test image, and the mean
#
# `evaluation.evaluate` predicts in batches and scores each image (the module called
# `model.predict` and built a new metric once per image, which is slow). One row per
# test image, with its precision (the share of the marked pixels that are lesion) and
# recall (the share of the lesion that is marked), and the pixel counts behind them:

# %%
table = evaluation.evaluate(model, x_test, y_test, names=split["test"])
lesion_pixels = pd.Series(y_test.reshape(len(y_test), -1).sum(axis=1), index=table.index)
predicted_pixels = pd.Series(predicted.reshape(len(predicted), -1).sum(axis=1), index=table.index)
table[["iou", "precision", "recall"]].assign(
    lesion_pixels=lesion_pixels, predicted_pixels=predicted_pixels
).round(3)

# %% [markdown]
# In the `cpu` run: IoU 0.83-0.96 on the five images with a lesion, precision
# 0.86-0.98, recall 0.94-0.98, and the predicted pixel counts within a few percent of the
# true ones (313 for 312, 439 for 445); the smallest lesions (`mri_007`, 85 pixels;
# `mri_039`, 97) score lowest, since a one-pixel rim is a large share of a small
# object. The lesion-free `mri_018` gets 0 pixels, hence 1.0 everywhere.
#
# **How to read precision and recall.** A prediction drawn too wide
# (*over-segmentation*) covers the whole lesion and a rim around it: recall is 1.0, and
# precision falls by the rim's share, with more predicted pixels than lesion pixels.
# One drawn too tight is the opposite: precision near 1.0, recall lower, fewer
# predicted pixels. So a recall of 1.0 alone is not "perfect": marking the whole image
# gets it too. On the image above, with its prediction widened by two pixels, and with
# every pixel marked:

# %%
from scipy import ndimage

for what, mask in (
    ("the prediction", guess),
    ("widened by 2 px", ndimage.binary_dilation(guess, iterations=2)),
    ("every pixel", np.ones_like(guess)),
):
    print(
        f"{what:>15}: {mask.sum():>5} pixels for {truth.sum()} | recall "
        f"{metrics.recall(truth, mask):.3f} | "
        f"precision {metrics.precision(truth, mask):.3f} | IoU {metrics.iou(truth, mask):.3f}"
    )

# %% [markdown]
# Widening leaves recall where it was and costs precision and IoU; marking everything
# keeps recall at 1.0 with a precision of about the lesion's share of the image. Read
# the two together, or read IoU, which counts both kinds of error.

# %% [markdown]
# An image without a lesion has no union when nothing is predicted either: 0 / 0.
# `helpers.metrics` scores that case by one stated rule, 1.0 by default (nothing to
# find, nothing found: a perfect answer), or `empty=np.nan` to leave such images out
# of the mean and count them.
#
# The numbers to report: the means over the test images that have a lesion, and what
# the model did on those without; or the mean over **all** test images, saying how
# empty images were scored:

# %%
has_lesion = lesion_pixels > 0
means = table.loc[has_lesion, ["iou", "precision", "recall"]].mean()
print(f"means over the {has_lesion.sum()} test images with a lesion:")
for metric in ("iou", "precision", "recall"):
    expected.report(f"ch11.lesion_{metric}", means[metric])
print("lesion-free test images, pixels predicted:", predicted_pixels[~has_lesion].to_dict())
print(f"over all {len(table)} test images (an image without lesion predicted empty counts 1.0):")
expected.report("ch11.test_iou_all", table["iou"].mean())

# %% [markdown]
# Each number comes with the range that runs of this profile give (`helpers.expected`
# keeps them; a value outside says so in a note). Measured (`cpu`): mean IoU 0.884,
# precision 0.912, recall 0.968 over the five test images with a lesion, and no pixel at
# all on the lesion-free one; 0.904 over all six. `benchmarks/custom_quality.py` trains
# the same data through `python -m helpers train` and scores `predict`'s full-size
# masks.
#
# **The two settings, before and after.** The two plain Keras runs of section 7 on the
# same test images, next to the recipe's model: the means over the images with a
# lesion, and the predicted pixels per true lesion pixel (above 1: drawn too wide).


# %%
def lesion_scores(network) -> dict:
    """Means over the test images with a lesion, and predicted / true lesion pixels."""
    found = inference.to_mask(inference.predict_proba(network, x_test))[has_lesion.to_numpy()]
    truth_masks = y_test[has_lesion.to_numpy()]
    return {
        "iou": metrics.iou(truth_masks, found).mean(),
        "precision": metrics.precision(truth_masks, found).mean(),
        "recall": metrics.recall(truth_masks, found).mean(),
        "predicted / lesion pixels": found.sum() / truth_masks.sum(),
    }


# %%
before_after = pd.DataFrame({label: lesion_scores(network) for label, network in plain.items()})
before_after["train_on_folder (the recipe)"] = lesion_scores(model)
np.testing.assert_allclose(before_after.iloc[:3, -1], means, rtol=1e-6)  # as in the table above
for label, key in (("without the two settings", "without"), ("with both settings", "with")):
    for metric in ("iou", "precision", "recall"):
        expected.report(f"ch11.plain_{key}_{metric}", before_after.loc[metric, label])
before_after.T.round(3)

# %% [markdown]
# Measured (`cpu`): without the two settings (batches of 8, four updates an epoch, the
# output started at 0.5) the plain run ends with a lesion IoU of 0.663, precision 0.664
# and recall 0.999, and 1.43 predicted pixels per lesion pixel: the lesions drawn too
# wide. With both settings the same 25 epochs give 0.866, 0.933, 0.923 and 0.98:
# outlines of the right size. Each column is one run, and the gap moves from run to run
# (0.815 against 0.885 in an earlier run on a machine busy with other jobs); the
# recipe's own run, with the same two settings but its own batches (it streams the
# files), scores 0.884 (precision 0.912), next to the plain run with them. The settings
# matter most when training is short: in `quick` (2 epochs on 16 images) the run
# without them has not yet brought the background below 0.5 and calls almost every
# pixel a lesion (IoU 0.017, precision 0.017, recall 1.0, 58 predicted pixels per lesion
# pixel), while the run with them gives 0.396 (precision 0.906, recall 0.432).

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
for what, masks in (
    ("the model's predictions", predicted),
    ("lesion-free images left empty", perfect_there),
):
    scores, without_empty = metrics.iou(y_test, masks), metrics.iou(y_test, masks, empty=np.nan)
    rows[what] = {
        "mean of all": scores.mean(),
        "module (1.0 dropped)": scores[scores != 1.0].mean(),
        "empty=nan": np.nanmean(without_empty),
        "left out": int(np.isnan(without_empty).sum()),
    }
pd.DataFrame.from_dict(rows, orient="index").round(3)

# %% [markdown]
# Measured (`cpu`): the model's mean of all is 0.904 and the module's filter makes it
# 0.884, because the one perfect answer, the empty `mri_018`, is thrown away; on these
# predictions the second row is the same as the first (the lesion-free image was
# already left empty). With `empty=np.nan` the mean is the lesion images' 0.884, and
# the table says that one image was left out.
#
# Every test image, worst first, with its IoU: the prediction in red over the image,
# the true outline in cyan.

# %%
order = np.argsort(table["iou"].to_numpy(), kind="stable")
fig = plots.plot_predictions(
    x_test[order],
    y_test[order],
    predicted[order],
    names=[split["test"][k] for k in order],
    scores=table["iou"].to_numpy()[order],
    n=len(order),
)
plt.show()

# %% [markdown]
# Worst first: in the `cpu` run `mri_007` (0.778) and `mri_039` (0.850), the two
# smallest lesions, where a rim of a pixel or two round the cyan outline weighs most;
# the larger lesions of `mri_004`, `mri_032` and `mri_037` (0.921-0.945) score higher,
# and the lesion-free `mri_018` has no red at all.

# %% [markdown]
# ## 12 · Fewer labels: start from chapter 7's network
#
# Outlining lesions by hand is the slow part of a project. With only 5 or 10 outlined
# images, does a network that learned something else help? *Transfer learning* reuses
# the **encoder** of chapter 7's model, the half of the U-Net that turns pixels into
# features (edges, blobs, textures), trained there on the grey EM-like images of
# `data/mito`, and trains the rest on the few labels we have: first with the encoder
# **frozen** (its weights kept as they are, so the few labels train only the decoder),
# then **unfrozen** (every weight trained, at a tenth of the learning rate, so that the
# encoder adapts without forgetting at once). Against it: the same network trained from
# scratch, with the same number of weight updates, scored on the same test images.
#
# `runs.chapter7_model` loads chapter 7's model for this profile. If chapter 7 has not
# run here (on Colab every notebook has its own runtime), it first trains it with chapter
# 7's recipe, which takes as long as chapter 7's training did.

# %%
mito_model, mito_run = runs.chapter7_model(profile)
print(
    "chapter 7's model:",
    mito_model.input_shape,
    "->",
    mito_model.output_shape,
    f"| trained on {len(mito_run.split['train'])} {mito_run.settings['dataset']} images",
)

# %% [markdown]
# Both U-Nets come from `unet.build_unet` with the profile's width, so they have the same
# layers under the same names (`enc1_conv1`, ..., `bottleneck_bn2`), with one
# difference: chapter 7's images are grey, one channel, ours RGB. Only the first
# convolution sees the channels: its kernels have the shape (3, 3, 1, filters) there and
# (3, 3, 3, filters) here. Repeat each kernel over the three channels and **divide by
# three**: on a grey image shown in colour (R = G = B), the new filter adds three thirds
# of the old response, so it computes exactly what chapter 7's did. Every other layer
# of the encoder (`enc1` to `enc4` and the `bottleneck`) is copied as it is:

# %%
ENCODER = ("enc", "bottleneck")  # the names of the encoder's layers start so


def from_mito(network):
    """``network`` (an RGB U-Net of the profile's width) with chapter 7's encoder."""
    for layer in network.layers:
        if layer.name.startswith(ENCODER) and layer.weights:
            weights = mito_model.get_layer(layer.name).get_weights()
            if layer.name == "enc1_conv1":  # kernel (3, 3, 1, filters) -> (3, 3, 3, filters)
                weights[0] = np.repeat(weights[0], channels, axis=2) / channels
            layer.set_weights(weights)
    return network


# %% [markdown]
# The check: our validation images made grey, given to chapter 7's model as they are and
# to the new one as RGB copies (three equal channels), give the same features at the
# bottom of the encoder:


# %%
def encoder_features(network, images):
    return keras.Model(network.input, network.get_layer("bottleneck_relu2").output)(images)


grey = x_val.mean(axis=-1, keepdims=True)
reused = from_mito(build())
np.testing.assert_allclose(
    encoder_features(reused, np.repeat(grey, channels, axis=-1)),
    encoder_features(mito_model, grey),
    rtol=1e-4,
    atol=1e-4,
)
print("grey as RGB through the copied encoder == grey through chapter 7's encoder")
del reused

# %% [markdown]
# The runs. The first 5, the first 10 and all training images of one fixed shuffle (the
# 5 are among the 10), each in batches by the rule of section 7 and with the output
# started at their own lesion share. Every run makes the same number of weight updates
# (`updates`; the smaller sets are shown more often): from scratch all of them; from
# chapter 7's encoder half with the encoder frozen, then half with every weight trained.
# No validation, no early stopping: the model after its last update is scored.


# %%
def set_encoder_trainable(network, trainable: bool):
    for layer in network.layers:
        if layer.name.startswith(ENCODER):
            layer.trainable = trainable


def fit_updates(network, batches, steps: int, *, learning_rate: float = 1e-3):
    training.compile_model(network, learning_rate=learning_rate)  # again after (un)freezing
    network.fit(batches, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
    return network


# %%
updates = 2 * profile.epochs  # weight updates per run: quick 4, cpu 50
order = np.random.default_rng(config.DEFAULT_SEED).permutation(len(x_train))


def start_network(n: int, *, reuse: bool):
    """A U-Net for the first ``n`` images of ``order``, and their batches (repeated)."""
    chosen = order[:n]  # the 5 are among the 10, the 10 among all
    batch = runs.small_set_batch(n, profile.batch_size)
    batches = datasets.from_arrays(
        x_train[chosen], y_train[chosen], batch_size=batch, augment=True, shuffle=True
    )
    keras.backend.clear_session()
    config.set_seed()  # both starts: the same decoder weights, the same batches
    network = from_mito(build()) if reuse else build()
    return runs.set_output_prior(network, float(y_train[chosen].mean())), batches.repeat()


# %%
def train_few(n: int) -> dict:
    """Mean lesion IoU on the test images: from scratch; from chapter 7 frozen, unfrozen."""
    scratch, batches = start_network(n, reuse=False)
    scores = {"from scratch": lesion_scores(fit_updates(scratch, batches, updates))["iou"]}
    reused, batches = start_network(n, reuse=True)
    set_encoder_trainable(reused, False)
    fit_updates(reused, batches, updates // 2)
    scores["encoder frozen"] = lesion_scores(reused)["iou"]
    set_encoder_trainable(reused, True)
    fit_updates(reused, batches, updates - updates // 2, learning_rate=1e-4)
    scores["then unfrozen"] = lesion_scores(reused)["iou"]
    return scores


# %% [markdown]
# Three sizes, two starts: six runs (in `cpu` 215-231 s for the six on 2 idle CPU
# cores, 609 s when other jobs shared them). The `quick`
# profile, a smoke test, runs the 5-image row only: each new network costs about 20 s of
# set-up (building and tracing), more than its four updates. Every number is
# the mean lesion IoU over the test images with a lesion, the same images as in
# section 11:

# %%
sizes = {"5": 5, "10": 10, "all": len(x_train)}
if profile.name == "quick":  # a smoke test: one row
    sizes = {"5": 5}
transfer = pd.DataFrame({label: train_few(n) for label, n in sizes.items()}).T
for label in sizes:
    for column, key in (("from scratch", "scratch"), ("encoder frozen", "frozen")):
        expected.report(f"ch11.transfer_{key}_{label}", transfer.loc[label, column])
    expected.report(f"ch11.transfer_unfrozen_{label}", transfer.loc[label, "then unfrozen"])
transfer.rename_axis("labelled images").round(3)

# %% [markdown]
# Measured (`cpu`, 50 weight updates per run, one run each; two runs on an idle machine
# gave the same numbers): with 5 labelled images the run from scratch scores best
# (0.792; 0.654 with the encoder frozen, 0.741 unfrozen); with 10, the run from scratch
# has not found the lesions yet (0.042), while the runs from chapter 7's encoder score
# 0.687 and 0.784; with all 28, 0.669 from scratch against 0.702 and 0.714. Unfreezing
# added 0.01-0.10. Read it with care. Each number is one short run, and the runs from
# scratch vary most: on a machine busy with other jobs the same cells gave 0.751, 0.541
# and 0.616 from scratch, and 0.715-0.743 from chapter 7's encoder. More labels do not
# make a network worse on average: the 0.042 is a start that 50 updates did not get
# out of. And none of them reaches the 0.87-0.88 of the full runs of section 11
# (100-175 updates, with validation). Electron micrographs of
# mitochondria and MRI-like slices are different domains: what carries over is the
# encoder's edge and blob filters, not its idea of the objects, so a large gain was not
# to be expected. What the table shows: here the copied encoder made the short runs
# steadier, not better than the best run from scratch. On your data, measure it the same
# way. In `quick` (4 updates) every run still predicts nothing (IoU 0): that profile only
# checks that the cells run.

# %%
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for column, marker in zip(transfer.columns, "osd", strict=True):
    ax.plot(list(sizes.values()), transfer[column], marker=marker, label=column)
ax.set(
    title="Lesion IoU on the test images, by start and labelled images",
    xlabel="labelled training images",
    ylabel="mean lesion IoU",
    xticks=list(sizes.values()),
    ylim=(0, 1),
)
ax.legend()
plt.show()

# %% [markdown]
# The table as lines over 5, 10 and 28 labelled images. The orange (frozen) and green
# (unfrozen) lines stay between 0.65 and 0.79 at every size, green above orange; the
# blue one (from scratch) starts highest with 5 images, falls to near 0 with 10 and
# comes back just below the others with 28. In `quick` all three lie at 0.

# %% [markdown]
# ## 13 · The full table of metrics, saved as CSV
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
pd.DataFrame(
    {"scikit-learn": sklearn_scores, "table": table.loc[name, list(sklearn_scores)]}
).round(4)

# %% [markdown]
# The two columns agree to the fourth decimal. (On an image without a lesion they part
# ways: scikit-learn's `zero_division=0`
# scores "nothing to find, nothing found" as 0, the course's rule as 1.)
#
# The mean of each metric over the test images, with its spread:

# %%
metrics.summary(table).round(3)

# %% [markdown]
# Measured (`cpu`): accuracy 0.998 to 1.000 on every image (it says nothing here), IoU
# 0.904 ± 0.078, precision 0.927, recall 0.973 over the six test images. Recall above
# precision: the outlines err, if at all, on the wide side, by a few pixels.
#
# We save the per-image table under `outputs/` (`overwrite=True`: a re-run replaces
# this notebook's own file) and read it back:

# %%
metrics_csv = out / "test_metrics.csv"
files.write_text(metrics_csv, table.to_csv(), overwrite=True)
print("saved", metrics_csv.relative_to(config.repo_root()))
pd.read_csv(metrics_csv, index_col="image").round(3)

# %% [markdown]
# ## 14 · Predictions back to VIA, for correcting
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
print(
    "saved",
    predictions_via.relative_to(config.repo_root()),
    "|",
    exported["regions"].sum(),
    "polygons",
)
exported

# %% [markdown]
# In the `cpu` run: 6 polygons for the 6 test images, one per lesion found (two for
# `mri_037`) and none for the lesion-free `mri_018`. `holes_filled` counts holes inside
# a predicted region, which VIA's polygons cannot hold and which are therefore filled;
# there were none.
#
# Read back with `via.load_via`, it is a VIA file like any other. The predicted polygons
# (yellow) over the full-size image, with the outlines of the VIA file we started from
# (cyan):

# %%
back = {image.filename: image for image in via.load_via(predictions_via).images}
truth_records = {image.filename: image for image in project.images}
filename = f"{name}.png"
fig, ax = plt.subplots(figsize=(5.5, 5.5))
ax.imshow(io.read_image(images_dir / filename))
for records, colour, label in ((truth_records, "cyan", "VIA file"), (back, "yellow", "predicted")):
    for n, region in enumerate(records[filename].regions):
        xs, ys = list(region.geometry["all_points_x"]), list(region.geometry["all_points_y"])
        ax.plot(xs + xs[:1], ys + ys[:1], color=colour, linewidth=1.2, label=None if n else label)
ax.legend(loc="lower right")
ax.set(
    title=f"{filename}: predicted polygons, in image pixels", xlabel="x (column)", ylabel="y (row)"
)
plt.show()

# %% [markdown]
# In the `cpu` run the yellow polygon follows the cyan one within a pixel or two all
# round `mri_004`, traced from a 128 px prediction and scaled back to 256 px: a first
# draft that needs little correcting.
#
# To correct them: open VIA 2, add the same images (*Project > Add local files*), then
# *Annotation > Import Annotations (from json)* and choose `predictions_via.json`. The
# model's outlines appear on the images; drag the points that are off, delete false
# alarms, draw what it missed, and export again. Those corrected annotations are new
# training data: the loop of chapters 10 and 11, faster each round.
#
# Everything this chapter made is in one folder: the masks, the run (`model.keras`,
# `history.csv`, `split.json`, `run.json`), the metrics and the predictions. On Colab
# without a Drive folder, the next cell sends it to your computer as a zip before the
# runtime forgets it; with `DRIVE_FOLDER` set it is already in your Drive.

# %%
if colab.in_colab() and not DRIVE_FOLDER:
    colab.download_folder(out)  # out.zip, with everything below
print(out.name, "holds:", sorted(p.name for p in out.iterdir()))

# %% [markdown]
# ## 14 · Your model in Fiji, QuPath, ilastik and napari: export, checked by running it
#
# `model.keras` is read by Keras, in Python. The programs biologists segment their images
# in read other formats: Fiji (with deepImageJ), QuPath, ilastik and napari all read a
# **BioImage Model Zoo** package (bioimage.io): a zip with a description (`rdf.yaml`), the
# weights in one or more formats, a test image with the answer the model must give, a
# cover picture and a documentation page. Phones and other languages read TFLite and
# ONNX. An export can go wrong silently (another pixel scale, a channel order, an
# operation converted differently), so each one is checked by *running* it and comparing
# with Keras.
#
# On Colab, the next cell first installs the export's own packages (`pip install -e
# ".[export]"`, a minute; on your computer `make course` has installed them).
#
# First by hand, for ONNX: a network with one input and one output (the loaded model also
# carries its loss and optimizer, which no other program needs), converted with `tf2onnx`,
# then run by `onnxruntime`, which knows nothing of TensorFlow, on the test images of
# section 9:

# %%
if "google.colab" in sys.modules:  # the export's own packages; the other chapters need none
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "-e", COURSE_DIR + "[export]"],
        check=True,
    )

# %%
import onnxruntime
import tensorflow as tf
import tf2onnx

export_dir = out / "export"
export_dir.mkdir(exist_ok=True)
network = keras.Model(model.inputs[0], model.outputs[0])  # one input, one output, no loss
spec = (tf.TensorSpec((None, None, None, channels), tf.float32, name="image"),)
probabilities_of = tf.function(
    lambda image: {"probabilities": network(image)}, input_signature=spec
)
tf2onnx.convert.from_function(
    probabilities_of, input_signature=spec, opset=17, output_path=str(export_dir / "by_hand.onnx")
)
cpu = ["CPUExecutionProvider"]  # explicit, as a GPU build of onnxruntime requires
session = onnxruntime.InferenceSession(str(export_dir / "by_hand.onnx"), providers=cpu)
by_hand = session.run(None, {"image": x_test})[0]
print(
    "ONNX", by_hand.shape, "| largest difference from Keras:", np.abs(by_hand - probabilities).max()
)

# %% [markdown]
# The same shape as Keras's probabilities, and a largest difference of the order of
# 1e-7 in any profile (the course's tests measure 1.5e-7 to 5.4e-7 for ONNX and TFLite on
# `quick`-profile models): the last digits of float32 arithmetic done in another order,
# far below anything a threshold of 0.5 could notice.
#
# `export.export_run` (and `python -m helpers export`) does this for four formats:
# `bioimageio`, `savedmodel`, `tflite` and `onnx`. It reads the run folder, exports, runs
# the export with the format's own runtime on the run's test images, and writes the file
# only if the export gives Keras's probabilities within 1e-4 (for a bioimage.io package:
# only if `bioimageio.core.test_model`, the Model Zoo's own check, passes for each set of
# weights). The package holds three sets of weights: `keras_v3` (this model), a TensorFlow
# SavedModel (what deepImageJ and QuPath run) and ONNX (what ilastik runs). Metadata the
# Model Zoo's specification refuses (a licence that is no SPDX id, an author's e-mail that
# is not one) stops it with one line that names the field, before anything is written.

# %%
from helpers import export

source = export.load_source(run_dir)  # the run's model and its test images, read once
package = export.export_run(
    source,
    export_dir / "mri_lesions.bioimageio.zip",
    format="bioimageio",
    overwrite=True,  # this notebook's own file, remade on every run
    metadata=export.Metadata(name="U-Net MRI lesions (course chapter 11)"),
)
print(package.summary())

# %% [markdown]
# The model test loaded the zip as Fiji or napari would, ran its test image through the
# package's own preprocessing (divide by 255, as in training) and each set of weights,
# compared with the stored answer, and ran images of other sizes and batch sizes. The
# ONNX weights in the package are the conversion we did by hand above: they give the same
# probabilities.

# %%
import zipfile

import yaml

with zipfile.ZipFile(package.path) as zipped:
    print(sorted(zipped.namelist()))
    rdf = yaml.safe_load(zipped.read("rdf.yaml"))
    packaged = onnxruntime.InferenceSession(zipped.read("model.onnx"), providers=cpu)
assert np.allclose(packaged.run(None, {"image": x_test})[0], by_hand, atol=1e-6)
print("weights:", list(rdf["weights"]), "| preprocessing:", rdf["inputs"][0]["preprocessing"][0])

# %% [markdown]
# The files: the description `rdf.yaml`, the three weight files (the SavedModel zipped),
# `test_input.npy` and `test_output.npy` (one test image, as stored: 0-255, and the
# model's answer), `README.md` (what it segments, the data, the test scores, the
# threshold, the limits) and `cover.png`, the picture the Model Zoo shows:

# %%
with zipfile.ZipFile(package.path) as zipped:
    cover = plt.imread(zipped.open("cover.png"))
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(cover)
ax.set_axis_off()
ax.set_title("cover.png of the package: a test image, its mask, the model's prediction")
plt.show()

# %% [markdown]
# Left a test slice, middle its true mask, right the model's mask at 0.5. In the `quick`
# profile the model has trained for seconds and its mask may be empty or blotchy; in the
# `cpu` profile the two masks are alike.
#
# **What to do next.** Which format each program reads, and the steps (the same list is in
# the package's `README.md`):
#
# - **Fiji with deepImageJ 3** reads the zip (it runs the SavedModel or the ONNX weights):
#   *Plugins > DeepImageJ > Install model manually*, choose the zip; then *Plugins >
#   DeepImageJ > DeepImageJ Run*, pick the model and *Run* it on an open image.
# - **QuPath 0.5 or later**, with the Deep Java Library and BioImage Model Zoo extensions,
#   reads the unzipped package (the SavedModel weights): *Extensions > BioImage Model Zoo >
#   Create pixel classifier (Bioimage Model Zoo)*, choose its `rdf.yaml`, and set
#   *Downsample* to 1 / the `scale` of `run.json`.
# - **ilastik 1.4 or later** reads the zip (the ONNX weights): the *Neural Network
#   Classification (Local)* workflow, add the image, load the zip under *NN Prediction*.
# - **napari**, or any Python, reads the zip (any weights) with `bioimageio.core`:
#   `bioimageio.core.predict(model=zip_path, inputs=image)`, then `viewer.add_image` of
#   the probabilities.
# - **TensorFlow** (Python, Java, C++, TF Serving) reads `--format savedmodel`, a folder:
#   `tf.saved_model.load(folder).serve(images)["probabilities"]`.
# - **Phones and microcontrollers** read `--format tflite` (the LiteRT interpreter);
#   **ONNX Runtime** and OpenCV's DNN module read `--format onnx`.
#
# In every program, feed images at the training scale: `run.json`'s `scale` (here the
# images were shrunk from 256 to `image_size` pixels), or the objects will not have the
# size the network learned. From a terminal, with your name on the package:
#
# `python -m helpers export --run outputs/ch11/<profile>/run --format bioimageio --out
# mri.zip --author "Your Name <you@example.org>" --license CC-BY-4.0`
#
# and `--format savedmodel --out mri_savedmodel`, `--format tflite --out mri.tflite` or
# `--format onnx --out mri.onnx` for the others, each checked the same way. On Colab
# without a Drive folder, the next cell sends the exports to your computer.

# %%
if colab.in_colab() and not DRIVE_FOLDER:
    colab.download_folder(export_dir)  # export.zip, with the package inside
print(export_dir.name, "holds:", sorted(p.name for p in export_dir.iterdir()))

# %% [markdown]
# ## Summary
#
# - The VIA loop is short: for every record an empty mask of the image's size, every
#   region filled with `skimage.draw.polygon(..., shape=...)` and *set* (a union), one
#   PNG per image, the empty ones too. `via.masks_from_via` (and `python -m helpers
#   via2masks`) writes the same files, for every VIA shape.
# - Pair by file name; read RGB; shrink images smoothly and masks by nearest neighbour;
#   one normalisation for training and prediction.
# - Split the file names once into training, validation and test; validate on the
#   validation images only, and touch the test images once, at the end.
# - `runs.train_on_folder` is the recipe of `python -m helpers train`: this chapter
#   and the command line train on the same arrays and the same split, and the run folder
#   (`model.keras`, `history.csv`, `split.json`, `run.json`) works with `predict` and
#   `evaluate` as it is.
# - Keras's history is a table: `pd.DataFrame(history.history).to_csv(...)`; the run
#   writes it after every epoch. Plot it per metric and combined.
# - Report the lesion IoU per image, and precision and recall together: recall 1.0 with
#   a lower precision is a prediction drawn too wide, not a perfect one.
# - A small set with small objects needs two settings, both a line of code: batches small
#   enough for at least 7 updates an epoch, and the last layer's bias at logit(the
#   lesions' share), so that the network starts at "background". Without them the masks
#   come out too wide.
# - Reusing another network's encoder takes a copy of its weights (the first kernels
#   repeated over the colour channels and divided by their number); whether it helps is
#   measured on the test images, not assumed: here, in one short run each, chapter 7's
#   encoder matched training from scratch with 5 labelled images and beat one such run
#   with 10 and 28, without reaching a full training.
# - Send the predictions back to VIA and correct them, rather than drawing from nothing.
# - Export the model for Fiji, QuPath, ilastik and napari (a bioimage.io zip), or as
#   SavedModel, TFLite or ONNX, with `export.export_run` (`python -m helpers export`); each
#   export is checked by running it, and written only if it gives Keras's answers.
#
# For your own data, change `images_dir` and `via_path` in section 1 and run again.
#
# ## Try it yourself
#
# - Move the threshold: `inference.to_mask(probabilities, threshold=0.7)` and the table
#   of section 11 again. A prediction drawn too wide gains precision and loses a little
#   recall; find the threshold where IoU is best *on the validation images*, not the test
#   images.
# - Train the same data from a terminal, `python -m helpers train --images
#   data/mri/images --masks outputs/ch11/<profile>/masks --out runs/mri`, then
#   `python -m helpers evaluate --model runs/mri/model.keras --images data/mri/images
#   --masks outputs/ch11/<profile>/masks --split runs/mri/split.json --out metrics.csv`,
#   and compare its table with `test_metrics.csv`: same recipe, same split.
# - Draw two or three outlines of your own in VIA on images of your choice, export them,
#   and put your paths into section 1: the quality report of section 2 is the first
#   thing to read.
#
# ## Exercises
#
# Each exercise has a skeleton to fill in and a check cell that says what is right or
# wrong; `exercises.<name>.hint()` gives a hint and `exercises.<name>.solution()` shows
# one solution.

# %%
from helpers.exercises import ch11 as exercises

# %% [markdown]
# **1 · The VIA loop.** Write `masks_for_all(annotations, shapes)`: `annotations` is a VIA
# export as `json.load` gives it, `shapes` maps each file name to its image's
# `(height, width)`. Return `{stem: mask}` with one `uint8` mask of 0/255 per image,
# images without regions included, overlapping regions as a union.


# %%
def masks_for_all(annotations, shapes): ...  # your code: a loop over the records and their regions


exercises.masks_for_all.check(masks_for_all)

# %% [markdown]
# **2 · The outline that leaves its image.** Write `out_of_bounds(annotations, shapes)`,
# the sorted list of file names that have a region with a point outside the image (pixel
# centres run from 0 to `width - 1` and `height - 1`).


# %%
def out_of_bounds(annotations, shapes): ...  # your code


exercises.out_of_bounds.check(out_of_bounds)
