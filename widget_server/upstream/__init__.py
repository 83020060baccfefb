"""Talking to the GupShup REST API: the client, its errors, and the call budget."""
