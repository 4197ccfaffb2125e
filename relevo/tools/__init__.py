"""relevo.tools."""
