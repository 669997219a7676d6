"""The content of each section of a report, from one evaluation pass, its facts and the run."""

from __future__ import annotations

import datetime
import json
import os
import platform
from html import escape

import numpy as np
import pandas as pd

from . import _figures as figures
from ._facts import PIXEL_SCORES, Facts, pixel_summary
from ._findings import RULES, findings
from ._html import facts_table, figure, frame_table, paragraph, side_by_side


def _duration(seconds) -> str:
    seconds = float(seconds)
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{seconds:.1f} s" if minutes == 0 else f"{minutes} min {rest} s"


def findings_section(facts: Facts) -> str:
    """The sentences of the rules that fire, then every rule and whether it fired."""
    said = findings(facts)
    if said:
        top = "<ul class=findings>" + "".join(f"<li>{escape(s)}</li>" for s in said) + "</ul>"
    else:
        top = paragraph(f"None of the {len(RULES)} rules below found anything to point out.")
    rows = "".join(
        f"<li><code>{rule.__name__}</code>: {escape((rule.__doc__ or '').strip())} "
        f"<b>{'fired' if rule(facts) is not None else 'did not fire'}</b></li>"
        for rule in RULES
    )
    return (
        f"{top}<details><summary>The rules behind the findings ({len(RULES)})</summary>"
        f"<ul>{rows}</ul></details>"
    )


def _machine() -> str:
    gpus = []
    try:
        import tensorflow as tf

        for device in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(device)
            gpus.append(details.get("device_name", device.name))
    except Exception:  # noqa: BLE001 - a report still says what it can without TensorFlow
        gpus = []
    processor = platform.processor() or platform.machine()
    gpu = ", ".join(gpus) if gpus else "none"
    return f"{platform.platform()}; CPU {processor} ({os.cpu_count()} cores); GPU: {gpu}"


def run_section(run, found, *, which: str, folders) -> str:
    """Data, split, settings, training record, versions, machine and date."""
    from helpers import __version__, env

    record = run.record or {}
    split = run.split
    counts = (
        ", ".join(f"{part} {len(split.get(part, []))}" for part in ("train", "val", "test"))
        if split is not None
        else "no split.json"
    )
    if found.num_classes == 1:
        classes = "one foreground class (sigmoid output)"
    else:
        classes = f"{found.num_classes} classes: " + ", ".join(found.class_names)
    kept = record.get("kept_epoch")
    rows = [
        ("run folder", str(run.folder.resolve())),
        ("images scored", f"{len(found.table)} ({which})"),
        ("image folder", str(folders[0])),
        ("mask folder", str(folders[1])),
        ("images per split", counts),
        ("classes", classes),
        ("probability threshold", f"{found.threshold:g}" if found.num_classes == 1 else "argmax"),
        ("training time", _duration(record["seconds"]) if "seconds" in record else "not recorded"),
        (
            "kept epoch",
            "not recorded"
            if kept is None
            else f"{kept + 1} of {record.get('epochs_run', '?')} run"
            + (" (stopped early)" if record.get("stopped_early") else ""),
        ),
        ("machine", _machine()),
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
    ]
    settings = [(k, json.dumps(v)) for k, v in run.settings.items()]
    versions = [("helpers", __version__), *env.versions().items()]
    return facts_table(rows) + side_by_side(
        "<h3>Settings (run.json)</h3>" + facts_table(settings),
        "<h3>Package versions</h3>" + facts_table(versions),
    )


def curves_section(run, facts: Facts) -> str:
    """The learning curves, the kept epoch marked."""
    if not (run.folder / "history.csv").is_file():
        return paragraph(f"{run.folder} holds no history.csv: no curves to draw.")
    fig = figures.learning_curves(run.history, facts.kept_epoch)
    note = (
        f"The dotted line marks the kept epoch ({facts.kept_epoch}): the model scored here."
        if facts.kept_epoch is not None
        else "The kept epoch is not recorded (a run from before the training record)."
    )
    return figure(figures.png(fig), "learning curves") + paragraph(note, note=True)


def pixels_section(found) -> str:
    """Mean, median and worst of each score, per class for several classes, the confusion
    matrix, and the per-image table (sortable)."""
    table = found.table
    summary = pixel_summary(table, PIXEL_SCORES).rename_axis("score")
    parts = [
        frame_table(summary, table_id="pixel-summary"),
        paragraph(
            "Over the images scored: the worst is the lowest score, or the largest HD95 (the "
            "95th percentile of the distance between the outlines, in pixels at the size "
            "evaluated; inf where one of the two masks is empty)."
            + (
                " With several classes IoU, Dice, precision and recall are means over the "
                "foreground classes and HD95 is of all foreground."
                if found.num_classes > 1
                else ""
            ),
            note=True,
        ),
    ]
    if found.num_classes > 1:
        parts += [
            "<h3>Per class</h3>",
            frame_table(class_table(found), table_id="per-class"),
            paragraph(
                "Mean: over the images, where a class absent from both masks of an image "
                "scores 1 (the course's empty rule). Pooled: the pixels of every image added "
                "up first, which no image can flatter.",
                note=True,
            ),
            figure(figures.png(figures.confusion(found)), "confusion matrix"),
            frame_table(found.confusion_table(), table_id="confusion"),
        ]
    parts += [
        "<h3>Per image (click a heading to sort)</h3>",
        f'<div class="scroll">{frame_table(table, table_id="per-image", sortable=True)}</div>',
    ]
    return "".join(parts)


