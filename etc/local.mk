# Sample configuration
