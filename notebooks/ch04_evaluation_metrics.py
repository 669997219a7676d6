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
# # Chapter 4 · Evaluation metrics
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch04_evaluation_metrics.ipynb)
#
# **You need:** chapter 2 (its Otsu and Canny masks are scored here; this notebook
# recomputes them); no GPU; quick about 6 s, cpu about 6 s (`full` scores the same 60
# images as `cpu`).
#
# A segmentation is only as good as the number that says so, and a badly chosen number
# can call a useless model good. Every metric here compares a predicted mask with the
# ground truth, pixel by pixel. In this notebook you will:
#
# 1. sort the pixels of a tiny 6 x 6 example into the four outcomes (TP, FP, FN, TN),
#    by eye and with NumPy;
# 2. write IoU, Dice, pixel accuracy, precision, recall and F1 in a line or two of NumPy
#    each, and check them against `helpers.metrics`;
# 3. score real masks (the Otsu and Canny masks of chapter 2) image by image, and draw
#    their confusion matrix;
# 4. walk into the class-imbalance trap on purpose: a mask that finds nothing, with
#    high accuracy and a "mean IoU" near 0.5;
# 5. see why throwing away perfect scores biases a mean, and decide what an image with
#    nothing to find should score;
# 6. measure how far apart two outlines are, with HD95;
# 7. write IoU, Dice, precision and recall yourself in the exercises at the end.

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

# %%
import warnings

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from scipy import ndimage

import keras
from helpers import classical, config, io, metrics, plots

profile = config.get_profile()
print(profile)
config.set_seed()
out = config.outputs_dir("ch04", profile.name)

# %% [markdown]
# ## 1 · Four kinds of pixel
#
# Take a truth mask and a prediction, both 6 x 6 pixels, small enough to count by hand.
# The object is a 3 x 3 square; the prediction is a 2 x 4 bar that overlaps part of it:

# %%
truth = np.zeros((6, 6), dtype=bool)
truth[1:4, 1:4] = True  # the object: 9 pixels
prediction = np.zeros((6, 6), dtype=bool)
prediction[2:4, 2:6] = True  # what a model marked: 8 pixels

# %% [markdown]
# Comparing them, every pixel is one of four outcomes:
#
# | | predicted object | predicted background |
# |---|---|---|
# | **truly object** | true positive (TP) | false negative (FN): missed |
# | **truly background** | false positive (FP): false alarm | true negative (TN) |
#
# Here they are, pixel by pixel:

# %%
outcome = np.select([truth & prediction, ~truth & prediction, truth & ~prediction], [0, 1, 2], 3)
colours = ListedColormap(["tab:green", "tab:orange", "tab:red", "0.92"])
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), layout="constrained")
for ax, picture, title in zip(axes[:2], (truth, prediction), ("truth", "prediction"), strict=True):
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
axes[2].imshow(outcome, cmap=colours, vmin=-0.5, vmax=3.5)
for (row, column), kind in np.ndenumerate(outcome):
    axes[2].text(column, row, ["TP", "FP", "FN", "TN"][kind], ha="center", va="center")
axes[2].set_title("outcome of each pixel")
for ax in axes:
    ax.set(xticks=range(6), yticks=range(6), xlabel="column", ylabel="row")
plt.show()

# %% [markdown]
# Counting them is one line each: `&` is "and", `~` is "not".

# %%
tp = np.sum(truth & prediction)  # object, and marked
fp = np.sum(~truth & prediction)  # background, but marked: a false alarm
fn = np.sum(truth & ~prediction)  # object, but not marked: missed
tn = np.sum(~truth & ~prediction)  # background, and not marked
print(f"TP {tp}, FP {fp}, FN {fn}, TN {tn} (total {tp + fp + fn + tn} pixels)")
print("helpers.metrics.confusion_counts:", metrics.confusion_counts(truth, prediction))
assert tuple(metrics.confusion_counts(truth, prediction)) == (tp, fp, fn, tn)

# %% [markdown]
# 4 true positives (the 2 x 2 overlap), 4 false alarms (the bar's right half), 5 missed
# object pixels (the rest of the square) and 23 true negatives: 36 pixels in all. The
# helper returns the same four counts (as NumPy integers).

