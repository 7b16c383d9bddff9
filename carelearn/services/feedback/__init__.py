"""What patients and staff say about service, and what teams do about it: the public feedback
form, feedback staff log, insights for managers, the staff pulse and learners' module ratings."""
