"""History retention and the archive: the worker's job that purges and archives in batches."""
