"""Skysentral core: domain rules, storage, adapters and API glue shared by every Lambda."""
