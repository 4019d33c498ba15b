"""The sync protocol shared by the server and the tablet: envelope, client, device replica.

No Flask, SQLAlchemy or Kivy here (checked by import-linter): the same code runs in the
app, in the simulator and in the server's tests.
"""
