"""Training data sources: user image folders and procedural faces (torch-free; see tensors.py)."""
