"""Dock panels of the main window: models, actions, layers, jobs, training."""
