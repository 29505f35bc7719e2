"""The demo: a synthetic Hengshui (``city``, built level by level and kind by kind), a few weeks of cases
(``cases``), the campaign's task forces (``campaign``) and the demo logins, with the commands that build them
(``demo-data``, ``demo-cases``, ``demo-logins``, ``campaign-load --demo``).

It sits on top of every app and goes through their models and services; no app imports it.
"""
