"""Chapter 7's recipe in one place, and its model for the chapters that start from it."""

from __future__ import annotations

from helpers.errors import FileExistsRefusedError
from helpers.runs._folder import (
    MODEL_FILE,
    RECORD_KEY,
    RUN_FILE,
    SPLIT_FILE,
    Run,
    _read_json,
    describe_data,
    load_run,
    record_training,
    write_settings,
    write_split,
)

#: The bundled dataset chapter 7 trains on (``data/mito``).
CHAPTER7_DATASET = "mito"


def _profile(profile):
    from helpers import config

    return config.get_profile(profile) if profile is None or isinstance(profile, str) else profile


def chapter7_settings(profile=None) -> dict:
    """Chapter 7's recipe for a run profile: what the notebook trains with, and what
    :func:`chapter7_model` repeats.

    Parameters
    ----------
    profile : helpers.config.Profile or str, optional
        Default: the current profile (:func:`helpers.config.get_profile`).

    Returns
    -------
    dict
        ``recipe`` and ``dataset`` (``"mito"``), the profile's ``size``, ``batch_size``,
        ``max_images``, ``epochs`` and ``base_filters``, the split's ``val_fraction`` and
        ``test_fraction``, ``seed``, ``loss``, ``learning_rate``, ``early_stopping``,
        ``output_prior`` (False: chapter 7 does not use :func:`set_output_prior`) and
        ``profile``. Training images are augmented and shuffled, validation images not.

    Raises
    ------
    ConfigError
        An unknown profile name.

    Example
    -------
    >>> from helpers import runs
    >>> recipe = runs.chapter7_settings("quick")
    >>> recipe["size"], recipe["loss"], recipe["early_stopping"]
    (64, 'bce_dice', 10)
    """
    from helpers import config

    profile = _profile(profile)
    return {
        "recipe": "chapter 7",
        "dataset": CHAPTER7_DATASET,
        "size": profile.image_size,
        "batch_size": profile.batch_size,
        "max_images": profile.max_images,
        "val_fraction": 0.15,
        "test_fraction": 0.15,
        "seed": config.DEFAULT_SEED,
        "base_filters": profile.base_filters,
        "loss": "bce_dice",
        "learning_rate": 1e-3,
        "epochs": profile.epochs,
        "early_stopping": 10,
        "output_prior": False,
        "profile": profile.name,
    }


def _complete(folder, recipe: dict) -> bool:
    """The model, split and settings of chapter 7's recipe, and the training's record."""
    if not all((folder / name).is_file() for name in (MODEL_FILE, SPLIT_FILE, RUN_FILE)):
        return False
    settings = _read_json(folder / RUN_FILE)
    return RECORD_KEY in settings and all(settings.get(k) == v for k, v in recipe.items())


def _train(folder, recipe: dict, *, verbose: bool) -> None:
    """Chapter 7's steps, as the notebook does them, into ``folder``."""
    from helpers import config, datasets, io, splits, training, unet

    image_dir = config.data_dir(recipe["dataset"], "images")
    mask_dir = config.data_dir(recipe["dataset"], "masks")
    pairs = io.pair_images_and_masks(image_dir, mask_dir)[: recipe["max_images"]]
    split = splits.split_stems(
        [image.stem for image, _ in pairs],
        seed=recipe["seed"],
        val_fraction=recipe["val_fraction"],
        test_fraction=recipe["test_fraction"],
    )
    settings = recipe | describe_data(image_dir, mask_dir, pairs, size=recipe["size"])
    try:
        write_split(folder, split)
        write_settings(folder, settings)
    except FileExistsRefusedError as error:
        raise FileExistsRefusedError(
            f"{folder} holds a run with other settings than chapter 7's recipe (from an "
            "older version of the course?): delete that folder, then run this again."
        ) from error
    config.set_seed(recipe["seed"])

    def batches(part: str, *, augment: bool):
        return datasets.from_files(
            splits.select_pairs(pairs, split[part]),
            size=recipe["size"],
            batch_size=recipe["batch_size"],
            augment=augment,
            shuffle=augment,
            seed=recipe["seed"],
            verbose=False,
        )

    train_ds, val_ds = batches("train", augment=True), batches("val", augment=False)
    channels = train_ds.element_spec[0].shape[-1]

    def build():
        model = unet.build_unet((None, None, channels), base_filters=recipe["base_filters"])
        return training.compile_model(
            model, loss=recipe["loss"], learning_rate=recipe["learning_rate"]
        )

    training.train(
        build,
        train_ds,
        val_ds,
        epochs=recipe["epochs"],
        out_dir=folder,
        early_stopping=recipe["early_stopping"],
        verbose=verbose,
    )
    record_training(folder)


def chapter7_model(profile=None, *, verbose: bool = True) -> tuple:
    """The model of chapter 7, trained with chapter 7's exact recipe if missing.

    Loads ``outputs/ch07/<profile>/`` when its model, ``split.json`` and ``run.json``
    (with chapter 7's settings and the training's record) are there. Otherwise it says
    so in one line and trains it there as the notebook does: the ``mito`` pairs (the
    profile's image limit), split with seed 42, streamed by
    :func:`helpers.datasets.from_files` at the profile's size and batch size (training
    images augmented and shuffled), :func:`helpers.unet.build_unet` with the profile's
    ``base_filters``, :func:`helpers.training.compile_model` with BCE + Dice and a
    learning rate of 1e-3, :func:`helpers.training.train` for the profile's epochs with
    early stopping after 10; no output prior, no small-set batch
    (:func:`chapter7_settings` holds these). An interrupted run goes on where it stopped.

    The seeds are set right before the data and the model are made, so two calls in
    fresh folders train the same model; the notebook trains a plain Keras model first,
    so its weights are of the same recipe but not bit for bit these.

    Parameters
    ----------
    profile : helpers.config.Profile or str, optional
        Default: the current profile.
    verbose : bool
        The one line saying that it trains, then :func:`helpers.training.train`'s
        progress bar and summary line.

    Returns
    -------
    (keras.Model, Run)
        The best model, and the run folder (:func:`load_run`): its split, settings and
        training record.

    Raises
    ------
    FileExistsRefusedError
        When ``outputs/ch07/<profile>/`` holds a run with other settings.
    DataError, TrainingError, RunFolderError, ModelFileError
        For damaged files in ``data/`` or in the run folder.
    """
    from helpers import config

    profile = _profile(profile)
    recipe = chapter7_settings(profile)
    folder = config.outputs_dir("ch07", profile.name)
    if not _complete(folder, recipe):
        if verbose:
            print(
                f"No complete chapter 7 run in {folder}: training it now with chapter 7's "
                f"recipe ({recipe['size']} px, {recipe['epochs']} epochs, "
                f"batch {recipe['batch_size']})."
            )
        _train(folder, recipe, verbose=verbose)
    run: Run = load_run(folder)
    return run.load_model(), run
