"""relevo.agents."""
