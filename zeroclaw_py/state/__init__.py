"""State that lives across messages and restarts: route overrides, histories, small values."""
