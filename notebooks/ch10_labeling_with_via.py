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
# # Chapter 10 · Labelling your own images with VIA
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/unet-course/unet-segmentation-course/blob/main/notebooks/ch10_labeling_with_via.ipynb)
#
# A U-Net learns from masks, and for your own images nobody has drawn them yet. The
# [VGG Image Annotator (VIA)](https://www.robots.ox.ac.uk/~vgg/software/via/) is a free
# labelling tool that runs in a web browser: you outline each object with a polygon, and
# VIA saves the outlines as a JSON file. This notebook turns such a file into masks you
# can train on, and checks it first.
#
# **You need:** chapter 6 (images and masks paired by file name); no GPU, nothing is
# trained here; quick about 3 s, cpu about 6 s (measured on 2 cores).
#
# You will:
#
# 1. follow the labelling workflow in VIA 2, step by step;
# 2. open the VIA JSON that ships with the course and see what it holds;
# 3. draw its polygons over the images, and the masks made from them;
# 4. read the quality report, and watch it catch a damaged file;
# 5. write the masks to disk, safely;
# 6. see what goes wrong in the module's own converter;
# 7. turn a region attribute into class names, for masks with several classes.

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
# This chapter trains nothing, so the profile changes little here; every chapter prints
# it all the same.

# %%
import copy
import dataclasses
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from skimage.draw import polygon as polygon_pixels

from helpers import colab, config, errors, io, plots, via

profile = config.get_profile()
print(profile)
out = config.outputs_dir("ch10", profile.name)
pd.set_option("display.max_colwidth", 200)

# %% [markdown]
# ## 1 · Labelling in VIA, step by step
#
# The module shows this part as seven screenshots. Here are the same seven steps, each in
# words precise enough to follow with VIA 2 open next to this notebook, and each with a
# screenshot of the real VIA 2.0.10 on this course's images (an instructor re-makes them
# with `scripts/via_screenshots.py`, which drives VIA in a headless browser; its step 7
# export is checked to give the very mask of the outline drawn in step 4).
#
# **Before you start.** Download VIA 2 from its
# [project page](https://www.robots.ox.ac.uk/~vgg/software/via/) (the *VIA 2* zip, not
# VIA 3), unzip it and open `via.html` in Firefox or Chrome. It is a single web page:
# nothing to install, it works offline, and your images never leave your computer. Put
# all the images in one folder, with plain and unique names: each mask will be called
# `<image name>.png`, so `scan1.png` and `scan1.jpg` would fight over one mask.

# %%
from IPython.display import Image, display

VIA_SHOTS = config.repo_root() / "notebooks" / "figures" / "via"


SHOWN = {
    1: "VIA as it opens: menus on top; Region Shape, Project and Attributes on the left",
    2: "Project > Add local files",
    3: "four images in the Project panel; the selected one is shown, zoomed in",
    4: "the polygon tool, the lesion's outline half drawn (one click per corner)",
    5: "Enter has closed the outline: one region",
    6: "the region's label set to 'lesion' in the annotation editor (a text attribute here)",
    7: "Annotation > Export Annotations (as json)",
}


def show_via_step(step: int) -> None:
    """Show the screenshot of one labelling step, with what it shows and its credit."""
    shot = next(VIA_SHOTS.glob(f"via_{step}_*.png"))
    display(Image(filename=str(shot), width=760))
    print(f"Step {step}: {SHOWN[step]}.")
    print("VGG Image Annotator 2.0.10, Visual Geometry Group, University of Oxford (BSD-2).")


# %% [markdown]
# 1. **The start screen.** A menu bar on top (*Project*, *Annotation*, *View*, *Help*),
#    a row of icons under it, and a sidebar on the left with the panels *Region Shape*,
#    *Project*, *Attributes* and *Keyboard Shortcuts*. Type a name into the *Project*
#    panel's *Name* box: VIA names the files it saves after it.

# %%
show_via_step(1)

# %% [markdown]
# 2. **Add the images.** *Project > Add local files* (or the *Add Files* button in the
#    *Project* panel), and select all your images at once. VIA 2's file picker takes
#    `.jpg`, `.jpeg`, `.png` and `.bmp`. VIA remembers only each file's **name and
#    size**, never its pixels: that is why the converter below asks for the images
#    folder as well as the JSON.

# %%
show_via_step(2)

# %% [markdown]
# 3. **Check they loaded.** The first image appears and the *Project* panel lists every
#    file; the ← and → keys move between images. The list's filter *Files that could not
#    be loaded* should show nothing.

# %%
show_via_step(3)

