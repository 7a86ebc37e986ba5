"""Reading OpenAPI documents: loading leniently, resolving references, walking schemas, linting."""
