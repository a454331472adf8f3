"""Filling the demo sources a configuration marks ``demo: true``: the registration
database (demo.registrations) and the gebied offices' exports (demo.exports)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def fill_demo_sources(config, until: dt.date) -> list[str]:
    """(Re)fill every demo source of ``config`` with what was registered up to ``until``,
    as it stood that day. Returns one line per source, for `make run` to print."""
    from demo.exports import write_demo_exports
    from demo.registrations import fill_demo_source

    said = []
    for source in config.sources:
        if not source.options.get("demo"):
            continue
        if source.type == "sql":
            count = fill_demo_source(source.options["url"], until=until)
            said.append(f"Demo source {source.name!r}: {count} registrations up to "
                        f"{until:%d-%m-%Y}")
        elif source.type == "file":
            paths = write_demo_exports(Path(source.options["folder"]), until=until)
            said.append(f"Demo source {source.name!r}: {', '.join(p.name for p in paths)}")
        else:
            raise ValueError(f"no demo filler for source {source.name!r} of type "
                             f"{source.type!r}")
    return said
