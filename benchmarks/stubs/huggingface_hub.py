"""Stand-in for huggingface_hub: the names segmentation-models-pytorch and timm import. Nothing
is downloaded; a call that would download raises."""


class PyTorchModelHubMixin:
    def __new__(cls, *args, **kwargs):  # the real mixin records the init arguments here
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__()

    def save_pretrained(self, *args, **kwargs):
        raise RuntimeError("huggingface_hub is a stand-in here: nothing is saved to the Hub")

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        raise RuntimeError("huggingface_hub is a stand-in here: nothing is downloaded")


class ModelCardData:
    def __init__(self, *args, **kwargs):
        pass


class ModelCard:
    def __init__(self, *args, **kwargs):
        pass


def hf_hub_download(*args, **kwargs):
    raise RuntimeError("huggingface_hub is a stand-in here: nothing is downloaded")