# %% [markdown]
# ## 2 · The formulas, in NumPy
#
# Every metric of this chapter is a ratio of these four counts.
#
# **Intersection over union (IoU**, also called the Jaccard index): the pixels both masks
# mark, divided by the pixels either of them marks. 1 is a perfect match, 0 no overlap.
#
# $$\text{IoU} = \frac{|T \cap P|}{|T \cup P|} = \frac{TP}{TP + FP + FN}$$

# %%
iou = np.sum(truth & prediction) / np.sum(truth | prediction)
print(f"IoU = {tp} / {tp + fp + fn} = {iou:.3f}")

# %% [markdown]
# 0.308: the two masks share 4 of the 13 pixels that either marks. Notice that IoU never
# looks at the 23 true negatives.

# %% [markdown]
# **Dice coefficient**: twice the overlap, divided by the sizes of the two masks added up.
#
# $$\text{Dice} = \frac{2\,|T \cap P|}{|T| + |P|} = \frac{2\,TP}{2\,TP + FP + FN}$$

# %%
dice = 2 * np.sum(truth & prediction) / (np.sum(truth) + np.sum(prediction))
print(f"Dice = 2 x {tp} / ({truth.sum()} + {prediction.sum()}) = {dice:.3f}")

# %% [markdown]
# **Pixel accuracy**: the share of all pixels that got the right label.
#
# $$\text{accuracy} = \frac{TP + TN}{TP + TN + FP + FN}$$

# %%
accuracy = np.mean(truth == prediction)
print(f"accuracy = ({tp} + {tn}) / {truth.size} = {accuracy:.3f}")

# %% [markdown]
# 0.750 looks respectable next to an IoU of 0.308: 23 of the 27 correct pixels are
# background that nobody marked. Keep that in mind for section 4.

# %% [markdown]
# **Precision**: of the pixels the model marked, the share that are object (few false
# alarms). **Recall** (sensitivity): of the object's pixels, the share the model marked
# (few misses). **F1**: their harmonic mean, high only when both are.
#
# $$\text{precision} = \frac{TP}{TP + FP} \qquad \text{recall} = \frac{TP}{TP + FN} \qquad
# F_1 = \frac{2 \cdot \text{precision} \cdot \text{recall}}{\text{precision} + \text{recall}}$$

# %%
precision = tp / (tp + fp)
recall = tp / (tp + fn)
f1 = 2 * precision * recall / (precision + recall)
print(
    f"precision = {tp}/{tp + fp} = {precision:.3f}, recall = {tp}/{tp + fn} = {recall:.3f}, F1 = "
    f"{f1:.3f}"
)

# %% [markdown]
# Half of what the model marked is object (precision 0.500), and it found 4 of the 9
# object pixels (recall 0.444). F1 is 0.471, the same as Dice above: see below why.

# %% [markdown]
# `helpers.metrics` has one function per metric. They take a single mask or a whole
# batch, and handle the cases where a denominator is zero (section 5). Same answers:

# %%
by_hand = {
    "IoU": iou,
    "Dice": dice,
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "F1": f1,
}
by_helpers = {
    "IoU": metrics.iou(truth, prediction),
    "Dice": metrics.dice(truth, prediction),
    "accuracy": metrics.pixel_accuracy(truth, prediction),
    "precision": metrics.precision(truth, prediction),
    "recall": metrics.recall(truth, prediction),
    "F1": metrics.dice(truth, prediction),  # the same number: see below
}
check = pd.DataFrame({"by hand": by_hand, "helpers.metrics": by_helpers})
assert np.allclose(check["by hand"], check["helpers.metrics"])
check.round(3)

# %% [markdown]
# Every row agrees to the last digit, and the `assert` above stops the notebook if a
# later change to `helpers.metrics` ever makes them differ. Two things to notice:
#
# - **F1 and Dice are the same number.** Write precision and recall in counts and F1
#   simplifies to 2 TP / (2 TP + FP + FN). Two names, one metric.
# - **Dice is always at least IoU**: Dice = 2 IoU / (1 + IoU). An IoU of 0.5 is a Dice
#   of 0.67. Both rank models the same way, but a Dice from one paper cannot be compared
#   with an IoU from another.

