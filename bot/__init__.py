"""The drill bot: a platform-free engine (this package) behind the platform adapters in ``adapters``."""
__version__ = "0.1.0"
