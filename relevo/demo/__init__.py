"""relevo.demo."""
