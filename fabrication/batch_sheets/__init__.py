"""Batch sheets: the cqdlab template workbook, the plans read back from filled-in workbooks,
and the write that creates a batch from a plan.

Two layouts are read, told apart by their sheets:

- cqdlab's own template (sheets "Batch" and "Devices"), made by ``template_workbook``: one row
  per device; the rows of one variant repeat its name, role, ink and layer parameters.
- the HySprint "experiment file" of HZB (a sheet whose two header rows are process groups
  such as "Experiment Info", "2: Spin Coating" over their columns; one row per sample).
  Each sample becomes a substrate with one device; layer-making steps become stack layers.

Every problem names its sheet, row and column; all of them (up to ``MAX_PROBLEMS``) are
collected before ``BatchSheetError`` is raised, so a sheet is fixed in one round trip.

Import each name from the module that defines it:

- ``plan``: the frozen dataclasses a sheet is read into (``BatchPlan`` and its parts), the
  layout names, and the mirrors of the models' choices and limits.
- ``problems``: ``Where``, ``Problem``, ``BatchSheetError``, ``MAX_PROBLEMS`` and the collector.
- ``cells``: reading one cell (text, numbers, dates, roles) and the bounds on rows read.
- ``columns``: the cqdlab template's sheets, fields and columns, shared by writer and reader.
- ``template``: ``template_workbook``, the empty .xlsx to download, and its file name and type.
- ``reader``: ``read_workbook``: opens a workbook, tells its layout, reads the cqdlab layout.
- ``assemble``: device rows of either layout into variants and substrates, and their checks.
- ``hysprint_layout``: the HySprint file's process groups and which of them make layers.
- ``hysprint``: reading a HySprint experiment file into a plan.
- ``services``: ``batch_import``, the write (Django, one transaction).

All but ``services`` are pure: openpyxl bytes in, frozen dataclasses out; no database, no
Django.
"""
