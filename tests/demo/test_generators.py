"""The demo instrument files: layout, determinism, and the paper's numbers read back from them.

Figures are computed here with plain numpy/scipy (see `reading`), never with cqdlab's own
parsers or analysis, so a bug there cannot hide a bug in the demo or the other way round.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np
import pytest
from pvlib.spectrum import get_reference_spectra
from scipy import constants
from scipy.optimize import curve_fit
from scipy.signal import savgol_filter
from scipy.stats import linregress

from demo.generators.diode import THERMAL_VOLTAGE_V, jv_figures
from demo.generators.instruments import (
    AGING,
    AGING_DEVICES,
    GROUPS,
    DemoFile,
    DemoTarget,
    aging_files,
    champion_indices,
    experiment_targets,
    generate_experiment,
    group_named,
    shorted_indices,
)

from .reading import Figures, TextFile, read
from .reading import jv_figures as read_jv_figures

SEED = 2025
GROUP_NAMES = [g.name for g in GROUPS]
HEADERS = {
    "jv": ["Voltage (V)", "Current density (mA/cm2)"],
    "eqe": ["Wavelength (nm)", "EQE (%)"],
    "mpp": ["Time (s)", "Voltage (V)", "Current density (mA/cm2)", "Power (mW/cm2)"],
    "intensity": ["Light intensity (mW/cm2)", "Voc (V)", "Jsc (mA/cm2)"],
    "trpl": ["Time (ns)", "Counts"],
    "tpv": ["Time (s)", "Voltage (V)"],
    "absorbance": ["Wavelength (nm)", "Absorbance"],
    "pl": ["Wavelength (nm)", "Intensity (counts)"],
}
# From the paper (domain.md). The 1.0 eV target PCE is typed as 8.65 % but its own
# Voc x Jsc x FF gives 8.97 %: the demo mean must be within tolerance of both.
PAPER_PCE = {
    "1.3eV-target": (12.7,),
    "1.3eV-control": (10.9,),
    "1.0eV-target": (8.65, 8.97),
    "1.0eV-control": (7.13,),
}
PAPER_CHAMPION = {"1.3eV-target": 13.1, "1.3eV-control": 11.3}
PAPER_VOC_JSC_FF = {"1.0eV-target": (0.47, 32.9, 0.58), "1.0eV-control": (0.45, 31.7, 0.50)}
PAPER_EQE_JSC = {"1.3eV-target": 28.0, "1.3eV-control": 27.4}
PAPER_MPP = {"1.3eV-target": 12.5, "1.3eV-control": 10.7}
PAPER_IDEALITY = {"target": 1.49, "control": 1.91}
PAPER_TPV_US = {"target": 6.6, "control": 4.7}
PAPER_TRPL_US = {"target": (1.05, 3.56), "control": (0.42, 5.62)}
PAPER_AGING = {
    ("target", "argon", 168): 1.25,
    ("target", "argon", 1000): 1.05,
    ("control", "argon", 1000): 0.65,
    ("target", "air80c", 10): 0.89,
    ("control", "air80c", 10): 0.67,
}
PAPER_PL_FWHM_NM = {"target": 65.0, "control": 66.0}


@pytest.fixture(scope="module")
def files() -> list[DemoFile]:
    return generate_experiment(seed=SEED)


@pytest.fixture(scope="module")
def targets() -> dict[str, DemoTarget]:
    return {t.default_code: t for t in experiment_targets()}


@pytest.fixture(scope="module")
def parsed(files) -> dict[str, TextFile]:
    return {f.filename: read(f.content) for f in files}


@pytest.fixture(scope="module")
def fresh_jv(files, targets, parsed) -> dict[tuple[str, str], list[tuple[int, Figures]]]:
    """(group, scan direction) -> [(device index, figures)] of the statistics devices."""
    result = defaultdict(list)
    for f in files:
        target = targets[f.target_code]
        if f.kind == "jv" and target.purpose == "statistics":
            text = parsed[f.filename]
            figures = read_jv_figures(
                text.column("Voltage (V)"), text.column("Current density (mA/cm2)")
            )
            result[(target.group, text.metadata["Scan direction"])].append((target.index, figures))
    return result


def working(fresh_jv, group: str, direction: str = "reverse") -> list[Figures]:
    """Devices an exclusion rule keeps (FF above 0.3): what the paper's means are over."""
    return [fig for _, fig in fresh_jv[(group, direction)] if fig.ff > 0.30]


