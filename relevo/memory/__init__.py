"""relevo.memory."""
