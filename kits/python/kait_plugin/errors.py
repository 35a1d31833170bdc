"""The WIT `plugin-error` variant, as componentize-py maps it.

`validate_config` and `transform` return `result<_, plugin-error>`: raising
`Err(PluginError_InvalidConfig("..."))` is the err case. These helpers build
that exception: `raise invalid_config("url: required")`.

Inside the component they use the generated `wit_world` types. Outside it
(in unit tests), where `wit_world` does not exist, they build a `PluginErr`
with the same `.value.value` shape, so tests can check the message.
"""

from dataclasses import dataclass


@dataclass
class _Case:
    """Stand-in for a generated variant case (`PluginError_Failed` etc.) outside a component."""

    tag: str
    value: str


class PluginErr(Exception):
    """Stand-in for componentize-py's `Err` outside a component: `.value` is the case."""

    def __init__(self, value: _Case):
        super().__init__(value)
        self.value = value


def _err(case_name: str, tag: str, message: str) -> Exception:
    try:
        from componentize_py_types import Err  # type: ignore[import-not-found]
        from wit_world.imports import types  # type: ignore[import-not-found]
    except ImportError:
        return PluginErr(_Case(tag, str(message)))
    return Err(getattr(types, case_name)(str(message)))


def invalid_config(message: str) -> Exception:
    """`Err(PluginError_InvalidConfig(message))`: raise it."""
    return _err("PluginError_InvalidConfig", "invalid-config", message)


def invalid_event(message: str) -> Exception:
    """`Err(PluginError_InvalidEvent(message))`: raise it."""
    return _err("PluginError_InvalidEvent", "invalid-event", message)


def failed(message: str) -> Exception:
    """`Err(PluginError_Failed(message))`: raise it."""
    return _err("PluginError_Failed", "failed", message)
