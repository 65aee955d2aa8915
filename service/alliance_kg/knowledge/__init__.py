"""The knowledge library: files in, a reasoned and validated dataset out.

``load`` (files → rdflib Dataset, precise parse errors), ``reason`` (owlrl closure minus noise),
``validate`` (pySHACL with report renderers), ``build`` (the pipeline behind ``alliance-kg build``
and the service's start-up) and ``query`` (SPARQL over an in-memory built dataset). The CLI and
the web layer call these same functions; nothing here prints or exits.
"""