# %% [markdown]
# 4. **Define a class attribute, then draw.**
#    - Open *Attributes*, keep *Region Attributes* selected, type `label` into the
#      *attribute name* box and press **+**. As its type choose *dropdown* (or *radio*)
#      and add one option per class, e.g. `lesion`; the option's id is what ends up in
#      the file. A *text* attribute works too, but every typo (`Lesion`, `lesion `)
#      becomes a class of its own.
#    - In *Region Shape* pick the **polygon** (key 4). Click along the object's edge, one
#      click per corner, and press **Enter** to close the outline. **Backspace** removes
#      the last point; **Esc** abandons the outline.
#    - Click a region to select it: drag its points to correct them, or remove it with
#      the toolbar's *Delete Region* button (the ×). **Space** opens the annotation
#      editor, a table where you set each region's `label`.

# %%
show_via_step(4)

# %% [markdown]
# 5. **The image is done** when every object has its own outline and every outline has
#    a `label`. The *Project* panel's filter *Show files missing region annotations*
#    finds regions you forgot to label. An image with nothing to outline simply gets no
#    region: leave it in the project.

# %%
show_via_step(5)

# %% [markdown]
# 6. **Review.** *View > Toggle image grid view* shows all images with their outlines:
#    the quickest way to spot a missed object or a stray point.
#    *Annotation > Preview Annotations* shows the data itself.

# %%
show_via_step(6)

# %% [markdown]
# 7. **Save and export.** These are two different files:
#    - *Project > Save* writes the **project file**: your annotations plus VIA's settings
#      and your attribute definitions. *Project > Load* opens it again, to go on
#      labelling tomorrow.
#    - *Annotation > Export Annotations (as json)* writes the **export**: only the
#      annotations, one record per image. The browser downloads it as
#      `<project name>_json.json`.
#
#    The course's converter reads both (and VIA 1.x files). **Prefer the export**: it is
#    the file made for other programs, and it holds nothing but the annotations. It also
#    reads the *csv* export (one row per region), which gives exactly the masks of the
#    JSON export; the *COCO* export is another format, which it recognises and asks for
#    the JSON instead.

# %%
show_via_step(7)

# %% [markdown]
# **Tips that save a re-do**
#
# - One region per object: two lesions are two polygons, never one around both.
# - Follow the edge closely; add points where it curves. The mask is exactly what you
#   draw.
# - Keep the images that show nothing. They become all-background masks, and they teach
#   the network that "nothing here" is an answer too.
# - Save the project often. VIA lives in a browser tab: closing the tab or the browser
#   loses what was not saved.
# - Do not rename or move images after labelling: the file matches them by name.

# %% [markdown]
# ## 2 · What the exported file holds
#
# The course ships 40 MRI-like head slices in `data/mri/` with a VIA 2.x export of their
# outlines: a polygon around each lesion, with `label = lesion`, in exactly the format
# step 7 writes. Nobody drew them: `helpers.synthetic` generates both. It imitates a
# brain MRI slice in colour (scalp, skull, fluid, folded brain, two dark ventricles) with
# bright, irregular lesions, and writes each lesion's outline as the polygon VIA would
# store. Synthetic data keeps the course offline (nothing to download), free to share
# (no patient data, public domain), and with a known truth: the outline *is* the
# lesion's edge, because the image was painted from it. The module's chapter 11 reads its
# own images and VIA export from the workshop's Google Drive folder
# (`.../4_Image_Segmentation/Dataset_Custom/`, the export named
# `Brain_Segmentation_Workshop_json_Fix.json`). The module says nothing more about those
# images (its chapter 9 shows results on what it calls MRI scans), and they are not part
# of this course. For your own project, your images and your export take their place.
#
# Let us open the file as plain JSON first, to see what VIA's format holds for one image:

# %%
via_path = config.data_dir("mri", "via_annotations.json")
images_dir = config.data_dir("mri", "images")
raw = json.loads(via_path.read_text())

key, record = next(iter(raw.items()))
shape = record["regions"][0]["shape_attributes"]
print("key:       ", key, "(the file name followed by the file size)")
print("record:    ", list(record))
print("filename:  ", record["filename"], "| size:", record["size"], "bytes")
first_points = list(zip(shape["all_points_x"][:3], shape["all_points_y"][:3], strict=True))
print("a region:  ", shape["name"], "of", len(shape["all_points_x"]), "points, from", first_points)
print("its class: ", record["regions"][0]["region_attributes"])

# %% [markdown]
# `x` counts pixels from the left (the column), `y` from the top (the row).
#
# `via.load_via` reads every VIA 1.x and 2.x variant into the same objects and says
# which variant it found. How many regions does each image have?

# %%
project = via.load_via(via_path)
print(project.variant, "|", len(project.images), "images |", project.region_count, "regions")
print("region attributes used:", project.region_attribute_keys())

per_image = Counter(len(image.regions) for image in project.images)
for count in sorted(per_image):
    print(f"{count} region(s): {per_image[count]:>2} images  " + "#" * per_image[count])

