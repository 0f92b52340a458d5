"""The committed contract, wsdl/smsgw.wsdl, is written for http://127.0.0.1:8080."""

from pathlib import Path

WSDL_FILE = Path(__file__).resolve().parents[1] / "wsdl" / "smsgw.wsdl"
COMMITTED_BASE = "http://127.0.0.1:8080"


def committed_wsdl_for(base_url: str) -> bytes:
    """The committed WSDL with its address moved to ``base_url`` (the only part that varies)."""
    return WSDL_FILE.read_bytes().replace(
        f'location="{COMMITTED_BASE}/soap"'.encode(), f'location="{base_url}/soap"'.encode())
