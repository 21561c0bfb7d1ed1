"""Who signs employees in: the stack's own Cognito user pool, or the company's OIDC issuer.

    employee --sign in--> issuer --ID token--> submit function (verifies it against the JWKS)

By default a Cognito user pool (email addresses as user names, compared without regard to case,
accounts created by an administrator only, email verified, a second factor by authenticator app
as `mfa` says), its hosted sign-in page on a Cognito domain, and an app client without a secret
that signs people in there with the authorization code flow and PKCE, returning them to the
employees' app; it never takes a password outside SRP (no `USER_PASSWORD_AUTH`). The client's
settings are `components/app_client.py`'s, which the sandbox's hosted sign-in enforces. With
`oidcIssuer` set, nothing is created: the submit function trusts that issuer's ID tokens for
`oidcAudience`.

Attributes: `issuer`, `audience`, `jwks_url` (Outputs the submit function is configured with),
`sign_in_url` (the hosted sign-in, None with an external issuer), and with Cognito
`user_pool`, `domain`, `client`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.app_client import employees_app_client
from components.config import ExternalIdentityProvider, Mfa
from components.naming import Naming

MIN_PASSWORD_LENGTH = 12
# The user pool's own names for each `mfa` setting.
COGNITO_MFA = {Mfa.OFF: "OFF", Mfa.OPTIONAL: "OPTIONAL", Mfa.REQUIRED: "ON"}
# Cognito creates a pool with case-sensitive user names unless told otherwise, and cannot change
# it later: a change replaces the pool, with its users (docs/deploying.md says how to move them).
REPLACES_THE_USER_POOL = ["usernameConfiguration"]


def hosted_sign_in_url(domain_prefix: str, region: str) -> str:
    return f"https://{domain_prefix}.auth.{region}.amazoncognito.com"


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


@dataclass(frozen=True)
class SignInArgs:
    naming: Naming
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # Where the hosted sign-in sends people back to: the employees' app.
    app_url: pulumi.Input[str]
    # None: the stack's own Cognito user pool.
    external: ExternalIdentityProvider | None = None
    deletion_protection: bool = True
    mfa: Mfa = Mfa.OPTIONAL


class SignIn(pulumi.ComponentResource):
    issuer: pulumi.Output[str]
    audience: pulumi.Output[str]
    jwks_url: pulumi.Output[str] | None
    sign_in_url: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: SignInArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("leave:sign_in:SignIn", name, None, opts)
        self.user_pool: aws.cognito.UserPool | None = None
        self.client: aws.cognito.UserPoolClient | None = None
        self.domain: aws.cognito.UserPoolDomain | None = None
        self.sign_in_url = None
        if args.external is not None:
            self.issuer = pulumi.Output.from_input(args.external.issuer)
            self.audience = pulumi.Output.from_input(args.external.audience)
            self.jwks_url = (
                pulumi.Output.from_input(args.external.jwks_url) if args.external.jwks_url else None
            )
        else:
            self._cognito(name, args)
        self.register_outputs({"issuer": self.issuer, "audience": self.audience})

    def _cognito(self, name: str, args: SignInArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        self.user_pool = aws.cognito.UserPool(
            f"{name}-users",
            name=args.naming.resource_name("employees", 128, "Cognito user pool"),
            username_attributes=["email"],
            # Alice@ and alice@ are one person here, so one account at Cognito too.
            username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(
                case_sensitive=False
            ),
            auto_verified_attributes=["email"],
            mfa_configuration=COGNITO_MFA[args.mfa],
            # A one-time code from an authenticator app (no SMS: no SNS role, no phone numbers).
            software_token_mfa_configuration=(
                aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True)
                if args.mfa is not Mfa.OFF
                else None
            ),
            # Employees are added by the company, never sign themselves up: an address in a
            # token is then one the company vouches for.
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=True
            ),
            password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                minimum_length=MIN_PASSWORD_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_numbers=True,
                require_symbols=False,
                temporary_password_validity_days=7,
            ),
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[
                    aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                        name="verified_email", priority=1
                    )
                ]
            ),
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=REPLACES_THE_USER_POOL),
        )
        # Its settings are declared once, with the sandbox's hosted sign-in enforcing them.
        settings = employees_app_client(args.app_url)
        self.client = aws.cognito.UserPoolClient(
            f"{name}-client",
            name=args.naming.resource_name("employees", 128, "Cognito app client"),
            user_pool_id=self.user_pool.id,
            generate_secret=settings.generate_secret,
            allowed_oauth_flows_user_pool_client=settings.allowed_oauth_flows_user_pool_client,
            allowed_oauth_flows=list(settings.allowed_oauth_flows),
            allowed_oauth_scopes=list(settings.allowed_oauth_scopes),
            supported_identity_providers=list(settings.supported_identity_providers),
            callback_urls=list(settings.callback_urls),
            logout_urls=list(settings.logout_urls),
            explicit_auth_flows=list(settings.explicit_auth_flows),
            id_token_validity=settings.id_token_validity.amount,
            access_token_validity=settings.access_token_validity.amount,
            refresh_token_validity=settings.refresh_token_validity.amount,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                id_token=settings.id_token_validity.unit,
                access_token=settings.access_token_validity.unit,
                refresh_token=settings.refresh_token_validity.unit,
            ),
            read_attributes=(
                list(settings.read_attributes) if settings.read_attributes is not None else None
            ),
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            opts=child,
        )
        args.naming.sign_in_domain_prefix("0" * 12)  # a bad name fails now, not mid-deploy
        self.domain = aws.cognito.UserPoolDomain(
            f"{name}-domain",
            domain=pulumi.Output.from_input(args.account_id).apply(
                args.naming.sign_in_domain_prefix
            ),
            user_pool_id=self.user_pool.id,
            # The classic hosted UI: it needs no branding resources.
            managed_login_version=1,
            # A new pool takes over the same prefix: the old pool's domain must go first.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.sign_in_url = pulumi.Output.all(self.domain.domain, args.region).apply(
            lambda where: hosted_sign_in_url(where[0], where[1])
        )
        self.issuer = pulumi.Output.all(args.region, self.user_pool.id).apply(
            lambda where: cognito_issuer(where[0], where[1])
        )
        self.audience = self.client.id
        self.jwks_url = self.issuer.apply(lambda issuer: f"{issuer}/.well-known/jwks.json")
