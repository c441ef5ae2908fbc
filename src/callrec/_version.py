"""The version, in a module of its own: any module may import it without importing the package
face (which would import them back)."""

__version__ = "0.6.0"
