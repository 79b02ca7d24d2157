"""Version of the analysis code, stored with every computed result.

2.0.0: J-V direction as declared, dark curves (one-diode fit), hysteresis pairs across files,
area provenance; absorbance exciton fit with artefact masking; EQE gap rule, 1S peak, Urbach;
TRPL window/period flags, Poisson likelihood, IRF reconvolution; intensity window rule and
temperature; aging robust Ts80, burn-in, first stabilised MPP power, dead pixels.
`manage.py reanalyse --outdated` recomputes results of earlier versions.
"""

ANALYSIS_VERSION = "2.0.0"
