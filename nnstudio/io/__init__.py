"""Model files (.npz) and project files (.json). No Qt."""