def of_kind(files, targets, kind: str, group: str) -> list[DemoFile]:
    return [f for f in files if f.kind == kind and targets[f.target_code].group == group]


# --- determinism, counts, layout ------------------------------------------------------------


def test_the_same_seed_gives_the_same_files_byte_for_byte(files):
    again = generate_experiment(seed=SEED)
    assert [(f.filename, f.content, f.measured_at) for f in again] == [
        (f.filename, f.content, f.measured_at) for f in files
    ]


def test_another_seed_gives_the_same_files_with_other_noise(files):
    other = generate_experiment(seed=SEED + 1)
    assert [f.filename for f in other] == [f.filename for f in files]
    assert sum(a.content != b.content for a, b in zip(other, files, strict=True)) == len(files)


def test_it_writes_the_expected_number_of_files_per_kind(files):
    per_group_aging = sum(n * len(_hours(c)) for c, n in AGING_DEVICES.items())
    assert Counter(f.kind for f in files) == {
        "jv": 4 * 30 * 2 + 4 * per_group_aging,  # 240 fresh scans + 164 aging scans
        "eqe": 12,
        "mpp": 12,
        "intensity": 12,
        "tpv": 12,
        "absorbance": 6,  # 2 syntheses + 4 films
        "pl": 6,
        "trpl": 4,
    }
    assert len(files) == 468


def test_file_names_are_unique(files):
    assert len({f.filename for f in files}) == len(files)


def test_every_file_is_utf8_text_in_the_lab_layout(files):
    for f in files:
        lines = f.content.decode("utf-8").split("\n")
        blank = lines.index("")
        assert blank >= 2 and lines[-1] == "" and "" not in lines[blank + 1 : -1], f.filename
        for line in lines[:blank]:
            assert re.fullmatch(r"[A-Z][^:\t]*: \S.*", line), (f.filename, line)
        header = lines[blank + 1].split("\t")
        assert header == HEADERS[f.kind], f.filename
        for cell in header:
            assert re.fullmatch(r"[A-Z][\w ]* \([^()]+\)|Absorbance|Counts", cell), cell
        for row in lines[blank + 2 : -1]:
            cells = row.split("\t")
            assert len(cells) == len(header), (f.filename, row)
            assert all(re.fullmatch(r"-?\d+(\.\d+)?(e[+-]\d+)?", c) for c in cells), row


def test_every_file_names_its_sample_and_date_as_the_upload_does(files):
    for f in files:
        metadata = read(f.content).metadata
        assert metadata["Sample"] == f.target_code
        assert datetime.fromisoformat(metadata["Date"]) == f.measured_at


def test_the_whole_experiment_generates_in_a_few_seconds():
    started = time.perf_counter()
    generate_experiment(seed=7)
    assert time.perf_counter() - started < 5.0


def test_codes_can_be_given_as_a_callable_or_a_mapping(files):
    renamed = generate_experiment(codes=lambda t: "X/" + t.default_code, seed=SEED)
    assert {f.target_code for f in renamed} == {"X/" + f.target_code for f in files}
    mapping = {t: f"T{i}" for i, t in enumerate(experiment_targets())}
    mapped = generate_experiment(codes=mapping, seed=SEED)
    assert {f.target_code for f in mapped} == set(mapping.values())
    with pytest.raises(KeyError):
        generate_experiment(codes={}, seed=SEED)


def test_targets_cover_thirty_devices_per_variant_plus_the_stability_pixels():
    purposes = Counter((t.group, t.purpose) for t in experiment_targets())
    for name in GROUP_NAMES:
        assert purposes[(name, "statistics")] == 30
        assert purposes[(name, "aging-argon")] == AGING_DEVICES["argon"]
        assert purposes[(name, "aging-air80c")] == AGING_DEVICES["air80c"]
        assert purposes[(name, "film")] == 1
    assert purposes[(None, "synthesis")] == 2


# --- J-V ------------------------------------------------------------------------------------


def test_reverse_scans_run_from_above_voc_to_minus_0_1_v_and_forward_scans_back(files, parsed):
    for f in (f for f in files if f.kind == "jv"):
        text = parsed[f.filename]
        v, j = text.column("Voltage (V)"), text.column("Current density (mA/cm2)")
        steps = np.diff(v)
        if text.metadata["Scan direction"] == "reverse":
            assert np.allclose(steps, -0.01) and v[-1] == -0.10 and j[0] > 0, f.filename
        else:
            assert np.allclose(steps, 0.01) and v[0] == -0.10 and j[-1] > 0, f.filename


