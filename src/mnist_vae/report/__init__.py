"""What people look at: the figures, one module per figure rule so that editing one reruns
that figure only (drawing holds what they share), and the HTML pages of numbers (pages).
Imports no torch."""

import matplotlib

# Files only, never a window: set before any module here imports pyplot.
matplotlib.use("Agg")
