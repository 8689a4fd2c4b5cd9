"""Schedule file formats, one module per published format (importers and exporters
together); ``detection`` picks the format from a file's content.

``FORMATS`` is here, not in ``detection``: the command line offers the names
without importing the parsers (and YAML) that only an import needs.
"""

FORMATS = ("openstack-releases", "openstack-election", "openstack-series", "ics", "successbot")
