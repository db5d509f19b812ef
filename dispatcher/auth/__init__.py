"""Accounts, roles, passwords and access tokens; who may see and do what."""
