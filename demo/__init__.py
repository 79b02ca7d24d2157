"""The demo: the reference paper's experiment, generated and loaded through the real pipeline.

`generators` writes the synthetic instrument files (pure numpy/scipy, no Django),
`fabrication` creates the demo project's records, `load` uploads the files and creates the
stability studies, and the `load_demo` command runs it all.
"""