def test_jv_files_use_the_load_convention_of_an_smu(files, parsed):
    for f in (f for f in files if f.kind == "jv"):
        text = parsed[f.filename]
        j_at_zero = np.interp(0.0, *_ascending(text, "Voltage (V)", "Current density (mA/cm2)"))
        assert j_at_zero < -10.0, f.filename


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_group_mean_pce_is_the_papers(fresh_jv, group):
    mean = np.mean([fig.pce_percent for fig in working(fresh_jv, group)])
    for paper in PAPER_PCE[group]:
        assert mean == pytest.approx(paper, abs=0.3)


@pytest.mark.parametrize("group", sorted(PAPER_VOC_JSC_FF))
def test_large_dot_voc_jsc_and_ff_are_the_papers(fresh_jv, group):
    figs = working(fresh_jv, group)
    voc, jsc, ff = PAPER_VOC_JSC_FF[group]
    assert np.mean([f.voc_v for f in figs]) == pytest.approx(voc, abs=0.01)
    assert np.mean([f.jsc_ma_cm2 for f in figs]) == pytest.approx(jsc, abs=0.5)
    assert np.mean([f.ff for f in figs]) == pytest.approx(ff, abs=0.015)


@pytest.mark.parametrize("group", sorted(PAPER_CHAMPION))
def test_the_champion_is_the_papers(fresh_jv, group):
    best = max(fig.pce_percent for fig in working(fresh_jv, group))
    assert best == pytest.approx(PAPER_CHAMPION[group], abs=0.3)


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_device_to_device_spread_is_a_few_tenths_of_a_percent(fresh_jv, group):
    sd = np.std([fig.pce_percent for fig in working(fresh_jv, group)], ddof=1)
    assert 0.25 <= sd <= 0.45


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_two_or_three_devices_per_group_are_shorted_and_an_exclusion_rule_finds_them(
    fresh_jv, group
):
    excluded = sorted(i for i, fig in fresh_jv[(group, "reverse")] if fig.ff <= 0.30)
    assert 2 <= len(excluded) <= 3
    assert excluded == sorted(shorted_indices(group_named(group)))


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_forward_scans_are_slightly_lower_as_pbs_shows_little_hysteresis(fresh_jv, group):
    reverse = dict(fresh_jv[(group, "reverse")])
    for index, forward in fresh_jv[(group, "forward")]:
        if reverse[index].ff > 0.30:
            ratio = forward.pce_percent / reverse[index].pce_percent
            assert 0.95 < ratio < 1.0


def test_the_nominal_control_diode_of_the_large_dots_is_analysis_test_device_b():
    figures = jv_figures(group_named("1.0eV-control").diode)
    assert figures.voc_v == pytest.approx(0.4500, abs=1e-4)
    assert figures.jsc_ma_cm2 == pytest.approx(31.700, abs=1e-3)
    assert figures.ff == pytest.approx(0.4999, abs=2e-4)
    assert figures.pce_percent == pytest.approx(7.131, abs=3e-3)


# --- aging ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "condition", "hours"), sorted(PAPER_AGING))
def test_aging_follows_the_paper(files, targets, parsed, role, condition, hours):
    for group in (g for g in GROUPS if g.role == role):
        series = defaultdict(list)
        for f in of_kind(files, targets, "jv", group.name):
            if f.aging is not None and f.aging.condition == condition:
                text = parsed[f.filename]
                figures = read_jv_figures(
                    text.column("Voltage (V)"), text.column("Current density (mA/cm2)")
                )
                series[f.aging.hours].append(figures.pce_percent)
        ratio = np.mean(series[hours]) / np.mean(series[0])
        assert ratio == pytest.approx(PAPER_AGING[(role, condition, hours)], abs=0.05)


def test_aging_files_carry_their_storage_condition_and_time(files):
    aging = [f for f in files if f.aging is not None]
    assert aging and all(f.kind == "jv" for f in aging)
    for f in aging:
        metadata = read(f.content).metadata
        assert float(metadata["Aging time (h)"]) == f.aging.hours
        assert metadata["Aging protocol"] == f.aging.protocol
    heated = [f for f in aging if f.aging.condition == "air80c"]
    assert {f.aging.temperature_c for f in heated} == {80.0}
    assert {f.aging.atmosphere for f in heated} == {"ambient air"}


