"""Team huddles: the cards a manager chooses from, recording who came and what the team agreed,
and reading huddles back (a team's, a person's, month by month, as a CSV file)."""
