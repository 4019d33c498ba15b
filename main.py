"""Entry point for the Android build (buildozer runs main.py); the desktop uses chungsuc-app."""

from mobile_app.__main__ import main

main()