# %% [markdown]
# What to notice: the counts add up, 28 × 1 + 9 × 2 = 46 regions on 40 images, so "how
# many regions" and "how many images" are different questions. Three images have no
# region at all (`mri_005`, `mri_018` and `mri_031`): they are images with no lesion, not
# a labelling slip, and each still needs a mask, all background (section 6 shows what
# goes wrong when they get none). These counts come from the data alone, so every
# profile prints the same.
#
# The project file (step 7) keeps the same records under `_via_img_metadata`, next to
# VIA's settings and attribute definitions. `load_via` reads it just as well; we wrap
# the export in a minimal project to show it:

# %%
as_project = {
    "_via_settings": {"project": {"name": "mri"}},
    "_via_img_metadata": raw,
    "_via_attributes": {
        "region": {"label": {"type": "dropdown", "options": {"lesion": ""}}},
        "file": {},
    },
}
project_path = out / "mri_project.json"
project_path.write_text(json.dumps(as_project))
print("wrote", project_path.relative_to(config.repo_root()))
from_project = via.load_via(project_path)
print(
    from_project.variant,
    "|",
    len(from_project.images),
    "images |",
    from_project.region_count,
    "regions",
)

# %% [markdown]
# ## 3 · Drawing the outlines over the images
#
# Before turning outlines into masks, look at them. An outline is the list of points
# VIA stored; joining the last point back to the first closes it:


# %%
def draw_outlines(ax, regions, **line_style):
    """Each polygon's points joined in order, and back to the first one."""
    for region in regions:
        xs = list(region.geometry["all_points_x"])
        ys = list(region.geometry["all_points_y"])
        ax.plot(xs + xs[:1], ys + ys[:1], **line_style)


records = {image.filename: image for image in project.images}

# %% [markdown]
# Three images: one lesion, two lesions, and none. Below each, the mask that
# `via.rasterize_regions` draws from the outlines, in the image's own size (every pixel
# whose centre lies inside an outline, or on it):

# %%
examples = ["mri_000.png", "mri_001.png", "mri_005.png"]
fig, axes = plt.subplots(2, 3, figsize=(11, 7.6))
for column, name in enumerate(examples):
    picture = io.read_image(images_dir / name)
    regions = records[name].regions
    mask = via.rasterize_regions(regions, picture.shape[:2])
    axes[0, column].imshow(picture)
    draw_outlines(axes[0, column], regions, color="yellow", linewidth=1.2)
    axes[0, column].set(
        title=f"{name}: {len(regions)} region(s)", xlabel="x (column)", ylabel="y (row)"
    )
    axes[1, column].imshow(plots.overlay(picture, mask))
    axes[1, column].set_title(f"mask: {mask.sum()} pixels")
    axes[1, column].axis("off")
fig.suptitle("VIA outlines (top) and the masks drawn from them (bottom, red)")
fig.tight_layout()
plt.show()

# %% [markdown]
# What to notice: each yellow outline hugs the edge of a bright lesion, and the red mask
# below it fills exactly what the outline encloses, no more (684 pixels for the one
# region of `mri_000`, 1,124 for the two of `mri_001`, at the image's 256 x 256). The
# lesion of `mri_000` has two lobes but one outline, so it is one region and one object.
# The image without a region still gets a mask: 0 pixels, all background. Note too what
# the outlines leave out: the skull ring is as bright as a lesion (chapter 2's MRI-like
# slice), and only the outline says which bright pixels are lesion.
#
# ## 4 · The quality report
#
# A VIA file can be wrong in ways that are hard to see: an image that is not in the
# folder, a polygon closed after two clicks, an outline dragged off the image.
# `via.quality_report` walks through the file the way the converter will and gives one
# row per image, without writing anything:

# %%
report = via.quality_report(via_path, images_dir)
print(via.summarize(report))
report.head(3)

# %% [markdown]
# What the columns mean:
#
# | column | meaning |
# |---|---|
# | `filename` | the image's name as written in VIA |
# | `mask` | the mask file that will be written for it, `<image name>.png` |
# | `status` | `ok`, `missing image`, `unreadable image`, `unsafe filename` (below), `duplicate` |
# | `height`, `width` | the image's size as VIA showed it (photos turned upright first) |
# | `regions`, `drawn` | regions in the file, and how many of them became pixels |
# | `null_regions` | empty (`null`) entries in the region list, skipped |
# | `partly_outside`, `wholly_outside` | regions that leave the image (they are cut at its edge) |
# | `degenerate` | regions with no area: under 3 points, zero-size box, too small to cover a pixel |
# | `invalid` | regions with missing or non-numeric coordinates, or no shape name |
# | `unknown_shape` | a shape the converter does not know |
# | `points_skipped` | points left out on request |
# | `unlabelled` | regions without a class (with `attribute=`) |
# | `problems` | all of the above in words, with the region's number as VIA counts it (from 0) |
#
# An `unsafe filename` is a path leaving the folder, like `../x.png`.
#
# On the course's file everything is `ok`; the only notes are the three images without
# regions, which will get all-background masks:

# %%
report.loc[report["problems"] != "", ["filename", "status", "regions", "problems"]]

