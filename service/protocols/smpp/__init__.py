"""SMPP 3.4 as bytes: PDUs, texts and data codings, times, receipt texts (docs/smpp-server.md)."""
