"""Pandera DataFrameModels (polars backend) for every table portflow reads or writes."""
