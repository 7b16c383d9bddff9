"""Evidence for inspectors and employers: certificates and their verification, observed practice,
evidence packs as at a date, and a person's own record to take away."""
