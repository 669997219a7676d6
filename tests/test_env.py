import tensorflow as tf

from helpers import colab, env


def test_versions_report_the_installed_packages():
    found = env.versions()
    assert found["tensorflow"] == tf.__version__
    assert found["python"].count(".") == 2
    assert all(isinstance(v, str) and v for v in found.values())


def test_cpu_computation_agrees_with_numpy():
    result = env.compute_check("/CPU:0", size=200)
    assert result.agrees
    assert "CPU" in result.device
    assert result.seconds >= 0


def test_a_wrong_result_is_caught():
    result = env.compute_check("/CPU:0", size=50)
    wrong = env.ComputeResult(result.device, result.value * 1.01, result.expected, result.seconds)
    assert not wrong.agrees


def test_gpu_check_is_skipped_with_a_hint_without_a_gpu(capsys):
    if tf.config.list_physical_devices("GPU"):
        assert env.gpu_compute_check(size=100).agrees
    else:
        assert env.gpu_compute_check() is None
        assert "GPU" in capsys.readouterr().out


def test_not_in_colab_here():
    assert colab.in_colab() is False


def test_describe_names_devices_and_colab():
    text = env.describe()
    assert "tensorflow" in text and "GPUs" in text and "Colab" in text
