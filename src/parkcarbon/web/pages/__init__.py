"""Console pages, one module per area. Every module here is imported when the console is mounted; a module
registers its routes (``@ui.page``), its texts (:func:`parkcarbon.web.i18n.register_texts`) and its navigation
entries (:func:`parkcarbon.web.layout.register_nav`)."""
