"""The policy tests run the program under mocks too: quiet pulumi_aws as the Pulumi tests do."""

import tests.pulumi.conftest  # noqa: F401
