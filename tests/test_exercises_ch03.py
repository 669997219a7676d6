"""Chapter 3's exercises beyond the common checks of test_exercises.py: the device records
are TensorFlow's, and reasonable other ways of writing a correct answer are accepted."""

import pytest
from packaging.version import Version

from helpers.exercises import ch03


def test_the_checks_device_records_have_tensorflows_fields():
    tf = pytest.importorskip("tensorflow")
    assert ch03.PhysicalDevice._fields == tf.config.PhysicalDevice._fields
    devices = tf.config.list_physical_devices()
    expected = "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"
    assert ch03.pick_device.reference(devices) == expected


@pytest.mark.parametrize("gpu_name", ["/gpu:0", "GPU:0", "/device:GPU:0"])
def test_pick_device_accepts_every_spelling_tf_device_accepts(gpu_name):
    def pick_device(devices):
        return gpu_name if any(d.device_type == "GPU" for d in devices) else "/CPU:0"

    assert ch03.pick_device.feedback(pick_device).correct


def test_pick_device_accepts_a_test_on_the_device_name():
    def pick_device(devices):
        return "/GPU:0" if any("GPU" in d.name for d in devices) else "/CPU:0"

    assert ch03.pick_device.feedback(pick_device).correct


def test_recent_enough_accepts_packaging_version():
    def is_recent_enough(version, minimum):
        return Version(version) >= Version(".".join(map(str, minimum)))

    assert ch03.recent_enough.feedback(is_recent_enough).correct


def test_recent_enough_accepts_a_comparison_of_all_parts():
    def is_recent_enough(version, minimum):
        return tuple(map(int, version.split("."))) >= tuple(minimum)

    assert ch03.recent_enough.feedback(is_recent_enough).correct


def test_recent_enough_reference_reads_an_installed_version():
    import numpy as np

    assert ch03.recent_enough.reference(np.__version__, (1, 0))
    assert not ch03.recent_enough.reference(np.__version__, (99, 0))


def test_gflops_accepts_integer_arithmetic_and_numpy_numbers():
    import numpy as np

    assert ch03.gflops.feedback(lambda n, seconds: 2 * n * n * n / seconds / 10**9).correct
    assert ch03.gflops.feedback(lambda n, seconds: np.float32(2 * n**3 / seconds / 1e9)).correct


@pytest.mark.parametrize(
    "condition",
    [
        lambda devices: len(devices) > 1,
        lambda devices: any(d.device_type != "CPU" for d in devices),
        lambda devices: any(d.device_type in ("GPU", "TPU") for d in devices),
    ],
)
def test_pick_device_rejects_a_condition_that_is_true_on_a_tpu_runtime(condition):
    def pick_device(devices):
        return "/GPU:0" if condition(devices) else "/CPU:0"

    result = ch03.pick_device.feedback(pick_device)
    assert result.status == "wrong" and "a TPU is not a GPU" in result.message
