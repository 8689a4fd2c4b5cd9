"""Schedule file formats, one module per published format (importers and exporters
together); ``detection`` picks the format from a file's content.
"""
