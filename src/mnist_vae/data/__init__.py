"""MNIST: the IDX files fetched and checked, read and binarised."""
