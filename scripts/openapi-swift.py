#!/usr/bin/env python3
"""Writes Sources/WebUI/OpenAPIDocument.swift from docs/openapi.yaml (run after editing the YAML;
WebAPITests fails while the two differ)."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "docs/openapi.yaml").read_text()
(root / "Sources/WebUI/OpenAPIDocument.swift").write_text(
    "/// The OpenAPI document of /api/v1, served at /api/v1/openapi.yaml. The same text is kept in\n"
    "/// docs/openapi.yaml (a test checks they are equal; scripts/openapi-swift.py writes this file).\n"
    "enum OpenAPIDocument {\n"
    '    static let yaml = #"""\n' + text + '\n"""#\n}\n')
