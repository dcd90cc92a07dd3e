"""Fuzzing: atheris (`fuzz_compiler.py`) and the long in-process loop (`python -m fuzz`)."""
