"""The stack's settings: one model (`stack_settings`), read from stack config or the package's
inputs (`loading`), into what the components read (`service_config`)."""

from components.config.loading import ConfigError, load_config, load_inputs
from components.config.service_config import (
    EXECUTION_TIMEOUT_MARGIN_SECONDS,
    LOG_RETENTION_DAYS,
    MAX_APPROVAL_TIMEOUT_SECONDS,
    MAX_EXECUTION_TIMEOUT_SECONDS,
    ExternalIdentityProvider,
    Mfa,
    ServiceConfig,
)
from components.config.stack_settings import StackSettings

__all__ = [
    "EXECUTION_TIMEOUT_MARGIN_SECONDS",
    "LOG_RETENTION_DAYS",
    "MAX_APPROVAL_TIMEOUT_SECONDS",
    "MAX_EXECUTION_TIMEOUT_SECONDS",
    "ConfigError",
    "ExternalIdentityProvider",
    "Mfa",
    "ServiceConfig",
    "StackSettings",
    "load_config",
    "load_inputs",
]
