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
# # Chapter 3 · Setting up your environment
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch03_environment_setup.ipynb)
#
# **You need:** nothing from chapter 2 (this chapter stands alone); no GPU (the GPU
# steps run when there is one and are skipped with a note when there is none); a few
# seconds in every profile (measured on a 2-core machine: `quick` and `cpu` about 4 s;
# `full` does the same work).
#
# Before we segment anything we make sure the tools work. In this notebook you will:
#
# 1. switch Colab to a GPU runtime (or see why a laptop CPU is fine for this course),
# 2. check which TensorFlow and Keras you have, and that they are recent enough,
# 3. find out whether TensorFlow sees a GPU,
# 4. run one small computation on the CPU and, if there is one, on the GPU, and check the answer,
# 5. keep your own copy of a notebook,
# 6. try an interactive widget,
# 7. write three small checks of your own (the exercises at the end).

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
# Every chapter reads its settings from one place, `helpers.config`. The *profile*
# decides how big the runs are: `quick` (seconds, for automatic checks), `cpu` (a
# laptop, minutes) or `full` (a GPU, the real thing). Set the environment variable
# `COURSE_PROFILE` to choose one; otherwise the course picks `full` when it finds a GPU
# and `cpu` when it does not.

# %%
import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf
import keras

from helpers import colab, config, env

profile = config.get_profile()
print(profile)

# %% [markdown]
# The line names the profile and its settings (image size, epochs, batch size, how many
# images, the U-Net's base filters). This chapter trains nothing, so none of them
# changes what it does; later chapters use them.
# %% [markdown]
# ## Step 1 · A GPU runtime on Colab
#
# Training a U-Net is mostly multiplying large arrays, which a GPU does many times
# faster than a CPU. Colab lends one for free, but a new notebook starts without it:
#
# - open the **Runtime** menu and pick **Change runtime type**;
# - under *Hardware accelerator* choose a **GPU** (T4 is the free one) and press **Save**.
#
# Colab then restarts the runtime: run the notebook again from the top. On a laptop there
# is nothing to switch; the `cpu` profile keeps every chapter to a few minutes.

# %% [markdown]
# ## Step 2 · Which TensorFlow and Keras?
#
# Colab comes with TensorFlow installed, so we only check the versions. This course needs
# TensorFlow 2.16 or later, which brings **Keras 3**. Older tutorials (the module's
# included) use Keras 2 names that no longer work; we say so wherever it matters.

# %%
print("TensorFlow", tf.__version__)
print("Keras     ", keras.__version__)


