from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"

    def ready(self) -> None:
        """Wire analysis to measurements, which knows nothing of it: the kinds it may hold,
        what happens when one is committed, and how its results are read."""
        from measurements import hooks, kinds, lifecycle

        from . import dispatch
        from .kinds import KINDS
        from .selectors.results import results_for

        for spec in KINDS.values():
            kinds.register(
                kinds.KindInfo(
                    spec.name, spec.label, spec.targets, area_from_device=spec.area_from_device
                )
            )
        lifecycle.analysis_wanted.connect(
            dispatch.on_analysis_wanted, dispatch_uid="cqdlab_analysis_wanted"
        )
        hooks.provide_results(results_for)
        hooks.provide_preview_analysis(preview_analysis)


def preview_analysis(kind: str, parsed, conditions: dict) -> dict:
    """A parsed file analysed in memory (nothing stored): the summary figures of each row,
    for the page that teaches cqdlab a file format."""
    from .kinds import AnalysisContext, AnalysisError, analyse_parsed, summary_items

    meta = parsed.metadata or {}
    context = AnalysisContext(
        target_type="device",
        area_cm2=conditions.get("area_cm2") or meta.get("area_cm2"),
        irradiance_mw_cm2=conditions.get("irradiance_mw_cm2") or meta.get("irradiance_mw_cm2"),
        temperature_c=meta.get("temperature_c"),
    )
    try:
        rows = analyse_parsed(parsed, context)
    except AnalysisError as exc:
        return {"available": True, "rows": [], "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a preview shows the problem, never a 500
        return {"available": True, "rows": [], "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "available": True,
        "error": "",
        "rows": [
            {
                "label": row.label,
                "figures": [list(item) for item in summary_items(kind, row.figures)],
                "flags": list(row.flags)[:10],
            }
            for row in rows[:50]
        ],
    }
