"""Dialogs: training, plugins, settings, batch."""
