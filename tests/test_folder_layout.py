"""extract --images: a folder one level too high is refused naming the right level; class folders that
are not the model's classes are said on stderr with the count."""
import shutil

import pytest

from neurogrow.cli import main

from conftest import ROOT

STIMULI = ROOT / "human_data" / "geirhos2019" / "stimuli"


def _small_copy(tmp_path, experiments=("edges", "filled-silhouettes"), classes=("cat", "bear"), per_class=2):
    root = tmp_path / "stimuli"
    for exp in experiments:
        for cls in classes:
            (root / exp / cls).mkdir(parents=True)
            for src in sorted((STIMULI / exp / cls).iterdir())[:per_class]:
                shutil.copy(src, root / exp / cls / src.name)
    return root


def test_a_folder_of_experiments_over_classes_is_refused_naming_the_level(tmp_path, capsys):
    root = _small_copy(tmp_path)
    assert main(["extract", "--images", str(root), "--out", str(tmp_path / "t.h5")]) == 2
    err = capsys.readouterr().err
    assert "hold folders of images, not images" in err
    assert str(root / "edges") in err and str(root / "filled-silhouettes") in err
    assert "DIR/<class>/<image>" in err
    assert not (tmp_path / "t.h5").exists()


def test_the_shipped_stimuli_folder_is_refused(tmp_path, capsys):
    assert main(["extract", "--images", str(STIMULI), "--out", str(tmp_path / "t.h5")]) == 2
    assert str(STIMULI / "edges") in capsys.readouterr().err


def test_class_folders_that_are_not_the_models_classes_are_counted_on_stderr(tmp_path, capsys):
    root = _small_copy(tmp_path, experiments=("edges",), classes=("cat", "bear", "knife"))
    assert main(["extract", "--images", str(root / "edges"), "--out", str(tmp_path / "t.h5")]) == 0
    err = capsys.readouterr().err
    assert "2 of 3 class folders are not among the model's 10 classes" in err
    assert "bear, knife" in err and "their 4 images" in err and "--class-map" in err


def test_matching_class_folders_say_nothing(tmp_path, capsys):
    root = _small_copy(tmp_path, experiments=("edges",), classes=("cat", "truck"))
    assert main(["extract", "--images", str(root / "edges"), "--out", str(tmp_path / "t.h5")]) == 0
    assert "class folders" not in capsys.readouterr().err


@pytest.mark.parametrize("class_map", ["geirhos16"])
def test_with_a_class_map_the_unmapped_folders_are_counted(tmp_path, capsys, class_map):
    root = _small_copy(tmp_path, experiments=("edges",), classes=("cat", "bear", "knife"))
    assert main(["extract", "--images", str(root / "edges"), "--class-map", class_map, "--out", str(tmp_path / "t.h5")]) == 0
    err = capsys.readouterr().err
    assert "with --class-map geirhos16" in err
