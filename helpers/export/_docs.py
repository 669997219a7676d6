"""The documentation page of a bioimage.io package (``README.md``): what the model segments,
the data it learned from, its scores on the run's test images, how to use it and its limits."""

from __future__ import annotations

from helpers.conventions import THRESHOLD

_CONSUMERS = """\
## How to use it

- **Fiji with deepImageJ 3:** *Plugins > DeepImageJ > Install model manually*, give this
  zip; then *Plugins > DeepImageJ > DeepImageJ Run*, choose the model, *Run* on an open
  image. It runs the `tensorflow_saved_model_bundle` (or `onnx`) weights.
- **QuPath 0.5 or later**, with the Deep Java Library and BioImage Model Zoo extensions:
  unzip this file, then *Extensions > BioImage Model Zoo > Create pixel classifier
  (Bioimage Model Zoo)*, choose its `rdf.yaml`. It runs the
  `tensorflow_saved_model_bundle` weights.
- **ilastik 1.4 or later:** the *Neural Network Classification (Local)* workflow, add
  the image, load this zip in *NN Prediction*. It runs the `onnx` weights.
- **napari or any Python:** `bioimageio.core.predict(model="this.zip", inputs=...)`
  (package `bioimageio.core`) with the image as float32 of shape (1, y, x, channel),
  then `viewer.add_image(...)` of the probabilities.
"""


def _scores(source) -> str:
    from helpers import metrics
    from helpers.inference import to_mask

    predicted = to_mask(source.probabilities)[..., 0]
    table = metrics.per_image_table(
        source.masks[..., 0],
        predicted,
        source.names,
        num_classes=None if source.num_classes == 1 else source.num_classes,
    )
    summary = metrics.summary(table)
    rows = [
        f"| {name} | {row['mean']:.3f} | {row['std']:.3f} | {row['median']:.3f} |"
        for name, row in summary.iterrows()
    ]
    return "\n".join(["| score | mean | std | median |", "|---|---|---|---|", *rows])


def documentation(source, spec: dict, *, names: list[str], weights: list[str]) -> str:
    """The package's ``README.md`` (Markdown), made from the run folder."""
    run, settings = source.run, source.run.settings
    split = run.split or {}
    record = run.record or {}
    bits = 16 if source.top > 255 else 8
    channels = "grey" if source.images.shape[-1] == 1 else "RGB"
    size = run.size
    scale = settings.get("scale")
    source_size = settings.get("source_size")
    rule = (
        f"a pixel is *{names[0]}* where its probability is at least {THRESHOLD}"
        if len(names) == 1
        else "each pixel belongs to the class of highest probability"
    )
    shrink = (
        f"The network learned from images resized from {source_size[1]} x {source_size[0]} "
        f"to {size} x {size} pixels (factor {scale[1]:.3g} in x, {scale[0]:.3g} in y): "
        "resize your images by the same factor before running it, so that objects have "
        "the size in pixels it learned."
        if scale and source_size
        else f"The network learned from images of {size} x {size} pixels."
    )
    trained = (
        f"{record.get('epochs_run', settings.get('epochs'))} epochs "
        f"(the model of epoch {record.get('kept_epoch', '?')}, the best on the validation "
        f"images), {record.get('seconds', '?')} s of training"
        if record
        else f"{settings.get('epochs', '?')} epochs"
    )
    test_count = len(split.get("test", source.names))
    lines = [
        f"# {spec['name']}",
        "",
        "## What it segments",
        "",
        f"A 2D U-Net (`helpers.unet.build_unet` of the U-Net segmentation course) that gives,"
        f" for every pixel of a {channels} {bits}-bit image, the probability of "
        + ", ".join(f"`{n}`" for n in names)
        + f"; {rule}.",
        "",
        "## Training data",
        "",
        f"- Images: `{run.images.name if run.images else '?'}` ({settings.get('channels')} "
        f"channel(s)), masks: `{run.masks.name if run.masks else '?'}`.",
        f"- {len(split.get('train', []))} training, {len(split.get('val', []))} validation and "
        f"{test_count} test images, split by file name (no image in two parts).",
        f"- {trained}; profile `{settings.get('profile', '?')}`, batch "
        f"{settings.get('batch_size', '?')}, seed {settings.get('seed', '?')}.",
        "",
        "## Input and output",
        "",
        f"- Input `image`: axes batch, y, x, channel; y and x at least 16 pixels, in steps "
        f"of 16; pixels as stored (0-{int(source.top)}), divided by {int(source.top)} by the "
        "package's preprocessing, as in training.",
        f"- Output `probabilities`: the same y and x, channels {', '.join(names)}; {rule}.",
        f"- {shrink}",
        "",
        "## Validation",
        "",
        f"Scores on {len(source.names)} of the run's {test_count} test images (never seen in "
        f"training; threshold {THRESHOLD}, an image where mask and prediction are both empty "
        "scores 1):",
        "",
        _scores(source),
        "",
        "Reproduce them with `python -m helpers evaluate --run RUN_FOLDER --out scores.csv`. "
        "The package's test input is one of these images; its test output is the Keras "
        f"model's answer, which the weights in this package ({', '.join(weights)}) reproduce "
        "(checked with `bioimageio.core.test_model` when it was exported).",
        "",
        "## Intended use and limits",
        "",
        "- Images like the training images: the same kind of sample, microscope or scanner, "
        "pixel size and bit depth. On other images check the predictions by eye first.",
        f"- The scores above come from {len(source.names)} test images only: read them as a "
        "rough guide, not a guarantee.",
        "- The probabilities are not calibrated; the threshold of 0.5 is the course's "
        "default, not tuned for this model.",
        "- Large images: run them in tiles (napari and deepImageJ do), with an overlap of "
        "at least 32 pixels.",
        "",
        _CONSUMERS,
    ]
    return "\n".join(lines)
