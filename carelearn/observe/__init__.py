"""Observed practice on a phone: the people someone may observe, and the checklist they sign."""
