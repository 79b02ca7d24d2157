from .base import Ambient
from .batches import Batch, Device, Film, Substrate, Variant
from .chemistry import Chemical, Synthesis, SynthesisPrecursor
from .layers import LayerRecipe, LayerRole, Stack, StackLayer
from .recipes import LigandExchangeRecipe, LigandExchangeRun, LigandFamily, RecipeComponent

__all__ = [
    "Ambient",
    "Batch",
    "Chemical",
    "Device",
    "Film",
    "LayerRecipe",
    "LayerRole",
    "LigandExchangeRecipe",
    "LigandExchangeRun",
    "LigandFamily",
    "RecipeComponent",
    "Stack",
    "StackLayer",
    "Substrate",
    "Synthesis",
    "SynthesisPrecursor",
    "Variant",
]
