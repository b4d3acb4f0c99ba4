"""The park supervision end (园区监管端, white paper §3.2): dual control of energy and carbon.

* :mod:`.targets` — targets per park and enterprise and year, monthly economic data, product output;
  :mod:`.uploads` — their spreadsheet upload;
* :mod:`.access` — who may see and change supervision data.

Every tce and tCO2e comes from the accounting engine with the park's accounting profile
(:func:`parkcarbon.services.registry.parks.accounting_options`) and carries its lineage.
"""
