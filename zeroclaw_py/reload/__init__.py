"""Config hot reload: watch the file, plan the change, apply it without dropping a message."""
