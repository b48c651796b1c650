"""Figures for the chapter, each a bare matplotlib Figure saved as PNG (300 dpi) and SVG:
style.py (what they share), flow.py (screening flow), likert.py (answers by item),
path_diagram.py (the structural model), forest.py (indirect effects)."""
