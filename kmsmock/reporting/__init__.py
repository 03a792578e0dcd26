"""What kmsmock tells a user about a test: the transcript of its requests and the hints for
failures common in code written against moto."""
