"""Benchmarks: seed own data, drive a real server with a real load generator."""
