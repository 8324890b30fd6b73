"""Auto-unseal seals: something outside pyvault (an HSM, another server's transit
engine) wraps the root key, so the server opens itself at start and the operators
hold recovery keys instead of unseal keys. The Shamir seal stays in pyvault.core.
"""
