"""Wire protocols that more than one adapter speaks: pure codecs, no I/O, no use cases."""
