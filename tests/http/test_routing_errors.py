"""Answers Schemathesis found wrong, now as the specs declare them: 405 with every method of the
path in Allow, 404 for an empty id, multipart bodies missing (422) or broken (400)."""

from __future__ import annotations

import pytest

from tests.support import AGENTS


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/beta/agent-data/abc", "DELETE, GET, HEAD, PUT"),
        ("PATCH", "/api/v1/beta/agent-data/:search", "POST"),  # the literal path wins over {item_id}
        ("GET", "/api/v1/beta/agent-data", "POST"),
        ("PUT", "/api/v1/files/abc", "DELETE, GET, HEAD"),
    ],
)
def test_a_405_lists_every_method_of_the_path(client, method, path, allow):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_empty_id_names_nothing(client, method):
    response = client.request(method, f"{AGENTS}/", json={"config": {}, "data_schema": {"type": "object"}})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_a_trailing_slash_on_a_collection_still_reaches_it(client):
    assert client.post(f"{AGENTS}/", json={}, follow_redirects=False).status_code == 307


def test_an_upload_without_a_body_is_a_missing_part(client):
    response = client.post("/api/v1/files", headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["body", "upload_file"], "msg": "Field required", "input": None}]
    }


def test_a_broken_multipart_body_is_400_as_fastapi_words_it(client):
    response = client.post(
        "/api/v1/files",
        content=b"--x\r\nContent-Disposition: form-data; name=upload_file\r\n\r\nno closing boundary",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}


def test_a_content_url_lives_at_most_seven_days(client):
    file = client.post("/api/v1/files", files={"upload_file": ("a.txt", b"x", "text/plain")}).json()
    too_long = client.get(f"/api/v1/files/{file['id']}/content", params={"expires_at_seconds": 604801})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "expires_at_seconds"]
    week = client.get(f"/api/v1/files/{file['id']}/content", params={"expires_at_seconds": 604800})
    assert week.status_code == 200


@pytest.mark.parametrize("base", ["/api/v1", "/api", "/llamacloud"])
def test_a_base_url_with_a_path_is_a_404_naming_the_base_url_to_use(client, base):
    response = client.post(f"{base}/api/v1/beta/agent-data/:search", json={"deployment_name": "d"})
    assert response.status_code == 404
    root = str(client.base_url).rstrip("/")
    assert response.json() == {
        "detail": f"Not Found: no API is served under {base}. The API's base URL is the server's root: "
        f"give the client {root}, not {root}{base} (the SDKs add /api/v1 themselves)."
    }


def test_an_unknown_path_is_fastapis_404(client):
    assert client.get("/nope").json() == {"detail": "Not Found"}
    assert client.get("/api/v1/nope").json() == {"detail": "Not Found"}
