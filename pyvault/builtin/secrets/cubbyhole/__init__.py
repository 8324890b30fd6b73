"""The cubbyhole engine: private storage per token, destroyed with the token."""
