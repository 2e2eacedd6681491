"""engagement layer."""
