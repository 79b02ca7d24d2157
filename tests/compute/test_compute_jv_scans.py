"""Which light scans of a device pair into a hysteresis index, and which direction a scan has."""

from __future__ import annotations

from analysis.compute.jv import Scan, pair_scans, resolve_direction


def test_scans_pair_per_pixel_in_time_order_with_their_next_opposite_scan():
    scans = [
        Scan("r1", "1", "reverse", 0, 0),
        Scan("f1", "1", "forward", 0, 1),
        Scan("r2", "1", "reverse", 600, 0),
        Scan("r3", "1", "reverse", 660, 0),  # two reverse scans in a row: the later pairs
        Scan("f3", "1", "forward", 720, 0),
        Scan("f9", "2", "forward", 0, 0),  # another pixel, alone
        Scan("x", "1", None, 800, 0),  # direction unknown: never paired
    ]
    assert pair_scans(scans, window_s=120) == [("r1", "f1"), ("r3", "f3")]
    assert pair_scans(scans, window_s=30) == [("r1", "f1")]


def test_the_declared_direction_wins_where_the_layout_cannot_tell_and_a_conflict_is_flagged():
    assert resolve_direction("forward", "reverse", layout_reliable=False) == ("forward", [])
    assert resolve_direction("forward", "reverse", True) == ("forward", ["direction_conflict"])
    assert resolve_direction(None, "reverse", True) == ("reverse", [])
    assert resolve_direction(None, "reverse", False) == (None, ["direction_unknown"])
