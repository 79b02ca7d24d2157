from measurements.provenance import area_provenance


def test_the_upload_wins_and_a_header_that_disagrees_with_the_device_is_flagged():
    p = area_provenance({"upload": None, "device": 0.05, "file": 0.16}, 0.05)
    assert p["used_cm2"] == 0.05 and p["source"] == "device" and p["disagree"]
    assert p["sources"] == {"device": 0.05, "file": 0.16}
    p = area_provenance({"upload": 0.1, "device": 0.05}, 0.05)
    assert p["used_cm2"] == 0.1 and p["source"] == "upload"


def test_the_mask_aperture_defines_the_lit_area_before_the_device_record():
    p = area_provenance({"mask": 0.0404, "device": 0.0400, "file": 0.0404}, 0.05)
    assert p["source"] == "mask" and p["used_cm2"] == 0.0404 and not p["disagree"]


def test_no_stated_area_leaves_it_empty():
    assert area_provenance({}, 0.05)["used_cm2"] is None
