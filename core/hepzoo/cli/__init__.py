"""The ``hepzoo`` command line."""
