"""Device facades (camera; GPS later): an Android implementation and a desktop one, plyer-style."""
