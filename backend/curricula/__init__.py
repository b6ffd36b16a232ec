"""Curricula: ordered steps (optionally in modules, each optionally following a guide) that a
programme's groups work through."""
