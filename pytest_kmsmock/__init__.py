"""pytest plugin for kmsmock."""
