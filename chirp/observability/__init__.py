"""Watching Chirp run: Prometheus metrics (`/metrics`) and what wires them in."""
