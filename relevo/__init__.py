"""relevo: customer-support agent graphs with a human handoff that carries the whole story."""
