"""Digits from Scratch: a neural network written from scratch in NumPy."""

from .errors import ConfigError, MnistFileError, ModelFileError, PycoreError
from .evaluation import Evaluation, evaluate
from .extend import register_activation, register_loss, register_optimizer
from .layers import Affine, LeakyReLU, ReLU, Sigmoid, Tanh
from .losses import MeanSquaredError, SoftmaxCrossEntropy, softmax
from .network import Network, NetworkConfig
from .optimizers import SGD, AdaGrad, Adam, Momentum
from .trainer import Progress, TrainConfig, Trainer

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "Affine",
    "ConfigError",
    "Evaluation",
    "LeakyReLU",
    "MeanSquaredError",
    "MnistFileError",
    "ModelFileError",
    "Momentum",
    "Network",
    "NetworkConfig",
    "Progress",
    "PycoreError",
    "ReLU",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "TrainConfig",
    "Trainer",
    "__version__",
    "evaluate",
    "register_activation",
    "register_loss",
    "register_optimizer",
    "softmax",
]
