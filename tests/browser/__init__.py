"""Tests that drive the real app in a real Chromium, as a person would."""
