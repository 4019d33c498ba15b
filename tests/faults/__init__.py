"""Fault injection for tests: a loopback TCP proxy that cuts, drops and refuses connections."""
