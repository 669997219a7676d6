"""Chapter 6 exercises: pair file names by stem, split names without leakage.

In the notebook::

    from helpers.exercises import ch06 as exercises
    exercises.pair_by_stem.check(pair_by_stem)
    exercises.grouped_split.check(split_tiles)
"""

from __future__ import annotations

from pathlib import PurePath

from helpers.exercises._core import Exercise, Mistake, Wrong, call

__all__ = ["grouped_split", "pair_by_stem"]


# --------------------------------------------------------------------------------------
# 1 · Pair two lists of file names by stem, report the orphans
# --------------------------------------------------------------------------------------

_PAIR_CASES = (
    (  # a mask missing in the middle, an extra mask at the end, mixed extensions
        ["cell_01.png", "cell_02.png", "cell_03.png", "cell_04.png"],
        ["cell_01.png", "cell_03.png", "cell_04.tif", "cell_09.png"],
    ),
    (  # the lists come unsorted, as os.listdir gives them
        ["b.jpg", "a.png", "c.png"],
        ["c.png", "a.png", "b.png"],
    ),
    ([], []),
)


def _expected_pairs(image_names, mask_names):
    images = {PurePath(name).stem: name for name in image_names}
    masks = {PurePath(name).stem: name for name in mask_names}
    pairs = [(images[s], masks[s]) for s in sorted(images.keys() & masks.keys())]
    orphans = sorted(
        [images[s] for s in images.keys() - masks.keys()]
        + [masks[s] for s in masks.keys() - images.keys()]
    )
    return pairs, orphans


def _as_pair_list(value, what: str) -> list[tuple[str, str]]:
    try:
        pairs = [tuple(pair) for pair in value]
    except TypeError:
        raise Wrong(
            f"{what} should be a list of (image, mask) tuples, got {type(value).__name__}."
        ) from None
    if any(len(pair) != 2 for pair in pairs):
        raise Wrong(f"each entry of {what} should be one (image name, mask name) tuple.")
    return [(str(a), str(b)) for a, b in pairs]


def _check_pairs(answer) -> str:
    for image_names, mask_names in _PAIR_CASES:
        result = call(answer, list(image_names), list(mask_names))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Wrong("return two things: `return pairs, orphans`.")
        pairs = _as_pair_list(result[0], "pairs")
        if isinstance(result[1], str):
            raise Wrong("orphans should be a list of names, not one string.")
        orphans = sorted(str(name) for name in result[1])
        want_pairs, want_orphans = _expected_pairs(image_names, mask_names)
        shown = f"for images {image_names} and masks {mask_names}"
        bad = [(a, b) for a, b in pairs if PurePath(a).stem != PurePath(b).stem]
        if bad:
            a, b = bad[0]
            raise Wrong(
                f"{shown} you paired {a} with {b}: that is pairing by position. One missing "
                "file shifts every pair after it; match the names (without extension) instead."
            )
        if sorted(pairs) != sorted(want_pairs):
            lost = sorted(set(want_pairs) - set(pairs))
            if lost and any(PurePath(a).suffix != PurePath(b).suffix for a, b in lost):
                a, b = lost[0]
                raise Wrong(
                    f"{shown} {a} and {b} were not paired: they have the same stem and differ "
                    "only in the extension. Compare `Path(name).stem`, not the whole name."
                )
            raise Wrong(f"{shown} the pairs should be {want_pairs}, you gave {pairs}.")
        if pairs != want_pairs:
            raise Wrong(f"{shown} the pairs are right but not sorted by name: sort them.")
        if orphans != want_orphans:
            missing = sorted(set(want_orphans) - set(orphans))
            if missing and missing[0] in mask_names:
                raise Wrong(
                    f"{shown} the mask {missing[0]} has no image, so it is an orphan too: report "
                    "orphans from both lists."
                )
            raise Wrong(f"{shown} the orphans are {want_orphans}, you gave {orphans}.")
    return (
        "Pairs are matched by stem, whatever the order and the extension, and every file "
        "without a partner is named (io.pair_images_and_masks stops on them)."
    )


def _pair_reference(image_names, mask_names):
    from pathlib import Path

    images = {Path(name).stem: name for name in image_names}
    masks = {Path(name).stem: name for name in mask_names}
    common = sorted(images.keys() & masks.keys())
    pairs = [(images[stem], masks[stem]) for stem in common]
    orphans = [images[s] for s in images.keys() - masks.keys()]
    orphans += [masks[s] for s in masks.keys() - images.keys()]
    return pairs, sorted(orphans)


def _by_position(image_names, mask_names):
    pairs = list(zip(sorted(image_names), sorted(mask_names), strict=False))
    return pairs, []


def _whole_names(image_names, mask_names):
    common = sorted(set(image_names) & set(mask_names))
    orphans = sorted((set(image_names) | set(mask_names)) - set(common))
    return [(name, name) for name in common], orphans


def _image_orphans_only(image_names, mask_names):
    pairs, orphans = _pair_reference(image_names, mask_names)
    return pairs, [name for name in orphans if name in image_names]


