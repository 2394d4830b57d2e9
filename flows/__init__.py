"""Prefect flows, one per file; thin tasks around the core library."""
