"""relevo.testing."""
