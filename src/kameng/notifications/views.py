"""See the app docstring."""
