"""Stand-in for tqdm (progress bars of dataset downloads; never used by a model)."""


class tqdm:  # noqa: N801 - the real name
    def __init__(self, iterable=None, *args, **kwargs):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable or ())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass

    def close(self):
        pass
