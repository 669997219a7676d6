from pathlib import Path

import pytest

from helpers import config


def test_each_profile_is_named_after_its_key():
    for name, profile in config.PROFILES.items():
        assert profile.name == name


def test_profiles_grow_from_quick_to_full():
    quick, cpu, full = (config.PROFILES[n] for n in ("quick", "cpu", "full"))
    assert quick.image_size < cpu.image_size <= full.image_size
    assert quick.epochs < cpu.epochs <= full.epochs
    assert quick.max_images is not None


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    assert config.get_profile().name == "quick"
    monkeypatch.setenv(config.PROFILE_ENV, " CPU ")
    assert config.get_profile().name == "cpu"


def test_an_explicit_name_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "quick")
    assert config.get_profile("full").name == "full"


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv(config.PROFILE_ENV, "fast")
    with pytest.raises(config.ConfigError) as caught:
        config.get_profile()
    message = str(caught.value)
    assert "'fast'" in message
    for name in config.PROFILES:
        assert name in message


def test_default_profile_follows_the_gpu(monkeypatch):
    monkeypatch.delenv(config.PROFILE_ENV, raising=False)
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    assert config.get_profile().name == "full"
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    assert config.get_profile().name == "cpu"


def test_paths_resolve_from_the_repository_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(config.ROOT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parent.parent
    assert config.repo_root() == root
    assert config.data_dir("mito") == root / "data" / "mito"
    assert (config.data_dir("mito", "images")).is_dir()


def test_outputs_dir_is_created_under_outputs(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ROOT_ENV, str(tmp_path))
    folder = config.outputs_dir("ch07", "quick")
    assert folder == tmp_path / "outputs" / "ch07" / "quick"
    assert folder.is_dir()


def test_set_seed_makes_numpy_repeatable():
    import numpy as np

    config.set_seed(7)
    first = np.random.rand(3)
    config.set_seed(7)
    assert (np.random.rand(3) == first).all()
