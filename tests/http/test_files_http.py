"""Files v1 over HTTP: upload, metadata, listing, deletion, signed content URLs, storage."""

from __future__ import annotations

import pytest

from mockserver.app import create_app
from mockserver.config import Config
from tests.support import AUTH, FILES, ok  # AUTH: for the apps these tests create themselves

ALL_BYTES = bytes(range(256)) * 4


def upload(client, name="report.pdf", content=b"%PDF-1.4 hello", content_type="application/pdf", **params):
    return client.post(FILES, params=params, files={"upload_file": (name, content, content_type)})


def post_raw_part(client, disposition: bytes, content: bytes = b"x"):
    """A multipart body written by hand: httpx would percent-encode control characters in names."""
    body = b"--b\r\nContent-Disposition: form-data; " + disposition + b"\r\n\r\n" + content + b"\r\n--b--\r\n"
    return client.post(FILES, content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})


def path_of(url: str) -> str:
    assert url.startswith("http://testserver/files-content/")
    return url.removeprefix("http://testserver")


def test_upload_get_list_delete(client):
    file = ok(upload(client, external_file_id="/data/in/report.pdf", project_id="p1"))
    assert set(file) == {
        "id",
        "name",
        "project_id",
        "external_file_id",
        "file_size",
        "file_type",
        "purpose",
        "data_source_id",
        "permission_info",
        "resource_info",
        "created_at",
        "updated_at",
        "last_modified_at",
        "expires_at",
    }  # the wire File: no content_type
    assert (file["name"], file["project_id"], file["external_file_id"]) == ("report.pdf", "p1", "/data/in/report.pdf")
    assert (file["file_size"], file["file_type"], file["purpose"]) == (14, "pdf", None)
    assert ok(client.get(f"{FILES}/{file['id']}")) == file
    assert ok(client.get(f"{FILES}/{file['id']}", params={"project_id": "p1"})) == file
    assert client.get(f"{FILES}/{file['id']}", params={"project_id": "p2"}).status_code == 404

    second = ok(upload(client, name="notes.txt", content=b"hi", content_type="text/plain", project_id="p1"))
    ok(upload(client, name="elsewhere.txt", project_id="p2"))
    assert [f["id"] for f in ok(client.get(FILES, params={"project_id": "p1"}))] == [file["id"], second["id"]]
    assert [f["name"] for f in ok(client.get(FILES, params={"project_id": "p1", "file_name": "notes.txt"}))] == [
        "notes.txt"
    ]
    by_external = ok(
        client.get(FILES, headers={"Project-Id": "p1"}, params={"external_file_id": "/data/in/report.pdf"})
    )
    assert [f["id"] for f in by_external] == [file["id"]]
    assert second["external_file_id"] == "notes.txt"  # defaults to the name

    deleted = client.delete(f"{FILES}/{file['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = client.get(f"{FILES}/{file['id']}")
    assert (missing.status_code, missing.json()) == (404, {"detail": f"File '{file['id']}' not found"})
    assert client.delete(f"{FILES}/{file['id']}").status_code == 404
    assert client.get(f"{FILES}/{file['id']}/content").status_code == 404


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\invoice.pdf", "invoice.pdf"),
        ("..", "file"),
        ("  spaced.txt  ", "spaced.txt"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_names_are_sanitized(client, raw, clean):
    file = ok(upload(client, name=raw))
    assert file["name"] == clean


def test_control_characters_are_dropped_from_names(client):
    file = ok(post_raw_part(client, b'name="upload_file"; filename="bell\x07and\x1bnul.txt"'))
    assert file["name"] == "bellandnul.txt"


def test_content_urls_serve_the_exact_bytes_without_auth(client):
    file = ok(upload(client, name="blob.bin", content=ALL_BYTES, content_type="application/x-custom"))
    signed = ok(client.get(f"{FILES}/{file['id']}/content"))
    assert set(signed) == {"url", "expires_at", "form_fields"} and signed["form_fields"] is None
    downloaded = client.get(path_of(signed["url"]), headers={"Authorization": ""})
    assert downloaded.status_code == 200
    assert downloaded.content == ALL_BYTES
    assert downloaded.headers["content-type"] == "application/x-custom"


def test_content_types_are_recorded_or_guessed(client):
    guessed = ok(upload(client, name="data.csv", content=b"a,b\n1,2\n", content_type="application/octet-stream"))
    url = ok(client.get(f"{FILES}/{guessed['id']}/content"))["url"]
    assert client.get(path_of(url)).headers["content-type"] == "text/csv; charset=utf-8"
    unknown = ok(upload(client, name="file", content=b"\x00\x01", content_type="application/octet-stream"))
    url = ok(client.get(f"{FILES}/{unknown['id']}/content"))["url"]
    assert client.get(path_of(url)).headers["content-type"] == "application/octet-stream"
    assert unknown["file_type"] is None


def test_tampered_and_expired_urls_are_refused(make_client):
    client = make_client(virtual_clock=True)
    file = ok(upload(client))
    signed = ok(client.get(f"{FILES}/{file['id']}/content", params={"expires_at_seconds": 60}))
    path = path_of(signed["url"])
    tampered = client.get(path[:-1] + ("0" if path[-1] != "0" else "1"))
    assert tampered.status_code == 403
    assert tampered.json()["detail"].startswith("The signature of this URL does not match")
    other = ok(upload(client))
    assert client.get(path.replace(file["id"], other["id"])).status_code == 403  # a URL is for its file only
    client.post("/_mock/clock/advance", json={"seconds": 60})
    assert client.get(path).status_code == 200  # valid through its expiry instant
    client.post("/_mock/clock/advance", json={"seconds": 1})
    expired = client.get(path)
    assert (expired.status_code, expired.json()["detail"]) == (
        403,
        "This URL has expired: request a new one from GET /api/v1/files/{id}/content.",
    )
    assert client.get("/files-content/nofile/123.abc").status_code == 404
    assert client.get(f"{FILES}/{file['id']}/content", params={"expires_at_seconds": 0}).status_code == 422


def test_size_limit_and_upload_errors(make_client):
    client = make_client(max_file_size=1000)
    assert ok(upload(client, content=b"x" * 1000))["file_size"] == 1000
    too_large = upload(client, content=b"x" * 1001)
    assert too_large.status_code == 413
    assert too_large.json() == {
        "detail": "The file is 1001 bytes, more than this server accepts (1000 bytes; see --max-file-size)."
    }
    missing = client.post(FILES, files={"file": ("a.txt", b"x", "text/plain")})
    assert (missing.status_code, missing.json()) == (
        422,
        {"detail": [{"type": "missing", "loc": ["body", "upload_file"], "msg": "Field required", "input": None}]},
    )
    not_a_file = post_raw_part(client, b'name="upload_file"', b"just text")
    assert not_a_file.status_code == 422
    assert not_a_file.json()["detail"][0]["loc"] == ["body", "upload_file"]
    assert ok(client.get(FILES)) == [ok(client.get(FILES))[0]]  # only the first upload was stored
    assert (
        client.post(
            FILES, files={"upload_file": ("a.txt", b"x", "text/plain")}, headers={"Authorization": ""}
        ).status_code
        == 401
    )


def test_without_db_nothing_is_written(client, tmp_path):
    ok(upload(client))
    assert list(tmp_path.iterdir()) == []


def test_with_db_bytes_live_beside_it_and_survive_a_restart(tmp_path):
    db = tmp_path / "state.json"
    config = Config(db_path=db, validate_responses=True)
    with create_app(config).test_client(headers=AUTH) as client:
        kept = ok(upload(client, name="kept.bin", content=ALL_BYTES))
        doomed = ok(upload(client, name="doomed.bin", content=b"bye"))
        assert sorted(p.name for p in (tmp_path / "state.json.files").iterdir()) == sorted([kept["id"], doomed["id"]])
        assert client.delete(f"{FILES}/{doomed['id']}").status_code == 204
        assert [p.name for p in (tmp_path / "state.json.files").iterdir()] == [kept["id"]]
    (tmp_path / "state.json.files" / "orphan").write_bytes(b"left by a crash")

    with create_app(config).test_client(headers=AUTH) as client:
        assert ok(client.get(f"{FILES}/{kept['id']}")) == kept
        url = ok(client.get(f"{FILES}/{kept['id']}/content"))["url"]
        assert client.get(path_of(url)).content == ALL_BYTES
    assert [p.name for p in (tmp_path / "state.json.files").iterdir()] == [kept["id"]]  # the orphan is gone
