def test_smoke(demo_round, people):
    from wenming.inspections.services import results as res
    from .conftest import observation
    a = demo_round.assignments.select_related("site").first()
    items = list(a.scheme.items.all())
    answers = res.results_sync(actor=people["anfang"], observations=[observation(a, items[0].code, "fail")] + [observation(a, i.code) for i in items[1:]])
    print([x.as_dict() for x in answers])
    print(demo_round.method)
    assert all(x.status == "created" for x in answers)