def test_an_aging_series_is_the_same_device_measured_at_later_dates():
    group = group_named("1.3eV-target")
    start = datetime(2025, 6, 17, 9, 0)
    series = aging_files(group, "S/P1", "argon", start, np.random.default_rng(1))
    assert {f.target_code for f in series} == {"S/P1"}
    hours = [(f.measured_at - start).total_seconds() / 3600 for f in series]
    assert hours == [0, 24, 48, 96, 168, 336, 500, 750, 1000]


def test_aging_rejects_an_unknown_condition():
    with pytest.raises(ValueError, match="argon"):
        aging_files(GROUPS[0], "S/P1", "sauna", datetime(2025, 1, 1), np.random.default_rng(1))


# --- champion-device characterisation -------------------------------------------------------


def test_only_the_champions_get_eqe_mpp_intensity_and_tpv(files, targets):
    for kind in ("eqe", "mpp", "intensity", "tpv"):
        for group in GROUPS:
            measured = {
                targets[f.target_code].index for f in of_kind(files, targets, kind, group.name)
            }
            assert measured == set(champion_indices(group))


@pytest.mark.parametrize("group", sorted(PAPER_EQE_JSC))
def test_eqe_integrates_to_the_papers_jsc_close_to_the_jv_jsc(
    files, targets, parsed, fresh_jv, group
):
    reverse = dict(fresh_jv[(group, "reverse")])
    integrated = []
    for f in of_kind(files, targets, "eqe", group):
        text = parsed[f.filename]
        jsc = _am15g_jsc(text.column("Wavelength (nm)"), text.column("EQE (%)") / 100.0)
        integrated.append(jsc)
        jv_jsc = reverse[targets[f.target_code].index].jsc_ma_cm2
        assert abs(jsc - jv_jsc) / jv_jsc < 0.05
    assert np.mean(integrated) == pytest.approx(PAPER_EQE_JSC[group], abs=0.3)


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_eqe_shows_the_exciton_bump_before_the_edge(files, targets, parsed, group):
    exciton = group_named(group).film_exciton_nm
    for f in of_kind(files, targets, "eqe", group):
        text = parsed[f.filename]
        wavelength, eqe = text.column("Wavelength (nm)"), text.column("EQE (%)")
        assert (
            # To 1500 nm (1.3 eV dots) or 1650 nm (1.0 eV): the sub-gap tail down to the floor.
            wavelength[0] == 300 and wavelength[-1] >= 1500 and np.allclose(np.diff(wavelength), 10)
        )
        assert abs(_local_peak(wavelength, eqe, exciton, 40.0) - exciton) <= 20.0
        assert eqe.max() < 90.0


@pytest.mark.parametrize("group", sorted(PAPER_MPP))
def test_mpp_tracking_stabilises_at_the_papers_pce(files, targets, parsed, group):
    stabilised = []
    for f in of_kind(files, targets, "mpp", group):
        text = parsed[f.filename]
        t, power = text.column("Time (s)"), text.column("Power (mW/cm2)")
        assert t[0] == 0 and t[-1] == 60 and np.allclose(np.diff(t), 1.0)
        assert power[0] < power[t >= 30].mean()  # the settling transient
        stabilised.append(power[t >= 30].mean())
    assert np.mean(stabilised) == pytest.approx(PAPER_MPP[group], abs=0.15)


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_voc_versus_intensity_gives_the_papers_ideality_factor(files, targets, parsed, group):
    for f in of_kind(files, targets, "intensity", group):
        text = parsed[f.filename]
        intensity, voc = text.column("Light intensity (mW/cm2)"), text.column("Voc (V)")
        assert len(intensity) == 8 and intensity.min() == 1 and intensity.max() == 100
        n = linregress(np.log(intensity), voc).slope / THERMAL_VOLTAGE_V
        assert n == pytest.approx(PAPER_IDEALITY[group_named(group).role], abs=0.05)


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_tpv_decays_with_the_papers_lifetime_on_a_voc_baseline(files, targets, parsed, group):
    taus = []
    for f in of_kind(files, targets, "tpv", group):
        text = parsed[f.filename]
        t, v = text.column("Time (s)"), text.column("Voltage (V)")
        baseline = v[t < 0].mean()
        after = t >= 0

        def mono(x, a, tau):
            return a * np.exp(-x / tau)

        (amplitude, tau), _ = curve_fit(mono, t[after], v[after] - baseline, p0=(3e-3, 5e-6))
        assert 1e-3 < amplitude < 5e-3  # small signal: well under kT/q
        taus.append(tau * 1e6)
    assert np.mean(taus) == pytest.approx(PAPER_TPV_US[group_named(group).role], rel=0.05)


