"""Real cryptography, one module per key family."""
