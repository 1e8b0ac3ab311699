"""Fixtures for the regression tests of the security review (issue 11): one module per finding.

The `runtime` fixture (tests/conftest.py) hashes passwords with `Passwords.light()`: sign-in
throttling is about counting attempts, not about argon2's cost.
"""
