"""Suggestion rounds: what the Bayesian optimisation proposed, when, for whom, from which data;
and, once a person confirmed one, the planned batch's variants each proposal became."""

from django.db import models

from core.models import ProjectOwned
from fabrication.models import Batch, Variant


class SuggestionRound(ProjectOwned):
    """One call of the optimiser: its inputs (parameters, bounds, objective) and its model."""

    metric = models.CharField(max_length=40)  # e.g. pce_percent
    objective = models.CharField(max_length=20)  # insights.compute.suggest.OBJECTIVES
    maximise = models.BooleanField(default=True)
    # {"continuous": [[name, low, high, integer]], "categorical": [[name, [choices]]],
    #  "fixed": [[name, value]]}: enough to recompute the round.
    space = models.JSONField()
    seed = models.IntegerField(default=0)
    n_observations = models.IntegerField()
    best_observed = models.FloatField(null=True, blank=True)
    model = models.TextField()
    method = models.TextField()
    summary = models.TextField()
    # The planned batch made from it, once confirmed.
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestion_rounds"
    )

    class Meta(ProjectOwned.Meta):
        ordering = ["-created_at", "-id"]


class SuggestedVariant(models.Model):
    """One proposal of a round, with the prediction the planned-versus-actual view checks."""

    round = models.ForeignKey(SuggestionRound, on_delete=models.CASCADE, related_name="proposals")
    index = models.PositiveIntegerField()  # 1, 2, ... in the round's order
    values = models.JSONField()  # parameter name (with unit) -> value
    predicted_mean = models.FloatField()
    predicted_sd = models.FloatField()
    expected_improvement = models.FloatField()
    # The planned variant this proposal became (the variant records where it came from).
    variant = models.OneToOneField(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestion"
    )

    class Meta:
        ordering = ["round", "index"]
        constraints = [
            models.UniqueConstraint(fields=["round", "index"], name="suggestedvariant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round.code} #{self.index}"
