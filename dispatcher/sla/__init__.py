"""SLA policy: deadlines per urgency and category, from an editable TOML file."""
