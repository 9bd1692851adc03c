"""F10: Cognito's Pre Token Generation trigger (V1_0): administrators sign in with MFA, and
their ID token says so. Thin: the service decides."""

from aws_lambda_powertools import Logger

from skysentral.services import strong_login

logger = Logger()


@logger.inject_lambda_context
def handler(event, context):
    logger.append_keys(trigger_source=event.get("triggerSource"), user_pool_id=event.get("userPoolId"))
    return strong_login.pre_token_generation(event)
