"""Audit devices: every request and response, with secrets replaced by salted HMACs."""
