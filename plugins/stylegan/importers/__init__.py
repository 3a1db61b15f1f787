"""Readers of foreign StyleGAN2 checkpoints: rosinality's port and NVIDIA's pickles."""
