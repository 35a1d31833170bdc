"""The component's entry: componentize-py builds it (`./build.sh`).

The class MUST be named `WitWorld`; `wit_world` is generated from wit/ at build
time. The logic is in plugin.py, which `python3 -m unittest` runs without it.
"""

import wit_world
from wit_world.imports import host
from wit_world.imports.types import Action, Action_Send, Event, OutgoingRequest, PluginInfo

import plugin


class WitWorld(wit_world.WitWorld):
    def info(self) -> PluginInfo:
        return PluginInfo(**plugin.info())

    def validate_config(self, config: str) -> None:
        plugin.validate_config(config)  # raises Err(PluginError_InvalidConfig(...))

    def transform(self, event: Event, config: str) -> Action:
        requests = plugin.transform(event, config, log=lambda msg: host.log(host.Level.INFO, msg))
        return Action_Send([OutgoingRequest(auth=None, **request) for request in requests])
