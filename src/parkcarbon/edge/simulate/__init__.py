"""Simulated meters speaking real protocols, for demos and tests (模拟电表).

* :class:`Sdm630Simulator` — Eastron SDM630 register map on a pymodbus Modbus TCP/RTU server;
* :class:`Dlt645Simulator` — DL/T 645-2007 meter on the dlt645 package's slave service, over
  TCP or a serial device;
* :class:`SerialPair` — a pty null-modem pair to run serial protocols without hardware;
* :class:`ThreePhaseLoad` — the deterministic load model behind both meters.
"""

from parkcarbon.edge.simulate.dlt645_meter import Dlt645Simulator
from parkcarbon.edge.simulate.model import MeterState, ThreePhaseLoad
from parkcarbon.edge.simulate.sdm630 import Sdm630Simulator
from parkcarbon.edge.simulate.serial_pair import SerialPair

__all__ = ["Dlt645Simulator", "MeterState", "Sdm630Simulator", "SerialPair", "ThreePhaseLoad"]
