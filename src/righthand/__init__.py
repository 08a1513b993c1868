"""Righthand: a self-hosted virtual office assistant whose delegation is phased and earned."""

__version__ = "0.1.0"
