"""The administrators' import page for the street registers: roads with their road chiefs, storefront duties
(门前五包) and facilities. Thin: the form → the register's ``<entity>_import`` service → its report."""


from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from wenming.common.access import scope_for
from wenming.common.roles import ADMIN_ONLY
from wenming.common.tabular_import import ImportFailed
from wenming.common.uploads import upload_spooled

from . import selectors
from .forms import RegisterImportForm
from .services.imports.registers import REGISTER_IMPORTS


@login_required
def registers_import(request):
    if not scope_for(request.user).roles & ADMIN_ONLY:
        raise Http404
    form = RegisterImportForm(request.POST or None, request.FILES or None, registers=REGISTER_IMPORTS)
    report, errors, kind = None, [], None
    if request.method == "POST" and form.is_valid():
        kind = REGISTER_IMPORTS[form.cleaned_data["kind"]]
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                report = kind.service(path=spooled, dry_run=form.cleaned_data["dry_run"], actor=request.user,
                                      crs=form.cleaned_data["crs"], file_name=upload.name)
            except ImportFailed as exc:
                errors = exc.report.error_lines()
    return render(request, "org/registers_import.html", {
        "form": form, "report": report, "errors": errors, "kind": kind,
        "registers": list(REGISTER_IMPORTS.values()),
        "recent": selectors.register_imports_recent(user=request.user),
    })
