"""helpers.metrics against independent references: scikit-learn, MedPy, Keras, plain loops."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage
from sklearn import metrics as skm

from helpers import errors, metrics
from helpers.errors import CourseError

keras = pytest.importorskip("keras")
medpy_binary = pytest.importorskip("medpy.metric.binary")

ROOT = Path(__file__).resolve().parent.parent


def _blobs(rng, n, shape=(48, 40), level=0.8):
    """Smooth random blobs: masks with real objects and boundaries, not salt and pepper."""
    field = ndimage.gaussian_filter(rng.standard_normal((n, *shape)), sigma=(0, 3, 3))
    return field > level * field.std(axis=(1, 2), keepdims=True)


@pytest.fixture(scope="module")
def batch():
    """Ten truth/prediction pairs, with one of every empty case at the end."""
    rng = np.random.default_rng(7)
    truth, pred = _blobs(rng, 10), _blobs(rng, 10)
    pred[:3] = truth[:3] ^ (rng.random(truth[:3].shape) < 0.05)  # close guesses
    truth[6], pred[6] = False, False  # both empty
    pred[7] = False  # nothing predicted, something to find
    truth[8] = False  # something predicted, nothing to find
    return truth, pred


def _sk_zero_division(t, p, empty):
    """The module's rule in scikit-learn's terms: ``empty`` only when both masks are empty.

    Not every scikit-learn score takes ``zero_division=np.nan``: for NaN ask for 1.0 and
    replace it afterwards (:func:`_nan_where_absent`)."""
    both_empty = not t.any() and not p.any()
    return (1.0 if np.isnan(empty) else empty) if both_empty else 0.0


def _nan_where_absent(scores, t, p, classes, empty):
    """Per-class scikit-learn scores, NaN for classes in neither mask when ``empty`` is NaN."""
    scores = np.array(scores, dtype=float)
    if np.isnan(empty):
        scores[~np.isin(np.arange(classes), np.concatenate([t, p]))] = np.nan
    return scores


# --------------------------------------------------------------------------------------
# scikit-learn
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", [1.0, np.nan])
def test_binary_scores_match_scikit_learn_image_by_image(batch, empty):
    truth, pred = batch
    ours = {
        name: getattr(metrics, name)(truth, pred, empty=empty)
        for name in ("iou", "dice", "precision", "recall")
    }
    ours["f1"] = ours["dice"]  # F1 is Dice for masks: one function, metrics.dice
    accuracy = metrics.pixel_accuracy(truth, pred)
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        zd = _sk_zero_division(t, p, empty)
        t, p = t.ravel(), p.ravel()
        expected = {
            "iou": skm.jaccard_score(t, p, zero_division=zd),
            "dice": skm.f1_score(t, p, zero_division=zd),
            "precision": skm.precision_score(t, p, zero_division=zd),
            "recall": skm.recall_score(t, p, zero_division=zd),
            "f1": skm.f1_score(t, p, zero_division=zd),
        }
        for name, value in expected.items():
            value = value if t.any() or p.any() else _nan_where_absent([value], [], [], 1, empty)[0]
            np.testing.assert_allclose(ours[name][i], value, atol=1e-12, err_msg=f"{name} {i}")
        assert accuracy[i] == pytest.approx(skm.accuracy_score(t, p), abs=1e-12)


def test_pooled_scores_match_scikit_learn_on_all_pixels_at_once(batch):
    truth, pred = batch
    t, p = truth.ravel(), pred.ravel()
    assert metrics.iou(truth, pred, pooled=True) == pytest.approx(
        skm.jaccard_score(t, p), abs=1e-12
    )
    assert metrics.precision(truth, pred, pooled=True) == pytest.approx(skm.precision_score(t, p))
    assert metrics.recall(truth, pred, pooled=True) == pytest.approx(skm.recall_score(t, p))
    assert metrics.pixel_accuracy(truth, pred, pooled=True) == pytest.approx(
        skm.accuracy_score(t, p)
    )
    np.testing.assert_array_equal(
        metrics.confusion_matrix(truth, pred, pooled=True),
        skm.confusion_matrix(t, p, labels=[0, 1]),
    )


def test_confusion_matrices_match_scikit_learn_for_binary_and_three_classes(batch):
    rng = np.random.default_rng(3)
    three_true = rng.integers(0, 3, (4, 20, 24), dtype=np.uint8)
    three_pred = np.where(
        rng.random(three_true.shape) < 0.7, three_true, rng.integers(0, 3, three_true.shape)
    )
    for truth, pred, classes in ((*batch, 2), (three_true, three_pred, 3)):
        ours = metrics.confusion_matrix(truth, pred, num_classes=classes)
        assert ours.shape == (len(truth), classes, classes)
        for i in range(len(truth)):
            expected = skm.confusion_matrix(
                truth[i].ravel(), pred[i].ravel(), labels=range(classes)
            )
            np.testing.assert_array_equal(ours[i], expected)


def test_confusion_counts_match_a_plain_pixel_loop():
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 2, (3, 9, 7))
    pred = rng.integers(0, 2, (3, 9, 7))
    counts = metrics.confusion_counts(truth, pred)
    for i in range(3):
        tp = fp = fn = tn = 0
        for t, p in zip(truth[i].ravel().tolist(), pred[i].ravel().tolist(), strict=True):
            tp, fp = tp + (t and p), fp + (p and not t)
            fn, tn = fn + (t and not p), tn + (not t and not p)
        assert (counts.tp[i], counts.fp[i], counts.fn[i], counts.tn[i]) == (tp, fp, fn, tn)


def test_multiclass_per_class_scores_match_scikit_learn_and_the_mean_skips_background():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 4, (3, 16, 16))
    pred = np.where(rng.random(truth.shape) < 0.6, truth, rng.integers(0, 4, truth.shape))
    truth[2][truth[2] == 3] = 0  # class 3 absent from both masks of image 2
    pred[2][pred[2] == 3] = 0
    for empty in (1.0, np.nan):
        per_class = metrics.iou(truth, pred, num_classes=4, per_class=True, empty=empty)
        dice_per_class = metrics.dice(truth, pred, num_classes=4, per_class=True, empty=empty)
        for i in range(3):
            t, p = truth[i].ravel(), pred[i].ravel()
            zd = 1.0 if np.isnan(empty) else empty
            ref = _nan_where_absent(
                skm.jaccard_score(t, p, labels=range(4), average=None, zero_division=zd),
                t,
                p,
                4,
                empty,
            )
            ref_dice = _nan_where_absent(
                skm.f1_score(t, p, labels=range(4), average=None, zero_division=zd), t, p, 4, empty
            )
            np.testing.assert_allclose(per_class[i], ref, atol=1e-12)
            np.testing.assert_allclose(dice_per_class[i], ref_dice, atol=1e-12)
        np.testing.assert_allclose(
            metrics.iou(truth, pred, num_classes=4, empty=empty),
            np.nanmean(per_class[:, 1:], axis=1),
        )
        np.testing.assert_allclose(
            metrics.iou(truth, pred, num_classes=4, include_background=True, empty=empty),
            np.nanmean(per_class, axis=1),
        )


def test_binary_inputs_report_the_foreground_class_by_default(batch):
    truth, pred = batch
    both = metrics.iou(truth, pred, per_class=True)
    assert both.shape == (len(truth), 2)
    np.testing.assert_array_equal(metrics.iou(truth, pred), both[:, 1])


# --------------------------------------------------------------------------------------
# MedPy
# --------------------------------------------------------------------------------------


def test_dice_and_iou_match_medpy_on_non_empty_masks(batch):
    truth, pred = batch
    for i in range(6):  # the images where both masks hold objects
        assert metrics.dice(truth[i], pred[i]) == pytest.approx(
            medpy_binary.dc(pred[i], truth[i]), abs=1e-12
        )
        assert metrics.iou(truth[i], pred[i]) == pytest.approx(
            medpy_binary.jc(pred[i], truth[i]), abs=1e-12
        )


def test_iou_of_two_empty_masks_is_one_as_medpy_jc_and_nan_when_asked():
    empty = np.zeros((8, 8), bool)
    assert metrics.iou(empty, empty) == medpy_binary.jc(empty, empty) == 1.0
    assert np.isnan(metrics.iou(empty, empty, empty=np.nan))


@pytest.mark.parametrize("connectivity", [1, 2])
def test_hd95_matches_medpy(batch, connectivity):
    truth, pred = batch
    ours = metrics.hd95(truth[:6], pred[:6], connectivity=connectivity)
    for i in range(6):
        expected = medpy_binary.hd95(pred[i], truth[i], connectivity=connectivity)
        assert ours[i] == pytest.approx(expected, abs=1e-9)


def test_hd95_matches_medpy_on_isbi_cell_labels(read_png, shared_data):
    label = read_png(shared_data("isbi2012", "label") / "0.png") > 127
    shifted = ndimage.binary_erosion(np.roll(label, (3, -2), axis=(0, 1)), iterations=2)
    expected = medpy_binary.hd95(shifted, label)
    assert metrics.hd95(label, shifted) == pytest.approx(expected, abs=1e-9)
    assert expected > 0


def test_hd95_of_one_empty_mask_is_inf_and_of_two_is_nan_without_an_exception():
    full = np.zeros((2, 10, 10), bool)
    full[:, 3:6, 3:6] = True
    empty = np.zeros_like(full)
    assert np.isinf(metrics.hd95(full, empty)).all()
    assert np.isinf(metrics.hd95(empty, full)).all()
    assert np.isnan(metrics.hd95(empty, empty)).all()
    with pytest.raises(RuntimeError):  # what MedPy does instead
        medpy_binary.hd95(empty[0], full[0])


def test_hd95_refuses_multiclass_labels_and_says_how_to_score_one_class():
    labels = np.zeros((6, 6), np.uint8)
    labels[1:3, 1:3] = 2
    with pytest.raises(errors.MetricInputError, match="y_true == k"):
        metrics.hd95(labels, labels)


# --------------------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------------------


def test_two_class_mean_iou_is_what_keras_mean_iou_reports(batch):
    truth, pred = batch
    # Keras leaves a class absent from both masks out of its mean: empty=np.nan does the same.
    ours = metrics.iou(truth, pred, include_background=True, empty=np.nan)
    for i in range(len(truth)):
        keras_iou = keras.metrics.MeanIoU(num_classes=2)
        keras_iou.update_state(truth[i].astype("int32"), pred[i].astype("int32"))
        assert ours[i] == pytest.approx(float(keras_iou.result()), abs=1e-6)  # float32 + epsilon


def test_foreground_iou_matches_keras_binary_iou_on_thresholded_probabilities(batch):
    truth, _ = batch
    rng = np.random.default_rng(2)
    probs = rng.random(truth.shape).round(1)  # many values exactly 0.5: checks >= 0.5
    ours = metrics.iou(truth, metrics.binarize(probs, threshold=0.5), empty=np.nan)
    for i in range(len(truth)):
        binary = keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
        binary.update_state(truth[i].astype("float32"), probs[i].astype("float32"))
        if np.isnan(ours[i]):  # Keras gives 0 where it has nothing to average
            assert float(binary.result()) == 0.0
        else:
            assert ours[i] == pytest.approx(float(binary.result()), abs=1e-6)


def test_numpy_metrics_work_where_keras_is_not_installed():
    script = (
        "import sys; sys.modules['keras'] = None\n"  # makes `import keras` raise ImportError
        "import numpy as np\n"
        "from helpers import metrics\n"
        "print(metrics.iou(np.ones((2, 2), bool), np.ones((2, 2), bool)))\n"
        "print(hasattr(metrics, 'dice_coef'), 'tensorflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1.0", "False", "False"]


# --------------------------------------------------------------------------------------
# The class-imbalance trap (design.md, item 7)
# --------------------------------------------------------------------------------------


def test_all_background_prediction_scores_high_mean_iou_and_accuracy_but_zero_foreground_iou():
    truth = np.zeros((128, 128), np.int32)
    truth[40:64, 50:80] = 1  # 4.4 % foreground
    prediction = np.zeros_like(truth)  # what an under-trained network predicts
    keras_mean_iou = keras.metrics.MeanIoU(num_classes=2)
    keras_mean_iou.update_state(truth, prediction)
    two_class_mean = float(keras_mean_iou.result())
    accuracy = skm.accuracy_score(truth.ravel(), prediction.ravel())
    foreground = metrics.iou(truth, prediction)

    assert two_class_mean > 0.45  # looks like a fair model
    assert accuracy > 0.95  # looks like an excellent one
    assert (
        foreground == 0.0 == skm.jaccard_score(truth.ravel(), prediction.ravel(), zero_division=0)
    )
    assert metrics.iou(truth, prediction, include_background=True) == pytest.approx(
        two_class_mean, abs=1e-6
    )
    assert metrics.pixel_accuracy(truth, prediction) == pytest.approx(accuracy)


# --------------------------------------------------------------------------------------
# The empty-mask rule
# --------------------------------------------------------------------------------------


def test_dice_of_two_empty_masks_is_one():
    empty = np.zeros((5, 5), np.uint8)
    assert metrics.dice(empty, empty) == 1.0


def test_empty_nan_leaves_an_image_out_of_the_summary_and_counts_it(batch):
    truth, pred = batch
    table = metrics.per_image_table(truth, pred, empty=np.nan)
    both_empty = (~truth.any(axis=(1, 2))) & (~pred.any(axis=(1, 2)))
    assert table["iou"].isna().sum() == both_empty.sum() == 1
    result = metrics.summary(table)
    assert result.loc["iou", "left_out"] == 1
    assert result.loc["iou", "images"] == len(truth) - 1
    assert result.loc["iou", "mean"] == pytest.approx(
        np.nanmean(metrics.iou(truth, pred, empty=np.nan))
    )
    assert result.loc["accuracy", "left_out"] == 0


def test_precision_of_an_empty_prediction_and_recall_on_an_empty_truth_are_zero():
    something = np.zeros((6, 6), bool)
    something[2:4, 2:4] = True
    nothing = np.zeros_like(something)
    assert metrics.precision(something, nothing) == 0.0
    assert metrics.recall(nothing, something) == 0.0
    assert metrics.precision(nothing, nothing) == metrics.recall(nothing, nothing) == 1.0


# --------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------

mask_pairs = st.integers(1, 3).flatmap(
    lambda n: st.tuples(arrays(bool, (n, 6, 5)), arrays(bool, (n, 6, 5)))
)


@settings(max_examples=150, deadline=None)
@given(mask_pairs)
def test_iou_and_dice_are_symmetric_bounded_and_related(pair):
    truth, pred = pair
    iou, dice = metrics.iou(truth, pred), metrics.dice(truth, pred)
    np.testing.assert_allclose(iou, metrics.iou(pred, truth))
    np.testing.assert_allclose(dice, metrics.dice(pred, truth))
    assert ((0 <= iou) & (iou <= dice) & (dice <= 1)).all()
    np.testing.assert_allclose(dice, 2 * iou / (1 + iou), atol=1e-12)
    np.testing.assert_allclose(metrics.precision(truth, pred), metrics.recall(pred, truth))
    perfect = metrics.iou(truth, truth)
    assert (perfect == 1.0).all()


@settings(max_examples=100, deadline=None)
@given(mask_pairs)
def test_empty_images_score_the_empty_value_and_others_a_finite_number(pair):
    truth, pred = pair
    both_empty = ~truth.any(axis=(1, 2)) & ~pred.any(axis=(1, 2))
    scores = metrics.dice(truth, pred, empty=np.nan)
    np.testing.assert_array_equal(np.isnan(scores), both_empty)
    assert (metrics.dice(truth, pred, empty=0.25)[both_empty] == 0.25).all()


@settings(max_examples=60, deadline=None)
@given(mask_pairs)
def test_hd95_is_symmetric_and_zero_only_for_equal_boundaries(pair):
    truth, pred = pair
    forward, backward = metrics.hd95(truth, pred), metrics.hd95(pred, truth)
    np.testing.assert_array_equal(forward, backward)
    np.testing.assert_array_equal(metrics.hd95(truth, truth)[truth.any(axis=(1, 2))], 0.0)


# --------------------------------------------------------------------------------------
# Inputs: what is accepted, what is refused and how
# --------------------------------------------------------------------------------------


def test_probabilities_are_refused_with_a_pointer_to_binarize():
    truth = np.zeros((4, 4), bool)
    probs = np.full((4, 4), 0.3)
    with pytest.raises(
        errors.ProbabilitiesError, match=r"binarize\(probs, threshold=0.5\)"
    ) as caught:
        metrics.iou(truth, probs)
    assert isinstance(caught.value, CourseError)
    assert "y_pred" in str(caught.value)


def test_to_labels_takes_the_most_likely_class_and_refuses_one_channel():
    rng = np.random.default_rng(1)
    probs = rng.random((2, 5, 5, 3))
    np.testing.assert_array_equal(metrics.to_labels(probs), probs.argmax(-1))
    with pytest.raises(errors.MetricInputError, match="binarize"):
        metrics.to_labels(probs[..., :1])


def test_an_8_bit_mask_of_0_and_255_scores_as_0_1_in_any_dtype(batch):
    truth, pred = batch  # the course's one rule (helpers.conventions), as io and plots read it
    expected = metrics.iou(truth, pred)
    for dtype in (np.uint8, np.int64, np.float32):
        np.testing.assert_array_equal(metrics.iou(truth.astype(dtype) * 255, pred), expected)
        np.testing.assert_array_equal(metrics.iou(truth, pred.astype(dtype) * 255), expected)
    sixteen_bit = truth * np.uint16(65535)
    np.testing.assert_array_equal(metrics.dice(sixteen_bit, pred), metrics.dice(truth, pred))
    assert metrics.confusion_matrix(truth * np.uint8(255), pred).shape == (len(truth), 2, 2)


def test_shapes_must_match_and_the_message_gives_both():
    with pytest.raises(errors.MetricInputError, match=r"\(4, 4\).*\(4, 5\)"):
        metrics.dice(np.zeros((4, 4), bool), np.zeros((4, 5), bool))


def test_a_single_h_w_1_image_is_refused_as_ambiguous_but_a_keras_batch_is_accepted(batch):
    truth, pred = batch
    with pytest.raises(errors.MetricInputError, match=r"\[\.\.\., 0\]"):
        metrics.iou(truth[0][..., None], pred[0][..., None])
    np.testing.assert_array_equal(
        metrics.iou(truth[..., None], pred[..., None]), metrics.iou(truth, pred)
    )


def test_float_and_integer_masks_score_as_bool_masks(batch):
    truth, pred = batch
    expected = metrics.iou(truth, pred)
    np.testing.assert_array_equal(
        metrics.iou(truth.astype("float32"), pred.astype(np.int64)), expected
    )


def test_labels_above_num_classes_are_refused():
    labels = np.array([[0, 1], [2, 3]])
    with pytest.raises(errors.MetricInputError, match="num_classes=4"):
        metrics.iou(labels, labels, num_classes=3)


def test_one_image_gives_floats_and_a_batch_gives_arrays(batch):
    truth, pred = batch
    assert isinstance(metrics.iou(truth[0], pred[0]), float)
    assert isinstance(metrics.hd95(truth[0], pred[0]), float)
    assert metrics.iou(truth, pred).shape == (len(truth),)
    assert metrics.iou(truth, pred).dtype == np.float64


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def test_per_image_table_has_a_row_per_image_and_agrees_with_the_functions(batch):
    truth, pred = batch
    names = [f"img_{i}.png" for i in range(len(truth))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the empty images
        table = metrics.per_image_table(truth, pred, names, hd95=True)
    assert list(table.columns) == ["iou", "dice", "precision", "recall", "f1", "accuracy", "hd95"]
    assert list(table.index) == names and table.index.name == "image"
    for name in ("iou", "dice", "precision", "recall"):
        np.testing.assert_array_equal(table[name], getattr(metrics, name)(truth, pred))
    np.testing.assert_array_equal(table["f1"], metrics.dice(truth, pred))
    np.testing.assert_array_equal(table["accuracy"], metrics.pixel_accuracy(truth, pred))
    np.testing.assert_array_equal(table["hd95"], metrics.hd95(truth, pred))
    assert "hd95" not in metrics.per_image_table(truth, pred).columns


def test_per_image_table_refuses_the_wrong_number_of_names(batch):
    truth, pred = batch
    with pytest.raises(errors.MetricInputError, match="one name per image"):
        metrics.per_image_table(truth, pred, names=["a", "b"])


def test_summary_keeps_perfect_scores_in_the_mean(batch):
    truth, pred = batch
    table = metrics.per_image_table(truth, pred)
    assert (table["iou"] == 1.0).any()
    assert metrics.summary(table).loc["iou", "mean"] == pytest.approx(table["iou"].mean())
    assert metrics.summary(table).loc["iou", "left_out"] == 0
