"""Benchmarks: `python -m bench [NAME]` runs bench/NAME.py's run(). They measure and print, never assert."""
