"""Server metrics: a per-server prometheus-client registry, exposed by sys/metrics."""