# %% [markdown]
# ### A damaged copy
#
# To see the report at work, we break a copy of the file in four ways that happen in
# real projects (the original in `data/` stays untouched):

# %%
damaged = copy.deepcopy(raw)
by_name = {entry["filename"]: entry for entry in damaged.values()}
# 1. an outline dragged 115 px to the right: most of it now lies beyond the right edge
dragged = by_name["mri_002.png"]["regions"][0]["shape_attributes"]
dragged["all_points_x"] = [x + 115 for x in dragged["all_points_x"]]
# 2. a polygon closed after two clicks: a line, with no area
line = {"name": "polygon", "all_points_x": [60, 90], "all_points_y": [60, 70]}
by_name["mri_003.png"]["regions"].append(
    {"shape_attributes": line, "region_attributes": {"label": "lesion"}}
)
# 3. an image that was labelled but never copied into the images folder
damaged["mri_040.png9999"] = {
    **copy.deepcopy(by_name["mri_000.png"]),
    "filename": "mri_040.png",
    "size": 9999,
}
# 4. an empty (null) entry in a region list, as hand edits and scripts sometimes leave
by_name["mri_006.png"]["regions"].append(None)

# %% [markdown]
# We save the copy under `outputs/` and run the report on it. It flags each of the
# four, and names the image and the region:

# %%
damaged_path = out / "via_damaged.json"
damaged_path.write_text(json.dumps(damaged))
damaged_report = via.quality_report(damaged_path, images_dir)
print(via.summarize(damaged_report))
columns = [
    "filename",
    "status",
    "regions",
    "drawn",
    "null_regions",
    "partly_outside",
    "degenerate",
    "problems",
]
flagged = damaged_report["problems"].ne("") & damaged_report["regions"].gt(0)  # not the empty ones
damaged_report.loc[flagged, columns]

# %% [markdown]
# Nothing stopped with a traceback: a missing image is a row to fix, not a crash
# halfway through a folder. Fix such rows in VIA (or copy the missing image), export
# again, and run the report until only the notes you expect are left.

# %% [markdown]
# ## 5 · Writing the masks
#
# `via.masks_from_via` writes one mask PNG per image, named like the image, in the
# image's own size: 0 for background, 255 for the object. It returns the same report.
# (We empty the folder first, so that the notebook can be run again from the top.)

# %%
mask_dir = out / "masks"
shutil.rmtree(mask_dir, ignore_errors=True)
written = via.masks_from_via(via_path, images_dir, mask_dir)
print(via.summarize(written))
print(len(list(mask_dir.glob("*.png"))), "mask files in", mask_dir.relative_to(config.repo_root()))

# %% [markdown]
# Run it a second time and it refuses: masks already on disk (perhaps ones you corrected
# by hand) are never replaced unless you ask with `overwrite=True`.

# %%
try:
    via.masks_from_via(via_path, images_dir, mask_dir)
except FileExistsError as error:
    print(f"{type(error).__name__}: {error}")

# %%
rewritten = via.masks_from_via(via_path, images_dir, mask_dir, overwrite=True)
print("with overwrite=True:", via.summarize(rewritten))

# %% [markdown]
# Every image has its mask, the empty one included, so chapter 6's pairing by name
# finds all 40 pairs:

# %%
pairs = io.pair_images_and_masks(images_dir, mask_dir)
empty_mask = io.read_mask(mask_dir / "mri_005.png")
print(len(pairs), "image/mask pairs")
print("mri_005.png (no regions):", empty_mask.shape, "labels", np.unique(empty_mask))

# %% [markdown]
# ## 6 · What the module's converter gets wrong
#
# The module's chapter 11 converts its VIA file with a short loop. Three of its choices
# quietly damage the masks.
#
# > **Common mistake: no regions, no mask.** The loop skips an image whose record has
# > no regions, so that image gets no mask file. Its later code lists the image folder
# > and the mask folder and pairs them by position: from the first empty image on,
# > every image gets its neighbour's mask.
#
# With our file, that is what happens:

# %%
image_names = sorted(Path(image.filename).stem for image in project.images)
mask_names = sorted(Path(image.filename).stem for image in project.images if image.regions)
by_position = list(zip(image_names, mask_names, strict=False))  # stops at the shorter, silently
wrong = [(image, mask) for image, mask in by_position if image != mask]
print(f"{len(mask_names)} masks for {len(image_names)} images")
print(f"paired by position: {len(wrong)} of {len(by_position)} pairs wrong, from {wrong[0]} on")

# %% [markdown]
# > **Common mistake: outlines leaving the image pile up on its border.** The module
# > fills the polygon without telling the drawing function the image's size, then clamps
# > the coordinates into the image. Every pixel beyond the right edge is moved onto the
# > last column.
#
# For a lesion that only just crosses the edge this changes little. For the outline we
# dragged off the image above, most rows lie outside, and they all land on the border:

