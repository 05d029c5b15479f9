"""Data loading (CSV, NPZ, built-in samples), validation and preprocessing. No Qt."""
