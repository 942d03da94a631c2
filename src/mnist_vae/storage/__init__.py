"""Reading and writing the pipeline's files: checked reads, whole-or-nothing writes."""
