"""GHG emission calculations: fuel combustion, purchased electricity, heat and steam, process, fugitive."""
