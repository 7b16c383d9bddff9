"""The public feedback form patients reach from a team's poster, and the team's public page."""
