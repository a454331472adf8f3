"""The demo sources that `make run` and the tests fill: not part of the deployed package.

- ``demo.registrations``: a seeded registration database (the SQL source).
- ``demo.exports``: the Excel and CSV exports a gebied office drops (the file source).

The Docker image copies ``plugins/`` only, so a deployment never carries demo data.
"""
