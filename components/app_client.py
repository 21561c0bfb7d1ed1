"""The employees' Cognito app client, declared once: what `components/sign_in.py` creates as an
`aws.cognito.UserPoolClient`, and what the sandbox's hosted sign-in (`sandbox/hosted_sign_in.py`)
enforces, so a setting that would lock employees out on AWS locks them out of the sandbox too.

Here rather than in `handlers/domain`: no function reads it, so it stays out of the code
archive; like `throttling`, nothing here imports Pulumi. The callback URLs are the employees'
app, an Output on AWS and a plain address in the sandbox: `AppClientSettings` is generic in
their type.

Cognito's defaults are written out where the client relies on them (sources named), so the
sandbox applies what Cognito applies to a setting the program leaves unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Url = TypeVar("Url")

# Seconds in each unit Cognito's `TokenValidityUnits` takes (botocore's `TimeUnitsType`).
SECONDS_PER_UNIT = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}
# The ranges the CreateUserPoolClient API reference gives for each token ("TokenValidityUnits":
# ID and access tokens from five minutes to one day; refresh tokens from 60 minutes to 10 years).
ID_AND_ACCESS_TOKEN_SECONDS = (5 * 60, 86_400)
REFRESH_TOKEN_SECONDS = (60 * 60, 10 * 365 * 86_400)
# A user pool's standard attributes (Amazon Cognito Developer Guide, "Working with user
# attributes", "Standard attributes"), the OpenID Connect standard claims but `sub` and the two
# `_verified` flags.
STANDARD_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "updated_at",
        "website",
        "zoneinfo",
    }
)
# What a client without `ReadAttributes` may read (CreateUserPoolClient API reference,
# `ReadAttributes`: "When you don't specify the ReadAttributes for your app client, your app can
# read the values of email_verified, phone_number_verified, and the standard attributes of your
# user pool"; custom attributes are not among them).
DEFAULT_READ_ATTRIBUTES = STANDARD_ATTRIBUTES | {"email_verified", "phone_number_verified"}


class AppClientSettingError(ValueError):
    """A setting Cognito's CreateUserPoolClient would refuse: the deploy would fail."""


@dataclass(frozen=True)
class TokenValidity:
    """How long a token lasts, as Cognito takes it: an amount and its unit."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in SECONDS_PER_UNIT:
            raise AppClientSettingError(
                f"Cognito app client: token validity unit {self.unit!r} is not one of "
                f"{', '.join(SECONDS_PER_UNIT)} (TimeUnitsType)"
            )

    @property
    def seconds(self) -> int:
        return self.amount * SECONDS_PER_UNIT[self.unit]


@dataclass(frozen=True)
class AppClientSettings(Generic[Url]):
    """One Cognito app client's settings, named as CreateUserPoolClient names them."""

    callback_urls: tuple[Url, ...]
    logout_urls: tuple[Url, ...]
    allowed_oauth_flows_user_pool_client: bool
    allowed_oauth_flows: tuple[str, ...]
    allowed_oauth_scopes: tuple[str, ...]
    supported_identity_providers: tuple[str, ...]
    explicit_auth_flows: tuple[str, ...]
    generate_secret: bool
    id_token_validity: TokenValidity
    access_token_validity: TokenValidity
    refresh_token_validity: TokenValidity
    # None: Cognito's default (`DEFAULT_READ_ATTRIBUTES`); the client then sends none.
    read_attributes: tuple[str, ...] | None
    # The project's rule, not a Cognito setting: Cognito gives a public client a code without a
    # PKCE challenge (and then asks no verifier); the sandbox refuses one, so an app that stopped
    # sending a challenge is caught before it is deployed.
    require_pkce: bool

    def __post_init__(self) -> None:
        for name, validity, (least, most) in (
            ("ID token", self.id_token_validity, ID_AND_ACCESS_TOKEN_SECONDS),
            ("access token", self.access_token_validity, ID_AND_ACCESS_TOKEN_SECONDS),
            ("refresh token", self.refresh_token_validity, REFRESH_TOKEN_SECONDS),
        ):
            if not least <= validity.seconds <= most:
                raise AppClientSettingError(
                    f"Cognito app client: {name} validity {validity.amount} {validity.unit} is "
                    f"outside {least} to {most} seconds (CreateUserPoolClient, "
                    "TokenValidityUnits)"
                )
        oauth = (self.callback_urls, self.allowed_oauth_flows, self.allowed_oauth_scopes)
        if any(oauth) and not self.allowed_oauth_flows_user_pool_client:
            raise AppClientSettingError(
                "Cognito app client: callback URLs, OAuth flows and scopes need "
                "AllowedOAuthFlowsUserPoolClient true (CreateUserPoolClient)"
            )

    @property
    def readable_attributes(self) -> frozenset[str]:
        """What the client may read of a user, so what its ID tokens may carry."""
        if self.read_attributes is None:
            return DEFAULT_READ_ATTRIBUTES
        return frozenset(self.read_attributes)

    @property
    def refreshes(self) -> bool:
        """Whether the client may refresh a session, so gets a refresh token at sign-in."""
        return "ALLOW_REFRESH_TOKEN_AUTH" in self.explicit_auth_flows


def employees_app_client(app_url: Url) -> AppClientSettings[Url]:
    """The employees' app's client: a public client (a browser, the CLI: no secret to keep)
    that signs people in at the hosted sign-in with the authorization code flow and PKCE, back
    to the employees' app only."""
    return AppClientSettings(
        callback_urls=(app_url,),
        logout_urls=(app_url,),
        allowed_oauth_flows_user_pool_client=True,
        # No implicit grant: no tokens in URLs.
        allowed_oauth_flows=("code",),
        # What the hosted sign-in may put in a token: who the employee is, by their address.
        allowed_oauth_scopes=("openid", "email"),
        supported_identity_providers=("COGNITO",),
        # Secure Remote Password (the hosted sign-in; the password never leaves the browser) and
        # refreshing a session. A password sent as such (USER_PASSWORD_AUTH) is not accepted.
        explicit_auth_flows=("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
        generate_secret=False,
        # How long an ID token lets its employee in before they sign in again (Cognito's
        # default length, in minutes as the console shows it).
        id_token_validity=TokenValidity(60, "minutes"),
        access_token_validity=TokenValidity(60, "minutes"),
        # Cognito's default (CreateUserPoolClient, RefreshTokenValidity: 30 days), written out.
        refresh_token_validity=TokenValidity(30, "days"),
        read_attributes=None,
        require_pkce=True,
    )
