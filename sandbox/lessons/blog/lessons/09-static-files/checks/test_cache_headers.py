import re


def test_static_files_can_be_cached(db, client):
    """Static files tell browsers how long to keep them"""
    for path in ("/static/style.css", "/static/logo.svg"):
        response = client.get(path, expect_errors=True)
        assert response.status_int == 200, f"{path} answered {response.status}."
        header = response.headers.get("Cache-Control", "")
        assert header, (
            f"{path} came back with no Cache-Control header. Set it on the answer that static_file gives back: "
            "reply = static_file(...), then reply.set_header(\"Cache-Control\", \"public, max-age=3600\")."
        )
        match = re.search(r"max-age=(\d+)", header)
        assert match and int(match.group(1)) > 0, (
            f"{path} has Cache-Control: {header}. Give it a max-age of some seconds, like public, max-age=3600."
        )