# %%
print(f"2 IoU / (1 + IoU) = {2 * iou / (1 + iou):.3f}, Dice = {dice:.3f}")

# %% [markdown]
# Both print 0.471: the formula turns the IoU of 0.308 into the Dice of the same masks.

# %% [markdown]
# ## 3 · Scoring real masks
#
# Toy numbers are for counting; now real ones. We take the EM-like images of chapter 2
# and two of its classical methods: Otsu's threshold and the filled Canny edges. (The
# run profile sets how many images: all 60 outside the quick profile.)

# %%
pairs = io.pair_images_and_masks(
    config.data_dir("mito", "images"), config.data_dir("mito", "masks")
)
pairs = pairs[: profile.max_images]
images = np.stack([io.read_image(image_path)[..., 0] for image_path, _ in pairs])
truths = np.stack([io.read_mask(mask_path) for _, mask_path in pairs]).astype(bool)
names = [image_path.stem for image_path, _ in pairs]
otsu = np.stack([classical.otsu_mask(image, dark_objects=True) for image in images])
canny = np.stack([classical.regions_from_edges(classical.canny_edges(image)) for image in images])
print(f"{len(images)} images, masks of shape {truths.shape}")

# %% [markdown]
# In the `cpu` (and `full`) profile: 60 images, masks of shape (60, 256, 256), the
# bundled images at their own size. The `quick` profile, a smoke run, takes 24.

# %% [markdown]
# The formulas work on a whole batch at once: sum over the height and width axes
# (`axis=(1, 2)`) and you get one count, and one IoU, per image.

# %%
tp = np.sum(truths & canny, axis=(1, 2))
fp = np.sum(~truths & canny, axis=(1, 2))
fn = np.sum(truths & ~canny, axis=(1, 2))
iou_per_image = tp / (tp + fp + fn)
print("IoU of the first 4 images:", iou_per_image[:4].round(3))
print("same as metrics.iou:", np.allclose(iou_per_image, metrics.iou(truths, canny)))
np.testing.assert_allclose(iou_per_image, metrics.iou(truths, canny))

# %% [markdown]
# Four images, four quite different scores (cpu profile: 0.578, 0.540, 0.226, 0.476):
# the same method does well on one image and badly on the next. `True` says the
# one-liner and the helper agree on every image.

# %% [markdown]
# `metrics.per_image_table` puts every metric of every image in a table, one row per
# image; `metrics.summary` gives the mean, spread and median of each column. Keep the
# per-image table: the mean hides the images that fail.

# %%
table = metrics.per_image_table(truths, canny, names=names)
table.to_csv(out / "canny_per_image.csv")
table.head().round(3)

# %% [markdown]
# One row per image. In the cpu run, four of these five images have a recall of 0.999 or
# 1.000 with a precision between 0.54 and 0.58: the filled Canny regions cover the
# organelles and about as much again besides. `mito_002` is the odd one out: recall
# 0.312, most of its organelles missed. The accuracy column (0.92 to 0.97) hardly moves
# between the good and the bad image.
#
# `metrics.summary` then gives each metric's mean, standard deviation and median over
# the images, how many images were scored, and how many were left out (section 5):

# %%
metrics.summary(table).round(3)

# %% [markdown]
# cpu profile: mean IoU 0.414 (standard deviation 0.129, median 0.411) and mean Dice
# 0.574 over 60 images, none left out; precision 0.482 against recall 0.751, so false
# alarms are the larger problem. Mean accuracy is 0.930 for a method that gets less
# than half of the overlap right.

# %% [markdown]
# ### The confusion matrix
#
# The four counts of all images together make the **confusion matrix**: one row per
# true class, one column per predicted class, so the right answers are on the diagonal.
# It shows *which* mistake a method makes:

# %%
matrix = metrics.confusion_matrix(truths, canny, pooled=True)
classes = ("background", "organelle")
fig = plots.plot_confusion_matrix(
    matrix, labels=classes, title=f"Canny, filled: pixels of {len(images)} images"
)
plt.show()

