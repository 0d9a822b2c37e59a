"""llamacloud-mock: a stateful local fake of LlamaCloud's REST APIs."""

__version__ = "0.1.0"
