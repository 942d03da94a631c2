"""The performance benchmark (`python -m bench`): each part of the pipeline's hot paths timed
against a baseline in the same invocation, one module per part."""