# %% [markdown]
# cpu profile: 3,463,945 background pixels were left unmarked, 208,676 were marked by
# mistake (false alarms), 64,971 organelle pixels were missed and 194,568 found. The
# background row dwarfs the rest: most pixels are background. Dividing each row by
# its total shows the share of each true class that ended up in each column; the
# bottom-right cell is then the recall of the organelles:

# %%
fig = plots.plot_confusion_matrix(
    matrix, labels=classes, normalize="true", title="Canny, filled: each row sums to 1"
)
plt.show()
print(f"recall from the matrix: {matrix[1, 1] / matrix[1].sum():.3f}")

# %% [markdown]
# 94.3 % of the background stays background and 75.0 % of the organelle pixels are found
# (cpu profile). The recall read from the matrix, 0.750, pools all pixels of all images;
# the mean of the per-image recalls above, 0.751, weighs every image the same. Here they
# nearly agree; with images of very different object sizes they need not.

# %% [markdown]
# The two methods side by side, mean over the images:

# %%
compared = pd.DataFrame(
    {
        "Otsu": metrics.per_image_table(truths, otsu).mean(),
        "Canny, filled": table.mean(),
    }
).T
compared.round(3)

# %% [markdown]
# Otsu marks nearly every organelle pixel (recall 0.999 in the cpu run) and far too much
# besides (precision 0.154), so its IoU is 0.154; Canny is better balanced (precision
# 0.482, recall 0.751, IoU 0.414). IoU and Dice reward the balance. Otsu's accuracy,
# 0.622, is the only one that looks as bad as it is.
#
# ## 4 · The class-imbalance trap
#
# In these images more than nine pixels in ten are background. Consider a "model" that
# marks nothing at all:

# %%
nothing = np.zeros_like(truths)
print(f"organelle pixels: {truths.mean():.1%}")
print(
    f"pixel accuracy of marking nothing: {metrics.pixel_accuracy(truths, nothing, pooled=True):.3f}"
)

# %% [markdown]
# In the cpu run 6.6 % of the pixels are organelle, so marking nothing is right on the
# other 93.4 %: an accuracy of 0.934, higher than Canny's 0.930, for a mask that finds
# nothing. Pixel accuracy counts the easy background pixels as successes, and there are
# many of them.
#
# Keras offers `MeanIoU`: with `num_classes=2` it computes the IoU of the background
# class and the IoU of the object class, and averages the two:

# %%
keras_mean_iou = keras.metrics.MeanIoU(num_classes=2)
keras_mean_iou.update_state(truths.astype("int32"), nothing.astype("int32"))
print(f"keras MeanIoU(num_classes=2) of marking nothing: {float(keras_mean_iou.result()):.3f}")
print(
    "per class (background, organelle):",
    metrics.iou(truths, nothing, per_class=True, pooled=True).round(3),
)

# %% [markdown]
# cpu profile: 0.467, the mean of a background IoU of 0.934 (every background pixel is
# right, and it equals the accuracy here because nothing was marked) and an organelle
# IoU of 0.000; their mean looks like "halfway there". The helpers' default is the
# object's IoU, the number that says whether the objects were found:

# %%
trap = pd.DataFrame(
    {
        "pixel accuracy": [
            metrics.pixel_accuracy(truths, m, pooled=True) for m in (nothing, canny)
        ],
        "two-class mean IoU (Keras MeanIoU)": [
            metrics.iou(truths, m, include_background=True, pooled=True) for m in (nothing, canny)
        ],
        "organelle IoU (helpers default)": [
            metrics.iou(truths, m, pooled=True) for m in (nothing, canny)
        ],
    },
    index=["marks nothing", "Canny, filled"],
)
trap.round(3)

# %% [markdown]
# In the cpu run, by accuracy the empty mask (0.934) beats Canny (0.930); by the
# two-class mean it scores 0.467 against 0.671; only the organelle IoU (0.000 against
# 0.416) says plainly that it found nothing.
#
# > **Common mistake.** The learning module compiles its U-Net with
# > `metrics=['accuracy']` (its section 5.6); a second compile line with
# > `MeanIoU(num_classes=2)` is there but commented out, and section 5.5 recommends
# > MeanIoU as an improvement. Its chapter 11 then scores every test image with
# > `MeanIoU(num_classes=2)` and stores the result in a column called "IoU". Both numbers
# > flatter a model that finds little: the table above shows what they give for a mask
# > that finds nothing. Report the object's IoU (or Dice), per image; if you report a
# > mean over classes, say that the background is in it.
#
# `metrics.iou(..., include_background=True)` gives the two-class number when you need
# to compare with Keras; it equals Keras's `MeanIoU` here.

