"""An offline tutorial sandbox for learning to build websites with Python."""

__version__ = "0.1.0"
PRODUCT_NAME = "Python Web Sandbox"
