"""vidswap: a self-hostable, PixVerse-compatible video Swap service."""

__version__ = "0.1.0"