# %%
height, width = via.image_shape(images_dir / "mri_002.png")
xs, ys = np.array(dragged["all_points_x"]), np.array(dragged["all_points_y"])
rows, cols = polygon_pixels(ys, xs)  # no image shape given: columns beyond the edge too
clamped = np.zeros((height, width), dtype=bool)
clamped[rows.clip(0, height - 1), cols.clip(0, width - 1)] = True  # the module's clamping

clipped = via.rasterize_regions([{"shape_attributes": dragged}], (height, width))
print(
    f"pixels in the last column: clamped {clamped[:, -1].sum()}, "
    f"clipped at the edge {clipped[:, -1].sum()}"
)
print(f"object pixels in all:      clamped {clamped.sum()}, clipped at the edge {clipped.sum()}")

# %% [markdown]
# What to notice: both masks agree inside the image, and all the difference is in the
# last column, 34 pixels there when clamped against 15 when clipped. The 19 extra pixels
# (89 against 70 in all, more than a quarter added) come from rows where the outline
# lies wholly beyond the edge: clamping still puts one pixel of each such row on the
# border. In the figure below they are the one-pixel stripe down the border of the
# middle panel, rows 119 to 136, where the course's mask (right) has already ended: a
# lesion edge that the image never showed.

# %%
picture = io.read_image(images_dir / "mri_002.png")
fig, axes = plt.subplots(1, 3, figsize=(12, 3.9))
axes[0].imshow(picture)
draw_outlines(axes[0], [via.ViaRegion(0, "polygon", dragged)], color="yellow")
axes[0].set_title("the outline, mostly beyond the image")
for ax, mask, title in (
    (axes[1], clamped, "module: clamped onto the border"),
    (axes[2], clipped, "course: cut at the edge"),
):
    ax.imshow(mask, cmap="gray")
    ax.set_title(title)
for ax in axes:
    ax.set_facecolor("lightsteelblue")  # what lies beyond the image's right edge
    ax.set(xlim=(200, 295), ylim=(150, 85), xlabel="x (column)", ylabel="y (row)")
fig.suptitle("The right edge of mri_002.png, enlarged (blue: outside the image)")
fig.tight_layout()
plt.show()

# %% [markdown]
# > **Common mistake: overlapping regions are added up.** The module adds each region's
# > 0/1 mask into a `uint8` array, then multiplies by 255 to save it. Where two regions
# > overlap, 2 × 255 = 510 does not fit in a byte and wraps round to 254.
#
# A tiny example with two overlapping rectangles:


# %%
def box(x, y, w, h, label):
    return {
        "shape_attributes": {"name": "rect", "x": x, "y": y, "width": w, "height": h},
        "region_attributes": {"label": label},
    }


two = [box(1, 1, 4, 2, "lesion"), box(3, 2, 4, 2, "oedema")]
summed = np.zeros((5, 9), dtype=np.uint8)
for region in two:
    summed += via.rasterize_regions([region], summed.shape)  # the module's way: add
print("added up:\n", summed)
print("saved (x 255) as uint8:", np.unique(summed * 255), "<- 254 where they overlap")
union = via.rasterize_regions(two, summed.shape)
print("course (union):        ", np.unique(union * np.uint8(255)))

# %% [markdown]
# With classes it is worse: class 1 plus class 2 makes a class 3 that does not exist.
# The course paints the regions in file order instead, so where they overlap the later
# one wins, as VIA shows it on top:

# %%
classes = {"background": 0, "lesion": 1, "oedema": 2}
print(via.rasterize_regions(two, summed.shape, attribute="label", classes=classes))

# %% [markdown]
# ## 7 · Class names from a region attribute
#
# So far each mask said only "object" or "not". With several kinds of objects, the
# class comes from the region attribute defined in step 4. `via.project_classes` gives
# each name found in the file a number, 0 being the background:

# %%
classes = via.project_classes(project, "label")
print(classes)
size_001 = via.image_shape(images_dir / "mri_001.png")  # (height, width), read from the file
class_mask = via.rasterize_regions(
    records["mri_001.png"].regions, size_001, attribute="label", classes=classes
)
print("class mask of mri_001.png:", class_mask.dtype, "values", np.unique(class_mask))

# %% [markdown]
# An attribute name that is not in the file stops with a message listing the ones that
# are:

# %%
try:
    via.project_classes(project, "class")
except errors.ViaAttributeError as error:
    print(f"ViaAttributeError: {error}")

# %% [markdown]
# The course's file has a single class. To see two, we give the second lesion of
# `mri_001.png` another label in memory, as if it had been labelled `oedema` in VIA:

# %%
first, second = records["mri_001.png"].regions
relabelled = [first, dataclasses.replace(second, attributes={"label": "oedema"})]
two_classes = via.class_indices(via.region_class(region, "label") for region in relabelled)
class_mask = via.rasterize_regions(relabelled, size_001, attribute="label", classes=two_classes)
print(two_classes, "-> mask values", np.unique(class_mask))

