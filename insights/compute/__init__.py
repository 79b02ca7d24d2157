"""Pure computations of insights: data frames in, plain results out (no Django)."""
