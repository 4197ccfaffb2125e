"""relevo.orchestrator."""
