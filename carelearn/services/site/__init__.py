"""What the organisation writes on its own pages for everyone: the Help page."""
