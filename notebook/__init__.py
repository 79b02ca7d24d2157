"""The lab notebook around the data: notes and photos on lab objects, printable labels with QR
codes, the /scan/ page, and search across a user's projects.

It sits above fabrication and measurements (it reads them) and below analysis (whose search
page reads notes); it never imports analysis or insights (.importlinter, docs/import-rules.json).
"""
