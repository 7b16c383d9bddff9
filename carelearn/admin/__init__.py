"""Admin pages: people, teams and importing staff from an HR spreadsheet."""
