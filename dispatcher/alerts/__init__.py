"""SLA alerts: predicted and actual breaches, at-risk tickets, stale GPS; de-duplicated, acked."""
