"""The demo's generators: instrument files for the reference paper's experiment.

Pure Python (numpy, scipy, pvlib); nothing here imports Django. `instruments` is the entry point.
"""
