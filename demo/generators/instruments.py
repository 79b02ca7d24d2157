"""Instrument files for the reference paper's experiment, generated, deterministic from a seed.

`generate_experiment()` returns every file (bytes in the lab's generic delimited-text format,
see `textfile`) with what the app needs to file it: target, kind, date, area, irradiance and,
for stability series, the aging condition. The app's `load_demo` pushes them through the same
parsers and analysis as real uploads.

Codes: the app owns its codes. `experiment_targets()` lists every device, film and synthesis
the files belong to, as `DemoTarget`s (group, index, substrate, pixel, purpose) with a
`default_code` such as "B1-1.0eV/T/S1/P1". Pass `codes` to `generate_experiment` as a mapping
or callable from `DemoTarget` to the app's code; by default `default_code` is used.

J-V files use the load convention of an SMU (J < 0 under light). Everything else is positive.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from demo.generators.diode import (
    THERMAL_VOLTAGE_V,
    DiodeParams,
    current_density,
    jv_figures,
    with_pce,
)
from demo.generators.groups import (
    AGING,
    AGING_CONDITIONS,
    GROUPS,
    AgingCondition,
    Decay,
    Group,
    aging_condition,
    champion_indices,
    device_plan,
    group_named,
    shorted_indices,
)
from demo.generators.spectra import (
    HC_EV_NM,
    biexponential,
    eqe_shape,
    film_absorbance,
    integrated_jsc_ma_cm2,
    pl_intensity,
    solution_absorbance,
    stokes_shift_ev,
    with_urbach_tail,
)
from demo.generators.textfile import iso, render

__all__ = [
    "AGING",
    "AGING_CONDITIONS",
    "AGING_DEVICES",
    "DOT_SIZES",
    "GROUPS",
    "AgingCondition",
    "AgingTag",
    "CodeSource",
    "Decay",
    "DemoFile",
    "DemoTarget",
    "Group",
    "aging_files",
    "champion_indices",
    "device_files",
    "experiment_targets",
    "film_files",
    "generate_experiment",
    "group_named",
    "shorted_indices",
    "synthesis_files",
]

DOT_SIZES = ("1.0eV", "1.3eV")
SOLUTION_EXCITON_NM = {"1.3eV": 933.0, "1.0eV": 1180.0}
# Stability pixels sit on their own substrates, so the 30 statistics devices stay fresh.
AGING_DEVICES = {"argon": 3, "air80c": 2}
_AGING_SUBSTRATE = {"argon": 6, "air80c": 7}
PIXELS_PER_SUBSTRATE = 6
SCAN_RATE_MV_S = 100
_SOLUTION_PL_FWHM_NM = {"1.3eV": 62.0, "1.0eV": 60.0}
_ABSORBANCE_NM = np.arange(400.0, 1601.0, 2.0)


@dataclass(frozen=True)
class AgingTag:
    """Where a J-V file sits in a stability series; the storage facts belong with it."""

    condition: str  # "argon" | "air80c"
    hours: float
    atmosphere: str
    temperature_c: float
    relative_humidity_percent: float | None
    light: str
    protocol: str

    @classmethod
    def at(cls, storage: AgingCondition, hours: float) -> AgingTag:
        return cls(
            condition=storage.name,
            hours=float(hours),
            atmosphere=storage.atmosphere,
            temperature_c=storage.temperature_c,
            relative_humidity_percent=storage.relative_humidity_percent,
            light=storage.light,
            protocol=storage.protocol,
        )


@dataclass(frozen=True)
class DemoFile:
    """One instrument file and what an upload of it would say."""

    filename: str
    content: bytes
    kind: str  # jv | eqe | mpp | intensity | trpl | tpv | absorbance | pl
    measured_at: datetime
    target_code: str
    area_cm2: float | None
    irradiance_mw_cm2: float | None
    notes: str
    target_type: str = "device"  # device | film | synthesis
    aging: AgingTag | None = None


@dataclass(frozen=True)
class DemoTarget:
    """A device, film or synthesis that demo files are measured on."""

    target_type: str  # device | film | synthesis
    purpose: str  # statistics | aging-argon | aging-air80c | film | synthesis
    dot_size: str
    group: str | None  # a GROUPS name; None for a synthesis
    index: int  # device index within its purpose (statistics: 0..29), film replicate
    substrate: int | None = None
    pixel: int | None = None

    @property
    def default_code(self) -> str:
        if self.target_type == "synthesis":
            return f"PbS-{SOLUTION_EXCITON_NM[self.dot_size]:.0f}-A"
        group = group_named(self.group or "")
        if self.target_type == "film":
            return f"{group.batch}/{group.variant}/F{self.index + 1}"
        return f"{group.batch}/{group.variant}/S{self.substrate}/P{self.pixel}"


CodeSource = Mapping[DemoTarget, str] | Callable[[DemoTarget], str]


# --- devices -------------------------------------------------------------------------------


def device_files(
    group: Group, device_code: str, index: int, start: datetime, rng: np.random.Generator
) -> list[DemoFile]:
    """Reverse and forward J-V of statistics device `index` (0..n_devices-1) of `group`.

    Scans start at `start` + 3 min per index. The champion devices (`champion_indices`) also
    get EQE, MPP tracking, Voc-vs-intensity and TPV files, 4 h later.
    """
    plan = device_plan(group)
    params = (
        _shorted_diode(group, rng)
        if plan[index] is None
        else _working_diode(group, plan[index], rng)
    )
    moment = start + timedelta(minutes=3 * index)
    files = [
        _jv_file(group, device_code, params, "reverse", moment, rng),
        _jv_file(
            group, device_code, _forward(params), "forward", moment + timedelta(minutes=1), rng
        ),
    ]
    champions = champion_indices(group)
    if index in champions:
        later = start + timedelta(hours=4, minutes=30 * champions.index(index))
        files += _characterisation_files(group, device_code, params, later, rng)
    return files


def aging_files(
    group: Group, device_code: str, condition: str, start: datetime, rng: np.random.Generator
) -> list[DemoFile]:
    """Reverse J-V of one stability device at every time point of `condition`, t = 0 at `start`.

    The device is a fresh pixel of `group` (drawn from `rng`); later scans follow the group's
    aging response with ~1 % device-to-device wobble.
    """
    storage = aging_condition(condition)
    fresh = _working_diode(group, float(np.clip(rng.normal(), -1.5, 1.5)), rng)
    pce0 = jv_figures(fresh).pce_percent
    files = []
    for hours, ratio in zip(storage.hours, group.aging.ratios(condition), strict=True):
        params = fresh if hours == 0 else with_pce(fresh, pce0 * ratio * (1 + 0.01 * rng.normal()))
        tag = AgingTag.at(storage, hours)
        moment = start + timedelta(hours=hours)
        files.append(_jv_file(group, device_code, params, "reverse", moment, rng, aging=tag))
    return files


def _working_diode(group: Group, score: float, rng: np.random.Generator) -> DiodeParams:
    """A working device: the nominal diode jittered, then tuned to its planned PCE.

    The jitter decorrelates Voc, Jsc and FF (pixels differ in more than one way); the tuning
    pins PCE to mean + sd x score so group statistics match the paper for any seed.
    """
    e = rng.normal(size=5)
    d = group.diode
    jittered = replace(
        d,
        j_ph_ma_cm2=d.j_ph_ma_cm2 * (1 + 0.006 * e[0]),
        j0_a_cm2=d.j0_a_cm2 * np.exp(0.3 * e[1]),
        rs_ohm_cm2=d.rs_ohm_cm2 * np.exp(0.08 * e[2]),
        rsh_ohm_cm2=d.rsh_ohm_cm2 * np.exp(0.2 * e[3]),
    )
    return with_pce(jittered, group.pce_mean_percent + group.pce_sd_percent * (score + 0.1 * e[4]))


def _shorted_diode(group: Group, rng: np.random.Generator) -> DiodeParams:
    """A pinhole through the absorber: a shunt of a few ohm cm2, a leakier diode, FF ~0.25-0.3."""
    return replace(
        group.diode,
        rsh_ohm_cm2=float(rng.uniform(3.0, 10.0)),
        j0_a_cm2=group.diode.j0_a_cm2 * float(rng.uniform(3.0, 10.0)),
    )


def _forward(params: DiodeParams) -> DiodeParams:
    """The forward scan of the same pixel: PbS cells show little hysteresis, ~1-2 % in PCE."""
    return replace(
        params,
        j_ph_ma_cm2=params.j_ph_ma_cm2 * 0.998,
        j0_a_cm2=params.j0_a_cm2 * 1.1,
        rs_ohm_cm2=params.rs_ohm_cm2 * 1.03,
    )


def _scan_voltages(v_start: float, direction: str) -> np.ndarray:
    """0.01 V steps from above Voc down to -0.1 V (reverse), or back up (forward)."""
    steps = int(round((v_start + 0.1) / 0.01)) + 1
    reverse = np.round(v_start - 0.01 * np.arange(steps), 2)
    return reverse if direction == "reverse" else reverse[::-1]


def _jv_file(
    group: Group,
    code: str,
    params: DiodeParams,
    direction: str,
    moment: datetime,
    rng: np.random.Generator,
    aging: AgingTag | None = None,
) -> DemoFile:
    v = _scan_voltages(group.v_start_v, direction)
    j = current_density(params, v)
    if j.min() > -1.0:  # a scan that never passes Voc would hide the device's Voc and FF
        raise ValueError(f"{group.name}: a {group.v_start_v} V scan start is below Voc")
    # SMU noise floor plus ~0.15 % lamp flicker.
    measured = j + rng.normal(0.0, 0.01 + 0.0015 * np.abs(j))
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Area (cm2)", f"{group.area_cm2:g}"),
        ("Irradiance (mW/cm2)", "100"),
        ("Scan direction", direction),
        ("Scan rate (mV/s)", str(SCAN_RATE_MV_S)),
    ]
    tag, notes = direction, f"{direction} scan"
    if aging is not None:
        metadata += _aging_metadata(aging)
        tag = f"{aging.condition}-{aging.hours:04.0f}h"
        notes = f"aging {aging.condition} ({aging.protocol}), {aging.hours:g} h, {direction} scan"
    content = render(
        metadata,
        [
            ("Voltage (V)", "%.2f", v),
            ("Current density (mA/cm2)", "%.3f", -measured),  # load convention, as the SMU
        ],
    )
    return _demo_file(code, tag, "jv", content, moment, group.area_cm2, 100.0, notes, aging)


def _aging_metadata(aging: AgingTag) -> list[tuple[str, str]]:
    storage = [aging.atmosphere, aging.light, f"{aging.temperature_c:g} C"]
    if aging.relative_humidity_percent is not None:
        storage.append(f"{aging.relative_humidity_percent:g} % RH")
    return [
        ("Aging condition", ", ".join(storage)),
        ("Aging protocol", aging.protocol),
        ("Aging time (h)", f"{aging.hours:g}"),
    ]


def _demo_file(
    code: str,
    tag: str | None,
    kind: str,
    content: bytes,
    moment: datetime,
    area: float | None,
    irradiance: float | None,
    notes: str,
    aging: AgingTag | None = None,
    target_type: str = "device",
) -> DemoFile:
    # <sample>.<notes>.<technique>.txt, the lab's naming habit (analysis-methods §13).
    parts = [code.replace("/", "_").replace(" ", "_"), *([tag] if tag else []), kind, "txt"]
    return DemoFile(
        filename=".".join(parts),
        content=content,
        kind=kind,
        measured_at=moment,
        target_code=code,
        area_cm2=area,
        irradiance_mw_cm2=irradiance,
        notes=notes,
        target_type=target_type,
        aging=aging,
    )


# --- champion-device characterisation ------------------------------------------------------


def _characterisation_files(
    group: Group, code: str, params: DiodeParams, start: datetime, rng: np.random.Generator
) -> list[DemoFile]:
    minutes = [start + timedelta(minutes=m) for m in (0, 8, 15, 22)]
    return [
        _eqe_file(group, code, params, minutes[0], rng),
        _mpp_file(group, code, params, minutes[1], rng),
        _intensity_file(group, code, params, minutes[2], rng),
        _tpv_file(group, code, params, minutes[3], rng),
    ]


def _eqe_file(
    group: Group, code: str, params: DiodeParams, moment: datetime, rng: np.random.Generator
) -> DemoFile:
    """EQE scaled so its AM1.5G-integrated Jsc is the group's (the paper's 28.0 / 27.4).

    Kept 1-4.5 % under this device's own J-V Jsc, as spectral mismatch and the missing light
    bias leave it, so a Jsc cross-check on the champion never raises the usual 5 % flag.
    The exciton bump sits at the film's exciton: in the device the dots are a film.
    """
    # An InGaAs-extended lock-in setup: to where the dots' sub-gap tail meets the noise floor.
    wavelength = np.arange(300.0, 1501.0 if group.dot_size == "1.3eV" else 1651.0, 10.0)
    shape = with_urbach_tail(
        wavelength, eqe_shape(wavelength, group.dot_size, group.film_exciton_nm), group.urbach_mev
    )
    jv_jsc = jv_figures(params).jsc_ma_cm2
    target = np.clip(
        group.eqe_jsc_ma_cm2 * (1 + 0.004 * rng.normal()), 0.955 * jv_jsc, 0.99 * jv_jsc
    )
    eqe = shape * target / integrated_jsc_ma_cm2(wavelength, shape)
    # A lock-in EQE: 0.1 % of the signal plus a 3e-5 floor, so the sub-gap tail shows two
    # decades (the Urbach fit and the radiative Voc need it; analysis-methods section 4).
    noise = rng.normal(0.0, 1.0, eqe.size) * (0.001 * eqe + 3e-5)
    eqe = np.clip(eqe + noise, 0.0, None)
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Area (cm2)", f"{group.area_cm2:g}"),
        ("Chopper frequency (Hz)", "210"),
        ("Light bias", "none"),
    ]
    content = render(
        metadata, [("Wavelength (nm)", "%.0f", wavelength), ("EQE (%)", "%.4f", 100 * eqe)]
    )
    return _demo_file(code, None, "eqe", content, moment, group.area_cm2, None, "champion EQE")


def _mpp_file(
    group: Group, code: str, params: DiodeParams, moment: datetime, rng: np.random.Generator
) -> DemoFile:
    """60 s of perturb-and-observe tracking; the power settles from ~5 % low within seconds.

    The steady power is the group's stabilised PCE (averaged over the last 30 s, analysis §6),
    below the J-V PCE as for real CQD cells. Written in the generator convention, as trackers do.
    """
    time = np.arange(0.0, 61.0, 1.0)
    vmp = jv_figures(params).vmp_v
    voltage = np.round(vmp, 3) + 0.005 * rng.integers(-1, 2, time.size)
    model = current_density(params, voltage) * (1 - 0.05 * np.exp(-time / 3.0))
    steady = time >= 30.0
    target = group.mpp_pce_percent * (1 + 0.004 * rng.normal())  # mW/cm2 at 100 mW/cm2
    j = model * target / np.mean(voltage[steady] * model[steady])
    j = j * (1 + 0.0015 * rng.normal(size=time.size))
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Area (cm2)", f"{group.area_cm2:g}"),
        ("Irradiance (mW/cm2)", "100"),
        ("Tracker", "perturb and observe, 5 mV step, 1 s period"),
    ]
    columns = [
        ("Time (s)", "%.1f", time),
        ("Voltage (V)", "%.3f", voltage),
        ("Current density (mA/cm2)", "%.3f", j),
        ("Power (mW/cm2)", "%.3f", voltage * j),
    ]
    content = render(metadata, columns)
    return _demo_file(code, None, "mpp", content, moment, group.area_cm2, 100.0, "champion MPP")


def _intensity_file(
    group: Group, code: str, params: DiodeParams, moment: datetime, rng: np.random.Generator
) -> DemoFile:
    """Voc and Jsc through neutral-density filters: Voc = n kT/q ln I + c, Jsc ~ I^alpha."""
    intensity = np.array([1.0, 2.0, 5.0, 10.0, 20.0, 31.6, 50.0, 100.0])
    fig = jv_figures(params)
    suns = intensity / 100.0
    voc = fig.voc_v + group.intensity_ideality * THERMAL_VOLTAGE_V * np.log(suns)
    voc = voc + rng.normal(0.0, 0.0008, suns.size)
    jsc = (
        fig.jsc_ma_cm2 * suns**group.jsc_intensity_alpha * (1 + 0.003 * rng.normal(size=suns.size))
    )
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Area (cm2)", f"{group.area_cm2:g}"),
        ("Temperature (C)", "25"),
        ("Attenuation", "neutral-density filters"),
    ]
    columns = [
        ("Light intensity (mW/cm2)", "%.1f", intensity),
        ("Voc (V)", "%.4f", voc),
        ("Jsc (mA/cm2)", "%.3f", jsc),
    ]
    content = render(metadata, columns)
    return _demo_file(
        code, None, "intensity", content, moment, group.area_cm2, None, "champion Voc(I)"
    )


def _tpv_file(
    group: Group, code: str, params: DiodeParams, moment: datetime, rng: np.random.Generator
) -> DemoFile:
    """A small-signal (~3 mV) photovoltage transient on the 1-sun Voc, with a pre-trigger."""
    time = np.arange(-200, 1401) * 50e-9
    tau = group.tpv_tau_us * 1e-6 * (1 + 0.02 * rng.normal())
    delta = 0.003 * (1 + 0.1 * rng.normal())
    rise = np.where(time >= 0.0, delta * np.exp(-np.clip(time, 0.0, None) / tau), 0.0)
    voltage = jv_figures(params).voc_v + rise + rng.normal(0.0, 40e-6, time.size)
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Bias light (mW/cm2)", "100"),
        ("Pulse wavelength (nm)", "532"),
        ("Pulse width (ns)", "5"),
        ("Oscilloscope input (ohm)", "1000000"),
    ]
    content = render(metadata, [("Time (s)", "%.3e", time), ("Voltage (V)", "%.6f", voltage)])
    return _demo_file(code, None, "tpv", content, moment, group.area_cm2, 100.0, "champion TPV")


# --- films and syntheses -------------------------------------------------------------------


def film_files(
    group: Group, film_code: str, start: datetime, rng: np.random.Generator
) -> list[DemoFile]:
    """Absorbance, PL and TRPL of an exchanged film on glass, 20 min apart."""
    pl_peak = _stokes_shifted(group.film_exciton_nm, group.dot_size)
    at = [start + timedelta(minutes=m) for m in (0, 20, 40)]
    wavelength = _ABSORBANCE_NM
    a = film_absorbance(wavelength, group.dot_size, group.film_exciton_nm)
    metadata = [("Substrate", "glass"), ("Baseline", "blank glass")]
    return [
        _absorbance_file(film_code, wavelength, a, metadata, at[0], rng, "film"),
        _pl_file(film_code, pl_peak, group.pl_fwhm_nm, at[1], rng, "film"),
        _trpl_file(film_code, group.trpl, pl_peak, at[2], rng),
    ]


def synthesis_files(
    dot_size: str, synthesis_code: str, start: datetime, rng: np.random.Generator
) -> list[DemoFile]:
    """Absorbance and PL of the oleate-capped dots, diluted in tetrachloroethylene.

    TCE, not octane: octane's C-H overtones sit right on a 1180 nm exciton.
    """
    exciton = SOLUTION_EXCITON_NM[dot_size]
    a = solution_absorbance(_ABSORBANCE_NM, dot_size, exciton)
    metadata = [
        ("Solvent", "tetrachloroethylene"),
        ("Path length (cm)", "1"),
        ("Dilution", "1:100"),
    ]
    pl_peak, pl_fwhm = _stokes_shifted(exciton, dot_size), _SOLUTION_PL_FWHM_NM[dot_size]
    return [
        _absorbance_file(synthesis_code, _ABSORBANCE_NM, a, metadata, start, rng, "synthesis"),
        _pl_file(synthesis_code, pl_peak, pl_fwhm, start + timedelta(minutes=15), rng, "synthesis"),
    ]


def _stokes_shifted(exciton_nm: float, dot_size: str) -> float:
    return HC_EV_NM / (HC_EV_NM / exciton_nm - stokes_shift_ev(dot_size))


def _absorbance_file(
    code: str,
    wavelength: np.ndarray,
    noise_free: np.ndarray,
    extra: list[tuple[str, str]],
    moment: datetime,
    rng: np.random.Generator,
    target_type: str,
) -> DemoFile:
    a = noise_free + rng.normal(0.0, 0.0008, wavelength.size)
    metadata = [("Sample", code), ("Date", iso(moment)), *extra]
    content = render(metadata, [("Wavelength (nm)", "%.0f", wavelength), ("Absorbance", "%.4f", a)])
    notes = f"{target_type} absorbance"
    return _demo_file(
        code, None, "absorbance", content, moment, None, None, notes, None, target_type
    )


def _pl_file(
    code: str,
    peak_nm: float,
    fwhm_nm: float,
    moment: datetime,
    rng: np.random.Generator,
    target_type: str,
) -> DemoFile:
    wavelength = np.arange(700.0, 1601.0, 2.0)
    expected = 150.0 + 20000.0 * pl_intensity(wavelength, peak_nm, fwhm_nm)
    counts = rng.poisson(expected).astype(float)
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Excitation wavelength (nm)", "640"),
        ("Detector", "InGaAs array, response-corrected"),
    ]
    columns = [("Wavelength (nm)", "%.0f", wavelength), ("Intensity (counts)", "%.0f", counts)]
    content = render(metadata, columns)
    return _demo_file(
        code, None, "pl", content, moment, None, None, f"{target_type} PL", target_type=target_type
    )


def _trpl_file(
    code: str, decay: Decay, emission_nm: float, moment: datetime, rng: np.random.Generator
) -> DemoFile:
    """TCSPC histogram: 1024 bins of 10 ns, so the microsecond PbS decays fit in the window."""
    time = np.arange(1024) * 10.0
    shape = biexponential(time, 100.0, decay.tau1_us * 1e3, decay.tau2_us * 1e3, decay.a1)
    counts = rng.poisson(20.0 + 10000.0 * (1 + 0.05 * rng.normal()) * shape).astype(float)
    metadata = [
        ("Sample", code),
        ("Date", iso(moment)),
        ("Excitation wavelength (nm)", "640"),
        ("Emission wavelength (nm)", f"{emission_nm:.0f}"),
        ("Repetition rate (kHz)", "50"),
        ("Resolution (ns/bin)", "10"),
    ]
    content = render(metadata, [("Time (ns)", "%.0f", time), ("Counts", "%.0f", counts)])
    return _demo_file(
        code, None, "trpl", content, moment, None, None, "film TRPL", target_type="film"
    )


# --- the whole experiment ------------------------------------------------------------------

# When each part of the experiment was measured: syntheses first, then per batch the fresh
# devices (control two hours after target), the start of both aging runs, and the films.
_SCHEDULE = {
    "1.0eV": {
        "synthesis": datetime(2025, 5, 19, 15, 0),
        "devices": datetime(2025, 6, 2, 9, 30),
        "films": datetime(2025, 6, 3, 14, 0),
        "aging": datetime(2025, 6, 3, 9, 0),
    },
    "1.3eV": {
        "synthesis": datetime(2025, 5, 20, 15, 0),
        "devices": datetime(2025, 6, 16, 9, 30),
        "films": datetime(2025, 6, 17, 14, 0),
        "aging": datetime(2025, 6, 17, 9, 0),
    },
}


def experiment_targets() -> tuple[DemoTarget, ...]:
    """Every synthesis, device and film of the experiment, in a stable order."""
    targets = [DemoTarget("synthesis", "synthesis", size, None, 0) for size in DOT_SIZES]
    for group in GROUPS:
        targets += [
            DemoTarget(
                "device",
                "statistics",
                group.dot_size,
                group.name,
                i,
                substrate=i // PIXELS_PER_SUBSTRATE + 1,
                pixel=i % PIXELS_PER_SUBSTRATE + 1,
            )
            for i in range(group.n_devices)
        ]
        for condition, count in AGING_DEVICES.items():
            targets += [
                DemoTarget(
                    "device",
                    f"aging-{condition}",
                    group.dot_size,
                    group.name,
                    i,
                    substrate=_AGING_SUBSTRATE[condition],
                    pixel=i + 1,
                )
                for i in range(count)
            ]
        targets.append(DemoTarget("film", "film", group.dot_size, group.name, 0))
    return tuple(targets)


def generate_experiment(codes: CodeSource | None = None, seed: int = 2025) -> list[DemoFile]:
    """Every file of the experiment, oldest first.

    `codes` maps each `DemoTarget` of `experiment_targets()` to the app's code (a mapping or a
    callable); None uses `DemoTarget.default_code`. Each target draws from its own random
    stream seeded by (seed, target), so a target's files do not depend on the others.
    """
    files: list[DemoFile] = []
    for target in experiment_targets():
        code = _code_for(codes, target)
        rng = np.random.default_rng([seed, zlib.crc32(repr(target).encode())])
        files += _files_for(target, code, rng)
    return sorted(files, key=lambda f: (f.measured_at, f.filename))


def _code_for(codes: CodeSource | None, target: DemoTarget) -> str:
    if codes is None:
        return target.default_code
    if isinstance(codes, Mapping):
        return codes[target]
    return codes(target)


def _files_for(target: DemoTarget, code: str, rng: np.random.Generator) -> list[DemoFile]:
    schedule = _SCHEDULE[target.dot_size]
    if target.target_type == "synthesis":
        return synthesis_files(target.dot_size, code, schedule["synthesis"], rng)
    group = group_named(target.group or "")
    # Both variants of a batch are measured the same day: control two hours after target.
    offset = timedelta(hours=0 if group.role == "target" else 2)
    if target.purpose == "statistics":
        return device_files(group, code, target.index, schedule["devices"] + offset, rng)
    if target.target_type == "film":
        return film_files(group, code, schedule["films"] + offset, rng)
    condition = target.purpose.removeprefix("aging-")
    # Stability pixels are scanned 5 min apart; the 80 C run starts an hour after the argon one.
    slot = timedelta(minutes=5 * target.index, hours=1 if condition == "air80c" else 0)
    return aging_files(group, code, condition, schedule["aging"] + offset + slot, rng)
