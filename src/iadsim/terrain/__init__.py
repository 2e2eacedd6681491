"""terrain layer."""
