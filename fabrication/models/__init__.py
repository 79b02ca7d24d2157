from .base import Ambient, ProjectOwned
from .batches import Batch, Device, Film, Substrate, Variant
from .chemistry import Chemical, Synthesis, SynthesisPrecursor
from .layers import LayerRecipe, LayerRole, Stack, StackLayer
from .projects import ApiToken, Membership, Project
from .recipes import LigandExchangeRecipe, LigandExchangeRun, LigandFamily, RecipeComponent

__all__ = [
    "Ambient",
    "ApiToken",
    "Batch",
    "Chemical",
    "Device",
    "Film",
    "LayerRecipe",
    "LayerRole",
    "LigandExchangeRecipe",
    "LigandExchangeRun",
    "LigandFamily",
    "Membership",
    "Project",
    "ProjectOwned",
    "RecipeComponent",
    "Stack",
    "StackLayer",
    "Substrate",
    "Synthesis",
    "SynthesisPrecursor",
    "Variant",
]
