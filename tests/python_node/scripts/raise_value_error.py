"""Fails with an uncaught exception, after some output."""
print("script about to fail")
raise ValueError("bad value 42")
