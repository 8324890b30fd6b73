"""Transit: encryption as a service, byte-compatible with Vault's keysutil."""
