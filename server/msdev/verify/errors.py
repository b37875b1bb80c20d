"""The one exception `msdev verify` raises for usage problems."""


class VerifyError(Exception):
    """A usage problem (bad factory, unreadable weights, bad input spec): exit code 2."""
