"""Curricula: created by admins through the API or from YAML files, read by staff, in order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from backend.curricula.tables import Curriculum, CurriculumStep
from backend.guides.programmes import load_programme
from backend.settings import REPO_ROOT
from tests.conftest import server_env

PROGRAMMES = REPO_ROOT / "facilitator_guides" / "programmes"
P2K2 = {
    "name": "Pertemuan peningkatan kemampuan keluarga",
    "language": "id",
    "steps": [
        {"code": "M1.1", "title": "Menjadi orang tua yang hebat", "module": "Pengasuhan"},
        {"code": "M1.2", "title": "Memahami perilaku anak", "module": "Pengasuhan"},
        {"code": "M2.1", "title": "Mengelola keuangan keluarga", "module": "Ekonomi"},
        {"code": "S", "title": "Pertemuan penutup", "guide": "ending-a-group-well"},
    ],
}


async def test_an_admin_creates_a_curriculum_that_staff_read_in_order(admin, facilitator):
    created = await admin.client.post("/api/v1/curricula", json=P2K2)
    assert created.status_code == 201, created.text
    body = created.json()
    assert [s["code"] for s in body["steps"]] == ["M1.1", "M1.2", "M2.1", "S"]
    assert [s["position"] for s in body["steps"]] == [1, 2, 3, 4]
    assert body["steps"][0]["module"] == "Pengasuhan" and body["steps"][3]["module"] is None
    assert body["steps"][3]["guide"] == "ending-a-group-well"

    read = await facilitator.client.get(f"/api/v1/curricula/{body['id']}")
    assert read.status_code == 200 and read.json() == body
    listed = (await facilitator.client.get("/api/v1/curricula")).json()["items"]
    assert listed == [{"id": body["id"], "name": P2K2["name"], "language": "id", "step_count": 4}]


async def test_only_admins_create_and_members_read_nothing(facilitator, member_actor, client):
    member, _ = await member_actor()
    refused = await facilitator.client.post("/api/v1/curricula", json=P2K2)
    assert refused.status_code == 403
    assert (await member.client.get("/api/v1/curricula")).status_code == 403
    assert (await client.get("/api/v1/curricula")).status_code == 401
    assert await Curriculum.count() == 0


@pytest.mark.parametrize(
    ("change", "status", "field", "code"),
    [
        ({"steps": []}, 400, "steps", "steps_too_few"),
        ({"name": "   "}, 400, "name", "name_blank"),
        ({"language": "fr"}, 400, "language", "language_invalid_choice"),
        (
            {"steps": [{"code": "A", "title": "One"}, {"code": "A", "title": "Two"}]},
            422,
            "steps[1].code",
            "duplicate_step_code",
        ),
        (
            {"steps": [{"code": "A", "title": "One", "guide": "no-such-guide"}]},
            422,
            "steps[0].guide",
            "unknown_guide",
        ),
        ({"steps": [{"code": "A B", "title": "One"}]}, 400, "steps[0].code", None),
        ({"steps": [{"code": "A", "title": "line\nbreak"}]}, 400, "steps[0].title", None),
    ],
)
async def test_bad_curricula_are_refused_naming_the_field_and_nothing_is_written(
    admin, change, status, field, code
):
    response = await admin.client.post("/api/v1/curricula", json={**P2K2, **change})
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field
    if code is not None:
        assert problem["code"] == code
    assert await Curriculum.count() == 0 and await CurriculumStep.count() == 0


async def test_a_second_curriculum_of_the_same_name_and_language_is_a_conflict(admin):
    assert (await admin.client.post("/api/v1/curricula", json=P2K2)).status_code == 201
    again = await admin.client.post("/api/v1/curricula", json=P2K2)
    assert again.status_code == 409 and again.json()["code"] == "curriculum_exists"
    english = await admin.client.post("/api/v1/curricula", json={**P2K2, "language": "en"})
    assert english.status_code == 201
    assert await Curriculum.count() == 2


async def test_an_unknown_curriculum_is_404(facilitator):
    response = await facilitator.client.get("/api/v1/curricula/4242")
    assert response.status_code == 404 and response.json()["code"] == "no_curriculum"


def _import(file: Path, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "import-curriculum", str(file)],
        env=server_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


@pytest.mark.parametrize(
    "template", ["six-session-skills-group.yaml", "eight-session-support-group.id.yaml"]
)
async def test_import_curriculum_reads_a_programme_template_of_the_guides(
    template, database_url, tmp_path, admin
):
    path = PROGRAMMES / template
    done = _import(path, database_url, tmp_path)
    assert done.returncode == 0, done.stderr
    programme = load_programme(path)
    expected = [
        {"code": s.code, "title": s.title, "module": m.title, "guide": s.guide}
        for m in programme.modules
        for s in m.steps
    ]
    listed = (await admin.client.get("/api/v1/curricula")).json()["items"]
    assert [(c["name"], c["language"]) for c in listed] == [(programme.name, programme.language)]
    read = (await admin.client.get(f"/api/v1/curricula/{listed[0]['id']}")).json()
    assert [{k: s[k] for k in ("code", "title", "module", "guide")} for s in read["steps"]] == (
        expected
    )
    assert f"{len(expected)} steps imported" in done.stdout


async def test_import_curriculum_reads_the_api_shape_and_refuses_a_bad_file(
    database_url, tmp_path, admin
):
    good = tmp_path / "p2k2.yaml"
    good.write_text(yaml.safe_dump(P2K2, allow_unicode=True), encoding="utf-8")
    assert _import(good, database_url, tmp_path).returncode == 0
    twice = _import(good, database_url, tmp_path)
    assert twice.returncode == 1 and "already exists" in twice.stderr

    bad = tmp_path / "bad.yaml"
    broken = {**P2K2, "name": "Other", "steps": [*P2K2["steps"], {"code": "S", "title": "Again"}]}
    bad.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    refused = _import(bad, database_url, tmp_path)
    assert refused.returncode == 1
    assert "steps[4].code" in refused.stderr and "used twice" in refused.stderr
    not_yaml = tmp_path / "notes.yaml"
    not_yaml.write_text("name: [unclosed", encoding="utf-8")
    assert _import(not_yaml, database_url, tmp_path).returncode == 1
    listed = (await admin.client.get("/api/v1/curricula")).json()["items"]
    assert [c["name"] for c in listed] == [P2K2["name"]]
