"""Imports of the city's own data: areas and grids, sites (GeoJSON or zipped Shapefile), units and people
(CSV or XLSX).

Every import reads and checks the whole file first and collects every problem (up to ``MAX_ERRORS``),
each naming the feature or row, the code when it is known, and the field. If there is any, nothing is
written and ``ImportFailed`` carries the report. A dry run stops after the checks and lists what would be
created and updated. Otherwise everything is written in one transaction, with one audit event.

Rows are matched by code (people by username): an existing code is updated. An empty optional value
leaves what is stored unchanged.

One module per importer (``areas``, ``sites``, ``units``, ``people``); the table readers and the report
are ``wenming.common.tabular_import``'s (``cases`` reads its imports with them too), the geographic readers
``features``'s.
"""
