"""Evaluation on files: the class names of a masks folder, and a pass over image/mask pairs."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.classes import find_classes
from helpers.conventions import THRESHOLD
from helpers.errors import CourseError, DataError, EvaluationError, RunFolderError


def class_names(masks_dir: str | os.PathLike | None, num_classes: int) -> list[str]:
    """The names of a model's classes, background first, from ``masks_dir/classes.json``.

    Parameters
    ----------
    masks_dir : path or None
        The folder of the masks (where ``python -m helpers via2masks --attribute`` writes
        ``classes.json``, read by :func:`helpers.classes.find_classes`). ``None``, or a
        folder without the file: the class numbers.
    num_classes : int
        The classes of the model (1: one sigmoid channel, two classes).

    Returns
    -------
    list of str
        One name per class value 0 .. C-1 (``["0", "1", ...]`` without ``classes.json``).
        For ``num_classes=1``: ``["background", "foreground"]``. An ``"ignore"`` label
        names no class.

    Raises
    ------
    DataError
        For a ``classes.json`` that :func:`helpers.classes.read_classes` refuses, or that
        names more classes than the model predicts.
    """
    count = max(2, num_classes)
    if num_classes == 1:
        return ["background", "foreground"]
    names = [str(k) for k in range(count)]
    found = None if masks_dir is None else find_classes(masks_dir)
    if found is None:
        return names
    if found.count > count:
        raise DataError(
            f"{found.path} names {found.count} classes, but the model predicts classes 0 to "
            f"{count - 1}: give the masks folder the model was trained on."
        )
    names[: found.count] = found.names
    return names


def run_pairs(
    run,
    *,
    images: str | os.PathLike | None = None,
    masks: str | os.PathLike | None = None,
    all_pairs: bool = False,
) -> tuple[list, str]:
    """The image/mask pairs to score for a run folder, and the words that say which.

    Parameters
    ----------
    run : helpers.runs.Run
        A run folder (:func:`helpers.runs.load_run`).
    images, masks : path, optional
        Folders to score instead of the run's own (recorded in its ``run.json``).
    all_pairs : bool
        Every pair of the folders, not only the test images of the run's ``split.json``.

    Returns
    -------
    (list of (Path, Path), str)
        The pairs, in file order, and e.g. ``"the test images of runs/mine"``.

    Raises
    ------
    RunFolderError
        When the run records no folders and none are given, or has no ``split.json``
        and ``all_pairs`` is false.
    DataError
        For folders whose files do not pair by stem, or that lack a test image.
    """
    from helpers import io, splits

    image_dir = images if images is not None else run.images
    mask_dir = masks if masks is not None else run.masks
    if image_dir is None or mask_dir is None:
        raise RunFolderError(
            f"{Path(run.folder) / 'run.json'} records no image and mask folders: give them "
            "(images= and masks=, or --images DIR --masks DIR)."
        )
    pairs = io.pair_images_and_masks(image_dir, mask_dir)
    if all_pairs:
        return pairs, "every image in the folders"
    if run.split is None:
        raise RunFolderError(
            f"{run.folder} has no split.json, so its test images are not known: score every "
            "pair instead (all_pairs=True, or --all)."
        )
    return splits.select_pairs(pairs, run.test_stems), f"the test images of {run.folder}"


def evaluate_files(
    model,
    pairs,
    *,
    size: int,
    batch_size: int = 16,
    threshold: float = THRESHOLD,
    class_names=None,
    hd95: bool = False,
    objects: bool = False,
    sweep: bool = False,
    keep: bool = False,
    progress: bool = False,
    predict=None,
):
    """:func:`evaluation_pass` over image/mask files, streamed at ``size`` pixels.

    The pairs are read by :func:`helpers.datasets.from_files` (resized as for training,
    in order, not augmented) and the rows are named by the images' stems.

    Parameters
    ----------
    model : keras.Model
    pairs : sequence of (image_path, mask_path)
        E.g. from :func:`run_pairs` or :func:`helpers.io.pair_images_and_masks`.
    size : int
        The side the images are resized to (the run's ``size``).
    batch_size, threshold, class_names, hd95, objects, sweep, keep, progress, predict
        As for :func:`evaluation_pass`.

    Returns
    -------
    Evaluation

    Raises
    ------
    DataError
        For a file that cannot be read (the error names it).
    EvaluationError
        For files that cannot be scored (the reason in one line), or options that do
        not fit the model (see :func:`evaluation_pass`).
    """
    from helpers import datasets

    from ._pass import evaluation_pass

    pairs = list(pairs)
    dataset = datasets.from_files(
        pairs,
        size=size,
        batch_size=batch_size,
        channels=model.inputs[0].shape[-1],
        num_classes=model.outputs[0].shape[-1],
    )
    try:
        with datasets.unwrap_data_errors():  # a damaged file: the DataError that names it
            return evaluation_pass(
                model,
                dataset,
                names=[Path(image).stem for image, _ in pairs],
                threshold=threshold,
                class_names=class_names,
                hd95=hd95,
                objects=objects,
                sweep=sweep,
                keep=keep,
                progress=progress,
                predict=predict,
            )
    except Exception as error:  # a file damaged past its header surfaces inside tf.data
        if isinstance(error, CourseError):
            raise
        raise EvaluationError(
            f"Evaluation stopped: {str(error).strip().splitlines()[-1]}"
        ) from error
