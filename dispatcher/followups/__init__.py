"""Follow-up (回访) after completion: a one-time link for the resident, or a phone call."""
