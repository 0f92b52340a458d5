"""SMPP 3.4 delivery connector: smpplib encodes the PDUs; session, window and rebinds are ours."""

from .config import SmppConfig
from .connector import SmppConnector

__all__ = ["SmppConfig", "SmppConnector"]