# --- films and syntheses --------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_trpl_fits_back_to_the_papers_lifetimes(files, targets, parsed, group):
    (f,) = of_kind(files, targets, "trpl", group)
    text = parsed[f.filename]
    t, counts = text.column("Time (ns)"), text.column("Counts")
    assert 1000 <= len(t) <= 1100 and np.allclose(np.diff(t), 10.0)
    peak = int(np.argmax(counts))
    tail_t, tail = t[peak:] - t[peak], counts[peak:]

    def biexp(x, a1, tau1, a2, tau2, background):
        return a1 * np.exp(-x / tau1) + a2 * np.exp(-x / tau2) + background

    popt, _ = curve_fit(
        biexp,
        tail_t,
        tail,
        p0=(5e3, 500.0, 5e3, 4000.0, 10.0),
        sigma=np.sqrt(np.maximum(tail, 1.0)),
        maxfev=20000,
    )
    tau1, tau2 = sorted((popt[1] / 1e3, popt[3] / 1e3))
    paper1, paper2 = PAPER_TRPL_US[group_named(group).role]
    assert tau1 == pytest.approx(paper1, rel=0.10)
    assert tau2 == pytest.approx(paper2, rel=0.10)


def test_solution_absorbance_peaks_at_the_dots_first_exciton(files, parsed):
    for f in (f for f in files if f.kind == "absorbance" and f.target_type == "synthesis"):
        text = parsed[f.filename]
        wavelength, a = text.column("Wavelength (nm)"), text.column("Absorbance")
        assert wavelength[0] == 400 and wavelength[-1] == 1600
        exciton = 933.0 if "933" in f.target_code else 1180.0
        assert abs(_local_peak(wavelength, a, exciton, 40.0, smooth=15) - exciton) <= 3.0
        assert a[0] > 3 * a[np.argmin(np.abs(wavelength - exciton))]  # rising to the UV


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_film_absorbance_shows_the_red_shifted_exciton(files, targets, parsed, group):
    (f,) = of_kind(files, targets, "absorbance", group)
    text = parsed[f.filename]
    exciton = group_named(group).film_exciton_nm
    wavelength, a = text.column("Wavelength (nm)"), text.column("Absorbance")
    peak = _local_peak(wavelength, a, exciton, 40.0, smooth=15)
    # A film's exciton is broad and flat-topped: read to +-5 nm, not the +-3 of a solution.
    assert abs(peak - exciton) <= 5.0 and peak > group_named(group).exciton_nm


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_film_pl_is_stokes_shifted_with_the_papers_width(files, targets, parsed, group):
    (f,) = of_kind(files, targets, "pl", group)
    text = parsed[f.filename]
    wavelength, counts = text.column("Wavelength (nm)"), text.column("Intensity (counts)")
    smooth = np.convolve(counts, np.ones(5) / 5, mode="same")
    background = np.median(counts[-20:])
    above = wavelength[smooth - background >= 0.5 * (smooth.max() - background)]
    fwhm = above.max() - above.min()
    assert fwhm == pytest.approx(PAPER_PL_FWHM_NM[group_named(group).role], abs=3.0)
    assert wavelength[np.argmax(smooth)] > group_named(group).film_exciton_nm + 20


# --- helpers --------------------------------------------------------------------------------


def _hours(condition: str) -> tuple[float, ...]:
    return AGING[condition].hours


def _ascending(text: TextFile, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(text.column(x))
    return text.column(x)[order], text.column(y)[order]


def _local_peak(
    x: np.ndarray, y: np.ndarray, near: float, half_width: float, smooth: int = 0
) -> float:
    """The maximum within +-half_width of `near`, required to be interior (a real peak).

    `smooth` points of Savitzky-Golay first, as a spectroscopist would on a flat-topped peak.
    """
    if smooth:
        y = savgol_filter(y, smooth, 3)
    window = np.abs(x - near) <= half_width
    k = int(np.argmax(y[window]))
    assert 0 < k < window.sum() - 1, "no local maximum: the curve is monotonic here"
    return float(x[window][k])


def _am15g_jsc(wavelength: np.ndarray, eqe: np.ndarray) -> float:
    spectrum = get_reference_spectra()
    wl = spectrum.index.to_numpy(dtype=float)
    flux = spectrum["global"].to_numpy() * wl * 1e-9 / (constants.h * constants.c)
    on_grid = np.interp(wl, wavelength, eqe, left=0.0, right=0.0)
    return float(constants.e * np.trapezoid(on_grid * flux, wl) * 0.1)
