"""HTTP handlers: authenticate, parse and validate, call one domain function, serialize."""
