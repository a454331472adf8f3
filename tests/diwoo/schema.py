"""The published DiWoo 0.9.8 schema and the sitemaps.org schema, as one lxml validator.

``diwoo-metadata.xsd`` imports the Nationaal Archief's MDTO schema from its public URL;
a resolver serves the local copy instead, so validation never touches the network. A
small wrapper schema imports both namespaces, so a DiWoo sitemap (a sitemaps.org
``urlset`` whose ``url`` entries carry a ``diwoo:Document``, checked strictly) and a lone
``diwoo:Document`` validate against the same published files. Sources and licences:
``README.md`` in this folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
MDTO_URL = "https://www.nationaalarchief.nl/mdto/MDTO-XML1.0.1.xsd"
DIWOO_NS = "https://standaarden.overheid.nl/diwoo/metadata/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

_WRAPPER = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="urn:wijkopvolging:tests:diwoo">
  <xs:import namespace="{SITEMAP_NS}" schemaLocation="{(HERE / 'sitemap.xsd').as_uri()}"/>
  <xs:import namespace="{DIWOO_NS}" schemaLocation="{(HERE / 'diwoo-metadata.xsd').as_uri()}"/>
</xs:schema>"""


@cache
def validator():
    """An ``lxml.etree.XMLSchema`` for sitemaps with DiWoo and for ``diwoo:Document``."""
    from lxml import etree

    class LocalMdto(etree.Resolver):
        def resolve(self, url, pubid, context):
            if url == MDTO_URL:
                return self.resolve_filename(str(HERE / "MDTO-XML1.0.1.xsd"), context)
            if url.startswith(("http://", "https://")):
                raise AssertionError(f"the schema reached for the network: {url}")
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalMdto())
    return etree.XMLSchema(etree.fromstring(_WRAPPER.encode(), parser,
                                            base_url=(HERE / "wrapper.xsd").as_uri()))


def errors(xml: bytes) -> list[str]:
    """Every way ``xml`` breaks the published schemas (empty: valid)."""
    from lxml import etree

    check = validator()
    document = etree.fromstring(xml)
    if check.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in check.error_log]