def major_minor(version: str) -> tuple[int, int]:
    """'2.21.0' -> (2, 21): enough to compare releases."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


assert major_minor(tf.__version__) >= (2, 16), "Please upgrade: pip install -U 'tensorflow>=2.16'"
assert major_minor(keras.__version__) >= (3, 0), "Keras 3 is needed: pip install -U 'keras>=3'"

# %% [markdown]
# When this was written the course ran with TensorFlow 2.21.0 and Keras 3.15.1; yours
# may be newer. The two `assert` lines stop the notebook with the command to run if
# either is too old. (Exercise 2 shows why we compare numbers, not the version text.)
#
# The other packages the course uses, read from what is installed:

# %%
for name, version in env.versions().items():
    print(f"{name:>13}  {version}")

# %% [markdown]
# Python, the deep-learning pair (TensorFlow, Keras), NumPy for arrays, scikit-image and
# OpenCV for images, ipywidgets for sliders. "not installed" next to a name tells you
# what to `pip install`; a version number means it is there.
#
# ## Step 3 · Does TensorFlow see a GPU?
#
# `tf.config.list_physical_devices` lists the hardware TensorFlow can use. An empty GPU
# list is not an error: everything runs on the CPU, only slower.

# %%
gpus = tf.config.list_physical_devices("GPU")
print("CPUs:", len(tf.config.list_physical_devices("CPU")), " GPUs:", len(gpus))
if gpus:
    print("GPU ready:", gpus[0].name)
else:
    print(env.gpu_hint())

# %% [markdown]
# TensorFlow counts the processor as **one** CPU device, however many cores it has
# (it spreads the work over the cores itself), so "CPUs: 1" is normal. Where this
# notebook was checked there was no GPU ("GPUs: 0"), and the hint says what that means;
# on a Colab GPU runtime you would see "GPUs: 1" and the GPU's name.

# %% [markdown]
# ### Extra packages
#
# Colab already has TensorFlow, NumPy, OpenCV, scikit-image, pandas and matplotlib; the
# set-up cell installed the rest. **Common mistake:** the module's step 3, like many
# older guides, installs `tensorflow-addons`. It reached its end of life in 2024 and does
# not install next to a current TensorFlow; this course does not need it.

# %% [markdown]
# ## Step 4 · A computation on the CPU, and on the GPU if there is one
#
# A quick way to see that TensorFlow really computes: multiply two random 1000 x 1000
# matrices and add up the result. We pin the work to a device with `tf.device`, and we
# compare the answer with NumPy's, so a wrong result would show. (The module sums
# random numbers instead: that shows the device runs, not that the answer is right.)

# %%
rng = np.random.default_rng(0)
a = rng.random((1000, 1000), dtype=np.float32)
b = rng.random((1000, 1000), dtype=np.float32)

with tf.device("/CPU:0"):
    on_cpu = tf.reduce_sum(tf.linalg.matmul(a, b))

reference = (a.astype(np.float64) @ b.astype(np.float64)).sum()
print(f"TensorFlow on the CPU: {float(on_cpu):,.1f}   (computed on {on_cpu.device})")
print(f"NumPy (float64):       {reference:,.1f}")
print("Relative difference:  ", abs(float(on_cpu) - reference) / reference)
np.testing.assert_allclose(float(on_cpu), reference, rtol=1e-3)

# %% [markdown]
# Why about 250 million: each entry of the product is a sum of 1000 products of two
# numbers drawn evenly from 0 to 1, each product 1/4 on average, so about 250; a
# million entries make about 250 million. The device name ends in `CPU:0`: the work ran
# where we asked. TensorFlow works in 32-bit floats, NumPy here in 64-bit; a 32-bit
# float carries about 7 significant digits, so a relative difference up to about 1e-6
# is rounding, not an error (we measured 1.4e-08). The `assert` stops the notebook if
# the two ever disagree by more than 0.1 %.
#
# Now the same computation on the GPU, written so that it runs only where there is one.
# `tf.device("/GPU:0")` names the first GPU; without the `if`, TensorFlow would quietly
# run the block on the CPU instead (or fail, if told to be strict), so we check first
# and say what happened:

# %%
if gpus:
    with tf.device("/GPU:0"):
        on_gpu = tf.reduce_sum(tf.linalg.matmul(a, b))
    print(f"TensorFlow on the GPU: {float(on_gpu):,.1f}   (computed on {on_gpu.device})")
    np.testing.assert_allclose(float(on_gpu), reference, rtol=1e-3)
    print("The GPU's answer agrees with NumPy's.")
else:
    print(
        "No GPU visible to TensorFlow: the GPU computation is skipped. Nothing is wrong; "
        "the course runs on the CPU."
    )

# %% [markdown]
# Here there was no GPU, so the cell said so and skipped the block. On a GPU runtime it
# prints the same sum to within rounding, computed on a device whose name ends in
# `GPU:0` (GPUs may round a little more than CPUs, hence the 0.1 % tolerance).
#
# `helpers.env` wraps this check, with a timing, so later chapters can run it in one
# line. It multiplies the same seeded matrices, so the `assert` lines below check that
# it computes what we just computed; its GPU version returns `None`, after a note, when
# there is no GPU:

# %%
cpu_check = env.compute_check("/CPU:0")
np.testing.assert_allclose(cpu_check.expected, reference)  # the same matrices (seed 0)
np.testing.assert_allclose(cpu_check.value, float(on_cpu), rtol=1e-5)
print(f"CPU: {cpu_check.seconds * 1000:.0f} ms, agrees with NumPy: {cpu_check.agrees}")
gpu_check = env.gpu_compute_check()
if gpu_check is not None:
    print(f"GPU: {gpu_check.seconds * 1000:.0f} ms, agrees with NumPy: {gpu_check.agrees}")

# %% [markdown]
# The time is that of one 1000 x 1000 product: 36 ms in our run on a 2-core machine
# (any profile); yours depends on your processor (exercise 3 turns it
# into a speed). "agrees with NumPy: True" is the same check as our `assert`. Without a
# GPU, the line under it is the helper's note, and `gpu_check` is `None`. What the
# helper adds: the timing, the device it ran on, and the skip-with-a-note.

# %% [markdown]
# ## Step 5 · Keep your own copy
#
# A notebook opened from GitHub in Colab is a scratch copy: close the tab and your
# changes are gone. To keep them, use **File > Save a copy in Drive**; the copy appears
# in the *Colab Notebooks* folder of your Google Drive and you can reopen it any time.
#
# On your own computer the notebook file is already yours. If you change a chapter and
# want to share it, run `make sync`: it updates the `.py` twin of the notebook that the
# course keeps for reviewing changes.

# %% [markdown]
# ## Step 6 · Interactive widgets
#
# Widgets are sliders and buttons that run code when you move them. They come from the
# `ipywidgets` package, which the course installs. Colab needs one extra call to show
# widgets made by third-party packages; we make it only on Colab.

# %%
if colab.in_colab():
    from google.colab import output

    output.enable_custom_widget_manager()

# %% [markdown]
# A first widget: a slider that sets a brightness threshold on one of the course's
# images and shows which pixels are darker than it. You met this idea, thresholding, in
# chapter 2. Move the slider and watch the picture change.
# (Without a live notebook, for example when the course is checked automatically, you
# see the picture for the starting value.)

# %%
import ipywidgets as widgets
from PIL import Image

image = np.asarray(Image.open(config.data_dir("mito", "images", "mito_000.png")))


def show_threshold(threshold: int = 110) -> None:
    dark = image < threshold
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("Image")
    axes[1].imshow(dark, cmap="gray")
    axes[1].set_title(f"Darker than {threshold}: {dark.mean():.0%} of pixels")
    for ax in axes:
        ax.axis("off")
    plt.show()


widgets.interact(show_threshold, threshold=widgets.IntSlider(value=110, min=0, max=255, step=5))
# %% [markdown]
# The right panel's title gives the share of pixels darker than the slider's value:
# 16 % at the starting value, 110. Slide left and it shrinks to the darkest
# organelles; slide right and the background floods in.

# %% [markdown]
# ## Summary
#
# - TensorFlow and Keras are recent enough (checked by comparing version *numbers*),
#   and you know whether TensorFlow sees a GPU (`tf.config.list_physical_devices`).
# - The same matrix product ran on the CPU, and runs on the GPU with
#   `with tf.device("/GPU:0"):` when there is one; both agree with NumPy to rounding.
#   `env.compute_check` does the same with a timing.
# - Colab's GPU runtime is one menu away; a laptop CPU is enough with the `cpu` profile.
# - You can keep a copy of any notebook, and widgets work.
#
# Next, chapter 4: how to measure whether a segmentation is any good.
#
# ## Try it yourself
#
# - Make the matrices 2000 x 2000 in step 4 and time the CPU product again
#   (`env.compute_check("/CPU:0", size=2000)`): twice the side is eight times the work,
#   so expect roughly eight times the time.
# - On Colab, switch to a GPU runtime and run the notebook again: the GPU cell now
#   computes, and `env.gpu_compute_check()` gives its time. Run that cell twice: the
#   first call on a GPU can include start-up work.
# - Run `tf.debugging.set_log_device_placement(True)` before a computation: TensorFlow
#   then reports the device of every operation it runs.
#
# ## Exercises
#
# Each exercise gives a skeleton: replace `...` with your code, run the cell, then run
# the check below it, which tries your function on cases of its own and says what is
# wrong in plain words. `exercises.pick_device.hint()` gives a hint (again for the
# next), `exercises.pick_device.solution()` shows one solution; the same works for every
# exercise. Until you write something, a check prints "Not answered yet".

# %%
from helpers.exercises import ch03 as exercises

# %% [markdown]
# **1 · Which device?** Write `pick_device(devices)`: given the list that
# `tf.config.list_physical_devices()` returns, return `"/GPU:0"` when it holds a GPU and
# `"/CPU:0"` otherwise, the string to give `tf.device`.


# %%
def pick_device(devices):
    """'/GPU:0' when `devices` holds a GPU, else '/CPU:0'."""
    ...  # your code here


# %%
exercises.pick_device.check(pick_device)

# %% [markdown]
# Once it passes, `with tf.device(pick_device(tf.config.list_physical_devices())):` runs
# a block on the GPU where there is one and on the CPU elsewhere, with no `if` around it.
#
# **2 · Recent enough?** Write `is_recent_enough(version, minimum)`: `version` is a
# string such as `"2.21.0"` and `minimum` a tuple such as `(2, 16)`; return `True` when
# the version is at least the minimum (compare the major and minor numbers).


# %%
def is_recent_enough(version, minimum):
    """True when `version` ('2.21.0') is at least `minimum` ((2, 16))."""
    ...  # your code here


# %%
exercises.recent_enough.check(is_recent_enough)

# %% [markdown]
# **3 · How fast is this computer?** A product of two n x n matrices has n * n entries,
# each a sum of n products. Write `gflops(n, seconds)`: the speed of such a product that
# took `seconds`, in GFLOP/s (billions of multiplications and additions per second).


# %%
def gflops(n, seconds):
    """Speed in GFLOP/s of an n x n by n x n matrix product that took `seconds`."""
    ...  # your code here


# %%
exercises.gflops.check(gflops)

# %% [markdown]
# Once it passes, `gflops(1000, cpu_check.seconds)` is your CPU's speed on step 4's
# product; on a GPU runtime, compare it with `gflops(1000, gpu_check.seconds)`.
