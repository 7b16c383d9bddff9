"""Business rules as plain functions: views call them, tests call them directly."""
