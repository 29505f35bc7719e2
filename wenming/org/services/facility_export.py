"""The facility register (设施台账) as an XLSX workbook: the counts per area and the facilities, every text cell
formula-safe (``common/tabular.py``)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.common.tabular import xlsx_row


def facility_workbook_bytes(*, register, sites) -> bytes:
    """``register`` as ``facility_selectors.facility_register`` gives it; ``sites`` the facilities to list."""
    book = Workbook(write_only=True)
    place = register.area.name if register.area else _("Whole city")
    capacity_title = _("Parking spaces") if register.is_parking else _("Capacity")
    counts = book.create_sheet(_("By area"))
    counts.append(xlsx_row(counts, [f"{register.site_type.name} · {place}"]))
    counts.append(xlsx_row(counts, [_("Area code"), _("Area"), _("Active"), _("Inactive"), capacity_title]))
    for row in register.rows:
        counts.append(xlsx_row(counts, [row.code, row.name, row.count, row.inactive, row.capacity]))
    if register.unplaced:
        counts.append(xlsx_row(counts, ["", _("Elsewhere or without an area"), register.unplaced.count,
                                        register.unplaced.inactive, register.unplaced.capacity]))
    counts.append(xlsx_row(counts, ["", _("Total"), register.total, register.inactive, register.capacity]))
    counts.append(xlsx_row(counts, ["", _("Areas with none"), register.without]))
    listing = book.create_sheet(_("Facilities"))
    listing.append(xlsx_row(listing, [_("Code"), _("Name"), _("Type"), _("Area code"), _("Area"), _("Address"),
                                      _("Operating unit"), _("Responsible unit (包保)"), capacity_title,
                                      _("Opened on"), _("Active"), _("Longitude"), _("Latitude")]))
    yes, no = _("yes"), _("no")
    for site in sites:
        listing.append(xlsx_row(listing, [
            site.code, site.name, register.site_type.name, site.area.code if site.area else "",
            site.area.name if site.area else "", site.address, site.operator_unit.name if site.operator_unit else "",
            site.guarantor_unit.name if site.guarantor_unit else "", site.capacity, site.opened_on,
            yes if site.is_active else no, site.lng, site.lat,
        ]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