colours = ListedColormap(["black", "tab:red", "tab:cyan"])
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(class_mask, cmap=colours, vmin=0, vmax=2, interpolation="nearest")
legend = [Patch(color=colours(i), label=f"{i}: {name}") for name, i in two_classes.items()]
ax.legend(handles=legend, loc="lower left")
ax.set(title="mri_001.png as a class-index mask", xlabel="x (column)", ylabel="y (row)")
plt.show()

# %% [markdown]
# `masks_from_via` with `attribute=` writes such class masks for a whole folder, and a
# `classes.json` that records which number is which class (keep it with the masks: the
# numbers alone mean nothing):

# %%
class_dir = out / "class_masks"
shutil.rmtree(class_dir, ignore_errors=True)
class_report = via.masks_from_via(via_path, images_dir, class_dir, attribute="label")
print(via.summarize(class_report))
print("classes.json:", json.loads((class_dir / "classes.json").read_text()))
lesion_counts = class_report["class:lesion"].value_counts().sort_index().to_dict()
print("lesion regions per image -> number of images:", lesion_counts)

# %% [markdown]
# ## 8 · Your own images and VIA file
#
# On your computer, everything above works on your own folders: give
# `via.quality_report` and `via.masks_from_via` the path of your VIA export and of your
# images folder (or, from a terminal, `python -m helpers via2masks --via my_export.json
# --images my_images --out my_masks --report report.csv`).
#
# On **Colab** your files are not on the runtime yet. Make a zip of your images folder
# with your VIA export inside it, set `UPLOAD_MY_DATA = True` and run the cell: a file
# dialog opens under it, the zip lands in `/content/my_data/` (images in `images/`, the
# VIA file next to it), and the cell writes the report and the masks. A Colab runtime
# forgets its files when it ends: `colab.download_folder` sends the masks to your
# computer as a zip (or use `colab.mount_drive`, as chapter 11 does, to write them into
# your Google Drive). Elsewhere the cell only says what to do.

# %%
UPLOAD_MY_DATA = False  # Colab only: True opens a file dialog for your zip
if colab.in_colab() and UPLOAD_MY_DATA:
    mine = colab.upload_data(require_via=True)
    print(via.summarize(via.quality_report(mine.via, mine.images)))
    my_masks = via.masks_from_via(mine.via, mine.images, out / "my_masks", overwrite=True)
    print("masks written to", out / "my_masks")
    colab.download_folder(out / "my_masks")  # a zip of the masks, to your computer
else:
    print("Bundled data used. With your own: UPLOAD_MY_DATA = True on Colab, or your paths here.")

# %% [markdown]
# ## 9 · Labels from other tools, and a check before training
#
# Your lab may label with another tool: Labelme, CVAT, or one of the many that export the
# COCO format (Roboflow, Label Studio, makesense.ai, CVAT itself). `helpers.importers`
# turns their files into the same masks and `classes.json` as `via.masks_from_via`, with
# the same report and the same care (nothing overwritten unless asked, nothing
# half-written). From a terminal: `labelme2masks`, `coco2masks`, `cvat2masks`, and back
# `masks2coco`. To see that nothing is lost on the way, we export the bundled lesions as
# Labelme and COCO files and convert them back.
#
# Labelme writes one JSON file per image, with its shapes: a label, the points, the kind
# of shape. One convention differs from VIA's: Labelme (like COCO and CVAT) puts the
# image's top-left *corner* at (0, 0), so the centre of the first pixel is (0.5, 0.5),
# where VIA has it at (0, 0). Every point moves by half a pixel:


# %%
def to_labelme(image, height, width):
    """One VIA image record as a Labelme file (a dict), its polygons moved by half a pixel."""
    shapes = []
    for region in image.regions:
        xs, ys = region.geometry["all_points_x"], region.geometry["all_points_y"]
        points = [[x + 0.5, y + 0.5] for x, y in zip(xs, ys)]
        shapes.append(
            {"label": region.attributes["label"], "points": points, "shape_type": "polygon",
             "group_id": None, "flags": {}}
        )  # fmt: skip
    return {"version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": image.filename,
            "imageData": None, "imageHeight": height, "imageWidth": width}  # fmt: skip


# %%
labelme_dir = out / "labelme"
shutil.rmtree(labelme_dir, ignore_errors=True)
labelme_dir.mkdir()
for image in project.images:
    labelme = to_labelme(image, *via.image_shape(images_dir / image.filename))
    (labelme_dir / f"{Path(image.filename).stem}.json").write_text(json.dumps(labelme, indent=1))
first = json.loads((labelme_dir / "mri_000.json").read_text())["shapes"][0]
print(len(list(labelme_dir.glob("*.json"))), "Labelme files")
print("mri_000.json, first shape:", first["label"], first["shape_type"], first["points"][:2], "...")

