"""Long-running background work started by the composition root: recorder, preview writer."""
