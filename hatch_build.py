"""Compile the message catalogs (``moderation/translations/*/LC_MESSAGES/messages.po``)
into the ``.mo`` files the wheel carries: the ``.po`` files are the source, the compiled
ones are never committed."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # a checkout: the app compiles them when it starts (moderation/i18n.py)
        root = Path(self.root)
        target = Path(tempfile.mkdtemp(prefix="moderation-catalogs-"))
        for po in sorted(root.glob("moderation/translations/*/LC_MESSAGES/messages.po")):
            relative = po.relative_to(root).with_suffix(".mo")
            mo = target / relative
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            build_data["force_include"][str(mo)] = str(relative)
