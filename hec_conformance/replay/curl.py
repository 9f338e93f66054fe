"""`hecc capture curl`: one shell command per request (curl), tokens from the environment or a target."""

from __future__ import annotations

import base64
import re
import shlex

from hec_conformance.replay.capture import ROLE_PLACEHOLDER, Exchange
from hec_conformance.replay.roles import fill

_SKIPPED = {"host", "content-length", "transfer-encoding", "expect"}


def env_name(role: str) -> str:
    """The environment variable holding a role's token: HEC_TOKEN_DEFAULT, HEC_TOKEN_OTHER_REPO, ..."""
    return "HEC_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", role.upper())


def _shell(value: str) -> str:
    """Single-quoted text, with role placeholders left to the shell as "$HEC_TOKEN_ROLE"."""
    out, pos = [], 0
    for m in ROLE_PLACEHOLDER.finditer(value):
        out.append(shlex.quote(value[pos : m.start()]) if m.start() > pos else "")
        if m.group(1):
            out.append(f'"${env_name(m.group(1))}"')
        else:  # Basic: base64 of user:token, computed by the shell
            user = shlex.quote(m.group(3) + ":")
            out.append(f'"$(printf %s {user}"${env_name(m.group(2))}" | base64 -w0)"')
        pos = m.end()
    if pos < len(value) or not out:
        out.append(shlex.quote(value[pos:]))
    return "".join(out)


def curl_command(ex: Exchange, base_url: str | None, tokens: dict[str, str] | None) -> str:
    """A curl command sending this request's body byte-exact (base64-decoded through a pipe if binary)."""
    headers, query = (ex.headers, ex.query) if tokens is None else fill(ex.headers, ex.query, tokens)
    url = (
        (base_url.rstrip("/") if base_url else "${HEC_URL}")
        + ex.path
        + ("" if query is None else f"?{query}")
    )
    url_arg = _shell(url) if base_url else '"${HEC_URL}"' + _shell(url[len("${HEC_URL}") :])
    parts = ["curl", "-sS", "--http1.1", "-X", ex.method, url_arg]
    for name, value in headers:
        if name.lower() not in _SKIPPED:
            parts += ["-H", _shell(f"{name}: {value}")]
    if not ex.body:
        return " ".join(parts)
    try:
        text = ex.body.decode("utf-8")
        if "\x00" in text:
            raise UnicodeDecodeError("utf-8", ex.body, 0, 1, "NUL")
    except UnicodeDecodeError:
        data = base64.b64encode(ex.body).decode("ascii")
        return f"printf %s {data} | base64 -d | " + " ".join([*parts, "--data-binary", "@-"])
    return " ".join([*parts, "--data-binary", shlex.quote(text)])