# %% [markdown]
# A COCO file holds every image in one JSON: a list of images, a list of categories (the
# classes) and a list of annotations, each an outline (or a run-length code) with its
# category. `importers.masks_to_coco` writes one from the class masks of section 7, tracing
# each object's outline into a polygon that keeps within `tolerance` pixels of it:

# %%
from helpers import importers

coco_path = out / "lesions_coco.json"
importers.masks_to_coco(class_dir, images_dir, coco_path, tolerance=0.25, overwrite=True)
coco = json.loads(coco_path.read_text())
print({key: len(coco[key]) for key in ("images", "categories", "annotations")})
print("categories:", coco["categories"])
print(
    "an annotation:",
    {key: coco["annotations"][0][key] for key in ("image_id", "category_id", "area")},
)

# %% [markdown]
# 40 images, one category (`lesion`, the only class of the file) and 46 annotations, one
# per lesion, as the VIA file has 46 regions; `area` is the polygon's area in pixels. Now
# back to masks, with the importers, and compared pixel by pixel with the masks made from
# the VIA file:

# %%
from_labelme = importers.masks_from_labelme(
    labelme_dir, out / "from_labelme", images_dir=images_dir, overwrite=True
)
from_coco = importers.masks_from_coco(coco_path, images_dir, out / "from_coco", overwrite=True)
print("Labelme:", via.summarize(from_labelme))
print("COCO:   ", via.summarize(from_coco))


def differing_pixels(folder):
    """Pixels that differ from the VIA class masks of section 7, over all 40 masks."""
    return sum(
        int((io.read_mask(mask) != io.read_mask(folder / mask.name)).sum())
        for mask in sorted(class_dir.glob("*.png"))
    )


differ = {tool: differing_pixels(out / f"from_{tool}") for tool in ("labelme", "coco")}
print("pixels that differ from the VIA masks:", differ)
assert differ == {"labelme": 0, "coco": 0}

# %% [markdown]
# Not one pixel differs, for either tool: the importers draw every tool's shapes with the
# course's one rasteriser (`via.rasterize_regions`: a pixel is inside when its centre is),
# so a lesion labelled in Labelme or COCO gives the mask VIA gives. The `tolerance` of 0.25
# pixel matters for COCO: `masks_to_coco`'s default, 0.4 pixel, makes shorter polygons
# whose edges may cut a pixel centre on the outline, and a few pixels flip (13 pixels over
# the 40 masks, measured with the default). For a file to correct in a labelling tool that
# is nothing; for an exact round trip, keep the tolerance low.
#
# ### A folder with planted mistakes
#
# The most frequent failure in U-Net projects is a mask in the wrong format, and a run that
# stopped at the first bad file would teach them one run at a time. `python -m helpers
# check --images DIR --masks DIR` reads every pair once and lists everything in one table;
# `train` runs the same check first. We copy eight pairs (the class masks, with their
# `classes.json`) and plant five mistakes the trackers of U-Net projects report most:

# %%
import PIL.Image  # (Image is IPython's here: the screenshots of section 1)

from helpers import check

demo = out / "check_demo"
shutil.rmtree(demo, ignore_errors=True)
(demo / "images").mkdir(parents=True)
(demo / "masks").mkdir()
for k in range(8):
    shutil.copy(images_dir / f"mri_{k:03d}.png", demo / "images")
    shutil.copy(class_dir / f"mri_{k:03d}.png", demo / "masks")
shutil.copy(class_dir / "classes.json", demo / "masks")
print(sorted(p.name for p in (demo / "masks").iterdir()))

# %%
masks = demo / "masks"
lesion = io.read_mask(masks / "mri_001.png")
PIL.Image.fromarray(lesion * np.uint8(255)).save(masks / "mri_001.jpg", quality=90)  # 1. JPEG
(masks / "mri_001.png").unlink()
small = PIL.Image.fromarray(io.read_mask(masks / "mri_002.png")).resize(
    (240, 240), PIL.Image.NEAREST
)
small.save(masks / "mri_002.png")  # 2. made for another size
overlay = io.read_image(images_dir / "mri_003.png").copy()
overlay[io.read_mask(masks / "mri_003.png") > 0] = (255, 0, 0)
PIL.Image.fromarray(overlay).save(masks / "mri_003.png")  # 3. a colour overlay saved as the mask
(masks / "mri_004.png").unlink()  # 4. a mask lost on the way
PIL.Image.fromarray(io.read_mask(masks / "mri_006.png") * np.uint8(255)).save(
    masks / "mri_006.png"
)  # 5. a 0/255 mask from another export

# %%
result = check.check_folders(demo / "images", demo / "masks")
print(result)

