"""parkcarbon — digital carbon-neutrality service platform for industrial parks (园区数字化碳中和服务平台)."""

__version__ = "0.1.0"