# %% [markdown]
# ## 5 · Perfect scores, empty masks, and the mean
#
# ### Never drop the perfect scores
#
# > **Common mistake.** The module's chapter 11 computes a score per test image, then
# > keeps only the images that did *not* score 1.0 (`df[df.IoU != 1.0]`) before taking
# > the mean, calling a 1.0 a possible outlier.
#
# A score of 1.0 is not an outlier: it is an image the model got right. Leaving those
# out changes the mean, and can even swap the order of two models. Four test images,
# two models:

# %%
scores = pd.DataFrame(
    {
        "model A": [1.0, 1.0, 1.0, 0.60],  # perfect on three images, poor on one
        "model B": [0.90, 0.90, 0.90, 0.80],  # good, never perfect
    },
    index=["image 1", "image 2", "image 3", "image 4"],
)
means = pd.DataFrame(
    {
        "mean of all images": scores.mean(),
        "mean without the 1.0s": scores.where(scores != 1.0).mean(),
        "images kept": (scores != 1.0).sum(),
    }
)
means.round(3)

# %% [markdown]
# On all four images model A is the better one (0.900 against 0.875). Drop the perfect
# scores and A falls to 0.600, judged on its single worst image, while B keeps its 0.875:
# the order flips. Any mean over a subset chosen by the score itself is biased.
#
# ### Images with nothing to find
#
# Where do scores of exactly 1.0 come from? Rarely from a pixel-perfect outline; most
# often from images **without any object**, where the model rightly predicts nothing.
# There the IoU's denominator is zero, 0 / 0, and each library decides on its own what
# that means; Keras's `MeanIoU`, which the module's chapter 11 uses, gives 1.0 through
# the perfect background class.
#
# `helpers.metrics` has one explicit rule, the `empty=` argument: an image where *both*
# masks are empty scores `empty`, by default 1.0 (nothing to find, nothing found: a
# perfect answer). With `empty=np.nan` those images are left out of means instead, and
# `metrics.summary` counts them in `left_out`. A false alarm on an empty image is not
# 0 / 0: its IoU is 0.

# %%
empty_truth = np.zeros((3, 6, 6), dtype=bool)
empty_truth[2] = truth  # images 0 and 1 have nothing to find; image 2 has the 3 x 3 object
guesses = np.zeros((3, 6, 6), dtype=bool)
guesses[1, 0, 0] = True  # image 1: a one-pixel false alarm
guesses[2] = prediction  # image 2: the bar from section 1
for rule in (1.0, np.nan):
    per_image = metrics.iou(empty_truth, guesses, empty=rule)
    print(f"empty={rule}: IoU per image {per_image.round(3)}, mean {np.nanmean(per_image):.3f}")
metrics.summary(metrics.per_image_table(empty_truth, guesses, empty=np.nan)).loc[
    ["iou", "dice"]
].round(3)

# %% [markdown]
# With `empty=1.0` the three images score 1.0 (nothing to find, nothing found), 0.0 (a
# false alarm where there was nothing) and 0.308 (the bar of section 1): mean 0.436.
# With `empty=np.nan` the first image is left out and the mean is 0.154, over 2 images;
# the summary's `left_out` column says 1.

# %% [markdown]
# Which rule to choose depends on the question. If images without objects are part of
# the job (a scan with no tumour), `empty=1.0` rewards the model for staying quiet on
# them. If you only want to know how well objects are outlined, `empty=np.nan` leaves
# those images out, and says how many. Either way: state the rule next to the number.
#
# Libraries disagree on two empty masks, so a number from one tool may not match
# another. What the ones installed with the course give:

# %%
from sklearn.metrics import jaccard_score

blank = np.zeros((1, 6, 6, 1), dtype="float32")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # scikit-learn warns that the score is ill-defined
    sklearn_score = jaccard_score(blank.ravel(), blank.ravel())
