"""The real-server layer: start a real daemon from a generated config on a free loopback port, stop it always."""
