"""Forecasting and measured-savings services (能源预测 · 节能量核定), issue 16.

* :mod:`.weather` — stored weather per park (the demo's is generated in :mod:`parkcarbon.demo.weather`);
* :mod:`.service` — forecasts of a meter, an enterprise or the park, stored with their model cards;
* :mod:`.mv` — measured savings (IPMVP Option B/C) with ASHRAE Guideline 14's uncertainty.
"""

from parkcarbon.services.forecast.mv import measured_savings
from parkcarbon.services.forecast.schemas import ForecastOut, ModelCardOut, SavingsOut
from parkcarbon.services.forecast.service import latest_forecast, run_forecast
from parkcarbon.services.forecast.weather import (
    WeatherRow,
    load_weather,
    store_weather,
)

__all__ = [
    "ForecastOut",
    "ModelCardOut",
    "SavingsOut",
    "WeatherRow",
    "latest_forecast",
    "load_weather",
    "measured_savings",
    "run_forecast",
    "store_weather",
]
