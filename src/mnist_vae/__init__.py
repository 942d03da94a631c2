"""Variational autoencoder on binarized MNIST (Kingma & Welling, 2013)."""

__version__ = "0.1.0"
