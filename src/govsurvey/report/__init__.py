"""The thesis chapter: generated tables, sentences and variables from the results files
(chapter.py), rendered by Quarto or the pandoc + Typst fallback (render.py)."""
