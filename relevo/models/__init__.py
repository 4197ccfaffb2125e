"""relevo.models."""