binary_iou = keras.metrics.BinaryIoU(target_class_ids=[1])
binary_iou.update_state(blank, blank)
mean_iou = keras.metrics.MeanIoU(num_classes=2)
_ = mean_iou.update_state(blank, blank)  # `_ =`: update_state returns a tensor we do not need

# %% [markdown]
# The same two empty masks, as each library scores them:

# %%
agreement = pd.Series(
    {
        "helpers.metrics.iou (default empty=1.0)": metrics.iou(blank[0, ..., 0], blank[0, ..., 0]),
        "sklearn jaccard_score (warns)": sklearn_score,
        "keras BinaryIoU(target_class_ids=[1])": float(binary_iou.result()),
        "keras MeanIoU(num_classes=2)": float(mean_iou.result()),
        "1 - keras.losses.Dice()": 1.0 - float(keras.losses.Dice()(blank, blank)),
    },
    name="score of two empty masks",
)
agreement.round(3).to_frame()

# %% [markdown]
# The helpers and Keras's `MeanIoU` give 1.0; scikit-learn's `jaccard_score` (with a
# warning), Keras's `BinaryIoU` for the object class and one minus Keras's Dice loss give
# 0.0, the worst possible score for a perfect answer. Two more that the notebooks do not
# use: MONAI's `DiceMetric` gives NaN whenever the truth is empty (its default
# `ignore_empty=True`), and MedPy 0.5.2 (in the course's test requirements, where we
# checked it) gives 1.0 for its Jaccard `jc` but NaN for its Dice `dc`. Five libraries,
# three answers.

# %% [markdown]
# ## 6 · Boundary distance: HD95
#
# IoU and Dice count pixels. They hardly notice *where* the wrong pixels are: a thin
# error all along an outline and a blob far away can cost the same. When the outline
# matters (how close a tumour comes to a nerve), measure the distance between the
# outlines instead:
#
# 1. take the boundary pixels of each mask (the mask minus its erosion);
# 2. for every boundary pixel of one mask, find the distance to the nearest boundary
#    pixel of the other, both ways round;
# 3. the largest of these distances is the Hausdorff distance. One stray pixel can make
#    it huge, so we take the 95th percentile instead: **HD95**, in pixels, lower is better.


# %%
def boundary(mask):
    return mask & ~ndimage.binary_erosion(mask)  # the image's edge counts as outside


k = 0  # the first image
truth_edge, predicted_edge = boundary(truths[k]), boundary(canny[k])
to_prediction = ndimage.distance_transform_edt(~predicted_edge)[truth_edge]
to_truth = ndimage.distance_transform_edt(~truth_edge)[predicted_edge]
distances = np.concatenate([to_prediction, to_truth])
hd95 = np.percentile(distances, 95)
print(
    f"{names[k]}: HD95 {hd95:.1f} px by hand, {metrics.hd95(truths[k], canny[k]):.1f} px from "
    "helpers"
)
np.testing.assert_allclose(hd95, metrics.hd95(truths[k], canny[k]))

# %% [markdown]
# 38.6 px for `mito_000` in the cpu run, by hand and from the helper: 5 % of the
# boundary pixels are more than 38.6 pixels away from the other outline, on a
# 256-pixel image.

# %% [markdown]
# The picture: the two outlines over the image, and how far each boundary pixel is from
# the other outline.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
shown = np.repeat(images[k][..., None] / 255.0, 3, axis=2)
shown[truth_edge] = (0.1, 0.8, 0.1)
shown[predicted_edge] = (0.9, 0.1, 0.1)
axes[0].imshow(shown)
axes[0].set_title("outlines: truth (green), Canny, filled (red)")
axes[0].axis("off")
axes[1].hist(distances, bins=40, color="0.5")
axes[1].axvline(
    hd95, color="tab:red", linestyle="--", label=f"95th percentile: HD95 = {hd95:.1f} px"
)
axes[1].set(
    xlabel="distance to the other outline (pixels)",
    ylabel="boundary pixels",
    title="Distances between the outlines",
)
axes[1].legend()
plt.show()

