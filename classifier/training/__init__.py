"""Building the training data and the model from the public corpora (offline, not on the hot
path)."""
