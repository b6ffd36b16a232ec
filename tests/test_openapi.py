"""The OpenAPI document tells the truth about what each route answers."""

from __future__ import annotations

PROBLEM = "application/problem+json"


async def test_every_operation_documents_its_problem_answers(client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    missing = []
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operations += 1
            expected = set()
            if "requestBody" in operation:
                expected |= {"400", "413", "415", "422"}
            if "{" in path:
                expected |= {"400", "404"}
            if method == "get" and "{" not in path:
                # Whatever an anonymous caller really gets must be documented too.
                expected.add(str((await client.get(path)).status_code))
            for status in sorted(expected):
                if status.startswith(("2", "3")):
                    continue
                content = operation["responses"].get(status, {}).get("content", {})
                if PROBLEM not in content:
                    missing.append(f"{method.upper()} {path} {status}")
    assert operations > 30, operations
    assert not missing, missing[:20]


async def test_bodies_refuse_unknown_fields_in_the_schema(client) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    inputs = [name for name, schema in schemas.items() if name.endswith(("Create", "Update"))]
    assert inputs
    for name in inputs:
        assert schemas[name].get("additionalProperties") is False, name