pair_by_stem = Exercise(
    title="pair image and mask file names by stem",
    expects="a function pair_by_stem(image_names, mask_names) -> (pairs, orphans)",
    checker=_check_pairs,
    reference=_pair_reference,
    hints=(
        "Build a dictionary {stem: name} for each list: `Path(name).stem` drops the extension.",
        "The stems in both dictionaries (`keys() & keys()`) give the pairs; a stem in only "
        "one of them is an orphan.",
        "Sort the pairs by stem and the orphans by name.",
    ),
    mistakes=(
        Mistake(_by_position, "pairing by position"),
        Mistake(_whole_names, "differ only in the extension"),
        Mistake(_image_orphans_only, "orphan too"),
    ),
)


# --------------------------------------------------------------------------------------
# 2 · A leakage-free split: tiles of one slice never on both sides
# --------------------------------------------------------------------------------------

_TILE_NAMES = [f"slice{s:02d}_tile{t}" for s in range(10) for t in range(4)]


def _slice_of(name: str) -> str:
    return str(name).split("_tile")[0]


def _check_split(answer) -> str:
    for seed in (0, 1):
        result = call(answer, list(_TILE_NAMES), 0.2, seed)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Wrong("return two lists: `return train, test`.")
        try:
            train, test = ([str(name) for name in part] for part in result)
        except TypeError:
            raise Wrong("train and test should each be a list of names.") from None
        if isinstance(result[0], str) or isinstance(result[1], str):
            raise Wrong("train and test should each be a list of names, not one string.")
        both = sorted(set(train) & set(test))
        if both:
            raise Wrong(f"{both[0]} is in both train and test: a name must land in one part only.")
        lost = sorted(set(_TILE_NAMES) - set(train) - set(test))
        if lost:
            raise Wrong(
                f"{len(lost)} names are in neither part (e.g. {lost[0]}): every name goes "
                "somewhere."
            )
        extra = sorted((set(train) | set(test)) - set(_TILE_NAMES))
        if extra:
            raise Wrong(f"{extra[0]} is not one of the names given.")
        shared = sorted({_slice_of(n) for n in train} & {_slice_of(n) for n in test})
        if shared:
            raise Wrong(
                f"{shared[0]} has tiles in both train and test (with seed {seed}): "
                "tiles of one slice "
                "look alike, so the test score would be flattering. Split the slices, then "
                "give each part all the tiles of its slices."
            )
        if len(test) != 8:
            raise Wrong(
                f"test holds {len(test)} of 40 tiles with test_fraction 0.2; it should hold 8 "
                "(2 of the 10 slices)."
            )
        again = call(answer, list(reversed(_TILE_NAMES)), 0.2, seed)
        if sorted(str(n) for n in again[1]) != sorted(test):
            raise Wrong(
                "the same names and seed in another order gave another test set: sort the "
                "names (or the slices) before shuffling, so the split is the same every run."
            )
    return (
        "No slice has tiles on both sides, and the split depends only on the names and the "
        "seed (sklearn's GroupShuffleSplit does the same with groups=)."
    )


def _split_reference(names, test_fraction, seed):
    import numpy as np

    slices = sorted({name.split("_tile")[0] for name in names})
    order = np.random.default_rng(seed).permutation(len(slices))
    n_test = round(test_fraction * len(slices))
    test_slices = {slices[i] for i in order[:n_test]}
    train = sorted(n for n in names if n.split("_tile")[0] not in test_slices)
    test = sorted(n for n in names if n.split("_tile")[0] in test_slices)
    return train, test


def _split_tiles(names, test_fraction, seed):
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(sorted(names), test_size=test_fraction, random_state=0)
    return sorted(train), sorted(test)


def _test_also_in_train(names, test_fraction, seed):
    train, test = _split_reference(names, test_fraction, seed)
    return sorted(names), test


def _order_dependent(names, test_fraction, seed):
    slices = list(dict.fromkeys(name.split("_tile")[0] for name in names))  # first seen first
    test_slices = set(slices[: round(test_fraction * len(slices))])
    return (
        [n for n in names if n.split("_tile")[0] not in test_slices],
        [n for n in names if n.split("_tile")[0] in test_slices],
    )


grouped_split = Exercise(
    title="split tiles into train and test without leakage",
    expects="a function split_tiles(names, test_fraction, seed) -> (train, test)",
    checker=_check_split,
    reference=_split_reference,
    hints=(
        "A tile's slice is the part of its name before `_tile`: `name.split('_tile')[0]`.",
        "Shuffle the sorted list of *slices* with `np.random.default_rng(seed).permutation`, "
        "take `round(test_fraction * n_slices)` of them for test.",
        "Then every tile goes where its slice went.",
    ),
    mistakes=(
        Mistake(_split_tiles, "has tiles in both train and test"),
        Mistake(_test_also_in_train, "in both train and test"),
        Mistake(_order_dependent, "in another order"),
    ),
)
