class PhysicalError(Exception):
    """Storage could not be opened or used."""
