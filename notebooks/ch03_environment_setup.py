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
# Before we segment anything we make sure the tools work. In this notebook you will:
#
# 1. switch Colab to a GPU runtime (or see why a laptop CPU is fine for this course),
# 2. check which TensorFlow and Keras you have, and that they are recent enough,
# 3. find out whether TensorFlow sees a GPU,
# 4. run one small computation on the CPU and, if there is one, on the GPU, and check the answer,
# 5. keep your own copy of a notebook,
# 6. try an interactive widget.

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

from helpers import config, env

profile = config.get_profile()
print(profile)

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
# The other packages the course uses, read from what is installed:

# %%
for name, version in env.versions().items():
    print(f"{name:>13}  {version}")

# %% [markdown]
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
# ### Extra packages
#
# Colab already has TensorFlow, NumPy, OpenCV, scikit-image, pandas and matplotlib; the
# set-up cell installed the rest. **Common mistake:** older guides install
# `tensorflow-addons`. It reached its end of life in 2024 and does not install next to a
# current TensorFlow; this course does not need it.

# %% [markdown]
# ## Step 4 · A computation on the CPU, and on the GPU if there is one
#
# A quick way to see that TensorFlow really computes: multiply two random 1000 x 1000
# matrices and add up the result. We pin the work to a device with `tf.device`, and we
# compare the answer with NumPy's, so a wrong result would show.

# %%
rng = np.random.default_rng(0)
a = rng.random((1000, 1000), dtype=np.float32)
b = rng.random((1000, 1000), dtype=np.float32)

with tf.device("/CPU:0"):
    on_cpu = tf.reduce_sum(tf.linalg.matmul(a, b))

reference = (a.astype(np.float64) @ b.astype(np.float64)).sum()
print(f"TensorFlow on the CPU: {float(on_cpu):,.1f}")
print(f"NumPy (float64):       {reference:,.1f}")
print("Relative difference:  ", abs(float(on_cpu) - reference) / reference)

# %% [markdown]
# TensorFlow works in 32-bit floats, NumPy here in 64-bit, so the two agree to about
# six significant digits, not to the last one. `helpers.env` wraps the same check,
# with a timing, so later chapters can run it in one line; on the GPU it runs only when
# one is there:

# %%
cpu_check = env.compute_check("/CPU:0")
print(f"CPU: {cpu_check.seconds * 1000:.0f} ms, agrees with NumPy: {cpu_check.agrees}")
gpu_check = env.gpu_compute_check()
if gpu_check is not None:
    print(f"GPU: {gpu_check.seconds * 1000:.0f} ms, agrees with NumPy: {gpu_check.agrees}")

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
if env.in_colab():
    from google.colab import output

    output.enable_custom_widget_manager()

# %% [markdown]
# A first widget: a slider that sets a brightness threshold on one of the course's
# images and shows which pixels are darker than it. You will meet this idea, thresholding,
# properly in the next chapter. Move the slider and watch the picture change.
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


widgets.interact(show_threshold, threshold=widgets.IntSlider(value=110, min=0, max=255, step=5));

# %% [markdown]
# ## Summary
#
# - TensorFlow and Keras are recent enough, and you know whether a GPU is there.
# - Computations run and agree with NumPy.
# - You can keep a copy of any notebook, and widgets work.
#
# Next, chapter 4: how to measure whether a segmentation is any good.
