"""What a fitness app tells us about a workout: the context schema and its vocabularies."""
