"""The bundled demo news site."""
