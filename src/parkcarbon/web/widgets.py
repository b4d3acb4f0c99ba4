"""Reusable console widgets: data tables, create dialogs and KPI cards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import app, ui
from pydantic import ValidationError

from parkcarbon.services.errors import ServiceError
from parkcarbon.web import session as web_session
from parkcarbon.web.errors import code_text, error_text, validation_text
from parkcarbon.web.i18n import t
from parkcarbon.web.layout import notify_error


@dataclass
class Column:
    name: str
    label_key: str
    format: Callable[[Any], str] | None = None


def display_timezone() -> ZoneInfo:
    """The current park's timezone (set by the frame), else the platform default."""
    try:
        name = app.storage.user.get("timezone")
    except RuntimeError:  # outside a page request
        name = None
    return ZoneInfo(name or web_session.runtime().settings.timezone)


def fmt_time(value: datetime | None) -> str:
    """A stored (UTC) instant as park-local ``YYYY-MM-DD HH:MM``."""
    return value.astimezone(display_timezone()).strftime("%Y-%m-%d %H:%M") if value else ""


def data_table(
    columns: Sequence[Column],
    rows: Sequence[Any],
    *,
    mark: str,
    row_key: str = "id",
    actions: Callable[[Any], None] | None = None,
    search_extra: Callable[[Any], str] | None = None,
) -> ui.table:
    """A searchable, paginated table of pydantic rows; ``search_extra`` adds text the search box finds
    without showing it (e.g. both languages' industry names)."""
    cols = [
        {"name": c.name, "label": t(c.label_key), "field": c.name, "sortable": True, "align": "left"}
        for c in columns
    ]
    if search_extra is not None:
        cols.append(
            {
                "name": "_search",
                "label": "",
                "field": "_search",
                "classes": "hidden",
                "headerClasses": "hidden",
            }
        )
    data = []
    for row in rows:
        item = {row_key: getattr(row, row_key)}
        for c in columns:
            value = getattr(row, c.name, None)
            item[c.name] = c.format(value) if c.format else ("" if value is None else value)
        if search_extra is not None:
            item["_search"] = search_extra(row)
        data.append(item)
    with ui.card().classes("pc-card w-full"):
        search = (
            ui.input(t("search")).props("dense outlined clearable").classes("w-64").mark(f"{mark}-search")
        )
        table = ui.table(columns=cols, rows=data, row_key=row_key, pagination=20).classes("w-full").mark(mark)
        table.bind_filter_from(search, "value")
    return table


@dataclass
class FormField:
    name: str
    label_key: str
    kind: str = "text"  # text | number | select | password | switch
    options: dict[Any, str] | list[Any] | None = None
    value: Any = None
    required: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def form_dialog(
    title_key: str,
    fields: Sequence[FormField],
    submit: Callable[[dict[str, Any]], Any],
    *,
    mark: str,
    on_done: Callable[[Any], None] | None = None,
    done_key: str = "created",
) -> ui.dialog:
    """A dialog that collects ``fields`` and calls ``submit``; service errors are shown beside the form."""
    with ui.dialog() as dialog, ui.card().classes("w-[32rem]").mark(f"{mark}-dialog"):
        ui.label(t(title_key)).classes("text-h6")
        inputs: dict[str, Any] = {}
        for f in fields:
            widget: ui.element
            label = t(f.label_key) + (" *" if f.required else "")
            if f.kind == "select":
                widget = ui.select(f.options or {}, label=label, value=f.value, with_input=True)
            elif f.kind == "number":
                widget = ui.number(label, value=f.value, format="%.6g")
            elif f.kind == "switch":
                widget = ui.switch(label, value=bool(f.value))
            elif f.kind == "password":
                widget = ui.input(label, password=True, password_toggle_button=True, value=f.value or "")
            else:
                widget = ui.input(label, value=f.value or "")
            inputs[f.name] = widget.classes("w-full").mark(f"{mark}-{f.name}")
        error = ui.label().classes("text-negative").mark(f"{mark}-error")

        def do_submit() -> None:
            values = {}
            for f in fields:
                value = inputs[f.name].value
                if value in ("", None):
                    if f.required:
                        error.text = f"{t(f.label_key)}: {code_text('input.required')}"
                        return
                    value = None
                values[f.name] = value
            try:
                result = submit(values)
            except ServiceError as exc:
                error.text = error_text(exc)
                return
            except ValueError as exc:  # pydantic validation of the form values
                error.text = _validation_text(exc)
                return
            dialog.close()
            ui.notify(t(done_key), type="positive")
            if on_done:
                on_done(result)

        with ui.row().classes("w-full justify-end"):
            ui.button(t("cancel"), on_click=dialog.close).props("flat")
            ui.button(t("save"), on_click=do_submit).props("color=primary").mark(f"{mark}-submit")
    return dialog


def _validation_text(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return validation_text(errors())
    return str(exc)


def kpi_card(label: str, value: str, icon: str, *, mark: str) -> None:
    with ui.card().classes("pc-card min-w-[12rem]").mark(mark), ui.row().classes("items-center no-wrap"):
        ui.icon(icon, size="32px", color="primary")
        with ui.column().classes("gap-0"):
            ui.label(value).classes("pc-kpi-value")
            ui.label(label).classes("pc-kpi-label")


def guarded(action: Callable[[], Any], *, success: str | None = None, reload: bool = False) -> bool:
    """Run a service call from a button; show a service error instead of raising it. True on success."""
    try:
        action()
    except ServiceError as exc:
        notify_error(exc)
        return False
    if success:
        ui.notify(t(success), type="positive")
    if reload:
        ui.navigate.reload()
    return True


def confirm(text: str, on_confirm: Callable[[], Any], *, mark: str = "confirm-dialog") -> None:
    """Ask before an act that cannot be undone (freezing, submitting …); ``on_confirm`` runs on 确认."""
    with ui.dialog() as dialog, ui.card().classes("q-pa-md").mark(mark):
        ui.label(text).classes("text-body1")
        with ui.row().classes("justify-end w-full"):
            ui.button(t("cancel"), on_click=dialog.close).props("flat")

            def go() -> None:
                dialog.close()
                on_confirm()

            ui.button(t("console.confirm"), on_click=go).props("color=primary").mark("confirm-ok")
    dialog.open()


def revoke_button_column(table: ui.table, on_revoke: Callable[[int], Any]) -> None:
    """Put a revoke button into the ``status`` column of rows that are still active."""
    table.add_slot(
        "body-cell-status",
        f"""<q-td :props="props">{{{{ props.value }}}}
              <q-btn v-if="props.value !== '{t("revoked")}'" flat dense size="sm" color="negative"
                     label="{t("revoke")}" @click="() => $parent.$emit('revoke', props.row)" />
            </q-td>""",
    )
    table.on("revoke", lambda e: on_revoke(int(e.args["id"])))


def validated(model: type[Any], values: dict[str, Any]) -> Any:
    """Build ``model`` from form values; a pydantic error becomes a ValueError the form dialog shows."""
    try:
        return model(**values)
    except ValidationError as exc:
        raise ValueError(exc) from exc
