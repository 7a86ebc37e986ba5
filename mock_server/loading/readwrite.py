"""OpenAPI 3.1 validators that honour `readOnly`/`writeOnly` in `required`, as the 3.0 ones do.

A readOnly property listed in `required` is required in responses only, a writeOnly one in requests only
(OpenAPI 3.0 says so; 3.1 keeps the keywords, and every mock and client generator reads them that way).
"""
from __future__ import annotations

from typing import Any

from jsonschema.validators import extend
from openapi_core.validation.request.validators import V31RequestValidator
from openapi_core.validation.response.validators import V31ResponseValidator
from openapi_core.validation.schemas.factories import DialectSchemaValidatorsFactory
from openapi_schema_validator import OAS30ReadValidator, OAS31Validator
from openapi_schema_validator import _keywords as oas_keywords

OAS31ReadValidator: Any = extend(OAS31Validator, validators={"required": oas_keywords.read_required})
OAS31WriteValidator: Any = extend(OAS31Validator, validators={"required": oas_keywords.write_required})


class _Factory(DialectSchemaValidatorsFactory):
    """openapi-core's 3.1 factory, with our validator class whatever dialect the schema names."""

    def get_validator_cls(self, spec: Any, schema: Any) -> Any:
        return self.schema_validator_cls


_DIALECT = "https://spec.openapis.org/oas/3.1/dialect/base"


class RequestValidator31(V31RequestValidator):
    """Validates 3.1 requests with readOnly properties not required."""

    schema_validators_factory = _Factory(OAS31WriteValidator, _DIALECT, format_checker=OAS30ReadValidator.FORMAT_CHECKER)


class ResponseValidator31(V31ResponseValidator):
    """Validates 3.1 responses with writeOnly properties not required."""

    schema_validators_factory = _Factory(OAS31ReadValidator, _DIALECT, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