# %% [markdown]
# Read from the top. Four findings block training, each with what to do on the line under
# it: `mri_004.png` has no mask (the names pair the files, never their order); the mask of
# `mri_002.png` is 240 × 240 pixels for a 256 × 256 image; `mri_001.jpg` holds 25 grey
# levels where a mask image holds two, 0 and 255: JPEG compression smeared the lesion's
# edge into 743 in-between pixels, which the check counts (and it says how to rescue the
# mask); `mri_003.png` is a colour picture, which the course cannot read as labels. Two
# warnings do not block: `mri_006.png` is 0/255 where the others are 0/1, and the course
# reads its 255 as the lesion, as it always does; `mri_005.png` has no lesion, which is
# right for that image (section 2) but worth a look in your own folders, where an empty
# mask is often one nobody labelled. The verdict counts 7 pairs: `mri_004.png` has none.
#
# The idea behind the values rule fits in a few lines of NumPy: the distinct values of
# each mask, and the masks with a value that is not a label (or with colour). The check
# finds the same files, and adds the rest:

# %%
not_labels = set()
for mask_path in sorted(p for p in masks.iterdir() if p.suffix in (".png", ".jpg")):
    pixels = np.asarray(PIL.Image.open(mask_path))
    colour = pixels.ndim == 3 and not (pixels == pixels[..., :1]).all()
    if colour or not set(np.unique(pixels).tolist()) <= {0, 1, 255}:
        not_labels.add(f"masks/{mask_path.name}")
print(sorted(not_labels))
flagged = result.findings[result.findings["kind"].isin(["values", "colour"])]
assert set(flagged["file"]) == not_labels

# %% [markdown]
# `train` calls `check.stop_on_blocking` on the same result before it writes anything:
# one error that names every blocking finding, rather than one per run:

# %%
try:
    check.stop_on_blocking(result)
except errors.DataError as error:
    print(f"DataError: {errors.one_line(error).replace(str(demo) + '/', '')}")

# %% [markdown]
# ## Summary
#
# - In VIA 2: add the images, define a `label` attribute (a dropdown avoids typos), draw
#   one polygon per object, save the project often, and finish with *Annotation > Export
#   Annotations (as json)*.
# - `via.load_via` reads every VIA 1.x/2.x file; look at the outlines over the images
#   before you trust them.
# - `via.quality_report` lists, per image, what would go wrong: run it and fix what it
#   flags before making masks.
# - `via.masks_from_via` writes a mask for every image (the empty ones too), cut at the
#   image's edge, with overlaps as a union; it never replaces files unless told
#   `overwrite=True`.
# - With `attribute="label"` the masks hold class numbers, and `classes.json` names them.
# - Labels from Labelme, COCO or CVAT become the same masks with `helpers.importers`
#   (`labelme2masks`, `coco2masks`, `cvat2masks`; `masks2coco` back), pixel for pixel; and
#   `python -m helpers check` lists every problem of a folder at once (blocking findings
#   and warnings, each with what to do), as `train` does before it starts.
#
# The way back exists too: `via.masks_to_via` turns masks, or a model's predictions,
# into a VIA file that you can import into VIA and correct, which is much quicker than
# drawing from nothing. Chapter 11 goes from this VIA file to a trained U-Net.
#
# ## Try it yourself
#
# - Break the copy in a fifth way: give a region a shape name VIA does not have
#   (`"name": "blob"`) or delete its `all_points_y`, and read what the quality report
#   says in its `unknown_shape` and `invalid` columns.
# - Open `data/mri/via_annotations.json` in VIA 2 itself (*Annotation > Import
#   Annotations (from json)*, after adding the images of `data/mri/images`), move a few
#   points of one outline, export, and convert your file with `via.masks_from_via`:
#   compare the new mask with the old one pixel by pixel.
# - Label three images of your own, one of them with nothing to outline, and run this
#   notebook's sections 2 to 5 on your export.
#
# ## Exercises
#
# Each exercise has a skeleton to fill in and a check cell that says what is right or
# wrong; `exercises.<name>.hint()` gives a hint and `exercises.<name>.solution()` shows
# one solution.

# %%
from helpers.exercises import ch10 as exercises

# %% [markdown]
# **1 · One region as a mask.** Write `region_mask(region, shape)`: `region` is one entry
# of a record's `regions` list (a polygon, as VIA exports it) and `shape` the image's
# `(height, width)`. Return a boolean mask of that shape, `True` inside the outline, the
# outline cut where it leaves the image.


# %%
def region_mask(
    region, shape
): ...  # your code: skimage.draw.polygon is imported above as polygon_pixels


exercises.region_mask.check(region_mask)

# %% [markdown]
# **2 · Regions per image.** Write `count_regions(annotations)` for a VIA export as
# `json.load` gives it (like `raw` in section 2): a dictionary `{filename: number of
# regions}` with every image of the file. Two cases that this chapter met need care:
#
# - an image without outlines has an empty list, `"regions": []`, and counts 0
#   (`mri_005.png`);
# - a `None` in the list (VIA's `null`, like the entry section 4 added to `mri_006.png`
#   in `damaged`) is not a region: `"regions": [region, None]` counts 1.
#
# Try it on `raw` and on `damaged` before checking it.


# %%
def count_regions(annotations): ...  # your code


exercises.count_regions.check(count_regions)
