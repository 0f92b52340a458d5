"""The SMPP 3.4 server door (asyncio): sessions over the same use cases as every door."""