def class_table(found) -> pd.DataFrame:
    """One row per foreground class: mean IoU, Dice, precision and recall over the images,
    and the IoU pooled over all pixels."""
    from helpers.evaluation import CLASS_SCORES

    from ._facts import pooled_class_iou

    pooled = pooled_class_iou(found.confusion, found.class_names)
    rows = {}
    for name in found.class_names[1:]:
        row = {f"mean {kind}": float(found.table[f"{kind}_{name}"].mean()) for kind in CLASS_SCORES}
        rows[name] = {**row, "pooled iou": pooled[name]}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("class")


def thresholds_section(found, facts: Facts) -> str:
    """IoU and Dice against the threshold, the best marked and its gain stated."""
    if found.sweep is None:
        return paragraph(
            f"This model has {found.num_classes} classes and gives each pixel its most likely "
            "class (argmax of the softmax): there is no threshold to tune."
        )
    gain = facts.iou_at_best - facts.iou_at_threshold
    text = (
        f"Best threshold for the mean IoU: {facts.best_threshold:.2f} (IoU "
        f"{facts.iou_at_best:.4f}); at the threshold used, {facts.threshold:.2f}: "
        f"{facts.iou_at_threshold:.4f}; gain {gain:+.4f}. The best threshold is chosen on the "
        "images scored here: check it on validation images before using it."
    )
    fig = figures.threshold_curve(found.sweep, facts.threshold, facts.best_threshold)
    return paragraph(text) + side_by_side(
        figure(figures.png(fig), "IoU and Dice against the threshold"),
        f'<div class="scroll">{frame_table(found.sweep, table_id="sweep")}</div>',
    )


def objects_section(found, facts: Facts) -> str:
    """Counts, F1 and AP against the matching IoU, recall by object size."""
    if found.object_thresholds is None:
        return paragraph(
            f"Objects are counted for one foreground class; this model has {found.num_classes} "
            "classes. Score one class's objects with helpers.objects on its masks."
        )
    table = found.table
    rows = [
        ("true objects", facts.true_objects),
        ("predicted objects", facts.predicted_objects),
        ("matched at IoU 0.5 (TP)", int(table["tp"].sum())),
        ("false positives (FP)", int(table["fp"].sum())),
        ("false negatives (FN)", int(table["fn"].sum())),
        ("split / merged", f"{facts.splits} / {facts.merges}"),
        ("object F1 at IoU 0.5, mean over images", f"{table['object_f1'].mean():.4f}"),
        ("AP at IoU 0.5, mean over images", f"{table['ap'].mean():.4f}"),
        ("AP over IoU 0.5:0.95 (DSB2018), mean", f"{table['mean_ap'].mean():.4f}"),
    ]
    parts = [
        side_by_side(
            facts_table(rows), figure(figures.png(figures.count_scatter(table)), "object counts")
        ),
        side_by_side(
            figure(figures.png(figures.object_curves(found.object_thresholds)), "object scores"),
            frame_table(found.object_thresholds, table_id="object-thresholds"),
        ),
        "<h3>Recall by object size</h3>",
    ]
    if facts.size_recall is None:
        parts.append(paragraph("Fewer than 3 true objects: too few to group by size."))
    else:
        parts += [
            side_by_side(
                frame_table(facts.size_recall.rename_axis("size"), table_id="size-recall"),
                figure(figures.png(figures.size_bars(facts.size_recall)), "recall by size"),
            ),
            paragraph(
                "The true objects in three groups of about equal count by area (terciles); an "
                "object is found when a predicted one overlaps it with IoU 0.5 or more.",
                note=True,
            ),
        ]
    return "".join(parts)


def picks(table: pd.DataFrame) -> list[tuple[str, int]]:
    """The rows of the worst, the median and the best image by IoU (fewer for fewer images)."""
    order = np.lexsort((np.arange(len(table)), table["iou"].to_numpy()))
    chosen = [("worst", order[0]), ("median", order[(len(order) - 1) // 2]), ("best", order[-1])]
    seen, kept = set(), []
    for what, index in chosen:
        if int(index) not in seen:
            seen.add(int(index))
            kept.append((what, int(index)))
    return kept


def overlays_section(found) -> str:
    """The worst, the median and the best image with their errors in colour."""
    chosen = picks(found.table)
    fig = figures.overlays(chosen, found, several=found.num_classes > 1)
    wrong = "; reddish purple pixels foreground of the wrong class" if found.num_classes > 1 else ""
    note = (
        "Left the image, right its errors: orange pixels are predicted but not true (false "
        f"positives), blue pixels true but missed (false negatives){wrong}. Pixels predicted "
        "right keep the image's own colours. The colours are from the Okabe-Ito palette, told "
        "apart with the common colour-vision deficiencies."
    )
    return figure(figures.png(fig), "worst, median and best images") + paragraph(note, note=True)
