"""Book layer: the Jupyter Book built from the published reports."""
