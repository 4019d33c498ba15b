"""Chung Sức tablet app (Kivy): offline screens for village officers, synced in the background.

Imports only forms/ and sync/ from the project (checked by import-linter); never server/.
"""

APP_VERSION = "0.1.0"
