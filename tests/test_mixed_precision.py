"""training.train(precision=...): mixed_float16 gives the losses and IoU of float32.

(How the precision is chosen is tested in ``tests/test_distribute.py``.)

The policy can be set on a CPU (float16 arithmetic there is emulated, so slow, but the
numbers are what a GPU computes up to summation order). Reference: the same tiny U-Net
trained in float32 from the same seed, on the bundled mito images (8 training and 4
validation images of 64 px, 2 epochs). Measured on a 2-core CPU: losses 2.5e-4 apart
at most (relative), the hard IoU metric 1.1e-4 (absolute). Tolerances, with room for
other machines' rounding: losses within 0.5 % (relative), IoU within 0.01 (a few pixels
near the 0.5 threshold may flip with float16 rounding).
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

from helpers import config, datasets, io, training  # noqa: E402
from helpers.unet import build_unet  # noqa: E402


def tiny_unet():
    return build_unet((None, None, 1), depth=2, base_filters=4)


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    pairs = io.pair_images_and_masks(
        config.data_dir("mito", "images"), config.data_dir("mito", "masks")
    )[:12]
    options = dict(size=64, batch_size=4, verbose=False)
    found = {}
    for precision in ("float32", "mixed"):
        keras.utils.set_random_seed(7)
        built = []

        def builder(built=built):
            built.append(tiny_unet())
            return built[-1]

        found[precision] = training.train(
            builder,
            datasets.from_files(pairs[:8], **options),
            datasets.from_files(pairs[8:], **options),
            epochs=2,
            out_dir=tmp_path_factory.mktemp(precision),
            precision=precision,
            jit_compile=False,
            verbose=False,
        )
        found[precision + "_model"] = built[-1]
    return found


def test_mixed_precision_builds_float16_layers_with_a_float32_output(histories):
    model = histories["mixed_model"]
    assert model.get_layer("enc1_conv1").compute_dtype == "float16"
    assert model.get_layer("enc1_conv1").variable_dtype == "float32"
    assert model.outputs[0].dtype == "float32"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert histories["float32_model"].get_layer("enc1_conv1").compute_dtype == "float32"


def test_the_global_policy_is_restored_after_training(histories):
    assert keras.mixed_precision.global_policy().name == "float32"


def test_mixed_precision_losses_and_iou_equal_float32_within_tolerance(histories):
    single, mixed = histories["float32"], histories["mixed"]
    for column in ("loss", "val_loss"):
        np.testing.assert_allclose(mixed[column], single[column], rtol=5e-3, err_msg=column)
    for column in ("iou_coef", "val_iou_coef"):
        np.testing.assert_allclose(mixed[column], single[column], atol=1e-2, err_msg=column)
