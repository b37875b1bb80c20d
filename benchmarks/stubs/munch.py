"""Stand-in for munch (pretrainedmodels wraps option dicts with it)."""


class Munch(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


def munchify(obj):
    if isinstance(obj, dict):
        return Munch({k: munchify(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(munchify(v) for v in obj)
    return obj
