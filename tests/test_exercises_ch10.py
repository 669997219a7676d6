"""Chapter 10's count_regions exercise counts what helpers.via reads: the reference agrees
with via.load_via on the course's file and on a copy with an empty (null) region entry."""

import copy
import json

from helpers import config, via
from helpers.exercises import ch10


def test_count_regions_reference_agrees_with_load_via(tmp_path):
    path = config.data_dir("mri") / "via_annotations.json"
    raw = json.loads(path.read_text())
    damaged = copy.deepcopy(raw)
    next(iter(damaged.values()))["regions"].append(None)  # as section 4 does
    for name, annotations in (("course", raw), ("damaged", damaged)):
        written = tmp_path / f"{name}.json"
        written.write_text(json.dumps(annotations))
        project = via.load_via(written)
        expected = {image.filename: len(image.regions) for image in project.images}
        assert ch10.count_regions.reference(annotations) == expected