# %% [markdown]
# Most boundary pixels sit in the tall bar at 0 to 1 pixel: where Canny found an
# organelle it traced the outline closely (red on green). The low, flat tail out to
# about 50 pixels comes from red outlines with no green one near them: the round
# distractors and the stretch of membrane that Canny filled. The dashed line, HD95, sits
# in that tail: it measures the false alarms, which IoU only counts.

# %% [markdown]
# `per_image_table(..., hd95=True)` adds the column for every image. Where one mask is
# empty and the other is not there is no distance to measure: HD95 is `inf`, so read
# the median rather than the mean.

# %%
with_distance = metrics.per_image_table(truths, canny, names=names, hd95=True)
metrics.summary(with_distance).loc[["iou", "dice", "hd95"]].round(3)

# %% [markdown]
# cpu profile: HD95 has a mean of 77.3 px (standard deviation 24.6, median 73.2) over
# the 60 images, none infinite. `mito_000`'s 38.6 px is one of the better ones: on most
# images some false alarm lies far from every organelle. IoU and Dice are the same as in
# the summary before.

# %% [markdown]
# ## Summary
#
# - Every pixel is a TP, FP, FN or TN; every metric here is a ratio of those counts.
# - **IoU** = TP / (TP + FP + FN) and **Dice** = 2 TP / (2 TP + FP + FN) measure the
#   overlap with the object; **F1 equals Dice** for masks; Dice = 2 IoU / (1 + IoU).
# - **Precision** (few false alarms) and **recall** (few misses) tell you which mistake a
#   model makes; so does the **confusion matrix**.
# - **Pixel accuracy** and a **two-class mean IoU** reward predicting background: a mask
#   that finds nothing scores above 0.9 and near 0.5. Report the object's IoU or Dice,
#   per image.
# - Never drop perfect scores from a mean. Decide what an image with nothing to find
#   scores (`empty=1.0` or `empty=np.nan`) and say so.
# - **HD95** measures how far the outlines are apart, in pixels.
#
# The per-image table is saved in `outputs/ch04/<profile>/`. Next, chapter 5 builds the
# U-Net, and chapter 8 scores it with exactly these functions.
#
# ## Try it yourself
#
# - Score the Otsu masks instead of Canny in section 3
#   (`table = metrics.per_image_table(truths, otsu, ...)`) and draw their confusion
#   matrix: which cell grows, and which metric shows it first?
# - Make the 6 x 6 prediction of section 1 one pixel wider or shift it by a pixel, and
#   watch IoU, Dice and accuracy: which one barely moves?
# - In section 5, give image 1 a larger false alarm (`guesses[1, :3, :3] = True`): does
#   its IoU change? Why not, and which metric of this chapter would notice the size?
#
# ## Exercises
#
# Each exercise has a cell for your answer, then a check that says what is right or
# wrong in plain words. Stuck? `exercises.iou_and_dice.hint()` gives a hint (call it
# again for the next) and `exercises.iou_and_dice.solution()` shows one solution; the
# same works for every exercise.

# %%
from helpers.exercises import ch04 as exercises

# %% [markdown]
# **1. IoU and Dice from scratch.** Write `iou_and_dice(y_true, y_pred)` for two boolean
# masks of the same shape, returning `(iou, dice)`. Follow this chapter's rule for two
# empty masks. The check runs it on five pairs, the 6 x 6 example among them.


# %%
def iou_and_dice(y_true, y_pred): ...  # your code here


exercises.iou_and_dice.check(iou_and_dice)

# %% [markdown]
# **2. Precision and recall from a confusion matrix.** The matrix is laid out as in
# section 3: rows are the true class, columns the predicted class, class 1 the object,
# so `[[TN, FP], [FN, TP]]`. Write `precision_recall(matrix)` returning
# `(precision, recall)` of the object.


# %%
def precision_recall(matrix): ...  # your code here


exercises.precision_recall.check(precision_recall)

# %% [markdown]
# **3. The trap.** For a model that predicts nothing on all of `truths` (the masks of
# section 3), compute its pixel accuracy and its organelle IoU over all pixels of all
# images, and give both as `(accuracy, iou)`.

# %%
answer = ...  # (accuracy, iou)

exercises.trap.check(answer, truths=truths)
