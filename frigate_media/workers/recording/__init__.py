"""Recording: the recorder service, segment mover, retention and the `index` command."""
