"""svcdesk: the after-sales service desk a field engineer carries on a laptop."""

__version__ = "0.1.0"
