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
