"""flowmock's mock server: stateful, validated mocks of any OpenAPI 3 document."""
