"""HTTPS from --tls-cert/--tls-key: the client verifies the server against the CA in the target file."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest
import trustme
from serverkit import OK, SUITE, answer, envelope, launch


def test_https_with_a_verified_certificate(tmp_path, marker):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    pem = str(tmp_path / "server.pem")
    ca_pem = str(tmp_path / "ca.pem")
    srv = launch(tmp_path, "--tls-cert", pem, "--tls-key", pem, "--tls-ca", ca_pem, config=SUITE)
    try:
        assert srv.url.startswith("https://127.0.0.1:")
        assert srv.target["tls"] == {"ca": str(tmp_path / "ca.pem"), "verify": True}
        assert srv.target["readback"]["url"] == srv.url
        assert answer(srv.post("/services/collector", json.dumps(envelope(marker)))) == OK
        assert len(srv.query(f"hec_case={marker}")) == 1
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{srv.url}/services/collector/health", verify=ssl.create_default_context())
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(srv.url.replace("https:", "http:") + "/services/collector/health")
        assert srv.healthy()
    finally:
        assert srv.stop() == 0
