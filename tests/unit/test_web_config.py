"""B8: the page's config.json in AWS comes from the stack's outputs (make deploy-web)."""

from __future__ import annotations

import pytest

from infra.web_config import config_from_outputs

OUTPUTS = {
    "WebUrl": "https://d111111abcdef8.cloudfront.net/",
    "UserPoolDomainUrl": "https://skysentral-dev-123456789012.auth.eu-central-1.amazoncognito.com",
    "UserPoolClientId": "3n4b5urk1ft4fl3mg5e62d9ado",
    "SwitchboardSocketUrl": "wss://abc123.execute-api.eu-central-1.amazonaws.com/dev",
}


@pytest.mark.feature("B8")
def test_the_page_logs_in_through_the_hosted_ui_and_calls_the_api_on_its_own_origin() -> None:
    config = config_from_outputs(OUTPUTS)
    assert config["auth"] == "cognito" and config["api"] == "/api"
    assert config["socket"] == OUTPUTS["SwitchboardSocketUrl"]
    assert config["cognito"] == {
        "domain": OUTPUTS["UserPoolDomainUrl"],
        "client_id": OUTPUTS["UserPoolClientId"],
        "redirect_uri": OUTPUTS["WebUrl"],
        "scope": "openid email profile",
    }


@pytest.mark.feature("B8")
def test_without_a_socket_output_the_page_polls_and_without_the_web_outputs_it_refuses() -> None:
    assert config_from_outputs({k: v for k, v in OUTPUTS.items() if k != "SwitchboardSocketUrl"})["socket"] == ""
    with pytest.raises(ValueError, match="WebUrl"):
        config_from_outputs({"UserPoolClientId": "x"})
