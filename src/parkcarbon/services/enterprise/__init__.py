"""The enterprise end (企业应用端): one file per enterprise, carbon inventory, reports, monitoring, MRV.

Modules: :mod:`.profile` (file, facilities, sources, products, targets), :mod:`.documents` (evidence
with SHA-256), :mod:`.activity_assembly` (activity data from meter rollups and uploads), :mod:`.inventory`
(calculation, overrides, freezing, revisions), :mod:`.report` (PDF/XLSX), :mod:`.monitoring`
(year-to-date against the target), :mod:`.mrv` and :mod:`.calendar` (workflow and deadlines),
:mod:`.demo` (a demo enterprise with a year of meter data).
"""
